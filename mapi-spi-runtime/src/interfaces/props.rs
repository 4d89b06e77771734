//! Properties and containers (mapidefs.h): `IMAPIProp`.
#![allow(non_snake_case)]

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown};

use super::IMAPIProgress;
use crate::mapi_interface;
use crate::types::{MAPIERROR, SPropProblemArray, SPropTagArray, SPropValue};

/// Properties of a MAPI object: the base of IMsgStore, IMAPIFolder, IMessage, IAttach,
/// IMAPIStatus and IProfSect. `ulUIParam` is `ULONG_PTR` (Outlook header; mingw: ULONG).
#[mapi_interface("00020303-0000-0000-C000-000000000046")]
pub unsafe trait IMAPIProp: IUnknown {
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
        #[out] lpppPropNames: *mut *mut *mut c_void,
    ) -> HRESULT;
    fn GetIDsFromNames(
        &self,
        cPropNames: u32,
        lppPropNames: *mut *mut c_void,
        ulFlags: u32,
        #[out] lppPropTags: *mut *mut SPropTagArray,
    ) -> HRESULT;
}
