//! The address book SPI (mapispi.h, mapidefs.h): `ABProviderInit`, `IABProvider`, `IABLogon`,
//! and the objects a logon opens: containers (`IABContainer`) and messaging users
//! (`IMailUser`).
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use super::{
    IMAPIAdviseSink, IMAPIContainer, IMAPIContainerImpl, IMAPIProgress, IMAPIProp, IMAPIPropImpl,
    IMAPISupport, IMAPITable,
};
use crate::codes::{MAPI_E_NO_SUPPORT, S_OK};
use crate::types::{ADRLIST, ENTRYID, ENTRYLIST, FlagList, LPTSTR, MAPIERROR, SPropTagArray};
use mapi_spi_macros::mapi_interface;

/// An address book provider object, returned by `ABProviderInit`. Slot order as in every header
/// (`Shutdown` first; the documentation lists `Logon` first).
#[mapi_interface("00020311-0000-0000-C000-000000000046")]
pub unsafe trait IABProvider: IUnknown {
    /// Called after every logon object is released. `lpulFlags` is reserved.
    fn Shutdown(&self, lpulFlags: *mut u32) -> HRESULT;

    /// Logs on to the address book provider: must `SetProviderUID` and keep (AddRef) the support
    /// object. `ulUIParam` is `ULONG_PTR` (Outlook header; mingw-w64: ULONG).
    fn Logon(
        &self,
        lpMAPISup: Option<&IMAPISupport>,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        ulFlags: u32,
        #[out] lpulpcbSecurity: *mut u32,
        #[out] lppbSecurity: *mut *mut u8,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
        #[out(IABLogon)] lppABLogon: *mut *mut c_void,
    ) -> HRESULT;
}

/// The logon object of an address book provider; used only by MAPI. Note `Logoff` takes its
/// flags by value, unlike `IMSLogon::Logoff`. Connections are `ULONG_PTR` (Outlook header;
/// mingw-w64: ULONG).
#[mapi_interface("00020314-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IABLogon: IUnknown {
    /// Left out: no error information (`S_OK`, `*lppMAPIError = NULL`), as the docs allow.
    #[default(S_OK)]
    fn GetLastError(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT;
    #[required]
    fn Logoff(&self, ulFlags: u32) -> HRESULT;
    fn OpenEntry(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lpulObjType: *mut u32,
        #[out] lppUnk: *mut *mut c_void,
    ) -> HRESULT;
    fn CompareEntryIDs(
        &self,
        #[bytes(cbEntryID1)] lpEntryID1: *mut ENTRYID,
        #[bytes(cbEntryID2)] lpEntryID2: *mut ENTRYID,
        ulFlags: u32,
        #[out] lpulResult: *mut u32,
    ) -> HRESULT;
    fn Advise(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulEventMask: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        #[out] lpulConnection: *mut usize,
    ) -> HRESULT;
    fn Unadvise(&self, ulConnection: usize) -> HRESULT;
    fn OpenStatusEntry(
        &self,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lpulObjType: *mut u32,
        #[out] lppEntry: *mut *mut c_void,
    ) -> HRESULT;
    fn OpenTemplateID(
        &self,
        #[bytes(cbTemplateID)] lpTemplateID: *mut ENTRYID,
        ulTemplateFlags: u32,
        lpMAPIPropData: Option<&IMAPIProp>,
        lpInterface: *const GUID,
        #[out(IMAPIProp)] lppMAPIPropNew: *mut *mut c_void,
        lpMAPIPropSibling: Option<&IMAPIProp>,
    ) -> HRESULT;
    fn GetOneOffTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn PrepareRecips(
        &self,
        ulFlags: u32,
        lpPropTagArray: *mut SPropTagArray,
        lpRecipList: *mut ADRLIST,
    ) -> HRESULT;
}

/// An address book container: its entries (contents table), its subcontainers (hierarchy
/// table), and, where it is modifiable, creating, copying and deleting entries, and name
/// resolution. `ulUIParam` of `CopyEntries` is `ULONG_PTR` (Outlook header; mingw: ULONG).
#[mapi_interface("0002030D-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IABContainer: IMAPIContainer {
    fn CreateEntry(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulCreateFlags: u32,
        #[out(IMAPIProp)] lppMAPIPropEntry: *mut *mut c_void,
    ) -> HRESULT;
    fn CopyEntries(
        &self,
        lpEntries: *mut ENTRYLIST,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn DeleteEntries(&self, lpEntries: *mut ENTRYLIST, ulFlags: u32) -> HRESULT;
    fn ResolveNames(
        &self,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        lpAdrList: *mut ADRLIST,
        lpFlagList: *mut FlagList,
    ) -> HRESULT;
}

/// A messaging user: only the `IMAPIProp` methods.
#[mapi_interface("0002030A-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMailUser: IMAPIProp {}
