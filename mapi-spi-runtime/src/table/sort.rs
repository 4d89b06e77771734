//! Sort orders (`SortTable`, `QuerySortOrder`) and the one ordering of property values that
//! sorting and restrictions share.
//!
//! Values compare by their type's natural order: integers and times numerically, floating
//! point by IEEE total order (`f64::total_cmp`, so NaN has a place), Booleans false before
//! true, GUIDs and binaries byte by byte, text by code point (ordinal; 8-bit text against
//! Unicode text is decoded first, see [`crate::props::ansi`]), and multi-valued values
//! element by element, a shorter one first when it is a prefix of the other (the docs' "tuple"
//! rule for multi-valued columns without `MVI_FLAG`). A row that lacks a sort column sorts
//! after every row that has it (before, descending).

use core::cmp::Ordering;

use super::Row;
use crate::codes::MAPI_E_INVALID_PARAMETER;
use crate::flags::{TABLE_SORT_ASCEND, TABLE_SORT_DESCEND};
use crate::props::PropValue;
use crate::props::ansi;
use crate::props::value::is_value_type;
use crate::provider::ProviderError;
use crate::tags::{MV_FLAG, MV_INSTANCE, PT_ERROR, PT_OBJECT, prop_type};
use crate::types::{SSortOrder, SSortOrderSet};

/// What a key does in a categorized sort besides ordering rows (its `ulOrder`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyRole {
    /// `TABLE_SORT_ASCEND` or `_DESCEND`: orders the rows; among the first `cCategories`
    /// keys, a category of its own.
    #[default]
    Sort,
    /// `TABLE_SORT_COMBINE`: one category with the key before it (one heading per distinct
    /// pair of values); orders the rows in that key's direction.
    Combine,
    /// `TABLE_SORT_CATEG_MAX`: orders the categories of the key before it by the largest
    /// value of this column among their rows; does not order the rows.
    CategMax,
    /// `TABLE_SORT_CATEG_MIN`: as `CategMax`, by the smallest value.
    CategMin,
}

/// One key of a sort order: a column, its direction and its role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub tag: u32,
    pub descending: bool,
    pub role: KeyRole,
}

impl SortKey {
    pub fn ascending(tag: u32) -> Self {
        Self {
            tag,
            descending: false,
            role: KeyRole::Sort,
        }
    }

    pub fn descending(tag: u32) -> Self {
        Self {
            tag,
            descending: true,
            role: KeyRole::Sort,
        }
    }

    /// Whether this key orders rows (an aggregate key orders categories only).
    pub fn orders_rows(&self) -> bool {
        matches!(self.role, KeyRole::Sort | KeyRole::Combine)
    }

    /// The `SSortOrder` of this key.
    pub fn to_raw(self) -> SSortOrder {
        use crate::flags::{TABLE_SORT_CATEG_MAX, TABLE_SORT_CATEG_MIN, TABLE_SORT_COMBINE};
        SSortOrder {
            ulPropTag: self.tag,
            ulOrder: match (self.role, self.descending) {
                (KeyRole::Sort, false) => TABLE_SORT_ASCEND,
                (KeyRole::Sort, true) => TABLE_SORT_DESCEND,
                (KeyRole::Combine, _) => TABLE_SORT_COMBINE,
                (KeyRole::CategMax, _) => TABLE_SORT_CATEG_MAX,
                (KeyRole::CategMin, _) => TABLE_SORT_CATEG_MIN,
            },
        }
    }
}

/// A sort order: its keys, the first `categories` of them categories, the first `expanded`
/// of those expanded at first (`SSortOrderSet`'s `cCategories` and `cExpanded`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SortOrder {
    pub keys: Vec<SortKey>,
    pub categories: usize,
    pub expanded: usize,
}

