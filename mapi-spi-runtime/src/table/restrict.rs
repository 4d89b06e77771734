//! Restrictions (`Restrict`, `FindRow`): a caller's `SRestriction` read into an owned
//! [`Restriction`] tree, checked whole before a view changes, then evaluated on rows.
//!
//! Reading refuses, with nothing changed, with a [`Refused`] that says what was wrong (which
//! restriction type, operator, column or level), for the view's `GetLastError`:
//! - `MAPI_E_INVALID_PARAMETER`: a NULL pointer where a structure is required, an unknown
//!   restriction type, relational operator, fuzzy level or bitmask relation, a value that
//!   [`Property::from_raw`] refuses, a value whose type does not match its column (8-bit and
//!   Unicode text match each other), a content restriction on a column that is not text or
//!   binary, a bitmask on a column that is not `PT_LONG`, `COMPAREPROPS` on columns of two
//!   types, a `RES_SUBRESTRICTION` on a sub-object other than `PR_MESSAGE_RECIPIENTS` and
//!   `PR_MESSAGE_ATTACHMENTS`;
//! - `MAPI_E_TOO_COMPLEX`: what this engine does not evaluate: `RELOP_RE` (regular
//!   expressions), `FL_IGNORENONSPACE` (no diacritic folding here), a `RES_SUBRESTRICTION`
//!   inside another (recipients and attachments have no sub-objects of their own), and trees
//!   nested more than [`MAX_DEPTH`] levels. A view refuses `RES_SUBRESTRICTION` the same way
//!   when its table has no [`SubObjects`] to ask for a row's recipients or attachments, as the
//!   docs ask of tables that do not support sub-object restrictions.
//!
//! Evaluation follows the docs: a condition on a column the row lacks (or holds as
//! `PT_ERROR`) is false (combine with `RES_EXIST` to be explicit); values order as
//! [`sort`](super::sort) orders them; a column tag with `MVI_FLAG` matches when any one value
//! of the row's multi-valued property matches, and a multi-valued column without it compares
//! as a whole (a tuple). `FL_LOOSE` matches as `FL_IGNORECASE` does; ignoring case is Unicode
//! lowercasing of both sides. `RES_SIZE` measures a value as MAPI stores it: the fixed size of
//! its type, text with its terminating NUL (8-bit: bytes; Unicode: 2 bytes per UTF-16 unit),
//! binaries' `cb`, and multi-valued values as the sum of their elements. `RES_COMMENT`
//! evaluates its restriction (true without one). `RES_SUBRESTRICTION` holds when at least one
//! row of the row's recipient (or attachment) table satisfies its restriction ("a message
//! qualifies if at least one recipient satisfies the subobject restriction"), the rows coming
//! from the table's [`SubObjects`]; false for a row that has none. An empty `RES_AND` is true,
//! an empty `RES_OR` false.

use core::cmp::Ordering;

use super::sort::compare_values;
use super::{Row, SubObjects};
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_TOO_COMPLEX};
use crate::flags::*;
use crate::props::value::{is_text_type, is_value_type};
use crate::props::{PropValue, Property, ansi};
use crate::provider::ProviderError;
use crate::tags::{
    MV_FLAG, MV_INSTANCE, PR_MESSAGE_ATTACHMENTS, PR_MESSAGE_RECIPIENTS, PT_BINARY, PT_LONG,
    PT_STRING8, PT_UNICODE, prop_type,
};
use crate::types::{SPropValue, SRestriction};

/// How deep a caller's restriction may nest: deeper trees (or a cycle of pointers) answer
/// `MAPI_E_TOO_COMPLEX` instead of exhausting the stack.
pub const MAX_DEPTH: usize = 128;

/// Why a restriction is refused: its code and what was wrong, for `GetLastError`.
pub type Refused = ProviderError;

/// `MAPI_E_INVALID_PARAMETER`, saying what is malformed.
fn invalid(what: impl Into<String>) -> Refused {
    ProviderError::new(MAPI_E_INVALID_PARAMETER, what)
}

