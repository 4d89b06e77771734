//! A message service's administration and a provider's end: `IProviderAdmin` (mapidefs.h),
//! which MAPI passes to a service entry (`MSGSERVICEENTRY`), and `IMAPIProviderShutdown`
//! (Outlook's MAPIDefS.h), which Outlook queries on provider objects for fast shutdown.
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use super::{IMAPITable, IProfSect};
use crate::codes::{MAPI_E_NO_SUPPORT, S_OK};
use crate::types::{LPTSTR, MAPIERROR, MAPIUID, SPropValue};
use mapi_spi_macros::mapi_interface;

/// The providers of one message service in a profile: their table, their profile sections,
/// adding and removing them. `ulUIParam` of `CreateProvider` is `ULONG_PTR` (Outlook header;
/// mingw: ULONG).
#[mapi_interface("00020325-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IProviderAdmin: IUnknown {
    /// Left out: no error information (`S_OK`, `*lppMAPIError = NULL`), as the docs allow.
    #[default(S_OK)]
    fn GetLastError(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT;
    /// A table with one row per provider of the service (`PR_PROVIDER_UID`, `PR_DISPLAY_NAME`,
    /// `PR_RESOURCE_TYPE`, ...).
    fn GetProviderTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn CreateProvider(
        &self,
        lpszProvider: LPTSTR,
        cValues: u32,
        lpProps: *mut SPropValue,
        ulUIParam: usize,
        ulFlags: u32,
        lpUID: *mut MAPIUID,
    ) -> HRESULT;
    fn DeleteProvider(&self, lpUID: *mut MAPIUID) -> HRESULT;
    /// `lpUID` NULL (allowed only from a service entry): the service's own section.
    fn OpenProfileSection(
        &self,
        lpUID: *mut MAPIUID,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out(IProfSect)] lppProfSect: *mut *mut c_void,
    ) -> HRESULT;
}

/// Fast shutdown (Outlook 2010 and later): Outlook asks each provider object whether it can
/// let the process end without the usual logoff and shutdown calls, tells it the process is
/// ending, and then lets it save what it must. Absent from mingw-w64; the slots follow
/// Outlook's MAPIDefS.h: `QueryFastShutdown`, `NotifyProcessShutdown`, `DoFastShutdown`.
#[mapi_interface("00020398-0000-0000-C000-000000000046")]
pub unsafe trait IMAPIProviderShutdown: IUnknown {
    /// `S_OK`: the provider supports fast shutdown; `MAPI_E_NO_SUPPORT`: Outlook waits for
    /// every reference to be released.
    fn QueryFastShutdown(&self) -> HRESULT;
    /// The process is ending: stop starting new work.
    fn NotifyProcessShutdown(&self) -> HRESULT;
    /// Save everything that must survive; afterwards the provider makes no call into MAPI.
    fn DoFastShutdown(&self) -> HRESULT;
}
