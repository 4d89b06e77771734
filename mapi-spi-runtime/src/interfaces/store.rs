//! The message store SPI: `IMSProvider` (mapispi.h).
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use crate::mapi_interface;
use crate::types::{ENTRYID, LPTSTR, MAPIERROR};

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
        lpMAPISup: *mut c_void,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        cbEntryID: u32,
        lpEntryID: *mut ENTRYID,
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
        lpMAPISup: *mut c_void,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        cbEntryID: u32,
        lpEntryID: *mut ENTRYID,
        ulFlags: u32,
        lpInterface: *const GUID,
        cbSpoolSecurity: u32,
        lpbSpoolSecurity: *mut u8,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
        #[out] lppMSLogon: *mut *mut c_void,
        #[out] lppMDB: *mut *mut c_void,
    ) -> HRESULT;

    /// Compares two unwrapped store entry IDs of this provider; writes TRUE (1) or FALSE (0).
    fn CompareStoreIDs(
        &self,
        cbEntryID1: u32,
        lpEntryID1: *mut ENTRYID,
        cbEntryID2: u32,
        lpEntryID2: *mut ENTRYID,
        ulFlags: u32,
        #[out] lpulResult: *mut u32,
    ) -> HRESULT;
}
