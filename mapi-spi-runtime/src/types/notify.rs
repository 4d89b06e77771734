//! Notifications (mapidefs.h): `NOTIFICATION`, its union of six event structures, and the
//! callback type `NOTIFCALLBACK`.

use core::ffi::c_void;

use super::{ENTRYID, LPTSTR, MAPIERROR, SPropTagArray, SPropValue, SRow};

/// `fnevCriticalError`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ERROR_NOTIFICATION {
    pub cbEntryID: u32,
    pub lpEntryID: *mut ENTRYID,
    pub scode: i32,
    pub ulFlags: u32,
    pub lpMAPIError: *mut MAPIERROR,
}

/// `fnevNewMail`: `lpszMessageClass` is UTF-16 when `ulFlags` has `MAPI_UNICODE`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct NEWMAIL_NOTIFICATION {
    pub cbEntryID: u32,
    pub lpEntryID: *mut ENTRYID,
    pub cbParentID: u32,
    pub lpParentID: *mut ENTRYID,
    pub ulFlags: u32,
    pub lpszMessageClass: LPTSTR,
    pub ulMessageFlags: u32,
}

/// `fnevObjectCreated`, `...Deleted`, `...Modified`, `...Moved`, `...Copied`,
/// `fnevSearchComplete`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct OBJECT_NOTIFICATION {
    pub cbEntryID: u32,
    pub lpEntryID: *mut ENTRYID,
    pub ulObjType: u32,
    pub cbParentID: u32,
    pub lpParentID: *mut ENTRYID,
    pub cbOldID: u32,
    pub lpOldID: *mut ENTRYID,
    pub cbOldParentID: u32,
    pub lpOldParentID: *mut ENTRYID,
    pub lpPropTagArray: *mut SPropTagArray,
}

/// `fnevTableModified`: `ulTableEvent` is `TABLE_CHANGED` ... `TABLE_RELOAD`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TABLE_NOTIFICATION {
    pub ulTableEvent: u32,
    pub hResult: windows_core::HRESULT,
    pub propIndex: SPropValue,
    pub propPrior: SPropValue,
    pub row: SRow,
    pub ulPad: u32,
}

/// `fnevExtended`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EXTENDED_NOTIFICATION {
    pub ulEvent: u32,
    pub cb: u32,
    pub pbEventParameters: *mut u8,
}

/// `fnevStatusObjectModified`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct STATUS_OBJECT_NOTIFICATION {
    pub cbEntryID: u32,
    pub lpEntryID: *mut ENTRYID,
    pub cValues: u32,
    pub lpPropVals: *mut SPropValue,
}

/// The anonymous `info` union of `NOTIFICATION`, selected by `ulEventType`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union NOTIFICATION_info {
    pub err: ERROR_NOTIFICATION,
    pub newmail: NEWMAIL_NOTIFICATION,
    pub obj: OBJECT_NOTIFICATION,
    pub tab: TABLE_NOTIFICATION,
    pub ext: EXTENDED_NOTIFICATION,
    pub statobj: STATUS_OBJECT_NOTIFICATION,
}

/// `NOTIFICATION`: one event (`fnev*` in `ulEventType`). `ulAlignPad` is in every header (though
/// not in the documentation) and puts `info` at offset 8 on both architectures.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct NOTIFICATION {
    pub ulEventType: u32,
    pub ulAlignPad: u32,
    pub info: NOTIFICATION_info,
}

/// `LPNOTIFCALLBACK` (`NOTIFCALLBACK`, stdcall): the callback behind `HrAllocAdviseSink`.
pub type LPNOTIFCALLBACK = Option<
    unsafe extern "system" fn(
        lpvContext: *mut c_void,
        cNotification: u32,
        lpNotifications: *mut NOTIFICATION,
    ) -> i32,
>;
