//! The store a provider author writes: [`MessageStore`]. The runtime's store and logon objects
//! (see [`super::objects`]) own the COM side (reference counts, `StoreLogoff`, `Logoff`,
//! invalidation) and forward every other `IMAPIProp`, `IMsgStore` and `IMSLogon` method here.
#![allow(non_snake_case, clippy::too_many_arguments)]
// One `# Safety` section, on the trait, covers its methods: they share the same contract.
#![allow(clippy::missing_safety_doc)]

use core::ffi::c_void;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use windows_core::{GUID, HRESULT};

use crate::alloc::AllocatorSet;
use crate::codes::MAPI_E_NO_SUPPORT;
use crate::interfaces::{IMAPIAdviseSink, IMAPIProgress, IMAPISupport};
use crate::sync::lock;
use crate::types::{
    ENTRYID, LPTSTR, MAPINAMEID, NOTIFICATION, SPropProblemArray, SPropTagArray, SPropValue,
};

/// What a store method knows about its store: the support object MAPI gave its logon, the
/// allocators, the unwrapped entry ID and the logon flags.
pub struct StoreContext {
    pub(crate) entry_id: Vec<u8>,
    pub(crate) flags: u32,
    pub(crate) allocators: AllocatorSet,
    pub(crate) support: Mutex<Option<IMAPISupport>>,
    pub(crate) spooler: AtomicBool,
}

impl StoreContext {
    /// The store's own (unwrapped) entry ID, as MAPI passed it to `Logon`.
    pub fn entry_id(&self) -> &[u8] {
        &self.entry_id
    }

    /// The `ulFlags` of the logon that opened the store.
    pub fn logon_flags(&self) -> u32 {
        self.flags
    }

    /// MAPI's allocators: every buffer a method returns must come from them.
    pub fn allocators(&self) -> &AllocatorSet {
        &self.allocators
    }

    /// The support object of this store, until the store is logged off.
    pub fn support(&self) -> Option<IMAPISupport> {
        lock(&self.support).clone()
    }

    /// Whether the MAPI spooler has logged on to this store (`SpoolerLogon`).
    pub fn is_spooler_attached(&self) -> bool {
        self.spooler.load(Ordering::Acquire)
    }
}