/// `MAPI_E_TOO_COMPLEX`, saying what this engine does not evaluate.
fn too_complex(what: impl Into<String>) -> Refused {
    ProviderError::new(MAPI_E_TOO_COMPLEX, what)
}

/// `RELOP_*` other than `RELOP_RE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relop {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Relop {
    fn from_raw(relop: u32) -> Result<Self, Refused> {
        Ok(match relop {
            RELOP_LT => Relop::Lt,
            RELOP_LE => Relop::Le,
            RELOP_GT => Relop::Gt,
            RELOP_GE => Relop::Ge,
            RELOP_EQ => Relop::Eq,
            RELOP_NE => Relop::Ne,
            RELOP_RE => {
                return Err(too_complex(
                    "RELOP_RE (a regular expression) is not supported",
                ));
            }
            _ => return Err(invalid(format!("unknown relational operator {relop}"))),
        })
    }

    /// Whether `order` (row value against the restriction's) satisfies the operator.
    pub fn holds(self, order: Ordering) -> bool {
        match self {
            Relop::Lt => order.is_lt(),
            Relop::Le => order.is_le(),
            Relop::Gt => order.is_gt(),
            Relop::Ge => order.is_ge(),
            Relop::Eq => order.is_eq(),
            Relop::Ne => order.is_ne(),
        }
    }
}

/// Where a content restriction's value must appear (`FL_FULLSTRING`, `FL_SUBSTRING`,
/// `FL_PREFIX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fuzzy {
    Full,
    Substring,
    Prefix,
}

/// What a content restriction looks for: text (lowercased when case is ignored) or bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Needle {
    Text { text: String, ignore_case: bool },
    Bytes(Vec<u8>),
}

/// A checked restriction, owning its values.
#[derive(Clone, Debug, PartialEq)]
pub enum Restriction {
    And(Vec<Restriction>),
    Or(Vec<Restriction>),
    Not(Box<Restriction>),
    Content {
        tag: u32,
        fuzzy: Fuzzy,
        needle: Needle,
    },
    Property {
        relop: Relop,
        tag: u32,
        value: PropValue,
    },
    CompareProps {
        relop: Relop,
        tag1: u32,
        tag2: u32,
    },
    BitMask {
        nonzero: bool,
        tag: u32,
        mask: u32,
    },
    Size {
        relop: Relop,
        tag: u32,
        size: u32,
    },
    Exist {
        tag: u32,
    },
    /// A condition on the rows of a sub-object table: `object` is `PR_MESSAGE_RECIPIENTS` or
    /// `PR_MESSAGE_ATTACHMENTS`.
    Sub {
        object: u32,
        restriction: Box<Restriction>,
    },
    Comment {
        props: Vec<Property>,
        restriction: Option<Box<Restriction>>,
    },
}

impl Restriction {
    /// A content restriction on `tag` for `value` (text or binary), as `FL_*` `fuzzy_level`
    /// says; errors as reading an `SContentRestriction` does.
    pub fn content(tag: u32, fuzzy_level: u32, value: &PropValue) -> Result<Self, Refused> {
        let fuzzy = match fuzzy_level & 0xFFFF {
            FL_FULLSTRING => Fuzzy::Full,
            FL_SUBSTRING => Fuzzy::Substring,
            FL_PREFIX => Fuzzy::Prefix,
            level => return Err(invalid(format!("RES_CONTENT: unknown fuzzy level {level}"))),
        };
        let options = fuzzy_level & !0xFFFF;
        let unknown = options & !(FL_IGNORECASE | FL_IGNORENONSPACE | FL_LOOSE);
        if unknown != 0 {
            return Err(invalid(format!(
                "RES_CONTENT: unknown fuzzy level options 0x{unknown:08X}"
            )));
        }
        if options & FL_IGNORENONSPACE != 0 {
            return Err(too_complex(
                "RES_CONTENT with FL_IGNORENONSPACE is not supported (no diacritic folding)",
            ));
        }
        let ignore_case = options & (FL_IGNORECASE | FL_LOOSE) != 0;
        let column = prop_type(tag) & !MVI_FLAG_BITS;
        let needle = match (column, value) {
            (PT_STRING8 | PT_UNICODE, PropValue::String8(bytes)) => {
                text_needle(ansi::decode(bytes), ignore_case)
            }
            (PT_STRING8 | PT_UNICODE, PropValue::Unicode(text)) => {
                text_needle(text.to_string(), ignore_case)
            }
            (PT_BINARY, PropValue::Binary(bytes)) => Needle::Bytes(bytes.clone()),
            _ => {
                return Err(invalid(format!(
                    "RES_CONTENT on column 0x{tag:08X}: it looks for text or binary of the \
                     column's type, not type 0x{:04X}",
                    value.prop_type()
                )));
            }
        };
        Ok(Restriction::Content { tag, fuzzy, needle })
    }

