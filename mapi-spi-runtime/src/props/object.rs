//! [`PropertyObject`]: an `IMAPIProp` object over a [`PropertyBag`], what mapi32's `CreateIProp`
//! gives C++ providers, with streams over large properties ([`super::stream`]). Other objects
//! pass their `IMAPIProp` methods to one with `forward`.
#![allow(non_snake_case)]

use core::ffi::c_void;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use windows_core::{GUID, HRESULT, Interface};

use super::bag::{PropsBlock, problems_block};
use super::copy;
use super::names::{NameKind, NamedProperties, PropName, names_block};
use super::value::{props_from_raw, tags_from_raw, tags_in};
use super::{Property, PropertyBag};
use crate::alloc::AllocatorSet;
use crate::codes::{
    MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_INVALID_PARAMETER, MAPI_E_NO_ACCESS, MAPI_E_NO_SUPPORT,
    MAPI_E_UNKNOWN_FLAGS, MAPI_W_ERRORS_RETURNED, S_OK,
};
use crate::com::Object;
use crate::flags::{
    FORCE_SAVE, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_CREATE, MAPI_NO_IDS, MAPI_NO_STRINGS,
    MAPI_UNICODE,
};
use crate::interfaces::{IMAPIProgress, IMAPIProp, IMAPIPropImpl};
use crate::provider::{LastError, ProviderError};
use crate::tags::{PT_ERROR, PT_OBJECT, PT_UNSPECIFIED, prop_id, prop_tag, prop_type};
use crate::types::{MAPIERROR, MAPINAMEID, SPropProblemArray, SPropTagArray, SPropValue};
use mapi_spi_macros::mapi_object;

/// An `IMAPIProp` over a property bag, answering `GetProps`, `GetPropList`, `SetProps`,
/// `DeleteProps` and `SaveChanges` with the bag's rules (per-object and per-property access,
/// `PT_ERROR` entries, 8-bit and Unicode text); every other method answers `IMAPIProp`'s default
/// (`MAPI_E_NO_SUPPORT`). Its results are in MAPI memory from the allocators it was given.
/// `GetLastError` describes the last of these calls that failed ([`LastError`]).
///
/// Changes are visible at once: a bag has no transaction, so `SaveChanges` only checks its flags.
#[mapi_object(IMAPIProp)]
pub struct PropertyObject {
    bag: RwLock<PropertyBag>,
    allocators: AllocatorSet,
    /// The store's named properties; without, `GetIDsFromNames` and `GetNamesFromIDs` answer
    /// `MAPI_E_NO_SUPPORT`, as the docs allow.
    names: Option<Arc<NamedProperties>>,
    /// Opens `PT_OBJECT` properties (an attachment's embedded message, a sub-storage): what
    /// they are is the provider's; without, `OpenProperty` of one answers `MAPI_E_NO_SUPPORT`.
    objects: Option<Arc<ObjectOpener>>,
    last_error: LastError,
}

/// A provider's `OpenProperty` of `PT_OBJECT` properties: given the tag, the interface asked
/// for and `OpenProperty`'s flags, the object (already of that interface), or the error.
pub type ObjectOpener =
    dyn Fn(u32, &GUID, u32) -> Result<windows_core::IUnknown, HRESULT> + Send + Sync;

/// `MAPIERROR::lpszComponent` of a property object's errors.
const COMPONENT: &str = "mapi-spi property object";

impl PropertyObject {
    pub fn new(bag: PropertyBag, allocators: AllocatorSet) -> Self {
        Self {
            bag: RwLock::new(bag),
            allocators,
            names: None,
            objects: None,
            last_error: LastError::new(COMPONENT),
        }
    }

    /// The object, opening its `PT_OBJECT` properties with `opener`.
    pub fn with_objects(self, opener: Arc<ObjectOpener>) -> Self {
        Self {
            objects: Some(opener),
            ..self
        }
    }

    /// The object, answering named properties from `names` (the store's map, shared).
    pub fn with_names(self, names: Arc<NamedProperties>) -> Self {
        Self {
            names: Some(names),
            ..self
        }
    }

    /// The allocators results are made with (MAPI's).
    pub fn allocators(&self) -> &AllocatorSet {
        &self.allocators
    }

