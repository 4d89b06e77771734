//! [`PropertyBag`]: an object's properties, with the access rules of `IPropData` and the
//! semantics of `IMAPIProp::GetProps`, `GetPropList`, `SetProps` and `DeleteProps`.
//!
//! The bag is plain data (`&mut self` to change it): the COM object that exposes it holds it
//! behind its own lock. Results are Rust values; the `*_block` functions write them into MAPI
//! memory, each result one block freed by one `MAPIFreeBuffer`.
//!
//! The rules, from Microsoft's `IMAPIProp` and `IPropData` reference and the behaviour of
//! MAPI's own `CreateIProp` object:
//! - `GetProps` answers one value per requested tag, in order. A property the bag does not
//!   have, or has with another type, is a `PT_ERROR` entry (`PROP_TAG(PT_ERROR, id)`) holding
//!   `MAPI_E_NOT_FOUND` (a property is its tag: the same ID with another type is not there);
//!   a requested type that is no MAPI type holds `MAPI_E_INVALID_TYPE`. Any such entry makes
//!   the call return `MAPI_W_ERRORS_RETURNED`. An empty tag list is
//!   `MAPI_E_INVALID_PARAMETER`.
//! - `PT_UNSPECIFIED`, and every property when the tag list is NULL, answers the stored type,
//!   text in the width `MAPI_UNICODE` asks for. `PT_STRING8` and `PT_UNICODE` (and their
//!   multi-valued forms) are converted into each other on request ([`super::ansi`]); Unicode
//!   text that has no 8-bit form is a `PT_ERROR` entry holding `MAPI_E_BAD_CHARWIDTH`, the
//!   code the `GetProps` reference gives for a conversion the object cannot make.
//! - A value larger than the bag's size limit ([`PropertyBag::set_size_limit`]) is a
//!   `PT_ERROR` entry holding `MAPI_E_NOT_ENOUGH_MEMORY`, as the reference says for values
//!   the client should open with `OpenProperty`.
//! - `PT_OBJECT` properties are listed and answered as `PT_OBJECT` (`Value.x` = 0): the value
//!   is opened with `OpenProperty`.
//! - `SetProps` and `DeleteProps` on a read-only object fail as a whole with
//!   `MAPI_E_NO_ACCESS`; a read-only property is a per-property problem `MAPI_E_NO_ACCESS` in
//!   the `SPropProblemArray`, and the other properties are still set or deleted. Setting a
//!   `PT_NULL`, `PT_OBJECT` or `PT_ERROR` value, or a property ID of 0 or 0xFFFF, fails the
//!   whole call with `MAPI_E_INVALID_PARAMETER` before anything changes (as `CreateIProp`'s
//!   object does for `PT_NULL` and `PT_OBJECT`). Text with a NUL inside and multi-valued
//!   values with no element cannot be returned by `GetProps`, so they are a per-property
//!   problem `MAPI_E_INVALID_PARAMETER`. Deleting a property the bag does not have is no
//!   problem; property types are ignored in `DeleteProps`.
//! - Properties that `SetProps` creates or changes are read-write and dirty
//!   (`IPROP_READWRITE | IPROP_DIRTY`); `HrSetPropAccess` changes a property's flags whatever
//!   the object's access, and ignores tags of properties the bag does not have.

use core::mem::MaybeUninit;
use std::borrow::Cow;
use windows_core::{Error, HRESULT};

use super::value::{PropValue, Property, gathered, is_text_type, is_value_type};
use crate::alloc::builders::{self, invalid};
use crate::alloc::props::{PropRef, PropValue as WireProp, Usual, Value, ValueRef, WireProperty};
use crate::alloc::{AllocatorSet, RootBuf};
use crate::codes::{
    MAPI_E_INVALID_PARAMETER, MAPI_E_INVALID_TYPE, MAPI_E_NO_ACCESS, MAPI_E_NOT_ENOUGH_MEMORY,
    MAPI_E_NOT_FOUND, MAPI_W_ERRORS_RETURNED, S_OK,
};
use crate::tags::{
    MV_FLAG, PROP_ID_INVALID, PROP_ID_NULL, PT_ERROR, PT_STRING8, PT_UNICODE, PT_UNSPECIFIED,
    change_prop_type, prop_id, prop_tag, prop_type,
};
use crate::types::{SPropProblem, SPropValue};

/// `IPROP_READONLY` (mapiutil.h): the property, or the object, cannot be modified.
pub const IPROP_READONLY: u32 = 0x0000_0001;
/// `IPROP_READWRITE`: the property, or the object, can be modified.
pub const IPROP_READWRITE: u32 = 0x0000_0002;
/// `IPROP_CLEAN`: the property has not been modified.
pub const IPROP_CLEAN: u32 = 0x0001_0000;
/// `IPROP_DIRTY`: the property has been modified.
pub const IPROP_DIRTY: u32 = 0x0002_0000;

/// A property's access level and status (`IPropData::HrSetPropAccess` flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropAccess {
    /// `IPROP_READWRITE` if true, `IPROP_READONLY` if false.
    pub writable: bool,
    /// `IPROP_DIRTY` if true, `IPROP_CLEAN` if false.
    pub dirty: bool,
}

impl PropAccess {
    /// Read-write and clean: a property as a provider loads it.
    pub const READ_WRITE: Self = Self {
        writable: true,
        dirty: false,
    };
    /// Read-only and clean: a property the provider computes.
    pub const READ_ONLY: Self = Self {
        writable: false,
        dirty: false,
    };

    /// Parses `HrSetPropAccess` flags: exactly one access level and one status flag, nothing
    /// else, or `MAPI_E_INVALID_PARAMETER` (as MAPI's own object answers a level alone).
    pub fn from_flags(flags: u32) -> crate::com::Result<Self> {
        let writable = match flags & (IPROP_READONLY | IPROP_READWRITE) {
            IPROP_READONLY => false,
            IPROP_READWRITE => true,
            _ => return Err(invalid()),
        };
        let dirty = match flags & (IPROP_CLEAN | IPROP_DIRTY) {
            IPROP_CLEAN => false,
            IPROP_DIRTY => true,
            _ => return Err(invalid()),
        };
        if flags & !(IPROP_READONLY | IPROP_READWRITE | IPROP_CLEAN | IPROP_DIRTY) != 0 {
            return Err(invalid());
        }
        Ok(Self { writable, dirty })
    }

    /// The flags `HrGetPropAccess` reports.
    pub fn flags(self) -> u32 {
        let level = if self.writable {
            IPROP_READWRITE
        } else {
            IPROP_READONLY
        };
        let status = if self.dirty { IPROP_DIRTY } else { IPROP_CLEAN };
        level | status
    }
}

