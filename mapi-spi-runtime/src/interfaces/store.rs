//! The message store SPI (mapispi.h): `IMSProvider`, `IMSLogon`, `IMsgStore`.
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use super::{IMAPIAdviseSink, IMAPIProp, IMAPIPropImpl, IMAPISupport, IMAPITable, IMessage};
use crate::codes::{MAPI_E_NO_SUPPORT, S_OK};
use crate::types::{ENTRYID, LPTSTR, MAPIERROR, NOTIFICATION};
use mapi_spi_macros::mapi_interface;

/// A message store provider object, returned by `MSProviderInit`: one per MAPI session.
/// Used by MAPI and the spooler to open the provider's stores.
#[mapi_interface("00020310-0000-0000-C000-000000000046")]
pub unsafe trait IMSProvider: IUnknown {
    /// Closes the provider in an orderly way. `lpulFlags` is reserved (points to zero).
    fn Shutdown(&self, lpulFlags: *mut u32) -> HRESULT;

    /// Logs MAPI on to one store of this provider. `ulUIParam` is `ULONG_PTR` (Outlook header;
    /// mingw-w64 and the 1996 SDK have `ULONG`).
    fn Logon(
        &self,
        lpMAPISup: Option<&IMAPISupport>,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulFlags: u32,
        lpInterface: *const GUID,
        #[out] lpcbSpoolSecurity: *mut u32,
        #[out] lppbSpoolSecurity: *mut *mut u8,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
        #[out] lppMSLogon: *mut *mut c_void,
        #[out] lppMDB: *mut *mut c_void,
    ) -> HRESULT;

    /// Logs the MAPI spooler on to a store, with the spool security `Logon` returned (by value:
    /// count and pointer).
    fn SpoolerLogon(
        &self,
        lpMAPISup: Option<&IMAPISupport>,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulFlags: u32,
        lpInterface: *const GUID,
        #[bytes(cbSpoolSecurity)] lpbSpoolSecurity: *mut u8,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
        #[out] lppMSLogon: *mut *mut c_void,
        #[out] lppMDB: *mut *mut c_void,
    ) -> HRESULT;

    /// Compares two unwrapped store entry IDs of this provider; writes TRUE (1) or FALSE (0).
    fn CompareStoreIDs(
        &self,
        #[bytes(cbEntryID1)] lpEntryID1: *mut ENTRYID,
        #[bytes(cbEntryID2)] lpEntryID2: *mut ENTRYID,
        ulFlags: u32,
        #[out] lpulResult: *mut u32,
    ) -> HRESULT;
}

/// The logon object of one open store; used only by MAPI. Created and destroyed with its
/// `IMsgStore`. `Advise`/`Unadvise` connections are `ULONG_PTR` (Outlook header; mingw: ULONG).
#[mapi_interface("00020313-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMSLogon: IUnknown {
    /// Left out: no error information (`S_OK`, `*lppMAPIError = NULL`), as the docs allow.
    #[default(S_OK)]
    fn GetLastError(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT;
    #[required]
    fn Logoff(&self, lpulFlags: *mut u32) -> HRESULT;
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
}

/// A message store, as clients and the spooler see it.
#[mapi_interface("00020306-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMsgStore: IMAPIProp {
    fn Advise(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulEventMask: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        #[out] lpulConnection: *mut usize,
    ) -> HRESULT;
    fn Unadvise(&self, ulConnection: usize) -> HRESULT;
    fn CompareEntryIDs(
        &self,
        #[bytes(cbEntryID1)] lpEntryID1: *mut ENTRYID,
        #[bytes(cbEntryID2)] lpEntryID2: *mut ENTRYID,
        ulFlags: u32,
        #[out] lpulResult: *mut u32,
    ) -> HRESULT;
    fn OpenEntry(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lpulObjType: *mut u32,
        #[out] lppUnk: *mut *mut c_void,
    ) -> HRESULT;
    fn SetReceiveFolder(
        &self,
        lpszMessageClass: LPTSTR,
        ulFlags: u32,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
    ) -> HRESULT;
    fn GetReceiveFolder(
        &self,
        lpszMessageClass: LPTSTR,
        ulFlags: u32,
        #[out] lpcbEntryID: *mut u32,
        #[out] lppEntryID: *mut *mut ENTRYID,
        #[out] lppszExplicitClass: *mut LPTSTR,
    ) -> HRESULT;
    fn GetReceiveFolderTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn StoreLogoff(&self, lpulFlags: *mut u32) -> HRESULT;
    fn AbortSubmit(&self, #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID, ulFlags: u32) -> HRESULT;
    fn GetOutgoingQueue(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn SetLockState(&self, lpMessage: Option<&IMessage>, ulLockState: u32) -> HRESULT;
    fn FinishedMsg(&self, ulFlags: u32, #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID) -> HRESULT;
    fn NotifyNewMail(&self, lpNotification: *mut NOTIFICATION) -> HRESULT;
}
