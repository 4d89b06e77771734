//! `IMAPISupport` (mapispi.h): what MAPI offers a provider.
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use super::{IMAPIAdviseSink, IMAPIProgress, IMAPIProp, IMAPITable, IMessage, IProfSect};
use crate::codes::{MAPI_E_NO_SUPPORT, S_OK};
use crate::types::{
    ADRLIST, ADRPARM, ENTRYID, ENTRYLIST, LPALLOCATEBUFFER, LPALLOCATEMORE, LPFNBUTTON,
    LPFNDISMISS, LPFREEBUFFER, LPTSTR, MAPIERROR, MAPIUID, NOTIFICATION, NOTIFKEY,
    SPropProblemArray, SPropTagArray, SPropValue,
};
use mapi_spi_macros::mapi_interface;

/// The support object MAPI passes to a provider's logon, one per store. All 44 slots in
/// header order: Microsoft's documentation leaves out `UpdatePAB` (33) and `Preprocess` (36),
/// which every header has. Pointer-width parameters follow the Outlook header (`ULONG_PTR`).
#[mapi_interface("0002030F-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMAPISupport: IUnknown {
    /// Left out: no error information (`S_OK`, `*lppMAPIError = NULL`), as the docs allow.
    #[default(S_OK)]
    fn GetLastError(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT;
    fn GetMemAllocRoutines(
        &self,
        lpAllocateBuffer: *mut LPALLOCATEBUFFER,
        lpAllocateMore: *mut LPALLOCATEMORE,
        lpFreeBuffer: *mut LPFREEBUFFER,
    ) -> HRESULT;
    fn Subscribe(
        &self,
        lpKey: *mut NOTIFKEY,
        ulEventMask: u32,
        ulFlags: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        #[out] lpulConnection: *mut usize,
    ) -> HRESULT;
    fn Unsubscribe(&self, ulConnection: usize) -> HRESULT;
    fn Notify(
        &self,
        lpKey: *mut NOTIFKEY,
        cNotification: u32,
        lpNotifications: *mut NOTIFICATION,
        lpulFlags: *mut u32,
    ) -> HRESULT;
    fn ModifyStatusRow(&self, cValues: u32, lpColumnVals: *mut SPropValue, ulFlags: u32)
    -> HRESULT;
    fn OpenProfileSection(
        &self,
        lpUid: *mut MAPIUID,
        ulFlags: u32,
        #[out(IProfSect)] lppProfileObj: *mut *mut c_void,
    ) -> HRESULT;
    fn RegisterPreprocessor(
        &self,
        lpMuid: *mut MAPIUID,
        lpszAdrType: LPTSTR,
        lpszDLLName: LPTSTR,
        lpszPreprocess: *mut u8,
        lpszRemovePreprocessInfo: *mut u8,
        ulFlags: u32,
    ) -> HRESULT;
    fn NewUID(&self, lpMuid: *mut MAPIUID) -> HRESULT;
    fn MakeInvalid(
        &self,
        ulFlags: u32,
        lpObject: *mut c_void,
        ulRefCount: u32,
        cMethods: u32,
    ) -> HRESULT;
    fn SpoolerYield(&self, ulFlags: u32) -> HRESULT;
    fn SpoolerNotify(&self, ulFlags: u32, lpvData: *mut c_void) -> HRESULT;
    fn CreateOneOff(
        &self,
        lpszName: LPTSTR,
        lpszAdrType: LPTSTR,
        lpszAddress: LPTSTR,
        ulFlags: u32,
        #[out] lpcbEntryID: *mut u32,
        #[out] lppEntryID: *mut *mut ENTRYID,
    ) -> HRESULT;
    fn SetProviderUID(&self, lpProviderID: *mut MAPIUID, ulFlags: u32) -> HRESULT;
    fn CompareEntryIDs(
        &self,
        #[bytes(cbEntry1)] lpEntry1: *mut ENTRYID,
        #[bytes(cbEntry2)] lpEntry2: *mut ENTRYID,
        ulCompareFlags: u32,
        #[out] lpulResult: *mut u32,
    ) -> HRESULT;
    fn OpenTemplateID(
        &self,
        #[bytes(cbTemplateID)] lpTemplateID: *mut ENTRYID,
        ulTemplateFlags: u32,
        lpMAPIPropData: Option<&IMAPIProp>,
        lpInterface: *const GUID,
        #[out(IMAPIProp)] lppMAPIPropNew: *mut *mut c_void,
        lpMAPIPropSibling: Option<&IMAPIProp>,
    ) -> HRESULT;
    fn OpenEntry(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        lpInterface: *const GUID,
        ulOpenFlags: u32,
        #[out] lpulObjType: *mut u32,
        #[out] lppUnk: *mut *mut c_void,
    ) -> HRESULT;
    fn GetOneOffTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn Address(
        &self,
        lpulUIParam: *mut usize,
        lpAdrParms: *mut ADRPARM,
        #[out] lppAdrList: *mut *mut ADRLIST,
    ) -> HRESULT;
    fn Details(
        &self,
        lpulUIParam: *mut usize,
        lpfnDismiss: LPFNDISMISS,
        lpvDismissContext: *mut c_void,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        lpfButtonCallback: LPFNBUTTON,
        lpvButtonContext: *mut c_void,
        lpszButtonText: LPTSTR,
        ulFlags: u32,
    ) -> HRESULT;
    fn NewEntry(
        &self,
        ulUIParam: usize,
        ulFlags: u32,
        #[bytes(cbEIDContainer)] lpEIDContainer: *mut ENTRYID,
        #[bytes(cbEIDNewEntryTpl)] lpEIDNewEntryTpl: *mut ENTRYID,
        #[out] lpcbEIDNewEntry: *mut u32,
        #[out] lppEIDNewEntry: *mut *mut ENTRYID,
    ) -> HRESULT;
    fn DoConfigPropsheet(
        &self,
        ulUIParam: usize,
        ulFlags: u32,
        lpszTitle: LPTSTR,
        lpDisplayTable: Option<&IMAPITable>,
        lpCOnfigData: Option<&IMAPIProp>,
        ulTopPage: u32,
    ) -> HRESULT;
    fn CopyMessages(
        &self,
        lpSrcInterface: *const GUID,
        lpSrcFolder: *mut c_void,
        lpMsgList: *mut ENTRYLIST,
        lpDestInterface: *const GUID,
        lpDestFolder: *mut c_void,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn CopyFolder(
        &self,
        lpSrcInterface: *const GUID,
        lpSrcFolder: *mut c_void,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        lpDestInterface: *const GUID,
        lpDestFolder: *mut c_void,
        lszNewFolderName: LPTSTR,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn DoCopyTo(
        &self,
        lpSrcInterface: *const GUID,
        lpSrcObj: *mut c_void,
        ciidExclude: u32,
        rgiidExclude: *const GUID,
        lpExcludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpDestInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        #[out] lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT;
    fn DoCopyProps(
        &self,
        lpSrcInterface: *const GUID,
        lpSrcObj: *mut c_void,
        lpIncludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpDestInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        #[out] lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT;
    fn DoProgressDialog(
        &self,
        ulUIParam: usize,
        ulFlags: u32,
        #[out(IMAPIProgress)] lppProgress: *mut *mut c_void,
    ) -> HRESULT;
    fn ReadReceipt(
        &self,
        ulFlags: u32,
        lpReadMessage: Option<&IMessage>,
        #[out(IMessage)] lppEmptyMessage: *mut *mut c_void,
    ) -> HRESULT;
    fn PrepareSubmit(&self, lpMessage: Option<&IMessage>, lpulFlags: *mut u32) -> HRESULT;
    fn ExpandRecips(&self, lpMessage: Option<&IMessage>, lpulFlags: *mut u32) -> HRESULT;
    fn UpdatePAB(&self, ulFlags: u32, lpMessage: Option<&IMessage>) -> HRESULT;
    fn DoSentMail(&self, ulFlags: u32, lpMessage: Option<&IMessage>) -> HRESULT;
    fn OpenAddressBook(
        &self,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lppAdrBook: *mut *mut c_void,
    ) -> HRESULT;
    fn Preprocess(&self, ulFlags: u32, #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID) -> HRESULT;
    fn CompleteMsg(&self, ulFlags: u32, #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID) -> HRESULT;
    fn StoreLogoffTransports(&self, lpulFlags: *mut u32) -> HRESULT;
    fn StatusRecips(&self, lpMessage: Option<&IMessage>, lpRecipList: *mut ADRLIST) -> HRESULT;
    fn WrapStoreEntryID(
        &self,
        #[bytes(cbOrigEntry)] lpOrigEntry: *mut ENTRYID,
        #[out] lpcbWrappedEntry: *mut u32,
        #[out] lppWrappedEntry: *mut *mut ENTRYID,
    ) -> HRESULT;
    fn ModifyProfile(&self, ulFlags: u32) -> HRESULT;
    fn IStorageFromStream(
        &self,
        lpUnkIn: Option<&IUnknown>,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lppStorageOut: *mut *mut c_void,
    ) -> HRESULT;
    fn GetSvcConfigSupportObj(
        &self,
        ulFlags: u32,
        #[out(IMAPISupport)] lppSvcSupport: *mut *mut c_void,
    ) -> HRESULT;
}