    /// A property restriction: `value`'s type must be the column's (without `MVI_FLAG`, whose
    /// values are compared one by one), text of either width matching text.
    pub fn property(relop: u32, tag: u32, value: PropValue) -> Result<Self, Refused> {
        let relop = Relop::from_raw(relop)?;
        check_column(tag)?;
        let column = if prop_type(tag) & MV_INSTANCE != 0 {
            prop_type(tag) & !MVI_FLAG_BITS
        } else {
            prop_type(tag)
        };
        if !same_type(column, value.prop_type()) {
            return Err(invalid(format!(
                "RES_PROPERTY on column 0x{tag:08X}: a value of type 0x{:04X}",
                value.prop_type()
            )));
        }
        Ok(Restriction::Property { relop, tag, value })
    }

    /// Reads a caller's restriction tree (see the module's rules).
    ///
    /// # Safety
    ///
    /// A non-NULL `raw` points to an `SRestriction` whose union member `rt` selects is
    /// initialised, with every pointer in it valid for what it describes (sub-restrictions,
    /// property values as [`Property::from_raw`] requires), possibly unaligned.
    pub unsafe fn from_raw(raw: *const SRestriction) -> Result<Self, Refused> {
        // SAFETY: forwarded.
        unsafe { read(raw, 0) }
    }

    /// A sub-object restriction: `MAPI_E_INVALID_PARAMETER` for an `object` other than
    /// `PR_MESSAGE_RECIPIENTS` and `PR_MESSAGE_ATTACHMENTS`, `MAPI_E_TOO_COMPLEX` when
    /// `restriction` holds a sub-object restriction itself.
    pub fn sub(object: u32, restriction: Restriction) -> Result<Self, Refused> {
        if object != PR_MESSAGE_RECIPIENTS && object != PR_MESSAGE_ATTACHMENTS {
            return Err(invalid(format!(
                "RES_SUBRESTRICTION on 0x{object:08X}: only PR_MESSAGE_RECIPIENTS and \
                 PR_MESSAGE_ATTACHMENTS have rows"
            )));
        }
        if restriction.has_sub() {
            return Err(too_complex(
                "a RES_SUBRESTRICTION inside another is not supported (recipients and \
                 attachments have no sub-objects)",
            ));
        }
        Ok(Restriction::Sub {
            object,
            restriction: Box::new(restriction),
        })
    }

    /// Whether a `RES_SUBRESTRICTION` is anywhere in this tree (what a table without
    /// [`SubObjects`] refuses).
    pub fn has_sub(&self) -> bool {
        match self {
            Restriction::And(list) | Restriction::Or(list) => list.iter().any(Self::has_sub),
            Restriction::Not(inner) => inner.has_sub(),
            Restriction::Comment { restriction, .. } => {
                restriction.as_ref().is_some_and(|r| r.has_sub())
            }
            Restriction::Sub { .. } => true,
            _ => false,
        }
    }

    /// Whether `row` satisfies this restriction, with no sub-objects (a sub-object
    /// restriction is false).
    pub fn matches(&self, row: &Row) -> bool {
        self.matches_with(row, None)
    }