/// An object's access level (`IPropData::HrSetObjAccess`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ObjectAccess {
    /// `SetProps` and `DeleteProps` fail with `MAPI_E_NO_ACCESS`.
    ReadOnly,
    /// The default.
    #[default]
    ReadWrite,
}

impl ObjectAccess {
    /// Parses `HrSetObjAccess` flags: `IPROP_READONLY` or `IPROP_READWRITE`, else
    /// `MAPI_E_INVALID_PARAMETER`.
    pub fn from_flags(flags: u32) -> crate::com::Result<Self> {
        match flags {
            IPROP_READONLY => Ok(Self::ReadOnly),
            IPROP_READWRITE => Ok(Self::ReadWrite),
            _ => Err(invalid()),
        }
    }

    pub fn flags(self) -> u32 {
        match self {
            Self::ReadOnly => IPROP_READONLY,
            Self::ReadWrite => IPROP_READWRITE,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct Entry {
    prop: Property,
    access: PropAccess,
}

/// The entries of a bag, sorted by property ID: a bag holds a handful of properties, which a
/// vector keeps in one allocation and finds by halves (a map's nodes cost more to fill).
#[derive(Clone, Debug, Default, PartialEq)]
struct Entries(Vec<Entry>);

impl Entries {
    fn find(&self, id: u16) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |e| e.prop.id)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get(&self, id: &u16) -> Option<&Entry> {
        self.find(*id).ok().map(|at| &self.0[at])
    }

    fn get_mut(&mut self, id: &u16) -> Option<&mut Entry> {
        self.find(*id).ok().map(|at| &mut self.0[at])
    }

    /// Adds `entry` for property `id`, or replaces the one it has.
    fn insert(&mut self, id: u16, entry: Entry) {
        // A bag being filled in ID order appends, without a search or a shift.
        if self.0.last().is_none_or(|last| last.prop.id < id) {
            self.0.push(entry);
            return;
        }
        match self.find(id) {
            Ok(at) => self.0[at] = entry,
            Err(at) => self.0.insert(at, entry),
        }
    }

    fn remove(&mut self, id: &u16) -> Option<Entry> {
        self.find(*id).ok().map(|at| self.0.remove(at))
    }

    /// In ID order.
    fn values(&self) -> core::slice::Iter<'_, Entry> {
        self.0.iter()
    }
}

/// An object's properties, by ID (so `GetProps` with a NULL tag list and `GetPropList`
/// answer in ID order), with per-property and per-object access.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PropertyBag {
    entries: Entries,
    access: ObjectAccess,
    size_limit: Option<usize>,
}

/// What `GetProps` answers: one property per requested tag (or per property), borrowed from
/// the bag where no conversion was needed.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched<'a> {
    pub props: Vec<Cow<'a, Property>>,
    /// At least one entry is `PT_ERROR`: the call returns `MAPI_W_ERRORS_RETURNED`.
    pub errors_returned: bool,
}

impl Fetched<'_> {
    /// `S_OK`, or `MAPI_W_ERRORS_RETURNED` if an entry is an error.
    pub fn code(&self) -> HRESULT {
        Self::code_for(self.errors_returned)
    }

    fn code_for(errors_returned: bool) -> HRESULT {
        if errors_returned {
            MAPI_W_ERRORS_RETURNED
        } else {
            S_OK
        }
    }

    /// The `lpcValues` and `lppPropArray` of `GetProps`, in one MAPI block. No property
    /// (only possible with a NULL tag list) is a count of 0 and a NULL array, as the
    /// reference requires.
    pub fn to_mapi(&self, allocators: &AllocatorSet) -> crate::com::Result<PropsBlock> {
        gathered(
            self.props.iter(),
            |p| WireProp::new(p.id, p.value.as_value()),
            |wire| PropsBlock::of(allocators, wire),
        )
    }
}

/// A `GetProps` result in MAPI memory: `*lpcValues`, `*lppPropArray` and the `HRESULT`.
#[derive(Debug)]
pub struct PropsBlock {
    pub count: u32,
    /// The `SPropValue` array; freed when dropped unless handed over with
    /// [`PropsBlock::into_raw`].
    pub array: Option<RootBuf>,
    /// `S_OK` or `MAPI_W_ERRORS_RETURNED`.
    pub code: HRESULT,
}

impl PropsBlock {
    /// `props`, made or borrowed, in one MAPI block ([`Fetched::to_mapi`]).
    fn of(allocators: &AllocatorSet, props: &[impl WireProperty]) -> crate::com::Result<Self> {
        let errors_returned = props
            .iter()
            .any(|p| matches!(p.wire().value, ValueRef::Error(_)));
        Self::with_errors(allocators, props, errors_returned)
    }

    /// As [`Self::of`], where whether a property is `PT_ERROR` was noted as the answers were
    /// made (`errors_returned`), not looked for again.
    // Out of line, with the block's writer inlined in it: the block is written once, where the
    // caller's result goes. A block returned by the writer was copied into this result in
    // wider pieces than it was written, which stalls each load on the stores before it.
    #[inline(never)]
    fn with_errors(
        allocators: &AllocatorSet,
        props: &[impl WireProperty],
        errors_returned: bool,
    ) -> crate::com::Result<Self> {
        let count = u32::try_from(props.len()).map_err(|_| invalid())?;
        let array = if count == 0 {
            None
        } else {
            Some(crate::alloc::props::props_of(allocators, props)?)
        };
        Ok(PropsBlock {
            count,
            array,
            code: Fetched::code_for(errors_returned),
        })
    }

    /// The count and the array (NULL if none) for the out-parameters; the caller frees the
    /// array with one `MAPIFreeBuffer`.
    #[must_use = "the array is leaked unless someone frees it"]
    #[inline]
    pub fn into_raw(self) -> (u32, *mut SPropValue) {
        let array = self
            .array
            .map_or(core::ptr::null_mut(), |a| a.into_raw().cast());
        (self.count, array)
    }
}

/// The `SPropProblemArray` for `SetProps`' or `DeleteProps`' `lppProblems`, in one MAPI block,
/// or `None` (a NULL `*lppProblems`) when there is no problem.
pub fn problems_block(
    allocators: &AllocatorSet,
    problems: &[SPropProblem],
) -> crate::com::Result<Option<RootBuf>> {
    if problems.is_empty() {
        return Ok(None);
    }
    builders::prop_problems(allocators, problems).map(Some)
}

fn problem(index: usize, tag: u32, scode: HRESULT) -> SPropProblem {
    SPropProblem {
        // Indexes come from MAPI's ULONG counts.
        ulIndex: index as u32,
        ulPropTag: tag,
        scode: scode.0,
    }
}

/// Whether `id` names a property (0 is `PROP_ID_NULL`, 0xFFFF `PROP_ID_INVALID`).
fn is_property_id(id: u16) -> bool {
    !matches!(u32::from(id), PROP_ID_NULL | PROP_ID_INVALID)
}

