//! Address lists, sort orders and restrictions (mapidefs.h): what tables and the address book
//! exchange.

use super::{SBinaryArray, SPropValue};

/// `ENTRYLIST`: a counted array of entry IDs, the same structure as `SBinaryArray`.
pub type ENTRYLIST = SBinaryArray;

/// `FlagList`: `cFlags` flags, one per entry of an `ADRLIST` (`IABContainer::ResolveNames`:
/// `MAPI_UNRESOLVED`, `MAPI_AMBIGUOUS`, `MAPI_RESOLVED`).
#[repr(C)]
pub struct FlagList {
    pub cFlags: u32,
    pub ulFlag: [u32; 1],
}

/// `ADRENTRY`, one recipient: the same layout as `SRow` (`ulReserved1` is `ulAdrEntryPad`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ADRENTRY {
    pub ulReserved1: u32,
    pub cValues: u32,
    pub rgPropVals: *mut SPropValue,
}

/// `ADRLIST`: the same layout as `SRowSet`; the entries start at 8 on x64, 4 on x86.
#[repr(C)]
pub struct ADRLIST {
    pub cEntries: u32,
    pub aEntries: [ADRENTRY; 1],
}

/// `CbNewADRLIST(n)`.
pub const fn cb_new_adrlist(n: usize) -> usize {
    core::mem::offset_of!(ADRLIST, aEntries) + n * size_of::<ADRENTRY>()
}

/// `SSortOrder`: a column and `TABLE_SORT_ASCEND` / `TABLE_SORT_DESCEND` / ... .
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SSortOrder {
    pub ulPropTag: u32,
    pub ulOrder: u32,
}

/// `SSortOrderSet`: `cSorts` sort keys, the first `cCategories` of them categories.
#[repr(C)]
pub struct SSortOrderSet {
    pub cSorts: u32,
    pub cCategories: u32,
    pub cExpanded: u32,
    pub aSort: [SSortOrder; 1],
}

/// `CbNewSSortOrderSet(n)`.
pub const fn cb_new_ssortorderset(n: usize) -> usize {
    core::mem::offset_of!(SSortOrderSet, aSort) + n * size_of::<SSortOrder>()
}

/// `SAndRestriction`: all of `cRes` restrictions.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SAndRestriction {
    pub cRes: u32,
    pub lpRes: *mut SRestriction,
}

/// `SOrRestriction`: any of `cRes` restrictions.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SOrRestriction {
    pub cRes: u32,
    pub lpRes: *mut SRestriction,
}

/// `SNotRestriction`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SNotRestriction {
    pub ulReserved: u32,
    pub lpRes: *mut SRestriction,
}

/// `SContentRestriction`: `ulFuzzyLevel` is `FL_*`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SContentRestriction {
    pub ulFuzzyLevel: u32,
    pub ulPropTag: u32,
    pub lpProp: *mut SPropValue,
}

/// `SBitMaskRestriction`: `relBMR` is `BMR_EQZ` or `BMR_NEZ`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SBitMaskRestriction {
    pub relBMR: u32,
    pub ulPropTag: u32,
    pub ulMask: u32,
}

/// `SPropertyRestriction`: `relop` is `RELOP_*`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SPropertyRestriction {
    pub relop: u32,
    pub ulPropTag: u32,
    pub lpProp: *mut SPropValue,
}

/// `SComparePropsRestriction`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SComparePropsRestriction {
    pub relop: u32,
    pub ulPropTag1: u32,
    pub ulPropTag2: u32,
}

/// `SSizeRestriction`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SSizeRestriction {
    pub relop: u32,
    pub ulPropTag: u32,
    pub cb: u32,
}

/// `SExistRestriction`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SExistRestriction {
    pub ulReserved1: u32,
    pub ulPropTag: u32,
    pub ulReserved2: u32,
}

/// `SSubRestriction`: `ulSubObject` is `PR_MESSAGE_RECIPIENTS` or `PR_MESSAGE_ATTACHMENTS`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SSubRestriction {
    pub ulSubObject: u32,
    pub lpRes: *mut SRestriction,
}

/// `SCommentRestriction`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SCommentRestriction {
    pub cValues: u32,
    pub lpRes: *mut SRestriction,
    pub lpProp: *mut SPropValue,
}

/// The anonymous `res` union of `SRestriction`, selected by `rt` (`RES_*`). The Outlook header
/// adds `resAnnotation` and `resCount` (no larger than `resComment`); mingw has neither.
#[repr(C)]
#[derive(Clone, Copy)]
pub union SRestriction_res {
    pub resCompareProps: SComparePropsRestriction,
    pub resAnd: SAndRestriction,
    pub resOr: SOrRestriction,
    pub resNot: SNotRestriction,
    pub resContent: SContentRestriction,
    pub resProperty: SPropertyRestriction,
    pub resBitMask: SBitMaskRestriction,
    pub resSize: SSizeRestriction,
    pub resExist: SExistRestriction,
    pub resSub: SSubRestriction,
    pub resComment: SCommentRestriction,
}

/// `SRestriction`: a tree of conditions on rows.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SRestriction {
    pub rt: u32,
    pub res: SRestriction_res,
}