    /// Whether `row` satisfies this restriction, the rows of its sub-objects (for
    /// `RES_SUBRESTRICTION`) coming from `sub_objects`.
    pub fn matches_with(&self, row: &Row, sub_objects: Option<&dyn SubObjects>) -> bool {
        let matches = |r: &Restriction| r.matches_with(row, sub_objects);
        match self {
            Restriction::And(all) => all.iter().all(matches),
            Restriction::Or(any) => any.iter().any(matches),
            Restriction::Not(inner) => !matches(inner),
            Restriction::Content { tag, fuzzy, needle } => {
                any_instance(row, *tag, |value| content_matches(value, *fuzzy, needle))
            }
            Restriction::Property { relop, tag, value } => {
                any_instance(row, *tag, |own| relop.holds(compare_values(own, value)))
            }
            Restriction::CompareProps { relop, tag1, tag2 } => {
                match (row.value(*tag1), row.value(*tag2)) {
                    (Some(a), Some(b)) => relop.holds(compare_values(a, b)),
                    _ => false,
                }
            }
            Restriction::BitMask { nonzero, tag, mask } => match row.value(*tag) {
                Some(PropValue::Long(value)) => (value & mask != 0) == *nonzero,
                _ => false,
            },
            Restriction::Size { relop, tag, size } => row
                .value(*tag)
                .is_some_and(|value| relop.holds(value_size(value).cmp(&u64::from(*size)))),
            Restriction::Exist { tag } => row.value_by_id(*tag).is_some(),
            Restriction::Sub {
                object,
                restriction,
            } => sub_objects.is_some_and(|source| {
                source
                    .sub_rows(row.props(), *object)
                    .into_iter()
                    .enumerate()
                    .any(|(at, props)| restriction.matches(&Row::new(at as u64, props)))
            }),
            Restriction::Comment { restriction, .. } => {
                restriction.as_ref().is_none_or(|r| matches(r))
            }
        }
    }
}

/// `MVI_FLAG` = `MV_FLAG | MV_INSTANCE`.
const MVI_FLAG_BITS: u32 = MV_FLAG | MV_INSTANCE;

fn text_needle(text: String, ignore_case: bool) -> Needle {
    let text = if ignore_case {
        text.to_lowercase()
    } else {
        text
    };
    Needle::Text { text, ignore_case }
}

/// Whether two property types hold comparable values: the same type, or text of the same
/// single- or multi-valued kind in either width.
fn same_type(a: u32, b: u32) -> bool {
    a == b || (is_text_type(a) && is_text_type(b) && (a & MV_FLAG) == (b & MV_FLAG))
}

/// A column of a restriction: a value type, or a multi-valued one with `MVI_FLAG`.
fn check_column(tag: u32) -> Result<(), Refused> {
    let kind = prop_type(tag);
    let plain = if kind & MV_INSTANCE != 0 {
        if kind & MV_FLAG == 0 {
            return Err(invalid(format!(
                "column 0x{tag:08X}: MVI_FLAG on a single-valued type"
            )));
        }
        kind & !MV_INSTANCE
    } else {
        kind
    };
    if is_value_type(plain) {
        Ok(())
    } else {
        Err(invalid(format!(
            "column 0x{tag:08X}: type 0x{plain:04X} holds no value"
        )))
    }
}

/// Whether `test` holds for the value of `row` a condition on `tag` looks at: the row's value,
/// or with `MVI_FLAG` any one of its multi-valued property's values.
fn any_instance(row: &Row, tag: u32, test: impl Fn(&PropValue) -> bool) -> bool {
    if prop_type(tag) & MV_INSTANCE == 0 {
        return row.value(tag).is_some_and(test);
    }
    row.value(tag & !MV_INSTANCE)
        .is_some_and(|value| mv_elements(value).iter().any(test))
}