    /// The store's named properties, if the object has them.
    pub fn names(&self) -> Option<&NamedProperties> {
        self.names.as_deref()
    }

    /// The bag, to read (a poisoned lock is taken over: the bag's operations leave it whole).
    pub fn bag(&self) -> RwLockReadGuard<'_, PropertyBag> {
        self.bag.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The bag, to change from the provider's side (no access rules apply).
    pub fn bag_mut(&self) -> RwLockWriteGuard<'_, PropertyBag> {
        self.bag.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a method's `body`: its code, a failure kept for `GetLastError` first.
    fn answer<A: Answer>(&self, body: impl FnOnce() -> A) -> HRESULT {
        self.last_error.answer(body().into_result())
    }
}

/// What a method's body answers: a code, or a failure in words ([`ProviderError`]).
trait Answer {
    fn into_result(self) -> Result<HRESULT, ProviderError>;
}

impl Answer for HRESULT {
    fn into_result(self) -> Result<HRESULT, ProviderError> {
        if self.is_err() {
            Err(self.into())
        } else {
            Ok(self)
        }
    }
}

impl Answer for Result<HRESULT, ProviderError> {
    fn into_result(self) -> Result<HRESULT, ProviderError> {
        self
    }
}

/// `ulFlags` with no bit outside `allowed`, or `MAPI_E_UNKNOWN_FLAGS`.
// Inlined: every method checks its flags, and they are almost always known ones; the error is
// made out of line.
#[inline]
pub fn check_flags(flags: u32, allowed: u32) -> Result<(), ProviderError> {
    match flags & !allowed {
        0 => Ok(()),
        unknown => Err(unknown_flags(unknown)),
    }
}

#[cold]
fn unknown_flags(unknown: u32) -> ProviderError {
    ProviderError::new(
        MAPI_E_UNKNOWN_FLAGS,
        format!("unknown flags 0x{unknown:08X}"),
    )
}

/// `MAPI_E_INVALID_PARAMETER`, naming the argument.
pub fn null(method: &str, argument: &str) -> ProviderError {
    ProviderError::new(
        MAPI_E_INVALID_PARAMETER,
        format!("{method}: {argument} is NULL"),
    )
}

/// `SetProps`' list of `cValues` values at `lpPropArray`, as every `IMAPIProp` reads it;
/// `MAPI_E_INVALID_PARAMETER` for a NULL list or a value [`props_from_raw`] refuses.
///
/// # Safety
///
/// `lpPropArray` is NULL or `cValues` `SPropValue`s, as [`props_from_raw`] requires.
#[allow(non_snake_case)]
pub(crate) unsafe fn set_props_arg(
    cValues: u32,
    lpPropArray: *const SPropValue,
) -> Result<Vec<Property>, ProviderError> {
    if lpPropArray.is_null() {
        return Err(null("SetProps", "lpPropArray"));
    }
    // SAFETY: `cValues` values (this function's contract).
    Ok(unsafe { props_from_raw(lpPropArray, cValues) }?)
}

/// `DeleteProps`' tag array, as every `IMAPIProp` reads it; `MAPI_E_INVALID_PARAMETER` for
/// NULL.
///
/// # Safety
///
/// `lpPropTagArray` is NULL or an `SPropTagArray` with `cValues` tags.
#[allow(non_snake_case)]
pub(crate) unsafe fn delete_props_arg(
    lpPropTagArray: *const SPropTagArray,
) -> Result<Vec<u32>, ProviderError> {
    // SAFETY: NULL or `cValues` tags (this function's contract).
    unsafe { tags_from_raw(lpPropTagArray) }.ok_or_else(|| null("DeleteProps", "lpPropTagArray"))
}