/// A message store, as its provider implements it. Each method is the `IMAPIProp`, `IMsgStore`
/// or `IMSLogon` method of the same name, with the store's [`StoreContext`] first; the runtime
/// has already checked that the store is not logged off (a logged-off store answers
/// `MAPI_E_INVALID_OBJECT` without calling these). Every method has a default that returns
/// `MAPI_E_NO_SUPPORT`, as a real provider does for what it does not support; `OpenEntry`,
/// `CompareEntryIDs`, `Advise`, `Unadvise` serve both `IMsgStore` and `IMSLogon`.
///
/// `GetLastError` (both interfaces), `StoreLogoff` and `IMSLogon::Logoff` belong to the runtime.
///
/// # Safety
///
/// The methods are `unsafe` because their pointer arguments come from MAPI unchecked: an
/// implementation may rely on them being valid as the method's MAPI documentation describes
/// (NULL where the docs allow it), and the runtime calls them only with the pointers MAPI passed.
pub trait MessageStore: Send + Sync + 'static {
    /// Called once when the store is logged off (`IMSLogon::Logoff`, the store's final release,
    /// or the provider's `Shutdown`): release sub-objects and notifications here.
    fn logoff(&self) {}

    /// `IMAPIProp::SaveChanges`.
    unsafe fn SaveChanges(&self, cx: &StoreContext, ulFlags: u32) -> HRESULT {
        let _ = (cx, ulFlags);
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::GetProps`.
    unsafe fn GetProps(
        &self,
        cx: &StoreContext,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        lpcValues: *mut u32,
        lppPropArray: *mut *mut SPropValue,
    ) -> HRESULT {
        let _ = (cx, lpPropTagArray, ulFlags, lpcValues, lppPropArray);
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::GetPropList`.
    unsafe fn GetPropList(
        &self,
        cx: &StoreContext,
        ulFlags: u32,
        lppPropTagArray: *mut *mut SPropTagArray,
    ) -> HRESULT {
        let _ = (cx, ulFlags, lppPropTagArray);
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::OpenProperty`.
    unsafe fn OpenProperty(
        &self,
        cx: &StoreContext,
        ulPropTag: u32,
        lpiid: *const GUID,
        ulInterfaceOptions: u32,
        ulFlags: u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        let _ = (cx, ulPropTag, lpiid, ulInterfaceOptions, ulFlags, lppUnk);
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::SetProps`.
    unsafe fn SetProps(
        &self,
        cx: &StoreContext,
        cValues: u32,
        lpPropArray: *mut SPropValue,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let _ = (cx, cValues, lpPropArray, lppProblems);
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::DeleteProps`.
    unsafe fn DeleteProps(
        &self,
        cx: &StoreContext,
        lpPropTagArray: *mut SPropTagArray,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let _ = (cx, lpPropTagArray, lppProblems);
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::CopyTo`.
    unsafe fn CopyTo(
        &self,
        cx: &StoreContext,
        ciidExclude: u32,
        rgiidExclude: *const GUID,
        lpExcludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let _ = (
            cx,
            ciidExclude,
            rgiidExclude,
            lpExcludeProps,
            ulUIParam,
            lpProgress,
            lpInterface,
            lpDestObj,
            ulFlags,
            lppProblems,
        );
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::CopyProps`.
    unsafe fn CopyProps(
        &self,
        cx: &StoreContext,
        lpIncludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let _ = (
            cx,
            lpIncludeProps,
            ulUIParam,
            lpProgress,
            lpInterface,
            lpDestObj,
            ulFlags,
            lppProblems,
        );
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::GetNamesFromIDs`.
    unsafe fn GetNamesFromIDs(
        &self,
        cx: &StoreContext,
        lppPropTags: *mut *mut SPropTagArray,
        lpPropSetGuid: *mut GUID,
        ulFlags: u32,
        lpcPropNames: *mut u32,
        lpppPropNames: *mut *mut *mut MAPINAMEID,
    ) -> HRESULT {
        let _ = (
            cx,
            lppPropTags,
            lpPropSetGuid,
            ulFlags,
            lpcPropNames,
            lpppPropNames,
        );
        MAPI_E_NO_SUPPORT
    }

    /// `IMAPIProp::GetIDsFromNames`.
    unsafe fn GetIDsFromNames(
        &self,
        cx: &StoreContext,
        cPropNames: u32,
        lppPropNames: *mut *mut MAPINAMEID,
        ulFlags: u32,
        lppPropTags: *mut *mut SPropTagArray,
    ) -> HRESULT {
        let _ = (cx, cPropNames, lppPropNames, ulFlags, lppPropTags);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::Advise`.
    unsafe fn Advise(
        &self,
        cx: &StoreContext,
        cbEntryID: u32,
        lpEntryID: *mut ENTRYID,
        ulEventMask: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        lpulConnection: *mut usize,
    ) -> HRESULT {
        let _ = (
            cx,
            cbEntryID,
            lpEntryID,
            ulEventMask,
            lpAdviseSink,
            lpulConnection,
        );
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::Unadvise`.
    unsafe fn Unadvise(&self, cx: &StoreContext, ulConnection: usize) -> HRESULT {
        let _ = (cx, ulConnection);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::CompareEntryIDs`.
    unsafe fn CompareEntryIDs(
        &self,
        cx: &StoreContext,
        cbEntryID1: u32,
        lpEntryID1: *mut ENTRYID,
        cbEntryID2: u32,
        lpEntryID2: *mut ENTRYID,
        ulFlags: u32,
        lpulResult: *mut u32,
    ) -> HRESULT {
        let _ = (
            cx, cbEntryID1, lpEntryID1, cbEntryID2, lpEntryID2, ulFlags, lpulResult,
        );
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::OpenEntry`.
    unsafe fn OpenEntry(
        &self,
        cx: &StoreContext,
        cbEntryID: u32,
        lpEntryID: *mut ENTRYID,
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulObjType: *mut u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        let _ = (
            cx,
            cbEntryID,
            lpEntryID,
            lpInterface,
            ulFlags,
            lpulObjType,
            lppUnk,
        );
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::SetReceiveFolder`.
    unsafe fn SetReceiveFolder(
        &self,
        cx: &StoreContext,
        lpszMessageClass: LPTSTR,
        ulFlags: u32,
        cbEntryID: u32,
        lpEntryID: *mut ENTRYID,
    ) -> HRESULT {
        let _ = (cx, lpszMessageClass, ulFlags, cbEntryID, lpEntryID);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::GetReceiveFolder`.
    unsafe fn GetReceiveFolder(
        &self,
        cx: &StoreContext,
        lpszMessageClass: LPTSTR,
        ulFlags: u32,
        lpcbEntryID: *mut u32,
        lppEntryID: *mut *mut ENTRYID,
        lppszExplicitClass: *mut LPTSTR,
    ) -> HRESULT {
        let _ = (
            cx,
            lpszMessageClass,
            ulFlags,
            lpcbEntryID,
            lppEntryID,
            lppszExplicitClass,
        );
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::GetReceiveFolderTable`.
    unsafe fn GetReceiveFolderTable(
        &self,
        cx: &StoreContext,
        ulFlags: u32,
        lppTable: *mut *mut c_void,
    ) -> HRESULT {
        let _ = (cx, ulFlags, lppTable);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::AbortSubmit`.
    unsafe fn AbortSubmit(
        &self,
        cx: &StoreContext,
        cbEntryID: u32,
        lpEntryID: *mut ENTRYID,
        ulFlags: u32,
    ) -> HRESULT {
        let _ = (cx, cbEntryID, lpEntryID, ulFlags);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::GetOutgoingQueue`.
    unsafe fn GetOutgoingQueue(
        &self,
        cx: &StoreContext,
        ulFlags: u32,
        lppTable: *mut *mut c_void,
    ) -> HRESULT {
        let _ = (cx, ulFlags, lppTable);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::SetLockState`.
    unsafe fn SetLockState(
        &self,
        cx: &StoreContext,
        lpMessage: *mut c_void,
        ulLockState: u32,
    ) -> HRESULT {
        let _ = (cx, lpMessage, ulLockState);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::FinishedMsg`.
    unsafe fn FinishedMsg(
        &self,
        cx: &StoreContext,
        ulFlags: u32,
        cbEntryID: u32,
        lpEntryID: *mut ENTRYID,
    ) -> HRESULT {
        let _ = (cx, ulFlags, cbEntryID, lpEntryID);
        MAPI_E_NO_SUPPORT
    }

    /// `IMsgStore::NotifyNewMail`.
    unsafe fn NotifyNewMail(
        &self,
        cx: &StoreContext,
        lpNotification: *mut NOTIFICATION,
    ) -> HRESULT {
        let _ = (cx, lpNotification);
        MAPI_E_NO_SUPPORT
    }

    /// `IMSLogon::OpenStatusEntry`.
    unsafe fn OpenStatusEntry(
        &self,
        cx: &StoreContext,
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulObjType: *mut u32,
        lppEntry: *mut *mut c_void,
    ) -> HRESULT {
        let _ = (cx, lpInterface, ulFlags, lpulObjType, lppEntry);
        MAPI_E_NO_SUPPORT
    }
}
