//! Data structures that cross the MAPI boundary, with the layouts of the Windows headers.
//!
//! Names and field names are the C ones so that a reader can hold this file next to
//! `mapidefs.h`. Variable-length structures (`ENTRYID`, `SPropTagArray`, ...) are declared with
//! their one-element C array and are only ever used behind pointers, with the size computed by the
//! `cb_new_*` functions (the headers' `CbNew...` macros). An anonymous C member type gets the
//! name `Parent_member` (`NOTIFICATION_info`, `SRestriction_res`, `MAPINAMEID_Kind`).
//!
//! This file holds the basic and property structures and the allocator types; by topic, the
//! submodules (all re-exported here) hold notifications (`NOTIFICATION` and its six event
//! structures), rows (`ADRLIST`, sort orders, restrictions) and UI/transport structures
//! (`ADRPARM` and its callbacks, `OPTIONDATA`). `tests/abi_layout.rs` checks every layout
//! against the mingw-w64 headers for x64 and i686.
#![allow(non_snake_case, non_camel_case_types)]

use core::ffi::c_void;
use windows_core::GUID;

mod notify;
mod rows;
mod ui;

pub use notify::*;
pub use rows::*;
pub use ui::*;

/// `LPTSTR`: 8-bit or UTF-16 text, chosen at run time by `MAPI_UNICODE` in the same call's flags.
pub type LPTSTR = *mut c_void;

/// `ENTRYID { BYTE abFlags[4]; BYTE ab[MAPI_DIM]; }`: the size travels separately as `cb`.
#[repr(C)]
pub struct ENTRYID {
    pub abFlags: [u8; 4],
    pub ab: [u8; 1],
}

/// `CbNewENTRYID(cb)`: bytes needed for an entry ID with `cb` bytes of `ab`.
pub const fn cb_new_entryid(cb: usize) -> usize {
    core::mem::offset_of!(ENTRYID, ab) + cb
}

/// `MAPIUID`: 16 opaque bytes, compared with `memcmp`.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct MAPIUID {
    pub ab: [u8; 16],
}

/// `MAPIERROR`: strings are UTF-16 when the call that returned it had `MAPI_UNICODE`.
#[repr(C)]
pub struct MAPIERROR {
    pub ulVersion: u32,
    pub lpszError: LPTSTR,
    pub lpszComponent: LPTSTR,
    pub ulLowLevelError: u32,
    pub ulContext: u32,
}

/// `MAPI_ERROR_VERSION`, the only `MAPIERROR::ulVersion` defined.
pub const MAPI_ERROR_VERSION: u32 = 0;

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SBinary {
    pub cb: u32,
    pub lpb: *mut u8,
}

/// `SBinaryArray` (`ENTRYLIST`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SBinaryArray {
    pub cValues: u32,
    pub lpbin: *mut SBinary,
}

/// The multi-valued members of `union _PV` (`SShortArray`, `SLongArray`, ...): a count and a
/// pointer to that many values.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SArray<T> {
    pub cValues: u32,
    pub lp: *mut T,
}

#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FILETIME {
    pub dwLowDateTime: u32,
    pub dwHighDateTime: u32,
}

/// `LARGE_INTEGER` (winnt.h), as `IStream` passes it by value: the union's `QuadPart` (the other
/// members are its two halves).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LARGE_INTEGER {
    pub QuadPart: i64,
}

/// `ULARGE_INTEGER` (winnt.h): the unsigned [`LARGE_INTEGER`].
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ULARGE_INTEGER {
    pub QuadPart: u64,
}

/// `STATSTG` (objidl.h): what `IStream::Stat` fills in.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct STATSTG {
    /// The name, allocated with `CoTaskMemAlloc`; NULL for an unnamed stream.
    pub pwcsName: *mut u16,
    pub r#type: u32,
    pub cbSize: ULARGE_INTEGER,
    pub mtime: FILETIME,
    pub ctime: FILETIME,
    pub atime: FILETIME,
    pub grfMode: u32,
    pub grfLocksSupported: u32,
    pub clsid: windows_core::GUID,
    pub grfStateBits: u32,
    pub reserved: u32,
}

