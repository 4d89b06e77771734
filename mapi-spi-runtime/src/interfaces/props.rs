//! Properties and containers (mapidefs.h): `IMAPIProp` and the objects built on it
//! (`IMAPIContainer`, `IMAPIFolder`, `IMessage`, `IAttach`, `IMAPIStatus`, `IProfSect`), and
//! `IMAPITable`.
//!
//! Interface out-parameters (`LPMAPITABLE *`, `LPUNKNOWN *`, ...) are `*mut *mut c_void`: the
//! callee writes an AddRef'd pointer there. Where the header fixes the interface
//! (`LPMAPITABLE *`), they are declared `#[out(IMAPITable)]` and implementers fill them through
//! [`crate::com::InterfaceOut`]; where an IID chooses it (`OpenEntry`'s `LPUNKNOWN *`), they stay
//! raw. Widths follow the Outlook header: `ulUIParam`,
//! connection numbers and `BOOKMARK`s are `ULONG_PTR` (`usize`) where mingw-w64 has `ULONG`.
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use super::{IMAPIAdviseSink, IMAPIProgress};
use crate::codes::{MAPI_E_NO_SUPPORT, S_OK};
use crate::types::{
    ADRLIST, BOOKMARK, ENTRYID, ENTRYLIST, LPTSTR, MAPIERROR, MAPINAMEID, SPropProblemArray,
    SPropTagArray, SPropValue, SRestriction, SRowSet, SSortOrderSet,
};
use mapi_spi_macros::mapi_interface;

