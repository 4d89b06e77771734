//! Address-book dialogs and transport options (mapidefs.h, mapispi.h): `ADRPARM` with its
//! callbacks, `OPTIONDATA`. The callbacks' first parameter is `ULONG_PTR` in the Outlook header
//! (`ULONG` in mingw-w64).

use core::ffi::c_void;
use windows_core::GUID;

use super::{ENTRYID, LPTSTR, SPropValue, SRestriction};

/// `LPFNABSDI` (`ACCELERATEABSDI`): lets a modeless address-book dialog translate accelerators.
/// Returns a `BOOL`.
pub type LPFNABSDI =
    Option<unsafe extern "system" fn(ulUIParam: usize, lpvmsg: *mut c_void) -> i32>;
/// `LPFNDISMISS` (`DISMISSMODELESS`): called when a modeless dialog closes.
pub type LPFNDISMISS = Option<unsafe extern "system" fn(ulUIParam: usize, lpvContext: *mut c_void)>;
/// `LPFNBUTTON`: the button callback of `IMAPISupport::Details`; returns an `SCODE`.
pub type LPFNBUTTON = Option<
    unsafe extern "system" fn(
        ulUIParam: usize,
        lpvContext: *mut c_void,
        cbEntryID: u32,
        lpSelection: *mut ENTRYID,
        ulFlags: u32,
    ) -> i32,
>;

/// `ADRPARM`: how `IMAPISupport::Address` shows the address-book dialog.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ADRPARM {
    pub cbABContEntryID: u32,
    pub lpABContEntryID: *mut ENTRYID,
    pub ulFlags: u32,
    pub lpReserved: *mut c_void,
    pub ulHelpContext: u32,
    pub lpszHelpFileName: LPTSTR,
    pub lpfnABSDI: LPFNABSDI,
    pub lpfnDismiss: LPFNDISMISS,
    pub lpvDismissContext: *mut c_void,
    pub lpszCaption: LPTSTR,
    pub lpszNewEntryTitle: LPTSTR,
    pub lpszDestWellsTitle: LPTSTR,
    pub cDestFields: u32,
    pub nDestFieldFocus: u32,
    pub lppszDestTitles: *mut LPTSTR,
    pub lpulDestComps: *mut u32,
    pub lpContRestriction: *mut SRestriction,
    pub lpHierRestriction: *mut SRestriction,
}

/// `OPTIONDATA`: per-recipient or per-message options a transport registers with
/// `IXPLogon::RegisterOptions`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct OPTIONDATA {
    pub ulFlags: u32,
    pub lpRecipGUID: *mut GUID,
    pub lpszAdrType: LPTSTR,
    pub lpszDLLName: LPTSTR,
    pub ulOrdinal: u32,
    pub cbOptionsData: u32,
    pub lpbOptionsData: *mut u8,
    pub cOptionsProps: u32,
    pub lpOptionsProps: *mut SPropValue,
}
