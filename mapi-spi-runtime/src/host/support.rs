//! A support object that behaves like MAPI's, for hosts, tests and the harness.
//!
//! [`HostSupport`] implements what MAPI's support object offers a message store that the sample
//! store relies on (`GetMemAllocRoutines`, `SetProviderUID`, `ModifyStatusRow`,
//! `WrapStoreEntryID`, `StoreLogoffTransports`, `GetLastError`) and answers `MAPI_E_NO_SUPPORT`
//! to every other method, as MAPI does for methods that do not apply. Like MAPI's, one is made
//! per `Logon`; when the provider gives up its reference, the support object calls
//! `IMSLogon::Logoff` and then `Release` on the store's logon object (reference doc §8.3).
//! Everything it sees is counted in a shared [`SupportLog`].
#![allow(non_snake_case, clippy::too_many_arguments)]

use core::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use windows_core::{GUID, HRESULT, IUnknown};

use crate::alloc::{AllocatorSet, builders};
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NO_SUPPORT, S_OK};
use crate::com::{ComObject, Object};
use crate::flags::LOGOFF_COMPLETE;
use crate::interfaces::{
    IMAPIAdviseSink, IMAPIProgress, IMAPIProp, IMAPISupport, IMAPISupportImpl, IMSLogon,
};
use crate::mapi_object;
use crate::provider::no_error_info;
use crate::sync::lock;
use crate::types::{
    ADRLIST, ADRPARM, ENTRYID, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFNBUTTON, LPFNDISMISS,
    LPFREEBUFFER, LPTSTR, MAPIERROR, MAPIUID, NOTIFICATION, NOTIFKEY, SBinaryArray,
    SPropProblemArray, SPropTagArray, SPropValue,
};

/// The UID MAPI puts in the entry IDs it wraps ([MS-OXCDATA] Store Object EntryID).
pub const STORE_WRAP_UID: MAPIUID = MAPIUID {
    ab: [
        0x38, 0xA1, 0xBB, 0x10, 0x05, 0xE5, 0x10, 0x1A, 0xA1, 0xBB, 0x08, 0x00, 0x2B, 0x2A, 0x56,
        0xC2,
    ],
};

/// What the support objects of one session saw, shared with the host.
#[derive(Default, Debug)]
pub struct SupportLog {
    /// Support objects alive: MAPI's reference plus the provider's, if kept.
    pub live: AtomicUsize,
    /// `StoreLogoffTransports` calls, with the flags each got.
    pub logoff_transports: Mutex<Vec<u32>>,
    /// `SetProviderUID` calls.
    pub provider_uids: Mutex<Vec<MAPIUID>>,
    /// `ModifyStatusRow` calls.
    pub status_rows: AtomicUsize,
    /// `IMSLogon::Logoff` calls the support objects made from their final `Release`.
    pub logoffs: AtomicUsize,
    /// `WrapStoreEntryID` calls that returned a buffer.
    pub wrapped: AtomicUsize,
    /// Methods called that this support object does not support.
    pub unsupported: Mutex<Vec<&'static str>>,
}

/// What a [`HostSupport`] offers beyond the minimum.
#[derive(Clone, Copy, Debug)]
pub struct SupportOptions {
    /// Whether `WrapStoreEntryID` works (`false`: `MAPI_E_NO_SUPPORT`, to test a provider's
    /// fallback).
    pub wrap_store_entry_id: bool,
}

impl Default for SupportOptions {
    fn default() -> Self {
        Self {
            wrap_store_entry_id: true,
        }
    }
}

/// A MAPI-like support object for one store logon.
#[mapi_object(IMAPISupport)]
pub struct HostSupport {
    log: Arc<SupportLog>,
    allocators: AllocatorSet,
    options: SupportOptions,
    /// The provider DLL's name, as MAPI writes it into wrapped store entry IDs.
    dll_name: String,
    /// The logon object `Logon` returned for this support object's store.
    logon: Mutex<Option<IMSLogon>>,
}