/// Properties of a MAPI object: the base of IMsgStore, IMAPIFolder, IMessage, IAttach,
/// IMAPIStatus and IProfSect. `ulUIParam` is `ULONG_PTR` (Outlook header; mingw: ULONG).
#[mapi_interface("00020303-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMAPIProp: IUnknown {
    /// Left out: no error information (`S_OK`, `*lppMAPIError = NULL`), as the docs allow.
    #[default(S_OK)]
    fn GetLastError(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT;
    fn SaveChanges(&self, ulFlags: u32) -> HRESULT;
    fn GetProps(
        &self,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        #[out] lpcValues: *mut u32,
        #[out] lppPropArray: *mut *mut SPropValue,
    ) -> HRESULT;
    fn GetPropList(&self, ulFlags: u32, #[out] lppPropTagArray: *mut *mut SPropTagArray)
    -> HRESULT;
    fn OpenProperty(
        &self,
        ulPropTag: u32,
        lpiid: *const GUID,
        ulInterfaceOptions: u32,
        ulFlags: u32,
        #[out] lppUnk: *mut *mut c_void,
    ) -> HRESULT;
    fn SetProps(
        &self,
        cValues: u32,
        lpPropArray: *mut SPropValue,
        #[out] lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT;
    fn DeleteProps(
        &self,
        lpPropTagArray: *mut SPropTagArray,
        #[out] lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT;
    fn CopyTo(
        &self,
        ciidExclude: u32,
        rgiidExclude: *const GUID,
        lpExcludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        #[out] lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT;
    fn CopyProps(
        &self,
        lpIncludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        #[out] lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT;
    fn GetNamesFromIDs(
        &self,
        lppPropTags: *mut *mut SPropTagArray,
        lpPropSetGuid: *mut GUID,
        ulFlags: u32,
        #[out] lpcPropNames: *mut u32,
        #[out] lpppPropNames: *mut *mut *mut MAPINAMEID,
    ) -> HRESULT;
    fn GetIDsFromNames(
        &self,
        cPropNames: u32,
        lppPropNames: *mut *mut MAPINAMEID,
        ulFlags: u32,
        #[out] lppPropTags: *mut *mut SPropTagArray,
    ) -> HRESULT;
}

/// A container of entries (folders, address-book containers): contents and hierarchy tables,
/// opening entries, search criteria.
#[mapi_interface("0002030B-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMAPIContainer: IMAPIProp {
    fn GetContentsTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn GetHierarchyTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn OpenEntry(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lpulObjType: *mut u32,
        #[out] lppUnk: *mut *mut c_void,
    ) -> HRESULT;
    fn SetSearchCriteria(
        &self,
        lpRestriction: *mut SRestriction,
        lpContainerList: *mut ENTRYLIST,
        ulSearchFlags: u32,
    ) -> HRESULT;
    fn GetSearchCriteria(
        &self,
        ulFlags: u32,
        #[out] lppRestriction: *mut *mut SRestriction,
        #[out] lppContainerList: *mut *mut ENTRYLIST,
        #[out] lpulSearchState: *mut u32,
    ) -> HRESULT;
}

/// A folder of a message store.
#[mapi_interface("0002030C-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMAPIFolder: IMAPIContainer {
    fn CreateMessage(
        &self,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out(IMessage)] lppMessage: *mut *mut c_void,
    ) -> HRESULT;
    fn CopyMessages(
        &self,
        lpMsgList: *mut ENTRYLIST,
        lpInterface: *const GUID,
        lpDestFolder: *mut c_void,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn DeleteMessages(
        &self,
        lpMsgList: *mut ENTRYLIST,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn CreateFolder(
        &self,
        ulFolderType: u32,
        lpszFolderName: LPTSTR,
        lpszFolderComment: LPTSTR,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out(IMAPIFolder)] lppFolder: *mut *mut c_void,
    ) -> HRESULT;
    fn CopyFolder(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        lpInterface: *const GUID,
        lpDestFolder: *mut c_void,
        lpszNewFolderName: LPTSTR,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn DeleteFolder(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn SetReadFlags(
        &self,
        lpMsgList: *mut ENTRYLIST,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn GetMessageStatus(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulFlags: u32,
        #[out] lpulMessageStatus: *mut u32,
    ) -> HRESULT;
    fn SetMessageStatus(
        &self,
        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
        ulNewStatus: u32,
        ulNewStatusMask: u32,
        #[out] lpulOldStatus: *mut u32,
    ) -> HRESULT;
    fn SaveContentsSort(&self, lpSortCriteria: *mut SSortOrderSet, ulFlags: u32) -> HRESULT;
    fn EmptyFolder(
        &self,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
}

/// A message: its properties, attachments and recipients.
#[mapi_interface("00020307-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMessage: IMAPIProp {
    fn GetAttachmentTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn OpenAttach(
        &self,
        ulAttachmentNum: u32,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out(IAttach)] lppAttach: *mut *mut c_void,
    ) -> HRESULT;
    fn CreateAttach(
        &self,
        lpInterface: *const GUID,
        ulFlags: u32,
        #[out] lpulAttachmentNum: *mut u32,
        #[out(IAttach)] lppAttach: *mut *mut c_void,
    ) -> HRESULT;
    fn DeleteAttach(
        &self,
        ulAttachmentNum: u32,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT;
    fn GetRecipientTable(
        &self,
        ulFlags: u32,
        #[out(IMAPITable)] lppTable: *mut *mut c_void,
    ) -> HRESULT;
    fn ModifyRecipients(&self, ulFlags: u32, lpMods: *mut ADRLIST) -> HRESULT;
    fn SubmitMessage(&self, ulFlags: u32) -> HRESULT;
    fn SetReadFlag(&self, ulFlags: u32) -> HRESULT;
}

/// An attachment (`IID_IAttachment`): only the `IMAPIProp` methods.
#[mapi_interface("00020308-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IAttach: IMAPIProp {}

/// A profile section (`IMAPISupport::OpenProfileSection`): only the `IMAPIProp` methods.
#[mapi_interface("00020304-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IProfSect: IMAPIProp {}

/// The status object of a provider (a row of the session's status table).
#[mapi_interface("00020305-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMAPIStatus: IMAPIProp {
    fn ValidateState(&self, ulUIParam: usize, ulFlags: u32) -> HRESULT;
    fn SettingsDialog(&self, ulUIParam: usize, ulFlags: u32) -> HRESULT;
    fn ChangePassword(&self, lpOldPass: LPTSTR, lpNewPass: LPTSTR, ulFlags: u32) -> HRESULT;
    fn FlushQueues(
        &self,
        ulUIParam: usize,
        #[bytes(cbTargetTransport)] lpTargetTransport: *mut ENTRYID,
        ulFlags: u32,
    ) -> HRESULT;
}

/// A table view: rows of properties with columns, sorting, restrictions, bookmarks and
/// categories. Connections and bookmarks are `ULONG_PTR` (Outlook header; mingw: ULONG).
#[mapi_interface("00020301-0000-0000-C000-000000000046", default = MAPI_E_NO_SUPPORT)]
pub unsafe trait IMAPITable: IUnknown {
    /// Left out: no error information (`S_OK`, `*lppMAPIError = NULL`), as the docs allow.
    #[default(S_OK)]
    fn GetLastError(
        &self,
        hResult: HRESULT,
        ulFlags: u32,
        #[out] lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT;
    fn Advise(
        &self,
        ulEventMask: u32,
        lpAdviseSink: Option<&IMAPIAdviseSink>,
        #[out] lpulConnection: *mut usize,
    ) -> HRESULT;
    fn Unadvise(&self, ulConnection: usize) -> HRESULT;
    fn GetStatus(
        &self,
        #[out] lpulTableStatus: *mut u32,
        #[out] lpulTableType: *mut u32,
    ) -> HRESULT;
    fn SetColumns(&self, lpPropTagArray: *mut SPropTagArray, ulFlags: u32) -> HRESULT;
    fn QueryColumns(&self, ulFlags: u32, #[out] lpPropTagArray: *mut *mut SPropTagArray)
    -> HRESULT;
    fn GetRowCount(&self, ulFlags: u32, #[out] lpulCount: *mut u32) -> HRESULT;
    fn SeekRow(&self, bkOrigin: BOOKMARK, lRowCount: i32, lplRowsSought: *mut i32) -> HRESULT;
    fn SeekRowApprox(&self, ulNumerator: u32, ulDenominator: u32) -> HRESULT;
    fn QueryPosition(
        &self,
        #[out] lpulRow: *mut u32,
        #[out] lpulNumerator: *mut u32,
        #[out] lpulDenominator: *mut u32,
    ) -> HRESULT;
    fn FindRow(
        &self,
        lpRestriction: *mut SRestriction,
        bkOrigin: BOOKMARK,
        ulFlags: u32,
    ) -> HRESULT;
    fn Restrict(&self, lpRestriction: *mut SRestriction, ulFlags: u32) -> HRESULT;
    fn CreateBookmark(&self, #[out] lpbkPosition: *mut BOOKMARK) -> HRESULT;
    fn FreeBookmark(&self, bkPosition: BOOKMARK) -> HRESULT;
    fn SortTable(&self, lpSortCriteria: *mut SSortOrderSet, ulFlags: u32) -> HRESULT;
    fn QuerySortOrder(&self, #[out] lppSortCriteria: *mut *mut SSortOrderSet) -> HRESULT;
    fn QueryRows(&self, lRowCount: i32, ulFlags: u32, #[out] lppRows: *mut *mut SRowSet)
    -> HRESULT;
    fn Abort(&self) -> HRESULT;
    fn ExpandRow(
        &self,
        cbInstanceKey: u32,
        pbInstanceKey: *mut u8,
        ulRowCount: u32,
        ulFlags: u32,
        #[out] lppRows: *mut *mut SRowSet,
        #[out] lpulMoreRows: *mut u32,
    ) -> HRESULT;
    fn CollapseRow(
        &self,
        cbInstanceKey: u32,
        pbInstanceKey: *mut u8,
        ulFlags: u32,
        #[out] lpulRowCount: *mut u32,
    ) -> HRESULT;
    fn WaitForCompletion(&self, ulFlags: u32, ulTimeout: u32, lpulTableStatus: *mut u32)
    -> HRESULT;
    fn GetCollapseState(
        &self,
        ulFlags: u32,
        #[bytes(cbInstanceKey)] lpbInstanceKey: *mut u8,
        #[out] lpcbCollapseState: *mut u32,
        #[out] lppbCollapseState: *mut *mut u8,
    ) -> HRESULT;
    fn SetCollapseState(
        &self,
        ulFlags: u32,
        cbCollapseState: u32,
        pbCollapseState: *mut u8,
        #[out] lpbkLocation: *mut BOOKMARK,
    ) -> HRESULT;
}