/// The elements of a multi-valued value as single values (a single value: itself).
pub(crate) fn mv_elements(value: &PropValue) -> Vec<PropValue> {
    use PropValue as V;
    match value {
        V::MvI2(v) => v.iter().copied().map(V::I2).collect(),
        V::MvLong(v) => v.iter().copied().map(V::Long).collect(),
        V::MvR4(v) => v.iter().copied().map(V::R4).collect(),
        V::MvDouble(v) => v.iter().copied().map(V::Double).collect(),
        V::MvCurrency(v) => v.iter().copied().map(V::Currency).collect(),
        V::MvAppTime(v) => v.iter().copied().map(V::AppTime).collect(),
        V::MvSysTime(v) => v.iter().copied().map(V::SysTime).collect(),
        V::MvString8(v) => v.iter().cloned().map(V::String8).collect(),
        V::MvUnicode(v) => v.iter().map(|t| V::Unicode(t.into())).collect(),
        V::MvBinary(v) => v.iter().cloned().map(V::Binary).collect(),
        V::MvClsid(v) => v.iter().copied().map(V::Clsid).collect(),
        V::MvI8(v) => v.iter().copied().map(V::I8).collect(),
        single => vec![single.clone()],
    }
}

fn content_matches(value: &PropValue, fuzzy: Fuzzy, needle: &Needle) -> bool {
    match (value, needle) {
        (PropValue::Binary(bytes), Needle::Bytes(needle)) => find(bytes, needle, fuzzy, false),
        (
            PropValue::Unicode(text),
            Needle::Text {
                text: n,
                ignore_case,
            },
        ) => text_matches(text, n, fuzzy, *ignore_case),
        (
            PropValue::String8(bytes),
            Needle::Text {
                text: n,
                ignore_case,
            },
        ) => {
            if bytes.is_ascii() {
                // ASCII reads the same in every code page: no decoding.
                find(bytes, n.as_bytes(), fuzzy, *ignore_case)
            } else {
                text_matches(&ansi::decode(bytes), n, fuzzy, *ignore_case)
            }
        }
        (PropValue::MvUnicode(_) | PropValue::MvString8(_) | PropValue::MvBinary(_), _) => {
            mv_elements(value)
                .iter()
                .any(|one| content_matches(one, fuzzy, needle))
        }
        _ => false,
    }
}

fn text_matches(text: &str, needle: &str, fuzzy: Fuzzy, ignore_case: bool) -> bool {
    if !ignore_case || (text.is_ascii() && needle.is_ascii()) {
        return find(text.as_bytes(), needle.as_bytes(), fuzzy, ignore_case);
    }
    find(
        text.to_lowercase().as_bytes(),
        needle.as_bytes(),
        fuzzy,
        false,
    )
}

/// Whether `needle` is all of, the start of, or inside `hay`; `ascii_case` compares ASCII
/// letters without case (the needle is already lowercase).
fn find(hay: &[u8], needle: &[u8], fuzzy: Fuzzy, ascii_case: bool) -> bool {
    let eq = |a: &[u8]| {
        if ascii_case {
            a.eq_ignore_ascii_case(needle)
        } else {
            a == needle
        }
    };
    match fuzzy {
        Fuzzy::Full => hay.len() == needle.len() && eq(hay),
        Fuzzy::Prefix => hay.len() >= needle.len() && eq(&hay[..needle.len()]),
        Fuzzy::Substring => {
            if needle.is_empty() {
                return true;
            }
            if !ascii_case {
                return hay.windows(needle.len()).any(|w| w == needle);
            }
            // Candidate starts by the first byte in either case, then the rest compared.
            let (first, lower) = (needle[0], needle[0].to_ascii_lowercase());
            let upper = first.to_ascii_uppercase();
            hay.len() >= needle.len()
                && (0..=hay.len() - needle.len()).any(|at| {
                    let b = hay[at];
                    (b == lower || b == upper) && eq(&hay[at..at + needle.len()])
                })
        }
    }
}

