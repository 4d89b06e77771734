//! Callback interfaces a client or MAPI implements and a provider calls: advise sinks and
//! progress objects (mapidefs.h).
#![allow(non_snake_case)]

use windows_core::{HRESULT, IUnknown};

use crate::mapi_interface;
use crate::types::NOTIFICATION;

/// Receives notifications. `OnNotify` returns a `ULONG` (0, or `CALLBACK_DISCONTINUE` for a
/// synchronous sink), not an HRESULT; a panicking sink returns 0 ("continue").
#[mapi_interface("00020302-0000-0000-C000-000000000046")]
pub unsafe trait IMAPIAdviseSink: IUnknown {
    fn OnNotify(&self, cNotif: u32, lpNotifications: *mut NOTIFICATION) -> u32;
}

/// Shows the progress of a long operation.
#[mapi_interface("0002031F-0000-0000-C000-000000000046")]
pub unsafe trait IMAPIProgress: IUnknown {
    fn Progress(&self, ulValue: u32, ulCount: u32, ulTotal: u32) -> HRESULT;
    fn GetFlags(&self, #[out] lpulFlags: *mut u32) -> HRESULT;
    fn GetMax(&self, #[out] lpulMax: *mut u32) -> HRESULT;
    fn GetMin(&self, #[out] lpulMin: *mut u32) -> HRESULT;
    fn SetLimits(&self, lpulMin: *mut u32, lpulMax: *mut u32, lpulFlags: *mut u32) -> HRESULT;
}