/// How a value stored as `stored` answers a request for `requested` (a type, or
/// `PT_UNSPECIFIED` with text as `unicode` says): as it is (`None`), as text converted to
/// UTF-16 or 8-bit (`Some(to_unicode)`), or not at all (`MAPI_E_NOT_FOUND`: a property is its
/// tag, the same ID with another type is not there). The one rule of every `GetProps` answer.
// Inlined: most answers are a value of the type asked, which the first test settles.
#[inline(always)]
fn conversion(stored: u32, requested: u32, unicode: bool) -> Result<Option<bool>, HRESULT> {
    if !is_text_type(stored) && (requested == stored || requested == PT_UNSPECIFIED) {
        return Ok(None);
    }
    let same_shape = (requested & MV_FLAG) == (stored & MV_FLAG);
    let to_unicode = if requested == PT_UNSPECIFIED {
        unicode
    } else if requested == stored {
        // Already in the requested width: no conversion.
        stored & !MV_FLAG == PT_UNICODE
    } else if is_text_type(requested) && is_text_type(stored) && same_shape {
        requested & !MV_FLAG == PT_UNICODE
    } else {
        return Err(MAPI_E_NOT_FOUND);
    };
    // Only text stored in the other width is converted; anything else is answered as it is.
    let converts = is_text_type(stored) && (stored & !MV_FLAG == PT_UNICODE) != to_unicode;
    Ok(converts.then_some(to_unicode))
}

/// `MAPI_E_NOT_ENOUGH_MEMORY` for a value of `size` bytes ([`PropValue::data_size`]) over the
/// size limit: the client opens it with `OpenProperty`.
fn within(limit: Option<usize>, size: usize) -> Result<(), HRESULT> {
    match limit {
        Some(limit) if size > limit => Err(MAPI_E_NOT_ENOUGH_MEMORY),
        _ => Ok(()),
    }
}

/// A stored value as the `GetProps` rules answer it: the bag's own values, and the borrowed
/// values of [`props_block_of`].
trait Stored {
    fn stored_type(&self) -> u32;
    /// The value's text in the other width, or `None` where it is already (or no text).
    fn converted(&self, to_unicode: bool) -> Result<Option<Value<'static>>, HRESULT>;
    /// What a size limit is checked against ([`PropValue::data_size`]).
    fn size(&self) -> usize;
    /// An answer of `GetProps` over values stored so: a bag's are made ([`WireProp`]s
    /// borrowing the values), [`props_block_of`]'s point to the kept [`PropRef`]s
    /// ([`Answer`]); each type has its own, so that neither pays for the other's.
    type Answer<'s>: WireProperty
    where
        Self: 's;
    /// The answer for property `id` stored as this, answered as it is.
    fn as_is(&self, id: u16) -> Self::Answer<'_>;
    /// The `PT_ERROR` answer for property `id`.
    fn error<'s>(id: u16, code: HRESULT) -> Self::Answer<'s>
    where
        Self: 's;
    /// The answer for property `id` with its text converted.
    fn converted_answer<'s>(id: u16, value: Value<'static>) -> Self::Answer<'s>
    where
        Self: 's;
}

/// One answer of [`props_block_of`]'s general pass: a property as the object keeps it or an
/// error ([`Kept`]), or text converted for the request, owned.
enum Answer<'a> {
    Kept(Kept<'a>),
    Converted(WireProp<'static>),
}

impl WireProperty for Answer<'_> {
    #[inline]
    fn wire(&self) -> PropRef<'_> {
        match self {
            Answer::Kept(kept) => kept.wire(),
            Answer::Converted(prop) => prop.wire(),
        }
    }
}

/// One answer of [`props_block_of`]'s usual pass: a property as the object keeps it, or a
/// `PT_ERROR` entry. Two words, nothing to drop.
#[derive(Clone, Copy)]
enum Kept<'a> {
    Prop(&'a PropRef<'a>),
    Error(u16, HRESULT),
}

impl WireProperty for Kept<'_> {
    #[inline]
    fn wire(&self) -> PropRef<'_> {
        match *self {
            Kept::Prop(prop) => *prop,
            Kept::Error(id, code) => PropRef::new(id, ValueRef::Error(code)),
        }
    }
}

impl Stored for PropValue {
    fn stored_type(&self) -> u32 {
        self.prop_type()
    }

    fn converted(&self, to_unicode: bool) -> Result<Option<Value<'static>>, HRESULT> {
        match self.with_text_width(to_unicode) {
            Ok(Cow::Borrowed(_)) => Ok(None),
            Ok(Cow::Owned(value)) => Ok(Some(value.into_value())),
            Err(unrepresentable) => Err(unrepresentable.code()),
        }
    }

    fn size(&self) -> usize {
        self.data_size()
    }

    type Answer<'s> = WireProp<'s>;

    fn as_is(&self, id: u16) -> WireProp<'_> {
        WireProp::new(id, self.as_value())
    }

    fn error<'s>(id: u16, code: HRESULT) -> WireProp<'s> {
        WireProp::new(id, Value::Error(code))
    }

    fn converted_answer<'s>(id: u16, value: Value<'static>) -> WireProp<'s> {
        WireProp::new(id, value)
    }
}

impl Stored for PropRef<'_> {
    fn stored_type(&self) -> u32 {
        self.value.prop_type()
    }

    type Answer<'s>
        = Answer<'s>
    where
        Self: 's;

    /// The property itself: its ID is the one asked for (it was found by it).
    #[inline]
    fn as_is(&self, _: u16) -> Answer<'_> {
        Answer::Kept(Kept::Prop(self))
    }

    fn error<'s>(id: u16, code: HRESULT) -> Answer<'s>
    where
        Self: 's,
    {
        Answer::Kept(Kept::Error(id, code))
    }

    fn converted_answer<'s>(id: u16, value: Value<'static>) -> Answer<'s>
    where
        Self: 's,
    {
        Answer::Converted(WireProp::new(id, value))
    }

    /// Text is converted as the bag's own values are, from an owned copy: the rare answer to
    /// an 8-bit client, or a Unicode client reading 8-bit text.
    fn converted(&self, to_unicode: bool) -> Result<Option<Value<'static>>, HRESULT> {
        let owned = match self.value {
            ValueRef::String8(bytes) => PropValue::String8(bytes.to_vec()),
            ValueRef::Unicode(text) => PropValue::Unicode(text.into()),
            ValueRef::MvString8(all) => {
                PropValue::MvString8(all.iter().map(|b| b.to_vec()).collect())
            }
            ValueRef::MvUnicode(all) => {
                PropValue::MvUnicode(all.iter().map(|t| t.to_string()).collect())
            }
            // Not text: nothing to convert (`conversion` never asks).
            _ => return Ok(None),
        };
        owned.converted(to_unicode)
    }

    fn size(&self) -> usize {
        wire_size(self.value)
    }
}

