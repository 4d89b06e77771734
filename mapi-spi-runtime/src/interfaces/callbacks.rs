//! Callback interfaces a client or MAPI implements and a provider calls: advise sinks and
//! progress objects (mapidefs.h).
#![allow(non_snake_case)]

use windows_core::{HRESULT, IUnknown};

use crate::codes::MAPI_E_NO_SUPPORT;
use crate::types::NOTIFICATION;
use mapi_spi_macros::mapi_interface;

/// Receives notifications. `OnNotify` returns a `ULONG` (0, or `CALLBACK_DISCONTINUE` for a
/// synchronous sink), not an HRESULT; a panicking sink returns 0 ("continue"). Thread-affine:
/// MAPI does not require advise sinks to be thread-safe ("Threading in MAPI"; a client wraps one
/// with `HrThisThreadAdviseSink` to receive calls on its own thread).
#[mapi_interface("00020302-0000-0000-C000-000000000046", thread_affine)]
pub unsafe trait IMAPIAdviseSink: IUnknown {
    fn OnNotify(&self, cNotif: u32, lpNotifications: *mut NOTIFICATION) -> u32;
}

/// Shows the progress of a long operation. Thread-affine: a client's progress object is usually
/// tied to its UI thread, and MAPI does not require it to be thread-safe.
#[mapi_interface(
    "0002031F-0000-0000-C000-000000000046",
    default = MAPI_E_NO_SUPPORT,
    thread_affine
)]
pub unsafe trait IMAPIProgress: IUnknown {
    fn Progress(&self, ulValue: u32, ulCount: u32, ulTotal: u32) -> HRESULT;
    fn GetFlags(&self, #[out] lpulFlags: *mut u32) -> HRESULT;
    fn GetMax(&self, #[out] lpulMax: *mut u32) -> HRESULT;
    fn GetMin(&self, #[out] lpulMin: *mut u32) -> HRESULT;
    fn SetLimits(&self, lpulMin: *mut u32, lpulMax: *mut u32, lpulFlags: *mut u32) -> HRESULT;
}
