//! A stand-in for MAPI's support object (`IMAPISupport`), for tests that drive a provider through
//! raw vtable calls: it records `SetProviderUID` and counts its drops; every other method answers
//! `MAPI_E_NO_SUPPORT`.
#![allow(non_snake_case, dead_code)]

use core::ffi::c_void;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use mapi_spi_runtime::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT, S_OK};
use mapi_spi_runtime::interfaces::{
    IMAPIAdviseSink, IMAPIProgress, IMAPIProp, IMAPISupport, IMAPISupportImpl,
};
use mapi_spi_runtime::types::*;
use mapi_spi_runtime::{GUID, HRESULT, IUnknown, Object, mapi_object};

#[mapi_object(IMAPISupport)]
pub struct FakeSupport {
    /// Every UID registered with `SetProviderUID`, in order.
    pub provider_uids: Mutex<Vec<MAPIUID>>,
    drops: &'static AtomicUsize,
}

impl FakeSupport {
    /// A support object that adds one to `drops` when it is destroyed.
    pub fn new(drops: &'static AtomicUsize) -> Self {
        FakeSupport {
            provider_uids: Mutex::new(Vec::new()),
            drops,
        }
    }
}

impl Drop for FakeSupport {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

impl IMAPISupportImpl for FakeSupport {
    fn GetLastError(_: &Object<Self>, _: HRESULT, _: u32, _: *mut *mut MAPIERROR) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn GetMemAllocRoutines(
        _: &Object<Self>,
        _: *mut LPALLOCATEBUFFER,
        _: *mut LPALLOCATEMORE,
        _: *mut LPFREEBUFFER,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn Subscribe(
        _: &Object<Self>,
        _: *mut NOTIFKEY,
        _: u32,
        _: u32,
        _: Option<&IMAPIAdviseSink>,
        _: *mut usize,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn Unsubscribe(_: &Object<Self>, _: usize) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn Notify(
        _: &Object<Self>,
        _: *mut NOTIFKEY,
        _: u32,
        _: *mut NOTIFICATION,
        _: *mut u32,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn ModifyStatusRow(_: &Object<Self>, _: u32, _: *mut SPropValue, _: u32) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn OpenProfileSection(
        _: &Object<Self>,
        _: *mut MAPIUID,
        _: u32,
        _: *mut *mut c_void,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn RegisterPreprocessor(
        _: &Object<Self>,
        _: *mut MAPIUID,
        _: LPTSTR,
        _: LPTSTR,
        _: *mut u8,
        _: *mut u8,
        _: u32,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn NewUID(_: &Object<Self>, _: *mut MAPIUID) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn MakeInvalid(_: &Object<Self>, _: u32, _: *mut c_void, _: u32, _: u32) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn SpoolerYield(_: &Object<Self>, _: u32) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn SpoolerNotify(_: &Object<Self>, _: u32, _: *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn CreateOneOff(
        _: &Object<Self>,
        _: LPTSTR,
        _: LPTSTR,
        _: LPTSTR,
        _: u32,
        _: *mut u32,
        _: *mut *mut ENTRYID,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn SetProviderUID(this: &Object<Self>, lpProviderID: *mut MAPIUID, _: u32) -> HRESULT {
        if lpProviderID.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: the provider passes a valid MAPIUID.
        let uid = unsafe { lpProviderID.read() };
        this.provider_uids.lock().unwrap().push(uid);
        S_OK
    }

    fn CompareEntryIDs(
        _: &Object<Self>,
        _: u32,
        _: *mut ENTRYID,
        _: u32,
        _: *mut ENTRYID,
        _: u32,
        _: *mut u32,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn OpenTemplateID(
        _: &Object<Self>,
        _: u32,
        _: *mut ENTRYID,
        _: u32,
        _: Option<&IMAPIProp>,
        _: *const GUID,
        _: *mut *mut c_void,
        _: Option<&IMAPIProp>,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn OpenEntry(
        _: &Object<Self>,
        _: u32,
        _: *mut ENTRYID,
        _: *const GUID,
        _: u32,
        _: *mut u32,
        _: *mut *mut c_void,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn GetOneOffTable(_: &Object<Self>, _: u32, _: *mut *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn Address(_: &Object<Self>, _: *mut usize, _: *mut ADRPARM, _: *mut *mut ADRLIST) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn Details(
        _: &Object<Self>,
        _: *mut usize,
        _: LPFNDISMISS,
        _: *mut c_void,
        _: u32,
        _: *mut ENTRYID,
        _: LPFNBUTTON,
        _: *mut c_void,
        _: LPTSTR,
        _: u32,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn NewEntry(
        _: &Object<Self>,
        _: usize,
        _: u32,
        _: u32,
        _: *mut ENTRYID,
        _: u32,
        _: *mut ENTRYID,
        _: *mut u32,
        _: *mut *mut ENTRYID,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn DoConfigPropsheet(
        _: &Object<Self>,
        _: usize,
        _: u32,
        _: LPTSTR,
        _: *mut c_void,
        _: Option<&IMAPIProp>,
        _: u32,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn CopyMessages(
        _: &Object<Self>,
        _: *const GUID,
        _: *mut c_void,
        _: *mut ENTRYLIST,
        _: *const GUID,
        _: *mut c_void,
        _: usize,
        _: Option<&IMAPIProgress>,
        _: u32,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn CopyFolder(
        _: &Object<Self>,
        _: *const GUID,
        _: *mut c_void,
        _: u32,
        _: *mut ENTRYID,
        _: *const GUID,
        _: *mut c_void,
        _: LPTSTR,
        _: usize,
        _: Option<&IMAPIProgress>,
        _: u32,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn DoCopyTo(
        _: &Object<Self>,
        _: *const GUID,
        _: *mut c_void,
        _: u32,
        _: *const GUID,
        _: *mut SPropTagArray,
        _: usize,
        _: Option<&IMAPIProgress>,
        _: *const GUID,
        _: *mut c_void,
        _: u32,
        _: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn DoCopyProps(
        _: &Object<Self>,
        _: *const GUID,
        _: *mut c_void,
        _: *mut SPropTagArray,
        _: usize,
        _: Option<&IMAPIProgress>,
        _: *const GUID,
        _: *mut c_void,
        _: u32,
        _: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn DoProgressDialog(_: &Object<Self>, _: usize, _: u32, _: *mut *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn ReadReceipt(_: &Object<Self>, _: u32, _: *mut c_void, _: *mut *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn PrepareSubmit(_: &Object<Self>, _: *mut c_void, _: *mut u32) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn ExpandRecips(_: &Object<Self>, _: *mut c_void, _: *mut u32) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn UpdatePAB(_: &Object<Self>, _: u32, _: *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn DoSentMail(_: &Object<Self>, _: u32, _: *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn OpenAddressBook(_: &Object<Self>, _: *const GUID, _: u32, _: *mut *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn Preprocess(_: &Object<Self>, _: u32, _: u32, _: *mut ENTRYID) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn CompleteMsg(_: &Object<Self>, _: u32, _: u32, _: *mut ENTRYID) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn StoreLogoffTransports(_: &Object<Self>, _: *mut u32) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn StatusRecips(_: &Object<Self>, _: *mut c_void, _: *mut ADRLIST) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn WrapStoreEntryID(
        _: &Object<Self>,
        _: u32,
        _: *mut ENTRYID,
        _: *mut u32,
        _: *mut *mut ENTRYID,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn ModifyProfile(_: &Object<Self>, _: u32) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn IStorageFromStream(
        _: &Object<Self>,
        _: Option<&IUnknown>,
        _: *const GUID,
        _: u32,
        _: *mut *mut c_void,
    ) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }

    fn GetSvcConfigSupportObj(_: &Object<Self>, _: u32, _: *mut *mut c_void) -> HRESULT {
        MAPI_E_NO_SUPPORT
    }
}

/// The reference count of a COM object, read with an AddRef/Release pair through its vtable.
///
/// # Safety
///
/// `p` is a live interface pointer.
pub unsafe fn ref_count(p: *mut c_void) -> u32 {
    let vtbl = unsafe { &**(p as *mut *const windows_core::IUnknown_Vtbl) };
    unsafe { (vtbl.AddRef)(p) };
    unsafe { (vtbl.Release)(p) }
}