/// The size `RES_SIZE` compares (see the module's rules).
fn value_size(value: &PropValue) -> u64 {
    use PropValue as V;
    let unicode = |t: &str| 2 * (t.encode_utf16().count() as u64 + 1);
    match value {
        V::Null | V::Object => 0,
        V::I2(_) | V::Boolean(_) => 2,
        V::Long(_) | V::R4(_) | V::Error(_) => 4,
        V::Double(_) | V::Currency(_) | V::AppTime(_) | V::I8(_) | V::SysTime(_) => 8,
        V::Clsid(_) => 16,
        V::String8(b) => b.len() as u64 + 1,
        V::Unicode(t) => unicode(t),
        V::Binary(b) => b.len() as u64,
        V::MvString8(v) => v.iter().map(|b| b.len() as u64 + 1).sum(),
        V::MvUnicode(v) => v.iter().map(|t| unicode(t)).sum(),
        V::MvBinary(v) => v.iter().map(|b| b.len() as u64).sum(),
        many => mv_elements(many).iter().map(value_size).sum(),
    }
}

/// # Safety
///
/// As [`Restriction::from_raw`].
unsafe fn read(raw: *const SRestriction, depth: usize) -> Result<Restriction, Refused> {
    if raw.is_null() {
        return Err(invalid("a restriction pointer is NULL"));
    }
    if depth >= MAX_DEPTH {
        return Err(too_complex(format!(
            "the restriction nests more than {MAX_DEPTH} levels"
        )));
    }
    // SAFETY: readable (caller); unaligned read of a plain-data copy.
    let raw = unsafe { raw.read_unaligned() };
    // SAFETY: for the whole block: each arm reads the union member `rt` selects, which the
    // caller initialised; pointers inside are followed by the readers below, which check them.
    unsafe {
        Ok(match raw.rt {
            RES_AND => Restriction::And(list(raw.res.resAnd.lpRes, raw.res.resAnd.cRes, depth)?),
            RES_OR => Restriction::Or(list(raw.res.resOr.lpRes, raw.res.resOr.cRes, depth)?),
            RES_NOT => Restriction::Not(Box::new(read(raw.res.resNot.lpRes, depth + 1)?)),
            RES_CONTENT => {
                let c = raw.res.resContent;
                let value = value(c.lpProp)?;
                Restriction::content(c.ulPropTag, c.ulFuzzyLevel, &value.value)?
            }
            RES_PROPERTY => {
                let p = raw.res.resProperty;
                Restriction::property(p.relop, p.ulPropTag, value(p.lpProp)?.value)?
            }
            RES_COMPAREPROPS => {
                let c = raw.res.resCompareProps;
                let relop = Relop::from_raw(c.relop)?;
                check_column(c.ulPropTag1)?;
                check_column(c.ulPropTag2)?;
                let (a, b) = (prop_type(c.ulPropTag1), prop_type(c.ulPropTag2));
                if !same_type(a, b) || (a | b) & MV_INSTANCE != 0 {
                    return Err(invalid(format!(
                        "RES_COMPAREPROPS: columns 0x{:08X} and 0x{:08X} cannot be compared \
                         (types differ, or one has MVI_FLAG)",
                        c.ulPropTag1, c.ulPropTag2
                    )));
                }
                Restriction::CompareProps {
                    relop,
                    tag1: c.ulPropTag1,
                    tag2: c.ulPropTag2,
                }
            }
            RES_BITMASK => {
                let b = raw.res.resBitMask;
                let nonzero = match b.relBMR {
                    BMR_EQZ => false,
                    BMR_NEZ => true,
                    other => {
                        return Err(invalid(format!("RES_BITMASK: unknown relation {other}")));
                    }
                };
                if prop_type(b.ulPropTag) != PT_LONG {
                    return Err(invalid(format!(
                        "RES_BITMASK on column 0x{:08X}, which is not PT_LONG",
                        b.ulPropTag
                    )));
                }
                Restriction::BitMask {
                    nonzero,
                    tag: b.ulPropTag,
                    mask: b.ulMask,
                }
            }
            RES_SIZE => {
                let s = raw.res.resSize;
                let relop = Relop::from_raw(s.relop)
                    .map_err(|_| invalid(format!("RES_SIZE: relational operator {}", s.relop)))?;
                check_column(s.ulPropTag)?;
                Restriction::Size {
                    relop,
                    tag: s.ulPropTag,
                    size: s.cb,
                }
            }
            RES_EXIST => Restriction::Exist {
                tag: raw.res.resExist.ulPropTag,
            },
            RES_SUBRESTRICTION => {
                let sub = raw.res.resSub;
                // The inner tree first, so that a malformed one is refused as such.
                let inner = read(sub.lpRes, depth + 1)?;
                Restriction::sub(sub.ulSubObject, inner)?
            }
            RES_COMMENT => {
                let c = raw.res.resComment;
                let props = crate::props::value::props_from_raw(c.lpProp, c.cValues)
                    .map_err(|e| bad_value("RES_COMMENT", e.code()))?;
                let restriction = if c.lpRes.is_null() {
                    None
                } else {
                    Some(Box::new(read(c.lpRes, depth + 1)?))
                };
                Restriction::Comment { props, restriction }
            }
            other => return Err(invalid(format!("unknown restriction type {other}"))),
        })
    }
}