impl HostSupport {
    /// A new support object; the caller holds its one reference (`to_interface` gives the
    /// `IMAPISupport` to pass to `Logon`).
    pub fn create(
        log: &Arc<SupportLog>,
        allocators: AllocatorSet,
        options: SupportOptions,
        dll_name: &str,
    ) -> ComObject<HostSupport> {
        log.live.fetch_add(1, Ordering::SeqCst);
        ComObject::new(HostSupport {
            log: log.clone(),
            allocators,
            options,
            dll_name: dll_name.to_owned(),
            logon: Mutex::new(None),
        })
    }

    /// Records the logon object `Logon` returned for this support object's store, so that the
    /// support object's final release logs that store off as MAPI does.
    pub fn attach_logon(&self, logon: IMSLogon) {
        *lock(&self.logon) = Some(logon);
    }

    fn unsupported(&self, method: &'static str) -> HRESULT {
        lock(&self.log.unsupported).push(method);
        MAPI_E_NO_SUPPORT
    }
}

impl Drop for HostSupport {
    fn drop(&mut self) {
        let logon = lock(&self.logon).take();
        if let Some(logon) = logon {
            // What MAPI does inside the support object's Release (reference doc §8.3).
            let mut reserved = 0;
            let _ = unsafe { logon.Logoff(&mut reserved) };
            self.log.logoffs.fetch_add(1, Ordering::SeqCst);
            drop(logon);
        }
        self.log.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl IMAPISupportImpl for HostSupport {
    unsafe fn GetLastError(
        _: &Object<Self>,
        _hResult: HRESULT,
        _ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        unsafe { no_error_info(lppMAPIError) }
    }

    unsafe fn GetMemAllocRoutines(
        this: &Object<Self>,
        lpAllocateBuffer: *mut LPALLOCATEBUFFER,
        lpAllocateMore: *mut LPALLOCATEMORE,
        lpFreeBuffer: *mut LPFREEBUFFER,
    ) -> HRESULT {
        if lpAllocateBuffer.is_null() || lpAllocateMore.is_null() || lpFreeBuffer.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        unsafe {
            lpAllocateBuffer.write(this.allocators.allocate_buffer_fn());
            lpAllocateMore.write(this.allocators.allocate_more_fn());
            lpFreeBuffer.write(this.allocators.free_buffer_fn());
        }
        S_OK
    }

    unsafe fn SetProviderUID(
        this: &Object<Self>,
        lpProviderID: *mut MAPIUID,
        _ulFlags: u32,
    ) -> HRESULT {
        let Some(uid) = (unsafe { lpProviderID.as_ref() }) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        lock(&this.log.provider_uids).push(*uid);
        S_OK
    }

    unsafe fn ModifyStatusRow(
        this: &Object<Self>,
        cValues: u32,
        lpColumnVals: *mut SPropValue,
        _ulFlags: u32,
    ) -> HRESULT {
        if cValues == 0 || lpColumnVals.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        this.log.status_rows.fetch_add(1, Ordering::SeqCst);
        S_OK
    }

    /// Wraps as MAPI does (reference doc §7.9): flags, the store-wrap UID, a version and a flag
    /// byte, the NUL-terminated DLL name, then the provider's own ID; in one MAPI buffer.
    unsafe fn WrapStoreEntryID(
        this: &Object<Self>,
        cbOrigEntry: u32,
        lpOrigEntry: *mut ENTRYID,
        lpcbWrappedEntry: *mut u32,
        lppWrappedEntry: *mut *mut ENTRYID,
    ) -> HRESULT {
        if !this.options.wrap_store_entry_id {
            return this.unsupported("WrapStoreEntryID");
        }
        if lpOrigEntry.is_null() || lpcbWrappedEntry.is_null() || lppWrappedEntry.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        let original =
            unsafe { core::slice::from_raw_parts(lpOrigEntry.cast::<u8>(), cbOrigEntry as usize) };
        let mut wrapped = vec![0u8; 4];
        wrapped.extend_from_slice(&STORE_WRAP_UID.ab);
        wrapped.extend_from_slice(&[0, 0]);
        wrapped.extend(this.dll_name.bytes().chain([0]));
        wrapped.extend_from_slice(original);
        let block = match builders::binary(&this.allocators, &wrapped) {
            Ok(block) => block,
            Err(error) => return error.code(),
        };
        unsafe {
            lpcbWrappedEntry.write(block.len() as u32);
            lppWrappedEntry.write(block.into_raw().cast());
        }
        this.log.wrapped.fetch_add(1, Ordering::SeqCst);
        S_OK
    }

    unsafe fn StoreLogoffTransports(this: &Object<Self>, lpulFlags: *mut u32) -> HRESULT {
        if lpulFlags.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        let flags = unsafe { lpulFlags.read() };
        lock(&this.log.logoff_transports).push(flags);
        unsafe { lpulFlags.write(LOGOFF_COMPLETE) };
        S_OK
    }

    unsafe fn Subscribe(
        this: &Object<Self>,
        _lpKey: *mut NOTIFKEY,
        _ulEventMask: u32,
        _ulFlags: u32,
        _lpAdviseSink: Option<&IMAPIAdviseSink>,
        _lpulConnection: *mut usize,
    ) -> HRESULT {
        this.unsupported("Subscribe")
    }

    unsafe fn Unsubscribe(this: &Object<Self>, _ulConnection: usize) -> HRESULT {
        this.unsupported("Unsubscribe")
    }

    unsafe fn Notify(
        this: &Object<Self>,
        _lpKey: *mut NOTIFKEY,
        _cNotification: u32,
        _lpNotifications: *mut NOTIFICATION,
        _lpulFlags: *mut u32,
    ) -> HRESULT {
        this.unsupported("Notify")
    }

    unsafe fn OpenProfileSection(
        this: &Object<Self>,
        _lpUid: *mut MAPIUID,
        _ulFlags: u32,
        _lppProfileObj: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("OpenProfileSection")
    }

    unsafe fn RegisterPreprocessor(
        this: &Object<Self>,
        _lpMuid: *mut MAPIUID,
        _lpszAdrType: LPTSTR,
        _lpszDLLName: LPTSTR,
        _lpszPreprocess: *mut u8,
        _lpszRemovePreprocessInfo: *mut u8,
        _ulFlags: u32,
    ) -> HRESULT {
        this.unsupported("RegisterPreprocessor")
    }

    unsafe fn NewUID(this: &Object<Self>, _lpMuid: *mut MAPIUID) -> HRESULT {
        this.unsupported("NewUID")
    }

    unsafe fn MakeInvalid(
        this: &Object<Self>,
        _ulFlags: u32,
        _lpObject: *mut c_void,
        _ulRefCount: u32,
        _cMethods: u32,
    ) -> HRESULT {
        this.unsupported("MakeInvalid")
    }

    unsafe fn SpoolerYield(this: &Object<Self>, _ulFlags: u32) -> HRESULT {
        this.unsupported("SpoolerYield")
    }

    unsafe fn SpoolerNotify(this: &Object<Self>, _ulFlags: u32, _lpvData: *mut c_void) -> HRESULT {
        this.unsupported("SpoolerNotify")
    }

    unsafe fn CreateOneOff(
        this: &Object<Self>,
        _lpszName: LPTSTR,
        _lpszAdrType: LPTSTR,
        _lpszAddress: LPTSTR,
        _ulFlags: u32,
        _lpcbEntryID: *mut u32,
        _lppEntryID: *mut *mut ENTRYID,
    ) -> HRESULT {
        this.unsupported("CreateOneOff")
    }

    unsafe fn CompareEntryIDs(
        this: &Object<Self>,
        _cbEntry1: u32,
        _lpEntry1: *mut ENTRYID,
        _cbEntry2: u32,
        _lpEntry2: *mut ENTRYID,
        _ulCompareFlags: u32,
        _lpulResult: *mut u32,
    ) -> HRESULT {
        this.unsupported("CompareEntryIDs")
    }

    unsafe fn OpenTemplateID(
        this: &Object<Self>,
        _cbTemplateID: u32,
        _lpTemplateID: *mut ENTRYID,
        _ulTemplateFlags: u32,
        _lpMAPIPropData: Option<&IMAPIProp>,
        _lpInterface: *const GUID,
        _lppMAPIPropNew: *mut *mut c_void,
        _lpMAPIPropSibling: Option<&IMAPIProp>,
    ) -> HRESULT {
        this.unsupported("OpenTemplateID")
    }

    unsafe fn OpenEntry(
        this: &Object<Self>,
        _cbEntryID: u32,
        _lpEntryID: *mut ENTRYID,
        _lpInterface: *const GUID,
        _ulOpenFlags: u32,
        _lpulObjType: *mut u32,
        _lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("OpenEntry")
    }

    unsafe fn GetOneOffTable(
        this: &Object<Self>,
        _ulFlags: u32,
        _lppTable: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("GetOneOffTable")
    }

    unsafe fn Address(
        this: &Object<Self>,
        _lpulUIParam: *mut usize,
        _lpAdrParms: *mut ADRPARM,
        _lppAdrList: *mut *mut ADRLIST,
    ) -> HRESULT {
        this.unsupported("Address")
    }

    unsafe fn Details(
        this: &Object<Self>,
        _lpulUIParam: *mut usize,
        _lpfnDismiss: LPFNDISMISS,
        _lpvDismissContext: *mut c_void,
        _cbEntryID: u32,
        _lpEntryID: *mut ENTRYID,
        _lpfButtonCallback: LPFNBUTTON,
        _lpvButtonContext: *mut c_void,
        _lpszButtonText: LPTSTR,
        _ulFlags: u32,
    ) -> HRESULT {
        this.unsupported("Details")
    }

    unsafe fn NewEntry(
        this: &Object<Self>,
        _ulUIParam: usize,
        _ulFlags: u32,
        _cbEIDContainer: u32,
        _lpEIDContainer: *mut ENTRYID,
        _cbEIDNewEntryTpl: u32,
        _lpEIDNewEntryTpl: *mut ENTRYID,
        _lpcbEIDNewEntry: *mut u32,
        _lppEIDNewEntry: *mut *mut ENTRYID,
    ) -> HRESULT {
        this.unsupported("NewEntry")
    }

    unsafe fn DoConfigPropsheet(
        this: &Object<Self>,
        _ulUIParam: usize,
        _ulFlags: u32,
        _lpszTitle: LPTSTR,
        _lpDisplayTable: *mut c_void,
        _lpCOnfigData: Option<&IMAPIProp>,
        _ulTopPage: u32,
    ) -> HRESULT {
        this.unsupported("DoConfigPropsheet")
    }

    unsafe fn CopyMessages(
        this: &Object<Self>,
        _lpSrcInterface: *const GUID,
        _lpSrcFolder: *mut c_void,
        _lpMsgList: *mut SBinaryArray,
        _lpDestInterface: *const GUID,
        _lpDestFolder: *mut c_void,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        _ulFlags: u32,
    ) -> HRESULT {
        this.unsupported("CopyMessages")
    }

    unsafe fn CopyFolder(
        this: &Object<Self>,
        _lpSrcInterface: *const GUID,
        _lpSrcFolder: *mut c_void,
        _cbEntryID: u32,
        _lpEntryID: *mut ENTRYID,
        _lpDestInterface: *const GUID,
        _lpDestFolder: *mut c_void,
        _lszNewFolderName: LPTSTR,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        _ulFlags: u32,
    ) -> HRESULT {
        this.unsupported("CopyFolder")
    }

    unsafe fn DoCopyTo(
        this: &Object<Self>,
        _lpSrcInterface: *const GUID,
        _lpSrcObj: *mut c_void,
        _ciidExclude: u32,
        _rgiidExclude: *const GUID,
        _lpExcludeProps: *mut SPropTagArray,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        _lpDestInterface: *const GUID,
        _lpDestObj: *mut c_void,
        _ulFlags: u32,
        _lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.unsupported("DoCopyTo")
    }

    unsafe fn DoCopyProps(
        this: &Object<Self>,
        _lpSrcInterface: *const GUID,
        _lpSrcObj: *mut c_void,
        _lpIncludeProps: *mut SPropTagArray,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        _lpDestInterface: *const GUID,
        _lpDestObj: *mut c_void,
        _ulFlags: u32,
        _lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.unsupported("DoCopyProps")
    }

    unsafe fn DoProgressDialog(
        this: &Object<Self>,
        _ulUIParam: usize,
        _ulFlags: u32,
        _lppProgress: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("DoProgressDialog")
    }

    unsafe fn ReadReceipt(
        this: &Object<Self>,
        _ulFlags: u32,
        _lpReadMessage: *mut c_void,
        _lppEmptyMessage: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("ReadReceipt")
    }

    unsafe fn PrepareSubmit(
        this: &Object<Self>,
        _lpMessage: *mut c_void,
        _lpulFlags: *mut u32,
    ) -> HRESULT {
        this.unsupported("PrepareSubmit")
    }

    unsafe fn ExpandRecips(
        this: &Object<Self>,
        _lpMessage: *mut c_void,
        _lpulFlags: *mut u32,
    ) -> HRESULT {
        this.unsupported("ExpandRecips")
    }

    unsafe fn UpdatePAB(this: &Object<Self>, _ulFlags: u32, _lpMessage: *mut c_void) -> HRESULT {
        this.unsupported("UpdatePAB")
    }

    unsafe fn DoSentMail(this: &Object<Self>, _ulFlags: u32, _lpMessage: *mut c_void) -> HRESULT {
        this.unsupported("DoSentMail")
    }

    unsafe fn OpenAddressBook(
        this: &Object<Self>,
        _lpInterface: *const GUID,
        _ulFlags: u32,
        _lppAdrBook: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("OpenAddressBook")
    }

    unsafe fn Preprocess(
        this: &Object<Self>,
        _ulFlags: u32,
        _cbEntryID: u32,
        _lpEntryID: *mut ENTRYID,
    ) -> HRESULT {
        this.unsupported("Preprocess")
    }

    unsafe fn CompleteMsg(
        this: &Object<Self>,
        _ulFlags: u32,
        _cbEntryID: u32,
        _lpEntryID: *mut ENTRYID,
    ) -> HRESULT {
        this.unsupported("CompleteMsg")
    }

    unsafe fn StatusRecips(
        this: &Object<Self>,
        _lpMessage: *mut c_void,
        _lpRecipList: *mut ADRLIST,
    ) -> HRESULT {
        this.unsupported("StatusRecips")
    }

    unsafe fn ModifyProfile(this: &Object<Self>, _ulFlags: u32) -> HRESULT {
        this.unsupported("ModifyProfile")
    }

    unsafe fn IStorageFromStream(
        this: &Object<Self>,
        _lpUnkIn: Option<&IUnknown>,
        _lpInterface: *const GUID,
        _ulFlags: u32,
        _lppStorageOut: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("IStorageFromStream")
    }

    unsafe fn GetSvcConfigSupportObj(
        this: &Object<Self>,
        _ulFlags: u32,
        _lppSvcSupport: *mut *mut c_void,
    ) -> HRESULT {
        this.unsupported("GetSvcConfigSupportObj")
    }
}