/// `union _PV`, the value of a property. The Outlook header's `lpv` (`PT_PTR`) is included; mingw
/// and Wine omit it, without layout effect.
#[repr(C)]
#[derive(Clone, Copy)]
pub union PV {
    pub i: i16,
    pub l: i32,
    pub ul: u32,
    pub lpv: *mut c_void,
    pub flt: f32,
    pub dbl: f64,
    pub b: u16,
    pub cur: i64,
    pub at: f64,
    pub ft: FILETIME,
    pub lpszA: *mut u8,
    pub bin: SBinary,
    pub lpszW: *mut u16,
    pub lpguid: *mut GUID,
    pub li: i64,
    pub MVi: SArray<i16>,
    pub MVl: SArray<i32>,
    pub MVflt: SArray<f32>,
    pub MVdbl: SArray<f64>,
    pub MVcur: SArray<i64>,
    pub MVat: SArray<f64>,
    pub MVft: SArray<FILETIME>,
    pub MVbin: SArray<SBinary>,
    pub MVszA: SArray<*mut u8>,
    pub MVszW: SArray<*mut u16>,
    pub MVguid: SArray<GUID>,
    pub MVli: SArray<i64>,
    pub err: i32,
    pub x: i32,
}

/// `SPropValue`: `dwAlignPad` keeps `Value` 8-aligned on both architectures.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SPropValue {
    pub ulPropTag: u32,
    pub dwAlignPad: u32,
    pub Value: PV,
}

#[repr(C)]
pub struct SPropTagArray {
    pub cValues: u32,
    pub aulPropTag: [u32; 1],
}

impl SPropTagArray {
    /// The tags of the array MAPI passed (`cValues` of them, the C header's flexible array
    /// member), or `None` for NULL. It takes the raw pointer, not a reference, because the
    /// array extends past the one element the Rust struct declares.
    ///
    /// # Safety
    ///
    /// `array` must be NULL or point to an array laid out as MAPI's: `cValues` tags readable
    /// from `aulPropTag` for `'a`, as a caller passes one to `GetProps` or `DeleteProps`.
    pub unsafe fn tags<'a>(array: *const Self) -> Option<&'a [u32]> {
        // SAFETY: the caller guarantees `cValues` tags at `aulPropTag`.
        unsafe {
            counted(array, |a| {
                (core::ptr::addr_of!((*a).aulPropTag).cast(), (*a).cValues)
            })
        }
    }
}

/// The flexible array member of a counted MAPI structure, or `None` for NULL; `parts` gives the
/// address of the first element (from the raw pointer, so that its provenance covers the whole
/// array) and the count.
///
/// # Safety
///
/// `head` must be NULL or valid, with as many elements readable as `parts` says, for `'a`.
unsafe fn counted<'a, H, T>(
    head: *const H,
    parts: impl FnOnce(*const H) -> (*const T, u32),
) -> Option<&'a [T]> {
    if head.is_null() {
        return None;
    }
    let (first, count) = parts(head);
    // SAFETY: the caller's guarantee; a count of 0 is the empty slice.
    Some(unsafe { core::slice::from_raw_parts(first, count as usize) })
}

/// `CbNewSPropTagArray(n)`.
pub const fn cb_new_sproptagarray(n: usize) -> usize {
    core::mem::offset_of!(SPropTagArray, aulPropTag) + n * size_of::<u32>()
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SPropProblem {
    pub ulIndex: u32,
    pub ulPropTag: u32,
    pub scode: i32,
}

#[repr(C)]
pub struct SPropProblemArray {
    pub cProblem: u32,
    pub aProblem: [SPropProblem; 1],
}

impl SPropProblemArray {
    /// The problems of the array (`cProblem` of them), or `None` for NULL.
    ///
    /// # Safety
    ///
    /// `array` must be NULL or point to an array laid out as MAPI's: `cProblem` entries from
    /// `aProblem`, readable for `'a`.
    pub unsafe fn problems<'a>(array: *const Self) -> Option<&'a [SPropProblem]> {
        // SAFETY: the caller guarantees `cProblem` entries at `aProblem`.
        unsafe {
            counted(array, |a| {
                (core::ptr::addr_of!((*a).aProblem).cast(), (*a).cProblem)
            })
        }
    }
}

/// `CbNewSPropProblemArray(n)`.
pub const fn cb_new_spropproblemarray(n: usize) -> usize {
    core::mem::offset_of!(SPropProblemArray, aProblem) + n * size_of::<SPropProblem>()
}

/// `SRow`, identical in layout to `ADRENTRY`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SRow {
    pub ulAdrEntryPad: u32,
    pub cValues: u32,
    pub lpProps: *mut SPropValue,
}

/// `SRowSet`, identical in layout to `ADRLIST`. The rows start at 8 on x64 (padding after the count).
#[repr(C)]
pub struct SRowSet {
    pub cRows: u32,
    pub aRow: [SRow; 1],
}

