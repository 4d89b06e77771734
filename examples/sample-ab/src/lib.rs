//! A minimal MAPI address book provider: it logs on, registers its `MAPIUID`, and holds no
//! entries. It shows that `#[mapi_object]` and the SPI declarations of mapi-spi serve the address
//! book SPI as they serve message stores.
//!
//! - [`ABProviderInit`] is the entry point MAPI looks up by name in the DLL.
//! - [`SampleProvider`] implements `IABProvider`: `Logon` keeps (AddRefs) the support object,
//!   registers [`SAMPLE_AB_UID`] with `SetProviderUID` and returns a [`SampleLogon`].
//! - [`SampleLogon`] implements `IABLogon` the way a provider without containers does: `Logoff`
//!   (releases the support object), `CompareEntryIDs` (byte comparison), `PrepareRecips`
//!   (nothing to add), and `OpenEntry` (the root container is `MAPI_E_NO_SUPPORT`, any other entry
//!   ID `MAPI_E_UNKNOWN_ENTRYID`). It writes nothing else: every other method answers the
//!   interface's default, `MAPI_E_NO_SUPPORT` (templates, notifications, the status object, the
//!   one-off table), and `GetLastError` no extended information.
#![allow(non_snake_case)]

use core::ffi::c_void;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use mapi_spi_runtime::codes::{
    MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT, MAPI_E_UNKNOWN_ENTRYID, S_OK,
};
use mapi_spi_runtime::interfaces::{
    IABLogon, IABLogonImpl, IABProvider, IABProviderImpl, IMAPISupport,
};
use mapi_spi_runtime::provider::entry::negotiate_version;
use mapi_spi_runtime::types::{
    ADRLIST, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER, LPTSTR, MAPIERROR, MAPIUID,
    SPropTagArray,
};
use mapi_spi_runtime::{ComObject, GUID, HRESULT, Interface, Object, mapi_object};

/// The `MAPIUID` this provider registers with `IMAPISupport::SetProviderUID`: entry IDs whose
/// bytes 4..20 hold it are routed to this provider.
pub const SAMPLE_AB_UID: MAPIUID = MAPIUID {
    ab: [
        0x5A, 0x3C, 0x91, 0x0E, 0x27, 0x64, 0x4B, 0x1D, 0x8F, 0x02, 0xC6, 0x7A, 0x19, 0xD4, 0x55,
        0xB3,
    ],
};

/// `ABPROVIDERINIT`: writes `CURRENT_SPI_VERSION` to `*lpulProviderVer`, refuses a MAPI older
/// than that with `MAPI_E_VERSION` and NULL out-pointers with `MAPI_E_INVALID_PARAMETER`, and
/// returns a new provider object (one per call, as MAPI expects) through `*lppABProvider`. The
/// allocators and `lpMalloc` are not needed by this provider.
///
/// # Safety
///
/// Called by MAPI: `lpulProviderVer` and `lppABProvider` are NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ABProviderInit(
    _hInstance: *mut c_void,
    _lpMalloc: *mut c_void,
    _lpAllocateBuffer: LPALLOCATEBUFFER,
    _lpAllocateMore: LPALLOCATEMORE,
    _lpFreeBuffer: LPFREEBUFFER,
    _ulFlags: u32,
    ulMAPIVer: u32,
    lpulProviderVer: *mut u32,
    lppABProvider: *mut *mut c_void,
) -> HRESULT {
    // The checks every entry point starts with: NULL out-pointers, our version out, MAPI's version.
    // SAFETY: MAPI passes NULL or writable locations.
    if let Err(hr) = unsafe { negotiate_version(ulMAPIVer, lpulProviderVer, lppABProvider) } {
        return hr;
    }
    let provider: IABProvider = ComObject::new(SampleProvider::default()).into_interface();
    // SAFETY: checked non-NULL above; the reference is handed to MAPI.
    unsafe { lppABProvider.write(provider.into_raw()) };
    S_OK
}

// Checked at compile time: the entry point has the `ABPROVIDERINIT` type.
const _: mapi_spi_runtime::provider::entry::ABProviderInit = ABProviderInit;

