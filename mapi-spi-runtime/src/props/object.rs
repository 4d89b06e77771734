//! [`PropertyObject`]: an `IMAPIProp` object over a [`PropertyBag`], what mapi32's `CreateIProp`
//! gives C++ providers. Other objects pass their `IMAPIProp` methods to one with `forward`.
#![allow(non_snake_case)]

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use windows_core::HRESULT;

use super::PropertyBag;
use super::bag::problems_block;
use super::value::{props_from_raw, tags_from_raw};
use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NO_ACCESS, MAPI_E_UNKNOWN_FLAGS, S_OK};
use crate::com::Object;
use crate::flags::{FORCE_SAVE, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_UNICODE};
use crate::interfaces::{IMAPIProp, IMAPIPropImpl};
use crate::provider::{LastError, ProviderError};
use crate::types::{MAPIERROR, SPropProblemArray, SPropTagArray, SPropValue};
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
    last_error: LastError,
}

/// `MAPIERROR::lpszComponent` of a property object's errors.
const COMPONENT: &str = "mapi-spi property object";

impl PropertyObject {
    pub fn new(bag: PropertyBag, allocators: AllocatorSet) -> Self {
        Self {
            bag: RwLock::new(bag),
            allocators,
            last_error: LastError::new(COMPONENT),
        }
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
    fn answer(&self, body: impl FnOnce() -> Result<HRESULT, ProviderError>) -> HRESULT {
        body().unwrap_or_else(|error| self.last_error.fail(error))
    }
}

/// `ulFlags` with no bit outside `allowed`, or `MAPI_E_UNKNOWN_FLAGS`.
fn check_flags(flags: u32, allowed: u32) -> Result<(), ProviderError> {
    match flags & !allowed {
        0 => Ok(()),
        unknown => Err(ProviderError::new(
            MAPI_E_UNKNOWN_FLAGS,
            format!("unknown flags 0x{unknown:08X}"),
        )),
    }
}

/// `MAPI_E_INVALID_PARAMETER`, naming the argument.
fn null(method: &str, argument: &str) -> ProviderError {
    ProviderError::new(
        MAPI_E_INVALID_PARAMETER,
        format!("{method}: {argument} is NULL"),
    )
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
unsafe fn put_problems(
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

    unsafe fn GetProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        lpcValues: *mut u32,
        lppPropArray: *mut *mut SPropValue,
    ) -> HRESULT {
        this.answer(|| {
            if lpcValues.is_null() || lppPropArray.is_null() {
                return Err(null("GetProps", "lpcValues or lppPropArray"));
            }
            check_flags(ulFlags, MAPI_UNICODE)?;
            // SAFETY: the caller's tag array, NULL or `cValues` tags.
            let tags = unsafe { tags_from_raw(lpPropTagArray) };
            let block = this.bag().get_props_block(
                &this.allocators,
                tags.as_deref(),
                ulFlags & MAPI_UNICODE != 0,
            )?;
            let code = block.code;
            let (count, array) = block.into_raw();
            // SAFETY: checked non-NULL above.
            unsafe {
                lpcValues.write(count);
                lppPropArray.write(array);
            }
            Ok(code)
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
            if lpPropArray.is_null() {
                return Err(null("SetProps", "lpPropArray"));
            }
            // SAFETY: the caller's `cValues` values.
            let props = unsafe { props_from_raw(lpPropArray, cValues) }?;
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
            let Some(tags) = (unsafe { tags_from_raw(lpPropTagArray) }) else {
                return Err(null("DeleteProps", "lpPropTagArray"));
            };
            let problems = this.bag_mut().delete_props(&tags).map_err(bag_error)?;
            // SAFETY: the caller's out-pointer, NULL or writable.
            unsafe { put_problems(&this.allocators, &problems, lppProblems) }
        })
    }
}

/// A new `IMAPIProp` over `bag`.
pub fn create(bag: PropertyBag, allocators: AllocatorSet) -> IMAPIProp {
    crate::com::ComObject::new(PropertyObject::new(bag, allocators)).into_interface()
}
