//! `MSProviderInit`, the entry point MAPI finds by name in a store provider DLL.

use core::ffi::c_void;
use windows_core::{HRESULT, Interface};

use super::StoreProvider;
use super::objects::ProviderObject;
use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_CALL_FAILED, S_OK};
use crate::com::ComObject;
use crate::interfaces::IMSProvider;
use crate::interfaces::ole::Malloc;
use crate::provider::ProviderContext;
use crate::provider::entry::negotiate_version;
use crate::types::{LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER};

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
    // SAFETY: the out-pointers are MAPI's, NULL or writable (this function's contract).
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
    let created = crate::com::abi::guard::<P, _>("StoreProvider::create", || P::create(&context));
    let provider = match created {
        Some(Ok(provider)) => provider,
        Some(Err(error)) if error.code.is_err() => return error.code,
        Some(Err(_)) | None => return MAPI_E_CALL_FAILED,
    };
    // SAFETY: `lpMalloc` is NULL or MAPI's IMalloc; keeping it means one AddRef.
    let malloc = unsafe { Malloc::from_borrowed(lpMalloc) };
    let object: IMSProvider =
        ComObject::new(ProviderObject::new(provider, &context, malloc)).into_interface();
    // SAFETY: checked not NULL by `negotiate_version`, and writable; the new reference goes to
    // MAPI.
    unsafe { lppMSProvider.write(object.into_raw()) };
    S_OK
}

/// Exports `MSProviderInit` (cdecl, as `STDMAPIINITCALLTYPE` in mapispi.h) for a
/// [`StoreProvider`] type:
///
/// ```ignore
/// mapi_spi_runtime::ms_provider_init!(MyProvider);
/// ```
///
/// `ms_provider_init!(MyProvider as OtherName)` exports it as `OtherName`, for a binary that
/// holds more than one provider (a test or a benchmark; MAPI looks up `MSProviderInit` only).
#[macro_export]
macro_rules! ms_provider_init {
    ($provider:ty) => {
        $crate::ms_provider_init!($provider as MSProviderInit);
    };
    ($provider:ty as $name:ident) => {
        /// MAPI's entry point of this message store provider: creates one provider object per
        /// MAPI session. See `mapi_spi_runtime::provider::store::init::ms_provider_init`.
        ///
        /// # Safety
        ///
        /// Called by MAPI with the arguments of `MSPROVIDERINIT` (mapispi.h).
        #[unsafe(no_mangle)]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name(
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
            // SAFETY: MAPI's arguments, passed on: `ms_provider_init` has this export's contract.
            unsafe {
                $crate::provider::store::init::ms_provider_init::<$provider>(
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
        const _: $crate::provider::entry::MSPROVIDERINIT = $name;
    };
}