/// A property value of a restriction that [`Property::from_raw`] refuses, with its code.
fn bad_value(what: &str, code: windows_core::HRESULT) -> Refused {
    ProviderError::new(code, format!("{what}: a property value is malformed"))
}

/// # Safety
///
/// A non-NULL `first` points to `count` restrictions valid as [`read`] requires.
unsafe fn list(
    first: *const SRestriction,
    count: u32,
    depth: usize,
) -> Result<Vec<Restriction>, Refused> {
    if count > 0 && first.is_null() {
        return Err(invalid(format!(
            "RES_AND or RES_OR: lpRes is NULL with cRes {count}"
        )));
    }
    // SAFETY: `count` restrictions from `first` (caller).
    (0..count as usize)
        .map(|i| unsafe { read(first.add(i), depth + 1) })
        .collect()
}

/// # Safety
///
/// A non-NULL `raw` points to an `SPropValue` valid as [`Property::from_raw`] requires.
unsafe fn value(raw: *const SPropValue) -> Result<Property, Refused> {
    if raw.is_null() {
        return Err(invalid("RES_CONTENT or RES_PROPERTY: lpProp is NULL"));
    }
    // SAFETY: readable (caller); copied out unaligned, then read as `from_raw` requires.
    let copy = unsafe { raw.read_unaligned() };
    // SAFETY: as above.
    unsafe { Property::from_raw(&copy) }
        .map_err(|e| bad_value("RES_CONTENT or RES_PROPERTY", e.code()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{PT_MV_LONG, prop_tag};

    fn row(props: Vec<Property>) -> Row {
        Row::new(1, props)
    }

    #[test]
    fn content_substring_ignores_case_beyond_ascii() {
        let tag = prop_tag(PT_UNICODE, 0x0037);
        let r = Restriction::content(
            tag,
            FL_SUBSTRING | FL_IGNORECASE,
            &PropValue::Unicode("ÉTÉ".into()),
        )
        .unwrap();
        let yes = row(vec![Property::for_tag(
            tag,
            PropValue::Unicode("un été chaud".into()),
        )]);
        let no = row(vec![Property::for_tag(
            tag,
            PropValue::Unicode("hiver".into()),
        )]);
        assert!(r.matches(&yes));
        assert!(!r.matches(&no));
        assert!(!r.matches(&row(Vec::new())));
    }

    #[test]
    fn mvi_matches_any_value_and_plain_mv_compares_tuples() {
        let mv = prop_tag(PT_MV_LONG, 0x6002);
        let r = row(vec![Property::for_tag(mv, PropValue::MvLong(vec![3, 9]))]);
        let any = Restriction::property(RELOP_EQ, mv | MV_INSTANCE, PropValue::Long(9)).unwrap();
        assert!(any.matches(&r));
        let tuple = Restriction::property(RELOP_EQ, mv, PropValue::MvLong(vec![3, 9])).unwrap();
        assert!(tuple.matches(&r));
        assert_eq!(
            Restriction::property(RELOP_EQ, mv, PropValue::Long(9)).map_err(|e| e.code),
            Err(MAPI_E_INVALID_PARAMETER)
        );
    }
}
