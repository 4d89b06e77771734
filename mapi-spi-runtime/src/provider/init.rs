//! `MSProviderInit`, the entry point MAPI finds by name in a store provider DLL.

use core::ffi::c_void;
use windows_core::{HRESULT, Interface};

use super::objects::ProviderObject;
use super::{CURRENT_SPI_VERSION, ProviderContext, StoreProvider};
use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_CALL_FAILED, MAPI_E_INVALID_PARAMETER, MAPI_E_VERSION, S_OK};
use crate::com::ComObject;
use crate::interfaces::IMSProvider;
use crate::interfaces::ole::Malloc;
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
    unsafe {
        lppProvider.write(core::ptr::null_mut());
        lpulProviderVer.write(CURRENT_SPI_VERSION);
    }
    if ulMAPIVer < CURRENT_SPI_VERSION {
        return Err(MAPI_E_VERSION);
    }
    Ok(())
}

/// The body of `MSProviderInit` for provider type `P`; [`crate::ms_provider_init!`] exports it.
///
/// Writes `CURRENT_SPI_VERSION` to `*lpulProviderVer`; rejects NULL out-pointers and NULL
/// allocators with `MAPI_E_INVALID_PARAMETER` and an older MAPI (`ulMAPIVer <
/// CURRENT_SPI_VERSION`, the docs' rule) with `MAPI_E_VERSION`; creates a new provider object per
/// call (one per MAPI session); AddRefs `lpMalloc` when it is not NULL.
///
/// # Safety
///
/// The arguments are those of `MSPROVIDERINIT` in mapispi.h.
#[allow(non_snake_case, clippy::too_many_arguments)]
pub unsafe fn ms_provider_init<P: StoreProvider>(
    hInstance: *mut c_void,
    lpMalloc: *mut c_void,
    lpAllocateBuffer: LPALLOCATEBUFFER,
    lpAllocateMore: LPALLOCATEMORE,
    lpFreeBuffer: LPFREEBUFFER,
    ulFlags: u32,
    ulMAPIVer: u32,
    lpulProviderVer: *mut u32,
    lppMSProvider: *mut *mut c_void,
) -> HRESULT {
    if let Err(hr) = unsafe { negotiate_version(ulMAPIVer, lpulProviderVer, lppMSProvider) } {
        return hr;
    }
    // SAFETY: MAPI's allocators keep their contract while the provider is loaded.
    let allocators =
        match unsafe { AllocatorSet::new(lpAllocateBuffer, lpAllocateMore, lpFreeBuffer) } {
            Ok(allocators) => allocators,
            Err(error) => return error.code(),
        };
    let context = ProviderContext {
        instance: hInstance as usize,
        flags: ulFlags,
        allocators,
    };
    // The entry point is `extern "C"`: a panic in the provider's `create` must not unwind out.
    let created = crate::com::abi::guard(|| P::create(&context));
    let provider = match created {
        Some(Ok(provider)) => provider,
        Some(Err(error)) if error.code.is_err() => return error.code,
        Some(Err(_)) | None => return MAPI_E_CALL_FAILED,
    };
    // SAFETY: `lpMalloc` is NULL or MAPI's IMalloc; keeping it means one AddRef.
    let malloc = unsafe { Malloc::from_borrowed(lpMalloc) };
    let object: IMSProvider =
        ComObject::new(ProviderObject::new(provider, &context, malloc)).into_interface();
    unsafe { lppMSProvider.write(object.into_raw()) };
    S_OK
}

/// Exports `MSProviderInit` (cdecl, as `STDMAPIINITCALLTYPE` in mapispi.h) for a
/// [`StoreProvider`] type:
///
/// ```ignore
/// mapi_spi_runtime::ms_provider_init!(MyProvider);
/// ```
#[macro_export]
macro_rules! ms_provider_init {
    ($provider:ty) => {
        /// MAPI's entry point of this message store provider: creates one provider object per
        /// MAPI session. See `mapi_spi_runtime::provider::init::ms_provider_init`.
        ///
        /// # Safety
        ///
        /// Called by MAPI with the arguments of `MSPROVIDERINIT` (mapispi.h).
        #[unsafe(no_mangle)]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        pub unsafe extern "C" fn MSProviderInit(
            hInstance: *mut ::core::ffi::c_void,
            lpMalloc: *mut ::core::ffi::c_void,
            lpAllocateBuffer: $crate::types::LPALLOCATEBUFFER,
            lpAllocateMore: $crate::types::LPALLOCATEMORE,
            lpFreeBuffer: $crate::types::LPFREEBUFFER,
            ulFlags: u32,
            ulMAPIVer: u32,
            lpulProviderVer: *mut u32,
            lppMSProvider: *mut *mut ::core::ffi::c_void,
        ) -> $crate::HRESULT {
            unsafe {
                $crate::provider::init::ms_provider_init::<$provider>(
                    hInstance,
                    lpMalloc,
                    lpAllocateBuffer,
                    lpAllocateMore,
                    lpFreeBuffer,
                    ulFlags,
                    ulMAPIVer,
                    lpulProviderVer,
                    lppMSProvider,
                )
            }
        }

        // The export has exactly the type MAPI calls it through.
        const _: $crate::provider::init::MSPROVIDERINIT = MSProviderInit;
    };
}