/// `IMAPIProp::GetProps` for an object that answers from the property engine: the arguments
/// checked (`MAPI_E_INVALID_PARAMETER` for a NULL `lpcValues` or `lppPropArray`,
/// `MAPI_E_UNKNOWN_FLAGS` for a flag other than `MAPI_UNICODE`), `answer` asked for the block of
/// the tags requested (`None`: every property) in the width `MAPI_UNICODE` says
/// ([`PropertyBag::get_props_block`], [`props_block_by`](super::bag::props_block_by)), and the
/// block written to the out-parameters. The code is the block's (`S_OK` or
/// `MAPI_W_ERRORS_RETURNED`), or the failure, described.
///
/// # Safety
///
/// The arguments are `GetProps`' own: `lpPropTagArray` NULL or an `SPropTagArray` of
/// `cValues` tags, `lpcValues` and `lppPropArray` NULL or writable.
#[allow(non_snake_case)]
pub unsafe fn get_props(
    lpPropTagArray: *mut SPropTagArray,
    ulFlags: u32,
    lpcValues: *mut u32,
    lppPropArray: *mut *mut SPropValue,
    answer: impl FnOnce(Option<&[u32]>, bool) -> crate::com::Result<PropsBlock>,
) -> Result<HRESULT, ProviderError> {
    if lpcValues.is_null() || lppPropArray.is_null() {
        return Err(null("GetProps", "lpcValues or lppPropArray"));
    }
    check_flags(ulFlags, MAPI_UNICODE)?;
    // SAFETY: the caller's tag array, NULL or `cValues` tags.
    let tags = unsafe { tags_in(lpPropTagArray) };
    let block = answer(tags.as_deref(), ulFlags & MAPI_UNICODE != 0)?;
    let code = block.code;
    let (count, array) = block.into_raw();
    // SAFETY: checked non-NULL above, writable (the caller's contract).
    unsafe {
        lpcValues.write(count);
        lppPropArray.write(array);
    }
    Ok(code)
}

/// A failure of the bag's, said in words where the code alone would not tell the user why.
fn bag_error(error: windows_core::Error) -> ProviderError {
    match error.code() {
        MAPI_E_NO_ACCESS => ProviderError::new(MAPI_E_NO_ACCESS, "the properties are read-only"),
        code => code.into(),
    }
}

/// Writes `problems` (NULL when there are none) to an optional `lppProblems`.
///
/// # Safety
///
/// `lppProblems` is NULL or valid for a pointer write.
pub(crate) unsafe fn put_problems(
    allocators: &AllocatorSet,
    problems: &[crate::types::SPropProblem],
    lppProblems: *mut *mut SPropProblemArray,
) -> Result<HRESULT, ProviderError> {
    if lppProblems.is_null() {
        return Ok(S_OK);
    }
    let block = problems_block(allocators, problems)?;
    let raw = block.map_or(core::ptr::null_mut(), |b| b.into_raw().cast());
    // SAFETY: checked non-NULL; the caller's out-pointer.
    unsafe { lppProblems.write(raw) };
    Ok(S_OK)
}