/// The size a size limit is checked against for a borrowed or converted value: its part of
/// a block after its `SPropValue`.
fn wire_size(value: ValueRef<'_>) -> usize {
    let one = [PropRef::new(0, value)];
    crate::alloc::props::props_size(&one).map_or(usize::MAX, |size| size - size_of::<SPropValue>())
}

/// What the rules make of one property asked for: the value as it is, its text converted to
/// UTF-16 (`true`) or 8-bit, or a `PT_ERROR` entry holding the code.
enum Rule<'a, S: ?Sized> {
    AsIs(&'a S),
    Convert(&'a S, bool),
    Error(HRESULT),
}

/// The rule for a property stored as `stored` asked as `requested` ([`conversion`]).
#[inline(always)]
fn stored_rule<S: Stored + ?Sized>(stored: &S, requested: u32, unicode: bool) -> Rule<'_, S> {
    match conversion(stored.stored_type(), requested, unicode) {
        Ok(None) => Rule::AsIs(stored),
        Ok(Some(to_unicode)) => Rule::Convert(stored, to_unicode),
        Err(code) => Rule::Error(code),
    }
}

/// The property ID of a requested `tag` and its rule: `MAPI_E_INVALID_TYPE` for a type that is
/// no MAPI type, `MAPI_E_NOT_FOUND` for a property `find` does not have, else
/// [`stored_rule`]'s.
#[inline(always)]
fn requested_rule<'a, S: Stored + ?Sized + 'a>(
    tag: u32,
    find: impl FnOnce(u16) -> Option<&'a S>,
    unicode: bool,
) -> (u16, Rule<'a, S>) {
    let requested = prop_type(tag);
    // A property ID is the tag's upper 16 bits.
    let id = prop_id(tag) as u16;
    let rule = match find(id) {
        // A stored value's type is a MAPI type: asked as it is (the usual request), the type
        // needs no check of its own, and the value is answered as it is ([`conversion`] of a
        // type to itself, text included).
        Some(stored) if requested == stored.stored_type() => Rule::AsIs(stored),
        Some(stored) if requested == PT_UNSPECIFIED || is_value_type(requested) => {
            stored_rule(stored, requested, unicode)
        }
        _ => Rule::Error(unanswered(requested)),
    };
    (id, rule)
}

/// The code of the `PT_ERROR` entry answering a request of type `requested` for a property that
/// is not kept, or asked as a type no MAPI value has.
#[inline(always)]
fn unanswered(requested: u32) -> HRESULT {
    if requested != PT_UNSPECIFIED && !is_value_type(requested) {
        MAPI_E_INVALID_TYPE
    } else {
        MAPI_E_NOT_FOUND
    }
}

/// The `GetProps` answer for property `id` by its `rule`: the value, borrowed unless
/// converted, or a `PT_ERROR` entry; a value over `size_limit` (in the width answered) is
/// `MAPI_E_NOT_ENOUGH_MEMORY`.
// Inlined where the answer is gathered, so it is made in its slot, not returned and copied.
#[inline(always)]
fn answer_of<'a, S: Stored + ?Sized>(
    id: u16,
    rule: Rule<'a, S>,
    size_limit: Option<usize>,
) -> S::Answer<'a> {
    let (stored, converted) = match rule {
        Rule::Error(code) => return S::error(id, code),
        // The usual answer, the value as it is without a limit to check, is made where it
        // goes: a value moved through intermediate results was copied in pieces, and read
        // back wider than written (a stall of the store buffer per answer).
        Rule::AsIs(stored) if size_limit.is_none() => return stored.as_is(id),
        Rule::AsIs(stored) => (stored, None),
        Rule::Convert(stored, to_unicode) => match stored.converted(to_unicode) {
            Ok(converted) => (stored, converted),
            Err(code) => return S::error(id, code),
        },
    };
    let size = converted
        .as_ref()
        .map_or_else(|| stored.size(), |value| wire_size(value.borrowed()));
    if let Err(code) = within(size_limit, size) {
        return S::error(id, code);
    }
    match converted {
        Some(value) => S::converted_answer(id, value),
        None => stored.as_is(id),
    }
}