/// Reads a caller's `SSortOrderSet`, checking all of it before anything changes.
///
/// - `MAPI_E_INVALID_PARAMETER`: NULL, `cCategories` above `cSorts` or `cExpanded` above
///   `cCategories`, an `ulOrder` that is none of MAPI's, a column type no value has
///   (`PT_UNSPECIFIED`, `PT_ERROR`, `PT_OBJECT`, `MV_INSTANCE` without `MV_FLAG`, unknown),
///   `TABLE_SORT_COMBINE` on the first key, on a key that is not a category column (not among
///   the first `cCategories`) or after an aggregate key, and `TABLE_SORT_CATEG_MAX`/`_MIN` on
///   the first key or on one that does not follow a category column (the docs: "the
///   categories specified by the previous sort order").
///
/// A multi-valued key with `MVI_FLAG` sorts the view's instance rows by their one value. A
/// `TABLE_SORT_COMBINE` key sorts rows in the direction of the key it joins. An aggregate key
/// may be counted in `cCategories` or follow the last category column; either way it makes no
/// heading level (see the `categories` module for how categories are laid out).
///
/// # Safety
///
/// A non-NULL `set` points to an `SSortOrderSet` with `cSorts` keys (possibly unaligned).
pub unsafe fn sort_order_from_raw(set: *const SSortOrderSet) -> Result<SortOrder, ProviderError> {
    use core::mem::offset_of;
    let invalid = |what: String| ProviderError::new(MAPI_E_INVALID_PARAMETER, what);
    if set.is_null() {
        return Err(invalid("the sort order set is NULL".into()));
    }
    let base = set.cast::<u8>();
    // SAFETY: the header is readable (caller); unaligned reads.
    let (sorts, categories, expanded) = unsafe {
        (
            base.add(offset_of!(SSortOrderSet, cSorts))
                .cast::<u32>()
                .read_unaligned(),
            base.add(offset_of!(SSortOrderSet, cCategories))
                .cast::<u32>()
                .read_unaligned(),
            base.add(offset_of!(SSortOrderSet, cExpanded))
                .cast::<u32>()
                .read_unaligned(),
        )
    };
    if categories > sorts || expanded > categories {
        return Err(invalid(format!(
            "cSorts {sorts}, cCategories {categories}, cExpanded {expanded}: each must be at \
             most the one before"
        )));
    }
    let first = base
        .wrapping_add(offset_of!(SSortOrderSet, aSort))
        .cast::<SSortOrder>();
    let mut keys: Vec<SortKey> = Vec::with_capacity(sorts.min(64) as usize);
    for index in 0..sorts as usize {
        // SAFETY: `cSorts` keys are readable from `aSort` (caller).
        let key = unsafe { first.add(index).read_unaligned() };
        // The key before, when it is a category column that orders rows.
        let category_before = index
            .checked_sub(1)
            .filter(|&before| before < categories as usize)
            .map(|before| keys[before])
            .filter(SortKey::orders_rows);
        let (descending, role) = match key.ulOrder {
            TABLE_SORT_ASCEND => (false, KeyRole::Sort),
            TABLE_SORT_DESCEND => (true, KeyRole::Sort),
            crate::flags::TABLE_SORT_COMBINE => match category_before {
                Some(before) if index < categories as usize => {
                    (before.descending, KeyRole::Combine)
                }
                _ => {
                    return Err(invalid(format!(
                        "key {index}: TABLE_SORT_COMBINE joins a category column to the one \
                         before it, among the first cCategories"
                    )));
                }
            },
            crate::flags::TABLE_SORT_CATEG_MAX | crate::flags::TABLE_SORT_CATEG_MIN => {
                let Some(before) = category_before else {
                    return Err(invalid(format!(
                        "key {index}: TABLE_SORT_CATEG_MAX and _MIN follow a category column"
                    )));
                };
                let role = if key.ulOrder == crate::flags::TABLE_SORT_CATEG_MAX {
                    KeyRole::CategMax
                } else {
                    KeyRole::CategMin
                };
                (before.descending, role)
            }
            other => return Err(invalid(format!("key {index}: unknown ulOrder {other}"))),
        };
        let kind = prop_type(key.ulPropTag);
        let plain = kind & !MV_INSTANCE;
        let instance_ok = kind & MV_INSTANCE == 0 || kind & MV_FLAG != 0;
        if !instance_ok || !is_value_type(plain) || plain == PT_ERROR || plain == PT_OBJECT {
            return Err(invalid(format!(
                "key {index}: column 0x{:08X} has no type to sort by",
                key.ulPropTag
            )));
        }
        keys.push(SortKey {
            tag: key.ulPropTag,
            descending,
            role,
        });
    }
    Ok(SortOrder {
        keys,
        categories: categories as usize,
        expanded: expanded as usize,
    })
}

