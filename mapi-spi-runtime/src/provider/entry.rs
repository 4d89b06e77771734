//! What every provider DLL's entry point shares: the three entry point types, side by side
//! (`MSProviderInit`, `ABProviderInit`, `XPProviderInit`: the same parameters but the provider
//! object's interface, all `__cdecl`), and the version negotiation each starts with.
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::HRESULT;

use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_VERSION};
use crate::flags::CURRENT_SPI_VERSION;
use crate::types::{LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER};

/// `MSPROVIDERINIT` (mapispi.h): `STDMAPIINITCALLTYPE`, which every header defines as `__cdecl`,
/// hence `extern "C"` (not `"system"`: on 32-bit Windows the two differ, and the wrong one
/// corrupts the caller's stack).
#[allow(non_snake_case)]
pub type MSPROVIDERINIT = unsafe extern "C" fn(
    hInstance: *mut c_void,
    lpMalloc: *mut c_void,
    lpAllocateBuffer: LPALLOCATEBUFFER,
    lpAllocateMore: LPALLOCATEMORE,
    lpFreeBuffer: LPFREEBUFFER,
    ulFlags: u32,
    ulMAPIVer: u32,
    lpulProviderVer: *mut u32,
    lppMSProvider: *mut *mut c_void,
) -> HRESULT;

/// `ABPROVIDERINIT`: the entry point MAPI looks up by the name `ABProviderInit` in an
/// address-book provider DLL. The parameters of `MSProviderInit` with an `IABProvider` out-pointer
/// last; `__cdecl` on x86 (`STDMAPIINITCALLTYPE`), hence `extern "C"`. `lpMalloc` is an `IMalloc *`
/// (may be NULL); `*lppABProvider` receives an AddRef'd `IABProvider`.
pub type ABProviderInit = unsafe extern "C" fn(
    hInstance: *mut c_void,
    lpMalloc: *mut c_void,
    lpAllocateBuffer: LPALLOCATEBUFFER,
    lpAllocateMore: LPALLOCATEMORE,
    lpFreeBuffer: LPFREEBUFFER,
    ulFlags: u32,
    ulMAPIVer: u32,
    lpulProviderVer: *mut u32,
    lppABProvider: *mut *mut c_void,
) -> HRESULT;

/// The header's name of [`ABProviderInit`] (like [`MSPROVIDERINIT`]).
pub type ABPROVIDERINIT = ABProviderInit;

/// `XPPROVIDERINIT`: the entry point MAPI looks up by the name `XPProviderInit` in a transport
/// provider DLL; `__cdecl` on x86, hence `extern "C"`. `*lppXPProvider` receives an AddRef'd
/// `IXPProvider`.
pub type XPProviderInit = unsafe extern "C" fn(
    hInstance: *mut c_void,
    lpMalloc: *mut c_void,
    lpAllocateBuffer: LPALLOCATEBUFFER,
    lpAllocateMore: LPALLOCATEMORE,
    lpFreeBuffer: LPFREEBUFFER,
    ulFlags: u32,
    ulMAPIVer: u32,
    lpulProviderVer: *mut u32,
    lppXPProvider: *mut *mut c_void,
) -> HRESULT;

/// The header's name of [`XPProviderInit`] (like [`MSPROVIDERINIT`]).
pub type XPPROVIDERINIT = XPProviderInit;

/// What every provider entry point (`MSProviderInit`, `ABProviderInit`, `XPProviderInit`) does
/// first: rejects NULL out-pointers with `MAPI_E_INVALID_PARAMETER`, sets the provider out-pointer
/// to NULL and reports `CURRENT_SPI_VERSION`, and rejects a MAPI older than that with
/// `MAPI_E_VERSION` (the docs' rule and the Microsoft sample's; a newer MAPI is accepted).
///
/// # Safety
///
/// The two pointers are NULL or valid for a write, as the entry point's caller passes them.
#[allow(non_snake_case)]
pub unsafe fn negotiate_version(
    ulMAPIVer: u32,
    lpulProviderVer: *mut u32,
    lppProvider: *mut *mut c_void,
) -> Result<(), HRESULT> {
    if lpulProviderVer.is_null() || lppProvider.is_null() {
        return Err(MAPI_E_INVALID_PARAMETER);
    }
    // SAFETY: both pointers are not NULL, and writable by the caller's contract.
    unsafe {
        lppProvider.write(core::ptr::null_mut());
        lpulProviderVer.write(CURRENT_SPI_VERSION);
    }
    if ulMAPIVer < CURRENT_SPI_VERSION {
        return Err(MAPI_E_VERSION);
    }
    Ok(())
}