/// `GetProps` over properties a provider holds itself, borrowed (`props`, in the order a NULL
/// tag list answers them: ID order is what a bag answers), by a bag's rules (see the module
/// documentation; no size limit), into one MAPI block: no bag to fill and no copy of a value
/// until MAPI's block, for an object whose few properties live in its own fields (a store's
/// identity). The properties are looked up one by one, so a long list belongs in a bag.
///
/// The usual answer to a tag list of up to 16, every property as it is kept or missing and
/// every value fixed-size, binary or text, is chosen and measured in one pass and written in a
/// second. Any other (or a NULL tag list) is a list of references and error codes with nothing
/// to drop, up to 16 on the stack; text to convert to the other width takes a general pass.
pub fn props_block_of(
    allocators: &AllocatorSet,
    props: &[PropRef<'_>],
    tags: Option<&[u32]>,
    unicode: bool,
) -> crate::com::Result<PropsBlock> {
    let find = |id| find_id(props, id);
    let all = props.iter().map(|p| (p.id, p));
    let general = || answer_block(allocators, tags, unicode, None, find, all.clone());
    match tags {
        Some([]) => Err(invalid()),
        Some(tags) => usual_block(allocators, props, tags, unicode).unwrap_or_else(|| {
            kept_block(
                allocators,
                tags.iter().map(|&tag| requested_rule(tag, find, unicode)),
                general,
            )
        }),
        None => kept_block(
            allocators,
            all.clone()
                .map(|(id, prop)| (id, stored_rule(prop, PT_UNSPECIFIED, unicode))),
            general,
        ),
    }
}

/// [`props_block_of`] over the properties an object keeps in its fields, named by their tags
/// (`kept`, in ID order, as a NULL tag list answers them) and read with a `match` on the tag
/// (`value`, called with tags of `kept` only: up to twice per requested tag for the usual
/// request, once more per property for any other; the value's type wins over the tag's, as
/// [`PropRef::for_tag`]'s does): no list of values made per call for the usual request. A
/// property is its ID: `kept` names each ID once. The usual request (up to 16 tags, each of
/// them one of `kept` exactly and its value of that type and of a usual kind, fixed-size but
/// not a GUID, binary, or text without a NUL; or an ID `kept` does not have) is answered with
/// each value written by the arm that reads it. Any other request gets [`props_block_of`]'s
/// answer, by the same rules.
///
/// Inlined into the object's `GetProps`, whose own code it becomes: for an object with a
/// handful of properties (a store's identity); a long list belongs in a bag.
#[inline(always)]
pub fn props_block_by<'a, const N: usize>(
    allocators: &AllocatorSet,
    kept: &[u32; N],
    value: impl Fn(u32) -> ValueRef<'a> + Copy,
    tags: Option<&[u32]>,
    unicode: bool,
) -> crate::com::Result<PropsBlock> {
    debug_assert!(
        kept.iter()
            .enumerate()
            .all(|(at, &k)| kept[..at].iter().all(|&j| prop_id(j) != prop_id(k))),
        "props_block_by: each ID once in `kept`"
    );
    if let Some(tags) = tags
        && let Some(block) = exact_block(allocators, kept, value, tags)
    {
        return block;
    }
    let props: [PropRef<'a>; N] =
        core::array::from_fn(|at| PropRef::for_tag(kept[at], value(kept[at])));
    props_block_of(allocators, &props, tags, unicode)
}

/// [`props_block_by`]'s usual answer: `None` unless each of `tags` (no more than 16, one at
/// least) is one of `kept` exactly, its value of that type and of a usual kind ([`Usual`]), or
/// an ID `kept` does not have (its `PT_ERROR` entry).
#[inline(always)]
fn exact_block<'a>(
    allocators: &AllocatorSet,
    kept: &[u32],
    value: impl Fn(u32) -> ValueRef<'a>,
    tags: &[u32],
) -> Option<crate::com::Result<PropsBlock>> {
    if tags.is_empty() || tags.len() > KEPT_ON_STACK {
        return None;
    }
    // Bit `i` set: the `i`th requested property is not kept, a `PT_ERROR` entry.
    let mut missing = 0u16;
    let mut usual = Usual::default();
    const { assert!(KEPT_ON_STACK <= u16::BITS as usize) };
    for (index, &tag) in tags.iter().enumerate() {
        if kept.contains(&tag) {
            let kept_value = value(tag);
            // A value of another type (a `PT_ERROR` for a missing one) goes by the rules.
            if kept_value.prop_type() != prop_type(tag) {
                return None;
            }
            usual.add(kept_value)?;
        } else if !kept.iter().any(|&k| prop_id(k) == prop_id(tag)) {
            missing |= 1 << index;
        } else {
            // Kept as another type: the rules convert it, or refuse.
            return None;
        }
    }
    Some(usual_answer(
        usual,
        allocators,
        tags,
        missing != 0,
        |index| {
            let tag = tags[index];
            if missing & (1 << index) == 0 {
                // Tagged by its own type, which `value` might not answer twice alike.
                let kept_value = value(tag);
                (prop_tag(kept_value.prop_type(), prop_id(tag)), kept_value)
            } else {
                // Off the path of the answers kept, which then runs without a jump.
                core::hint::cold_path();
                (tag, ValueRef::Error(unanswered(prop_type(tag))))
            }
        },
    ))
}

/// The block of a usual answer ([`usual_block`], [`exact_block`]) to `tags`, no more than
/// [`KEPT_ON_STACK`]: answer `index` is `answer(index)`, its value measured in `usual`; a
/// `PT_ERROR` value is tagged `PT_ERROR` here, and makes the code `MAPI_W_ERRORS_RETURNED`
/// (`errors_returned`).
#[inline(always)]
fn usual_answer<'v>(
    usual: Usual,
    allocators: &AllocatorSet,
    tags: &[u32],
    errors_returned: bool,
    mut answer: impl FnMut(usize) -> (u32, ValueRef<'v>),
) -> crate::com::Result<PropsBlock> {
    let array = usual.write_each(allocators, tags.len(), |index| match answer(index) {
        (tag, error @ ValueRef::Error(_)) => (prop_tag(PT_ERROR, prop_id(tag)), error),
        answered => answered,
    })?;
    Ok(PropsBlock {
        // At most `KEPT_ON_STACK`.
        count: tags.len() as u32,
        array: Some(array),
        code: Fetched::code_for(errors_returned),
    })
}