impl IMAPIPropImpl for PropertyObject {
    /// The last failure of this object's methods, when `hResult` is its code.
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        // SAFETY: the caller's out-pointer, NULL or writable.
        unsafe {
            this.last_error
                .get_last_error(hResult, ulFlags, &this.allocators, lppMAPIError)
        }
    }

    unsafe fn SaveChanges(this: &Object<Self>, ulFlags: u32) -> HRESULT {
        let allowed = KEEP_OPEN_READONLY
            | KEEP_OPEN_READWRITE
            | FORCE_SAVE
            | crate::flags::MAPI_DEFERRED_ERRORS;
        this.answer(|| check_flags(ulFlags, allowed).map(|()| S_OK))
    }

    /// A stream over a `PT_BINARY`, `PT_STRING8` or `PT_UNICODE` property, as
    /// [`super::stream::open`] describes; a `PT_OBJECT` property the object has, from the
    /// provider's opener ([`PropertyObject::with_objects`]; without one `MAPI_E_NO_SUPPORT`,
    /// and `MAPI_E_NOT_FOUND` for one it has not); `MAPI_E_INVALID_PARAMETER` for a NULL
    /// `lpiid` or `lppUnk`.
    unsafe fn OpenProperty(
        this: &Object<Self>,
        ulPropTag: u32,
        lpiid: *const GUID,
        _ulInterfaceOptions: u32,
        ulFlags: u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        this.answer(|| {
            if lppUnk.is_null() {
                return MAPI_E_INVALID_PARAMETER;
            }
            // SAFETY: checked non-NULL; writable (the caller's contract). A failure leaves NULL.
            unsafe { lppUnk.write(core::ptr::null_mut()) };
            // SAFETY: NULL or a GUID (the caller's contract).
            let Some(iid) = (unsafe { lpiid.as_ref() }) else {
                return MAPI_E_INVALID_PARAMETER;
            };
            let opened = match (prop_type(ulPropTag), &this.objects) {
                (PT_OBJECT, Some(opener))
                    if this.bag().get(prop_id(ulPropTag) as u16).is_some() =>
                {
                    opener(ulPropTag, iid, ulFlags)
                }
                (PT_OBJECT, Some(_)) => Err(crate::codes::MAPI_E_NOT_FOUND),
                _ => super::stream::open(this, ulPropTag, iid, ulFlags).map(Into::into),
            };
            match opened {
                Ok(object) => {
                    // SAFETY: checked non-NULL; the new reference is the caller's.
                    unsafe { lppUnk.write(object.into_raw()) };
                    S_OK
                }
                Err(code) => code,
            }
        })
    }

    /// Copies every property but the excluded ones to `lpDestObj`, as [`super::copy`]
    /// describes; `MAPI_E_INVALID_PARAMETER` for a NULL destination or interface,
    /// `MAPI_E_INTERFACE_NOT_SUPPORTED` for a destination that is no `IMAPIProp`.
    unsafe fn CopyTo(
        this: &Object<Self>,
        ciidExclude: u32,
        rgiidExclude: *const GUID,
        lpExcludeProps: *mut SPropTagArray,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.answer(|| {
            if rgiidExclude.is_null() && ciidExclude != 0 {
                return MAPI_E_INVALID_PARAMETER;
            }
            let excluded_iids = if ciidExclude == 0 {
                &[][..]
            } else {
                // SAFETY: `ciidExclude` GUIDs at `rgiidExclude` (the caller's contract).
                unsafe { core::slice::from_raw_parts(rgiidExclude, ciidExclude as usize) }
            };
            // Excluding IMAPIProp itself excludes every property.
            let everything: Vec<u32>;
            let excluded = if excluded_iids.contains(&IMAPIProp::IID) {
                everything = this.bag().iter().map(|p| u32::from(p.id)).collect();
                everything
            } else {
                // SAFETY: NULL or the caller's tag array.
                unsafe { copy::ids_of(lpExcludeProps) }.unwrap_or_default()
            };
            // SAFETY: the caller's destination, interface and out-pointer.
            unsafe {
                copy_to_raw(
                    this,
                    copy::Selection::AllBut(&excluded),
                    lpInterface,
                    lpDestObj,
                    ulFlags,
                    lppProblems,
                )
            }
        })
    }

    /// Copies the included properties to `lpDestObj`, as [`super::copy`] describes;
    /// `MAPI_E_INVALID_PARAMETER` for a NULL list, destination or interface.
    unsafe fn CopyProps(
        this: &Object<Self>,
        lpIncludeProps: *mut SPropTagArray,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.answer(|| {
            // SAFETY: NULL or the caller's tag array.
            let Some(included) = (unsafe { copy::ids_of(lpIncludeProps) }) else {
                return MAPI_E_INVALID_PARAMETER;
            };
            // SAFETY: the caller's destination, interface and out-pointer.
            unsafe {
                copy_to_raw(
                    this,
                    copy::Selection::Only(&included),
                    lpInterface,
                    lpDestObj,
                    ulFlags,
                    lppProblems,
                )
            }
        })
    }

    /// The IDs of `cPropNames` names (NULL: every name the map holds), as
    /// [`super::names`] describes; `MAPI_E_NO_SUPPORT` without a name map.
    unsafe fn GetIDsFromNames(
        this: &Object<Self>,
        cPropNames: u32,
        lppPropNames: *mut *mut MAPINAMEID,
        ulFlags: u32,
        lppPropTags: *mut *mut SPropTagArray,
    ) -> HRESULT {
        this.answer(|| {
            let Some(names) = &this.names else {
                return MAPI_E_NO_SUPPORT;
            };
            if lppPropTags.is_null() || (lppPropNames.is_null() && cPropNames != 0) {
                return MAPI_E_INVALID_PARAMETER;
            }
            if let Err(error) = check_flags(ulFlags, MAPI_CREATE) {
                return error.code;
            }
            let create = ulFlags & MAPI_CREATE != 0;
            let tags: Vec<u32> = if lppPropNames.is_null() {
                if create {
                    return MAPI_E_INVALID_PARAMETER;
                }
                names
                    .all()
                    .iter()
                    .map(|&(id, _)| prop_tag(PT_UNSPECIFIED, u32::from(id)))
                    .collect()
            } else {
                (0..cPropNames as usize)
                    .map(|i| {
                        // SAFETY: `cPropNames` pointers at `lppPropNames` (the caller's contract),
                        // each NULL or a MAPINAMEID as `PropName::from_raw` requires.
                        let name =
                            unsafe { PropName::from_raw(lppPropNames.add(i).read_unaligned()) };
                        match name.and_then(|name| names.id_of(&name, create)) {
                            Some(id) => prop_tag(PT_UNSPECIFIED, u32::from(id)),
                            None => prop_tag(PT_ERROR, 0),
                        }
                    })
                    .collect()
            };
            match crate::alloc::builders::prop_tags(&this.allocators, &tags) {
                Ok(block) => {
                    // SAFETY: checked non-NULL above.
                    unsafe { lppPropTags.write(block.into_raw().cast()) };
                    if tags.iter().any(|&tag| prop_type(tag) == PT_ERROR) {
                        MAPI_W_ERRORS_RETURNED
                    } else {
                        S_OK
                    }
                }
                Err(error) => error.code(),
            }
        })
    }

    /// The names of the IDs in `*lppPropTags` (NULL: every name, filtered by `lpPropSetGuid`
    /// and `MAPI_NO_IDS` / `MAPI_NO_STRINGS`, and `*lppPropTags` then receives their tags);
    /// an ID without a name is a NULL entry and `MAPI_W_ERRORS_RETURNED`.
    unsafe fn GetNamesFromIDs(
        this: &Object<Self>,
        lppPropTags: *mut *mut SPropTagArray,
        lpPropSetGuid: *mut GUID,
        ulFlags: u32,
        lpcPropNames: *mut u32,
        lpppPropNames: *mut *mut *mut MAPINAMEID,
    ) -> HRESULT {
        this.answer(|| {
            let Some(names) = &this.names else {
                return MAPI_E_NO_SUPPORT;
            };
            if lppPropTags.is_null() || lpcPropNames.is_null() || lpppPropNames.is_null() {
                return MAPI_E_INVALID_PARAMETER;
            }
            if let Err(error) = check_flags(ulFlags, MAPI_NO_IDS | MAPI_NO_STRINGS) {
                return error.code;
            }
            // SAFETY: `lppPropTags` is readable (checked non-NULL; the caller's contract).
            let given = unsafe { lppPropTags.read() };
            // SAFETY: NULL or a GUID (the caller's contract).
            let set = unsafe { lpPropSetGuid.as_ref() }.copied();
            let wanted = |name: &PropName| {
                set.is_none_or(|set| set == name.set)
                    && match name.kind {
                        NameKind::Id(_) => ulFlags & MAPI_NO_IDS == 0,
                        NameKind::String(_) => ulFlags & MAPI_NO_STRINGS == 0,
                    }
            };
            let (found, new_tags): (Vec<Option<PropName>>, Option<Vec<u32>>) = if given.is_null() {
                let all: Vec<(u16, PropName)> =
                    names.all().into_iter().filter(|(_, n)| wanted(n)).collect();
                let tags = all
                    .iter()
                    .map(|&(id, _)| prop_tag(PT_UNSPECIFIED, u32::from(id)))
                    .collect();
                (all.into_iter().map(|(_, n)| Some(n)).collect(), Some(tags))
            } else {
                // SAFETY: the caller's tag array (`cValues` tags).
                let Some(tags) = (unsafe { tags_from_raw(given) }) else {
                    return MAPI_E_INVALID_PARAMETER;
                };
                if tags.is_empty() {
                    return MAPI_E_INVALID_PARAMETER;
                }
                let found = tags
                    .iter()
                    .map(|&tag| names.name_of(prop_id(tag) as u16).filter(|n| wanted(n)))
                    .collect();
                (found, None)
            };
            let block = match names_block(&this.allocators, &found) {
                Ok(block) => block,
                Err(error) => return error.code(),
            };
            let tag_block = match new_tags
                .map(|tags| crate::alloc::builders::prop_tags(&this.allocators, &tags))
                .transpose()
            {
                Ok(tag_block) => tag_block,
                Err(error) => return error.code(),
            };
            // SAFETY: the out-pointers were checked non-NULL.
            unsafe {
                lpcPropNames.write(found.len() as u32);
                lpppPropNames.write(block.into_raw().cast());
                if let Some(tag_block) = tag_block {
                    lppPropTags.write(tag_block.into_raw().cast());
                }
            }
            if found.iter().any(Option::is_none) {
                MAPI_W_ERRORS_RETURNED
            } else {
                S_OK
            }
        })
    }

    unsafe fn GetProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        lpcValues: *mut u32,
        lppPropArray: *mut *mut SPropValue,
    ) -> HRESULT {
        this.answer(|| {
            // SAFETY: the caller's arguments, under `IMAPIProp::GetProps`' contract.
            unsafe {
                get_props(
                    lpPropTagArray,
                    ulFlags,
                    lpcValues,
                    lppPropArray,
                    |tags, unicode| this.bag().get_props_block(&this.allocators, tags, unicode),
                )
            }
        })
    }

    unsafe fn GetPropList(
        this: &Object<Self>,
        ulFlags: u32,
        lppPropTagArray: *mut *mut SPropTagArray,
    ) -> HRESULT {
        this.answer(|| {
            if lppPropTagArray.is_null() {
                return Err(null("GetPropList", "lppPropTagArray"));
            }
            check_flags(ulFlags, MAPI_UNICODE)?;
            let block = this
                .bag()
                .prop_list_block(&this.allocators, ulFlags & MAPI_UNICODE != 0)?;
            // SAFETY: checked non-NULL above.
            unsafe { lppPropTagArray.write(block.into_raw().cast()) };
            Ok(S_OK)
        })
    }

    unsafe fn SetProps(
        this: &Object<Self>,
        cValues: u32,
        lpPropArray: *mut SPropValue,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.answer(|| {
            // SAFETY: the caller's `cValues` values.
            let props = unsafe { set_props_arg(cValues, lpPropArray) }?;
            let problems = this.bag_mut().set_props(&props).map_err(bag_error)?;
            // SAFETY: the caller's out-pointer, NULL or writable.
            unsafe { put_problems(&this.allocators, &problems, lppProblems) }
        })
    }

    unsafe fn DeleteProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.answer(|| {
            // SAFETY: the caller's tag array, NULL or `cValues` tags.
            let tags = unsafe { delete_props_arg(lpPropTagArray) }?;
            let problems = this.bag_mut().delete_props(&tags).map_err(bag_error)?;
            // SAFETY: the caller's out-pointer, NULL or writable.
            unsafe { put_problems(&this.allocators, &problems, lppProblems) }
        })
    }
}

