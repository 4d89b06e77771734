//! The transport SPI (mapispi.h): `XPProviderInit`, `IXPProvider`, `IXPLogon`.
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use super::{IMAPIStatus, IMAPISupport, IMessage};
use crate::codes::MAPI_E_NO_SUPPORT;
use crate::types::{ENTRYID, LPTSTR, MAPIERROR, MAPIUID, OPTIONDATA};
use mapi_spi_macros::mapi_interface;

/// A transport provider object, returned by `XPProviderInit`.
#[mapi_interface("00020312-0000-0000-C000-000000000046")]
pub unsafe trait IXPProvider: IUnknown {
    fn Shutdown(&self, lpulFlags: *mut u32) -> HRESULT;
    /// `*lpulFlags` carries `LOGON_*` in and `LOGON_SP_*` out. `ulUIParam` is `ULONG_PTR`
    /// (Outlook header; mingw-w64: ULONG).
    fn TransportLogon(
        &self,
        lpMAPISup: Option<&IMAPISupport>,
        ulUIParam: usize,
        lpszProfileName: LPTSTR,
        lpulFlags: *mut u32,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
        #[out(IXPLogon)] lppXPLogon: *mut *mut c_void,
    ) -> HRESULT;
}

/// The logon object of a transport, driven by the MAPI spooler. Message references
/// (`lpulMsgRef`, `ulMsgRef`, `lpulReturnParm`) and `ulUIParam` are `ULONG_PTR` (Outlook header;
/// mingw-w64: ULONG).
#[mapi_interface("00020315-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IXPLogon: IUnknown {
    fn AddressTypes(
        &self,
        lpulFlags: *mut u32,
        #[out] lpcAdrType: *mut u32,
        #[out] lpppAdrTypeArray: *mut *mut LPTSTR,
        #[out] lpcMAPIUID: *mut u32,
        #[out] lpppUIDArray: *mut *mut *mut MAPIUID,
    ) -> HRESULT;
    fn RegisterOptions(
        &self,
        lpulFlags: *mut u32,
        #[out] lpcOptions: *mut u32,
        #[out] lppOptions: *mut *mut OPTIONDATA,
    ) -> HRESULT;
    fn TransportNotify(&self, lpulFlags: *mut u32, lppvData: *mut *mut c_void) -> HRESULT;
    fn Idle(&self, ulFlags: u32) -> HRESULT;
    fn TransportLogoff(&self, ulFlags: u32) -> HRESULT;
    fn SubmitMessage(
        &self,
        ulFlags: u32,
        lpMessage: Option<&IMessage>,
        lpulMsgRef: *mut usize,
        #[out] lpulReturnParm: *mut usize,
    ) -> HRESULT;
    fn EndMessage(&self, ulMsgRef: usize, lpulFlags: *mut u32) -> HRESULT;
    fn Poll(&self, #[out] lpulIncoming: *mut u32) -> HRESULT;
    fn StartMessage(
        &self,
        ulFlags: u32,
        lpMessage: Option<&IMessage>,
        lpulMsgRef: *mut usize,
    ) -> HRESULT;
    fn OpenStatusEntry(
        &self,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lpulObjType: *mut u32,
        #[out(IMAPIStatus)] lppEntry: *mut *mut c_void,
    ) -> HRESULT;
    fn ValidateState(&self, ulUIParam: usize, ulFlags: u32) -> HRESULT;
    fn FlushQueues(
        &self,
        ulUIParam: usize,
        #[bytes(cbTargetTransport)] lpTargetTransport: *mut ENTRYID,
        ulFlags: u32,
    ) -> HRESULT;
}