impl SRowSet {
    /// The rows of the set (`cRows` of them), or `None` for NULL.
    ///
    /// # Safety
    ///
    /// `set` must be NULL or point to a row set laid out as MAPI's: `cRows` rows from `aRow`,
    /// readable for `'a`.
    pub unsafe fn rows<'a>(set: *const Self) -> Option<&'a [SRow]> {
        // SAFETY: the caller guarantees `cRows` rows at `aRow`.
        unsafe { counted(set, |s| (core::ptr::addr_of!((*s).aRow).cast(), (*s).cRows)) }
    }
}

impl SRow {
    /// The `cValues` properties of the row, as a slice (empty for a NULL `lpProps`).
    ///
    /// # Safety
    ///
    /// `lpProps` must be NULL or point to `cValues` readable values.
    pub unsafe fn props(&self) -> &[SPropValue] {
        // SAFETY: the caller guarantees `cValues` values at `lpProps`, or NULL.
        unsafe { counted(self.lpProps, |p| (p, self.cValues)) }.unwrap_or(&[])
    }
}

/// `CbNewSRowSet(n)`.
pub const fn cb_new_srowset(n: usize) -> usize {
    core::mem::offset_of!(SRowSet, aRow) + n * size_of::<SRow>()
}

/// `BOOKMARK`: a table position. `ULONG_PTR` in the Outlook header (`ULONG` in mingw-w64 and Wine).
pub type BOOKMARK = usize;
/// `BOOKMARK_BEGINNING`.
pub const BOOKMARK_BEGINNING: BOOKMARK = 0;
/// `BOOKMARK_CURRENT`.
pub const BOOKMARK_CURRENT: BOOKMARK = 1;
/// `BOOKMARK_END`.
pub const BOOKMARK_END: BOOKMARK = 2;

/// The anonymous `Kind` union of `MAPINAMEID`, selected by `ulKind` (`MNID_ID`, `MNID_STRING`).
#[repr(C)]
#[derive(Clone, Copy)]
pub union MAPINAMEID_Kind {
    pub lID: i32,
    pub lpwstrName: *mut u16,
}

/// `MAPINAMEID`: a named property, a property set GUID and a number or a UTF-16 name.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct MAPINAMEID {
    pub lpguid: *mut GUID,
    pub ulKind: u32,
    pub Kind: MAPINAMEID_Kind,
}

/// `MNID_ID`: `MAPINAMEID::Kind` holds `lID`.
pub const MNID_ID: u32 = 0;
/// `MNID_STRING`: `MAPINAMEID::Kind` holds `lpwstrName`.
pub const MNID_STRING: u32 = 1;

/// `NOTIFKEY`: the key under which `IMAPISupport::Subscribe` registers a sink.
#[repr(C)]
pub struct NOTIFKEY {
    pub cb: u32,
    pub ab: [u8; 1],
}

/// `CbNewNOTIFKEY(cb)`.
pub const fn cb_new_notifkey(cb: usize) -> usize {
    core::mem::offset_of!(NOTIFKEY, ab) + cb
}

#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(size_of::<SPropValue>() == 24);
    assert!(size_of::<MAPIERROR>() == 32);
    assert!(core::mem::offset_of!(SRowSet, aRow) == 8);
    assert!(size_of::<NOTIFICATION>() == 88);
    assert!(core::mem::offset_of!(NOTIFICATION, info) == 8);
};

// Only Windows i686 gives f64/i64 the 8-byte alignment of MSVC; i686 Linux would make
// SPropValue 12 bytes, so the 32-bit check is for Windows targets.
#[cfg(all(windows, target_arch = "x86"))]
const _: () = {
    assert!(size_of::<SPropValue>() == 16);
    assert!(size_of::<MAPIERROR>() == 20);
    assert!(core::mem::offset_of!(SRowSet, aRow) == 4);
    assert!(size_of::<NOTIFICATION>() == 64);
};

/// `LPALLOCATEBUFFER`: `MAPIAllocateBuffer` as handed to `MSProviderInit` (stdcall on x86).
pub type LPALLOCATEBUFFER = Option<
    unsafe extern "system" fn(cbSize: u32, lppBuffer: *mut *mut c_void) -> windows_core::HRESULT,
>;
/// `LPALLOCATEMORE`: `MAPIAllocateMore`; `lpObject` must be a root from `MAPIAllocateBuffer`.
pub type LPALLOCATEMORE = Option<
    unsafe extern "system" fn(
        cbSize: u32,
        lpObject: *mut c_void,
        lppBuffer: *mut *mut c_void,
    ) -> windows_core::HRESULT,
>;
/// `LPFREEBUFFER`: `MAPIFreeBuffer`; frees a root and everything allocated on it.
pub type LPFREEBUFFER = Option<unsafe extern "system" fn(lpBuffer: *mut c_void) -> u32>;