/// What `CopyTo` and `CopyProps` share once their selection is read: the destination checked
/// and reached as `IMAPIProp`, the copy, the problems written.
///
/// # Safety
///
/// `lpInterface` is NULL or a GUID, `lpDestObj` NULL or a live interface pointer, `lppProblems`
/// NULL or writable.
#[allow(non_snake_case)]
unsafe fn copy_to_raw(
    this: &Object<PropertyObject>,
    selection: copy::Selection<'_>,
    lpInterface: *const GUID,
    lpDestObj: *mut c_void,
    ulFlags: u32,
    lppProblems: *mut *mut SPropProblemArray,
) -> HRESULT {
    if lpInterface.is_null() {
        return MAPI_E_INVALID_PARAMETER;
    }
    // SAFETY: NULL or a live interface pointer (the caller's contract), borrowed for the call.
    let Some(dest) = (unsafe { windows_core::IUnknown::from_raw_borrowed(&lpDestObj) }) else {
        return MAPI_E_INVALID_PARAMETER;
    };
    let Ok(dest) = dest.cast::<IMAPIProp>() else {
        return MAPI_E_INTERFACE_NOT_SUPPORTED;
    };
    match copy::copy(this, selection, &dest, ulFlags) {
        // SAFETY: NULL or writable (the caller's contract).
        Ok(problems) => unsafe { put_problems(&this.allocators, &problems, lppProblems) }
            .unwrap_or_else(|error| error.code),
        Err(code) => code,
    }
}

/// A new `IMAPIProp` over `bag`.
pub fn create(bag: PropertyBag, allocators: AllocatorSet) -> IMAPIProp {
    crate::com::ComObject::new(PropertyObject::new(bag, allocators)).into_interface()
}