/// The provider object: one per `ABProviderInit` call.
#[mapi_object(IABProvider)]
#[derive(Default)]
pub struct SampleProvider {
    shut_down: AtomicBool,
}

impl IABProviderImpl for SampleProvider {
    unsafe fn Shutdown(this: &Object<Self>, _lpulFlags: *mut u32) -> HRESULT {
        this.shut_down.store(true, Ordering::SeqCst);
        S_OK
    }

    unsafe fn Logon(
        _this: &Object<Self>,
        lpMAPISup: Option<&IMAPISupport>,
        _ulUIParam: usize,
        _lpszProfileName: LPTSTR,
        _ulFlags: u32,
        lpulpcbSecurity: *mut u32,
        lppbSecurity: *mut *mut u8,
        lppMAPIError: *mut *mut MAPIERROR,
        lppABLogon: *mut *mut c_void,
    ) -> HRESULT {
        let Some(support) = lpMAPISup else {
            return MAPI_E_INVALID_PARAMETER;
        };
        if lppABLogon.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: optional out-parameters, written when given: no security blob, no error.
        unsafe {
            lppABLogon.write(core::ptr::null_mut());
            if !lpulpcbSecurity.is_null() {
                lpulpcbSecurity.write(0);
            }
            if !lppbSecurity.is_null() {
                lppbSecurity.write(core::ptr::null_mut());
            }
            if !lppMAPIError.is_null() {
                lppMAPIError.write(core::ptr::null_mut());
            }
        }
        let mut uid = SAMPLE_AB_UID;
        // SAFETY: `uid` lives across the call; MAPI copies it.
        let hr = unsafe { support.SetProviderUID(&mut uid, 0) };
        if hr.is_err() {
            return hr;
        }
        // Cloning the borrowed pointer is the AddRef MAPI requires; the logon keeps it until
        // `Logoff` or its last Release.
        let logon: IABLogon = ComObject::new(SampleLogon {
            support: Mutex::new(Some(support.clone())),
        })
        .into_interface();
        // SAFETY: checked non-NULL above; the reference is handed to MAPI.
        unsafe { lppABLogon.write(logon.into_raw()) };
        S_OK
    }
}

/// The logon object of one session.
#[mapi_object(IABLogon)]
pub struct SampleLogon {
    /// The support object, AddRef'd at logon, released at `Logoff` (or with the object).
    support: Mutex<Option<IMAPISupport>>,
}

impl IABLogonImpl for SampleLogon {
    /// Releases the support object (once; the flags are reserved).
    unsafe fn Logoff(this: &Object<Self>, _ulFlags: u32) -> HRESULT {
        let support = this.support.lock().ok().and_then(|mut s| s.take());
        drop(support);
        S_OK
    }

    /// No containers: the root (empty entry ID) is `MAPI_E_NO_SUPPORT`, any other ID unknown.
    unsafe fn OpenEntry(
        _this: &Object<Self>,
        lpEntryID: &[u8],
        _lpInterface: *const GUID,
        _ulFlags: u32,
        lpulObjType: *mut u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        // SAFETY: out-parameters, cleared when given.
        unsafe {
            if !lpulObjType.is_null() {
                lpulObjType.write(0);
            }
            if !lppUnk.is_null() {
                lppUnk.write(core::ptr::null_mut());
            }
        }
        if lpEntryID.is_empty() {
            MAPI_E_NO_SUPPORT
        } else {
            MAPI_E_UNKNOWN_ENTRYID
        }
    }

    /// Byte comparison: TRUE (1) when both IDs have the same bytes.
    unsafe fn CompareEntryIDs(
        _this: &Object<Self>,
        lpEntryID1: &[u8],
        lpEntryID2: &[u8],
        _ulFlags: u32,
        lpulResult: *mut u32,
    ) -> HRESULT {
        if lpulResult.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: checked non-NULL.
        unsafe { lpulResult.write(u32::from(lpEntryID1 == lpEntryID2)) };
        S_OK
    }

    /// No entries of this provider can be in the list: nothing to add.
    unsafe fn PrepareRecips(
        _this: &Object<Self>,
        _ulFlags: u32,
        _lpPropTagArray: *mut SPropTagArray,
        _lpRecipList: *mut ADRLIST,
    ) -> HRESULT {
        S_OK
    }
}