/// The order of two rows under `keys` (those that order rows: not aggregate keys); rows equal
/// under every key keep the table's own order (the order they were added in, unless
/// [`TableData::insert_row_after`](super::TableData::insert_row_after) placed them), so the
/// order is total and a row has one place.
pub fn compare_rows(keys: &[SortKey], a: &Row, b: &Row) -> Ordering {
    for key in keys.iter().filter(|k| k.orders_rows()) {
        let order = compare_present(a.value(key.tag), b.value(key.tag));
        let order = if key.descending {
            order.reverse()
        } else {
            order
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.rank().cmp(&b.rank())
}

/// Present values by [`compare_values`], missing ones last.
pub(crate) fn compare_present(a: Option<&PropValue>, b: Option<&PropValue>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => compare_values(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The order of two values (see the module's rules). Values of unrelated types order by
/// their type number, so that any two values compare.
pub fn compare_values(a: &PropValue, b: &PropValue) -> Ordering {
    use PropValue as V;
    fn floats(a: &[f64], b: &[f64]) -> Ordering {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.len().cmp(&b.len()))
    }
    fn guid(g: &windows_core::GUID) -> u128 {
        g.to_u128()
    }
    fn time(t: &crate::types::FILETIME) -> u64 {
        (u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime)
    }
    match (a, b) {
        (V::Null, V::Null) | (V::Object, V::Object) => Ordering::Equal,
        (V::I2(x), V::I2(y)) => x.cmp(y),
        (V::Long(x), V::Long(y)) => x.cmp(y),
        (V::R4(x), V::R4(y)) => x.total_cmp(y),
        (V::Double(x), V::Double(y)) | (V::AppTime(x), V::AppTime(y)) => x.total_cmp(y),
        (V::Currency(x), V::Currency(y)) | (V::I8(x), V::I8(y)) => x.cmp(y),
        (V::Error(x), V::Error(y)) => x.0.cmp(&y.0),
        (V::Boolean(x), V::Boolean(y)) => x.cmp(y),
        (V::String8(x), V::String8(y)) | (V::Binary(x), V::Binary(y)) => x.cmp(y),
        (V::Unicode(x), V::Unicode(y)) => x.cmp(y),
        (V::String8(x), V::Unicode(y)) => ansi::decode(x).as_str().cmp(y.as_str()),
        (V::Unicode(x), V::String8(y)) => x.as_str().cmp(ansi::decode(y).as_str()),
        (V::SysTime(x), V::SysTime(y)) => time(x).cmp(&time(y)),
        (V::Clsid(x), V::Clsid(y)) => guid(x).cmp(&guid(y)),
        (V::MvI2(x), V::MvI2(y)) => x.cmp(y),
        (V::MvLong(x), V::MvLong(y)) => x.cmp(y),
        (V::MvR4(x), V::MvR4(y)) => {
            let widen = |v: &[f32]| v.iter().map(|f| f64::from(*f)).collect::<Vec<_>>();
            floats(&widen(x), &widen(y))
        }
        (V::MvDouble(x), V::MvDouble(y)) | (V::MvAppTime(x), V::MvAppTime(y)) => floats(x, y),
        (V::MvCurrency(x), V::MvCurrency(y)) | (V::MvI8(x), V::MvI8(y)) => x.cmp(y),
        (V::MvSysTime(x), V::MvSysTime(y)) => x.iter().map(time).cmp(y.iter().map(time)),
        (V::MvClsid(x), V::MvClsid(y)) => x.iter().map(guid).cmp(y.iter().map(guid)),
        (V::MvString8(x), V::MvString8(y)) | (V::MvBinary(x), V::MvBinary(y)) => x.cmp(y),
        (V::MvUnicode(x), V::MvUnicode(y)) => x.cmp(y),
        (V::MvString8(x), V::MvUnicode(y)) => {
            x.iter().map(|s| ansi::decode(s)).cmp(y.iter().cloned())
        }
        (V::MvUnicode(x), V::MvString8(y)) => {
            x.iter().cloned().cmp(y.iter().map(|s| ansi::decode(s)))
        }
        _ => a.prop_type().cmp(&b.prop_type()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{PT_LONG, prop_tag};

    #[test]
    fn missing_values_sort_last_and_ties_keep_insertion_order() {
        let tag = prop_tag(PT_LONG, 0x6001);
        let with = |id, v: Option<u32>| {
            Row::new(
                id,
                v.map(|v| crate::props::Property::for_tag(tag, PropValue::Long(v)))
                    .into_iter()
                    .collect(),
            )
        };
        let (a, b, c) = (with(1, Some(5)), with(2, None), with(3, Some(5)));
        let keys = [SortKey::ascending(tag)];
        assert_eq!(compare_rows(&keys, &a, &b), Ordering::Less);
        assert_eq!(compare_rows(&keys, &a, &c), Ordering::Less);
        let keys = [SortKey::descending(tag)];
        assert_eq!(compare_rows(&keys, &b, &a), Ordering::Less);
    }

    #[test]
    fn multi_valued_values_compare_as_tuples() {
        let short = PropValue::MvLong(vec![1, 2]);
        let long = PropValue::MvLong(vec![1, 2, 0]);
        assert_eq!(compare_values(&short, &long), Ordering::Less);
        let text8 = PropValue::String8(b"caf\xe9".to_vec());
        let text = PropValue::Unicode("café".into());
        assert_eq!(compare_values(&text8, &text), Ordering::Equal);
    }
}