/// The block of [`props_block_of`]'s answer where [`usual_block`]'s does not do: each property
/// by its rule as it is kept, or its `PT_ERROR` entry; `general`'s if a rule converts text. Up
/// to 16 answers are kept on the stack, more in a vector.
// Inlined, with a loop of its own (not [`gathered`]'s, which the compiler unrolls 16 times and
// then calls the lookup out of line, its answer returned through memory and read back wider
// than written): each answer is made in its slot.
#[inline(always)]
fn kept_block<'a>(
    allocators: &AllocatorSet,
    rules: impl ExactSizeIterator<Item = (u16, Rule<'a, PropRef<'a>>)>,
    general: impl FnOnce() -> crate::com::Result<PropsBlock>,
) -> crate::com::Result<PropsBlock> {
    let mut errors_returned = false;
    let mut keep = |(id, rule)| match rule {
        Rule::AsIs(prop) => Some(Kept::Prop(prop)),
        Rule::Error(code) => {
            errors_returned = true;
            Some(Kept::Error(id, code))
        }
        Rule::Convert(..) => None,
    };
    let mut slots = [MaybeUninit::<Kept<'a>>::uninit(); KEPT_ON_STACK];
    let many: Vec<Kept<'a>>;
    let kept = if rules.len() > KEPT_ON_STACK {
        match rules.map(keep).collect::<Option<_>>() {
            Some(kept) => many = kept,
            None => return general(),
        }
        &many[..]
    } else {
        let mut count = 0;
        for rule in rules {
            match (slots.get_mut(count), keep(rule)) {
                (Some(slot), Some(kept)) => slot.write(kept),
                _ => return general(),
            };
            count += 1;
        }
        // SAFETY: the loop wrote the first `count` slots; `Kept` is `Copy`, nothing to drop.
        unsafe { core::slice::from_raw_parts(slots.as_ptr().cast::<Kept<'a>>(), count) }
    };
    // One call, answered in this function's own result.
    PropsBlock::with_errors(allocators, kept, errors_returned)
}

/// The usual answer of [`props_block_of`] to a list of up to [`KEPT_ON_STACK`] tags: each
/// property as it is kept, or its `PT_ERROR` entry, every value of a usual kind ([`Usual`]).
/// Each requested property is looked up, its rule applied and its value measured in one loop,
/// and the block written from what it chose: no list of answers to make and read back, and no
/// general builder (which is for any kind, so longer in code). `None` for any other answer
/// (text to convert, a value of another kind), which the general path gives.
// Out of line, and the one copy: `props_block_of` is inlined into each object's `GetProps`.
#[inline(never)]
fn usual_block(
    allocators: &AllocatorSet,
    props: &[PropRef<'_>],
    tags: &[u32],
    unicode: bool,
) -> Option<crate::com::Result<PropsBlock>> {
    if tags.len() > KEPT_ON_STACK {
        return None;
    }
    // Each requested property as kept, or the code of its `PT_ERROR` entry.
    let mut slots = [MaybeUninit::<Result<&PropRef<'_>, HRESULT>>::uninit(); KEPT_ON_STACK];
    let mut usual = Usual::default();
    let mut errors_returned = false;
    for (slot, &tag) in slots.iter_mut().zip(tags) {
        let chosen = match requested_rule(tag, |id| find_id(props, id), unicode).1 {
            Rule::AsIs(prop) => {
                usual.add(prop.value)?;
                Ok(prop)
            }
            Rule::Error(code) => {
                errors_returned = true;
                Err(code)
            }
            Rule::Convert(..) => return None,
        };
        slot.write(chosen);
    }
    // SAFETY: the loop wrote the first `tags.len()` slots (no more than there are, checked
    // above); a reference and a code have nothing to drop.
    let chosen: &[Result<&PropRef<'_>, HRESULT>] =
        unsafe { core::slice::from_raw_parts(slots.as_ptr().cast(), tags.len()) };
    Some(usual_answer(
        usual,
        allocators,
        tags,
        errors_returned,
        |index| match chosen[index] {
            Ok(prop) => (prop.tag(), prop.value),
            Err(code) => (tags[index], ValueRef::Error(code)),
        },
    ))
}

/// How many answers [`kept_block`] keeps on the stack, and the most [`usual_block`] answers.
const KEPT_ON_STACK: usize = 16;

/// The property `id` of `props`. Looked for 4 at a time, each of the 4 compared with no other
/// test (a loop over one property at a time also tested the end of the list each time): the
/// lookup is most of the work of a `GetProps` answered from a few properties.
#[inline(always)]
fn find_id<'p, 'a>(props: &'p [PropRef<'a>], id: u16) -> Option<&'p PropRef<'a>> {
    let (fours, rest) = props.as_chunks::<4>();
    for four in fours {
        for prop in four {
            if prop.id == id {
                return Some(prop);
            }
        }
    }
    rest.iter().find(|p| p.id == id)
}

/// `GetProps` into one MAPI block over stored values, by a bag's rules: `find` looks one up by
/// ID, `all` lists them (ID and value) in the order a NULL tag list answers them. The
/// general path of [`props_block_of`], and [`PropertyBag::get_props_block`].
fn answer_block<'a, S: Stored + ?Sized + 'a>(
    allocators: &AllocatorSet,
    tags: Option<&[u32]>,
    unicode: bool,
    size_limit: Option<usize>,
    find: impl Fn(u16) -> Option<&'a S> + Copy,
    all: impl Iterator<Item = (u16, &'a S)>,
) -> crate::com::Result<PropsBlock> {
    let answer = |id, rule| answer_of(id, rule, size_limit);
    let of = |answers: &[S::Answer<'a>]| PropsBlock::of(allocators, answers);
    each_rule(tags, unicode, find, all, answer, of)?
}

/// `of` the answers `answer` makes of each requested tag's rule (`tags` `None`: each stored
/// property's, from `all`), gathered on the stack ([`gathered`]). An empty tag list is
/// `MAPI_E_INVALID_PARAMETER`. The one dispatch of every `GetProps`.
#[inline(always)]
fn each_rule<'a, S: Stored + ?Sized + 'a, T, R>(
    tags: Option<&[u32]>,
    unicode: bool,
    find: impl Fn(u16) -> Option<&'a S> + Copy,
    all: impl Iterator<Item = (u16, &'a S)>,
    mut answer: impl FnMut(u16, Rule<'a, S>) -> T,
    of: impl FnOnce(&[T]) -> R,
) -> crate::com::Result<R> {
    Ok(match tags {
        Some([]) => return Err(invalid()),
        Some(tags) => gathered(
            tags.iter(),
            |&tag| {
                let (id, rule) = requested_rule(tag, find, unicode);
                answer(id, rule)
            },
            of,
        ),
        None => gathered(
            all,
            |(id, stored)| answer(id, stored_rule(stored, PT_UNSPECIFIED, unicode)),
            of,
        ),
    })
}

impl PropertyBag {
    /// An empty, read-write bag without a size limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty bag, as [`PropertyBag::new`], with room for `properties` without allocating
    /// again.
    pub fn with_capacity(properties: usize) -> Self {
        Self {
            entries: Entries(Vec::with_capacity(properties)),
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of property `id`, as stored.
    pub fn get(&self, id: u16) -> Option<&PropValue> {
        self.entries.get(&id).map(|e| &e.prop.value)
    }

    /// The stored properties, in ID order.
    pub fn iter(&self) -> impl Iterator<Item = &Property> {
        self.entries.values().map(|e| &e.prop)
    }

    /// Adds or replaces a property from the provider's side: no access check, any storable
    /// value including `PT_OBJECT` (which clients cannot set). `MAPI_E_INVALID_PARAMETER`
    /// for `PT_NULL`, `PT_ERROR`, a property ID of 0 or 0xFFFF, or a value `GetProps` could
    /// not return ([`PropValue::is_storable`]).
    pub fn insert(&mut self, prop: Property, access: PropAccess) -> crate::com::Result<()> {
        let storable = is_property_id(prop.id)
            && !matches!(prop.value, PropValue::Null | PropValue::Error(_))
            && prop.value.is_storable();
        if !storable {
            return Err(invalid());
        }
        self.entries.insert(prop.id, Entry { prop, access });
        Ok(())
    }

    /// Removes property `id` from the provider's side, whatever the access; returns it.
    pub fn remove(&mut self, id: u16) -> Option<Property> {
        self.entries.remove(&id).map(|e| e.prop)
    }

    pub fn object_access(&self) -> ObjectAccess {
        self.access
    }

    /// `HrSetObjAccess`.
    pub fn set_object_access(&mut self, access: ObjectAccess) {
        self.access = access;
    }

    /// Values whose [`data_size`](PropValue::data_size) (in the width asked for) exceeds
    /// `limit` bytes are answered as `PT_ERROR` `MAPI_E_NOT_ENOUGH_MEMORY`, for the client to
    /// open them with `OpenProperty`. `None` (the default): no limit.
    pub fn set_size_limit(&mut self, limit: Option<usize>) {
        self.size_limit = limit;
    }

    pub fn size_limit(&self) -> Option<usize> {
        self.size_limit
    }

    /// `GetProps`: `tags` `None` for all properties; `unicode` is `MAPI_UNICODE`. See the
    /// module documentation for every rule. `MAPI_E_INVALID_PARAMETER` for an empty list.
    pub fn get_props(
        &self,
        tags: Option<&[u32]>,
        unicode: bool,
    ) -> crate::com::Result<Fetched<'_>> {
        let props: Vec<Cow<'_, Property>> = match tags {
            Some([]) => return Err(invalid()),
            Some(tags) => tags.iter().map(|&tag| self.fetch(tag, unicode)).collect(),
            None => self
                .entries
                .values()
                .map(|e| self.fetch_stored(e, unicode))
                .collect(),
        };
        let errors_returned = props.iter().any(|p| matches!(p.value, PropValue::Error(_)));
        Ok(Fetched {
            props,
            errors_returned,
        })
    }

    /// `GetProps` written into MAPI memory ([`Fetched::to_mapi`]). Up to 16 answers are
    /// gathered on the stack: no heap allocation but MAPI's block, unless a value is converted
    /// (text in the other width).
    pub fn get_props_block(
        &self,
        allocators: &AllocatorSet,
        tags: Option<&[u32]>,
        unicode: bool,
    ) -> crate::com::Result<PropsBlock> {
        let find = |id| self.entries.get(&id).map(|e| &e.prop.value);
        let all = self.entries.values().map(|e| (e.prop.id, &e.prop.value));
        answer_block(allocators, tags, unicode, self.size_limit, find, all)
    }

    /// The answer for a stored property, when `GetProps` asks for all of them.
    fn fetch_stored<'a>(&'a self, entry: &'a Entry, unicode: bool) -> Cow<'a, Property> {
        self.answer(&entry.prop, PT_UNSPECIFIED, unicode)
            .unwrap_or_else(|code| Cow::Owned(Property::error(entry.prop.tag(), code)))
    }

    /// The answer for one requested tag.
    fn fetch(&self, tag: u32, unicode: bool) -> Cow<'_, Property> {
        let requested = prop_type(tag);
        let answer = if requested != PT_UNSPECIFIED && !is_value_type(requested) {
            Err(MAPI_E_INVALID_TYPE)
        } else {
            // A property ID is the tag's upper 16 bits.
            match self.entries.get(&(prop_id(tag) as u16)) {
                Some(entry) => self.answer(&entry.prop, requested, unicode),
                None => Err(MAPI_E_NOT_FOUND),
            }
        };
        answer.unwrap_or_else(|code| Cow::Owned(Property::error(tag, code)))
    }

    /// `prop` as `requested` (a type, or `PT_UNSPECIFIED` with text as `unicode` says), or
    /// the error code of its `PT_ERROR` entry.
    fn answer<'a>(
        &self,
        prop: &'a Property,
        requested: u32,
        unicode: bool,
    ) -> Result<Cow<'a, Property>, HRESULT> {
        let prop = match conversion(prop.value.prop_type(), requested, unicode)? {
            None => Cow::Borrowed(prop),
            Some(to_unicode) => match prop.value.with_text_width(to_unicode) {
                Ok(Cow::Borrowed(_)) => Cow::Borrowed(prop),
                Ok(Cow::Owned(value)) => Cow::Owned(Property::new(prop.id, value)),
                Err(unrepresentable) => return Err(unrepresentable.code()),
            },
        };
        within(self.size_limit, prop.value.data_size())?;
        Ok(prop)
    }

    /// `GetPropList`: every property's tag, in ID order, text typed `PT_UNICODE` if
    /// `unicode` (`MAPI_UNICODE`) else `PT_STRING8`.
    pub fn get_prop_list(&self, unicode: bool) -> Vec<u32> {
        let text = if unicode { PT_UNICODE } else { PT_STRING8 };
        self.entries
            .values()
            .map(|e| {
                let tag = e.prop.tag();
                if is_text_type(prop_type(tag)) {
                    change_prop_type(tag, (prop_type(tag) & MV_FLAG) | text)
                } else {
                    tag
                }
            })
            .collect()
    }

    /// `GetPropList` as an `SPropTagArray` in one MAPI block (an empty bag is an array of
    /// 0 tags, as MAPI's own object answers).
    pub fn prop_list_block(
        &self,
        allocators: &AllocatorSet,
        unicode: bool,
    ) -> crate::com::Result<RootBuf> {
        builders::prop_tags(allocators, &self.get_prop_list(unicode))
    }

    /// `SetProps`: the per-property problems (empty: all set). Errors for the whole call,
    /// with nothing changed: `MAPI_E_INVALID_PARAMETER` for an empty list or a value that
    /// cannot be set (see the module documentation), then `MAPI_E_NO_ACCESS` for a read-only
    /// object.
    pub fn set_props(&mut self, props: &[Property]) -> crate::com::Result<Vec<SPropProblem>> {
        let settable = |p: &Property| {
            is_property_id(p.id)
                && !matches!(
                    p.value,
                    PropValue::Null | PropValue::Object | PropValue::Error(_)
                )
        };
        if props.is_empty() || !props.iter().all(settable) {
            return Err(invalid());
        }
        if self.access == ObjectAccess::ReadOnly {
            return Err(Error::from_hresult(MAPI_E_NO_ACCESS));
        }
        let mut problems = Vec::new();
        for (index, prop) in props.iter().enumerate() {
            if !prop.value.is_storable() {
                problems.push(problem(index, prop.tag(), MAPI_E_INVALID_PARAMETER));
                continue;
            }
            let changed = Entry {
                prop: prop.clone(),
                access: PropAccess {
                    writable: true,
                    dirty: true,
                },
            };
            match self.entries.get_mut(&prop.id) {
                Some(entry) if !entry.access.writable => {
                    problems.push(problem(index, prop.tag(), MAPI_E_NO_ACCESS));
                }
                Some(entry) => *entry = changed,
                None => {
                    self.entries.insert(prop.id, changed);
                }
            }
        }
        Ok(problems)
    }

    /// `DeleteProps`: the per-property problems (read-only properties). Errors for the whole
    /// call: `MAPI_E_INVALID_PARAMETER` for an empty list, `MAPI_E_NO_ACCESS` for a read-only
    /// object.
    pub fn delete_props(&mut self, tags: &[u32]) -> crate::com::Result<Vec<SPropProblem>> {
        if tags.is_empty() {
            return Err(invalid());
        }
        if self.access == ObjectAccess::ReadOnly {
            return Err(Error::from_hresult(MAPI_E_NO_ACCESS));
        }
        let mut problems = Vec::new();
        for (index, &tag) in tags.iter().enumerate() {
            // Types are ignored: only the ID (the tag's upper 16 bits) names the property.
            let id = prop_id(tag) as u16;
            match self.entries.get(&id) {
                Some(entry) if !entry.access.writable => {
                    problems.push(problem(index, tag, MAPI_E_NO_ACCESS));
                }
                Some(_) => {
                    self.entries.remove(&id);
                }
                None => {}
            }
        }
        Ok(problems)
    }

    /// `HrSetPropAccess`: `flags[i]` ([`PropAccess::from_flags`]) for the property of
    /// `tags[i]`. All flags are checked before any is applied; `MAPI_E_INVALID_PARAMETER` for
    /// bad flags or lists of different lengths.
    pub fn set_prop_access(&mut self, tags: &[u32], flags: &[u32]) -> crate::com::Result<()> {
        if tags.len() != flags.len() {
            return Err(invalid());
        }
        let access = flags
            .iter()
            .map(|&f| PropAccess::from_flags(f))
            .collect::<crate::com::Result<Vec<_>>>()?;
        for (&tag, access) in tags.iter().zip(access) {
            if let Some(entry) = self.entries.get_mut(&(prop_id(tag) as u16)) {
                entry.access = access;
            }
        }
        Ok(())
    }

    /// `HrGetPropAccess`: each property's tag and flags (`tags` `None`: every property, in ID
    /// order). A tag the bag does not have reports 0.
    pub fn prop_access(&self, tags: Option<&[u32]>) -> Vec<(u32, u32)> {
        match tags {
            None => self
                .entries
                .values()
                .map(|e| (e.prop.tag(), e.access.flags()))
                .collect(),
            Some(tags) => tags
                .iter()
                .map(|&tag| {
                    let entry = self.entries.get(&(prop_id(tag) as u16));
                    (tag, entry.map_or(0, |e| e.access.flags()))
                })
                .collect(),
        }
    }

    /// `HrGetPropAccess` in MAPI memory: `*lppPropTagArray` (an `SPropTagArray`) and
    /// `*lprgulAccess` (one `ULONG` of flags per tag), each a block of its own because the
    /// caller frees each with `MAPIFreeBuffer`. If the second allocation fails, the first
    /// block is freed and the error returned.
    pub fn prop_access_blocks(
        &self,
        allocators: &AllocatorSet,
        tags: Option<&[u32]>,
    ) -> crate::com::Result<(RootBuf, RootBuf)> {
        let (tags, flags): (Vec<u32>, Vec<u32>) = self.prop_access(tags).into_iter().unzip();
        let tag_array = builders::prop_tags(allocators, &tags)?;
        let flags_bytes: Vec<u8> = flags.iter().flat_map(|f| f.to_ne_bytes()).collect();
        let flag_array = builders::binary(allocators, &flags_bytes)?;
        Ok((tag_array, flag_array))
    }
}

#[cfg(test)]
mod tests {
    use super::{PropAccess, PropertyBag, PropsBlock, find_id, props_block_of};
    use crate::alloc::AllocatorSet;
    use crate::alloc::props::{PropRef, ValueRef};
    use crate::codes::{MAPI_W_ERRORS_RETURNED, S_OK};
    use crate::props::value::{PropValue, Property, props_from_raw};
    use crate::tags::{PT_LONG, PT_STRING8, PT_UNICODE, PT_UNSPECIFIED, prop_tag};

    fn read(block: PropsBlock) -> (windows_core::HRESULT, Vec<Property>) {
        let code = block.code;
        let (count, array) = block.into_raw();
        // SAFETY: `count` values written by the builder, in a block of the native set.
        let props = unsafe { props_from_raw(array, count) }.unwrap();
        // SAFETY: the block `into_raw` handed over, freed once.
        unsafe { AllocatorSet::native().free(array.cast()) };
        (code, props)
    }

    /// The usual answer, on the stack (up to 16) and in a vector (more), answers as a bag of
    /// the same values does: every property as it is, with errors, and with text to convert
    /// (the general pass).
    #[test]
    fn kept_answers_on_the_stack_or_not_answer_as_a_bag() {
        let text = "kept";
        let mut props: Vec<PropRef<'_>> = (0..20u16)
            .map(|i| PropRef::new(0x6000 + i, ValueRef::Long(u32::from(i))))
            .collect();
        props.push(PropRef::new(0x6100, ValueRef::Unicode(text)));
        let mut bag = PropertyBag::new();
        for prop in &props {
            let value = match prop.value {
                ValueRef::Long(v) => PropValue::Long(v),
                _ => PropValue::Unicode(text.into()),
            };
            bag.insert(Property::new(prop.id, value), PropAccess::READ_ONLY)
                .unwrap();
        }
        let set = AllocatorSet::native();
        let long = |i: u32| prop_tag(PT_LONG, 0x6000 + i);
        for count in [1, 16, 17, 20] {
            let mut tags: Vec<u32> = (0..count).map(long).collect();
            let (code, answer) = read(props_block_of(&set, &props, Some(&tags), true).unwrap());
            assert_eq!(code, S_OK);
            assert_eq!(answer.len(), count as usize);
            for (tag, extra) in [
                // Missing: an error answered with the rest.
                (long(0x7F), MAPI_W_ERRORS_RETURNED),
                // Asked in the other width: converted, by the general pass.
                (prop_tag(PT_STRING8, 0x6100), S_OK),
                (prop_tag(PT_UNICODE, 0x6100), S_OK),
                (prop_tag(PT_UNSPECIFIED, 0x6100), S_OK),
            ] {
                tags.push(tag);
                for unicode in [false, true] {
                    let ours = read(props_block_of(&set, &props, Some(&tags), unicode).unwrap());
                    let bags = read(bag.get_props_block(&set, Some(&tags), unicode).unwrap());
                    assert_eq!(ours, bags, "{count} + {tag:x}, unicode {unicode}");
                    assert_eq!(ours.0, extra, "{count} + {tag:x}");
                }
                tags.pop();
            }
        }
        for unicode in [false, true] {
            let ours = read(props_block_of(&set, &props, None, unicode).unwrap());
            let bags = read(bag.get_props_block(&set, None, unicode).unwrap());
            assert_eq!(ours, bags, "all, unicode {unicode}");
            assert_eq!(ours.1.len(), props.len());
        }
    }

    /// Every length around the groups of 4, every place, a missing ID, and an ID kept twice
    /// (the first answers, as a NULL tag list lists it first).
    #[test]
    fn find_id_finds_what_a_search_one_by_one_finds() {
        for len in 0..=13u16 {
            let mut props: Vec<PropRef<'_>> = (0..len)
                .map(|i| PropRef::new(0x3000 + i, ValueRef::Long(u32::from(i))))
                .collect();
            for id in 0x3000..0x3000 + len {
                let found = find_id(&props, id).expect("kept");
                assert!(core::ptr::eq(found, &props[usize::from(id - 0x3000)]));
            }
            assert!(find_id(&props, 0x2FFF).is_none(), "missing, of {len}");
            assert!(find_id(&props, 0x3000 + len).is_none(), "missing, of {len}");
            if len >= 2 {
                props[usize::from(len) - 1].id = props[usize::from(len) / 2].id;
                let twice = props[usize::from(len) / 2].id;
                let first = find_id(&props, twice).unwrap();
                assert!(core::ptr::eq(first, &props[usize::from(len) / 2]));
            }
        }
    }
}
