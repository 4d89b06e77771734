//! [`PropertyObject`]: an `IMAPIProp` object over a [`PropertyBag`], what mapi32's `CreateIProp`
//! gives C++ providers. Other objects pass their `IMAPIProp` methods to one with `forward`.
#![allow(non_snake_case)]

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use windows_core::HRESULT;

use super::PropertyBag;
use super::bag::problems_block;
use super::value::{props_from_raw, tags_from_raw, tags_in};
use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_UNKNOWN_FLAGS, S_OK};
use crate::com::Object;
use crate::flags::{FORCE_SAVE, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_UNICODE};
use crate::interfaces::{IMAPIProp, IMAPIPropImpl};
use crate::types::{SPropProblemArray, SPropTagArray, SPropValue};
use mapi_spi_macros::mapi_object;

/// An `IMAPIProp` over a property bag, answering `GetProps`, `GetPropList`, `SetProps`,
/// `DeleteProps` and `SaveChanges` with the bag's rules (per-object and per-property access,
/// `PT_ERROR` entries, 8-bit and Unicode text); every other method answers `IMAPIProp`'s default
/// (`MAPI_E_NO_SUPPORT`). Its results are in MAPI memory from the allocators it was given.
///
/// Changes are visible at once: a bag has no transaction, so `SaveChanges` only checks its flags.
#[mapi_object(IMAPIProp)]
pub struct PropertyObject {
    bag: RwLock<PropertyBag>,
    allocators: AllocatorSet,
}

impl PropertyObject {
    pub fn new(bag: PropertyBag, allocators: AllocatorSet) -> Self {
        Self {
            bag: RwLock::new(bag),
            allocators,
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
}

/// `ulFlags` with no bit outside `allowed`, or `MAPI_E_UNKNOWN_FLAGS`.
fn check_flags(flags: u32, allowed: u32) -> Result<(), HRESULT> {
    if flags & !allowed == 0 {
        Ok(())
    } else {
        Err(MAPI_E_UNKNOWN_FLAGS)
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
) -> HRESULT {
    if lppProblems.is_null() {
        return S_OK;
    }
    match problems_block(allocators, problems) {
        Ok(block) => {
            let raw = block.map_or(core::ptr::null_mut(), |b| b.into_raw().cast());
            // SAFETY: checked non-NULL; the caller's out-pointer.
            unsafe { lppProblems.write(raw) };
            S_OK
        }
        Err(error) => error.code(),
    }
}

impl IMAPIPropImpl for PropertyObject {
    unsafe fn SaveChanges(_: &Object<Self>, ulFlags: u32) -> HRESULT {
        match check_flags(
            ulFlags,
            KEEP_OPEN_READONLY
                | KEEP_OPEN_READWRITE
                | FORCE_SAVE
                | crate::flags::MAPI_DEFERRED_ERRORS,
        ) {
            Ok(()) => S_OK,
            Err(code) => code,
        }
    }

    unsafe fn GetProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        lpcValues: *mut u32,
        lppPropArray: *mut *mut SPropValue,
    ) -> HRESULT {
        if lpcValues.is_null() || lppPropArray.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        if let Err(code) = check_flags(ulFlags, MAPI_UNICODE) {
            return code;
        }
        // SAFETY: the caller's tag array, NULL or `cValues` tags.
        let tags = unsafe { tags_in(lpPropTagArray) };
        let block = this.bag().get_props_block(
            &this.allocators,
            tags.as_deref(),
            ulFlags & MAPI_UNICODE != 0,
        );
        match block {
            Ok(block) => {
                let code = block.code;
                let (count, array) = block.into_raw();
                // SAFETY: checked non-NULL above.
                unsafe {
                    lpcValues.write(count);
                    lppPropArray.write(array);
                }
                code
            }
            Err(error) => error.code(),
        }
    }

    unsafe fn GetPropList(
        this: &Object<Self>,
        ulFlags: u32,
        lppPropTagArray: *mut *mut SPropTagArray,
    ) -> HRESULT {
        if lppPropTagArray.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        if let Err(code) = check_flags(ulFlags, MAPI_UNICODE) {
            return code;
        }
        match this
            .bag()
            .prop_list_block(&this.allocators, ulFlags & MAPI_UNICODE != 0)
        {
            Ok(block) => {
                // SAFETY: checked non-NULL above.
                unsafe { lppPropTagArray.write(block.into_raw().cast()) };
                S_OK
            }
            Err(error) => error.code(),
        }
    }

    unsafe fn SetProps(
        this: &Object<Self>,
        cValues: u32,
        lpPropArray: *mut SPropValue,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        if lpPropArray.is_null() {
            return MAPI_E_INVALID_PARAMETER;
        }
        // SAFETY: the caller's `cValues` values.
        let props = match unsafe { props_from_raw(lpPropArray, cValues) } {
            Ok(props) => props,
            Err(error) => return error.code(),
        };
        let problems = this.bag_mut().set_props(&props);
        match problems {
            // SAFETY: the caller's out-pointer, NULL or writable.
            Ok(problems) => unsafe { put_problems(&this.allocators, &problems, lppProblems) },
            Err(error) => error.code(),
        }
    }

    unsafe fn DeleteProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        // SAFETY: the caller's tag array, NULL or `cValues` tags.
        let Some(tags) = (unsafe { tags_from_raw(lpPropTagArray) }) else {
            return MAPI_E_INVALID_PARAMETER;
        };
        let problems = this.bag_mut().delete_props(&tags);
        match problems {
            // SAFETY: the caller's out-pointer, NULL or writable.
            Ok(problems) => unsafe { put_problems(&this.allocators, &problems, lppProblems) },
            Err(error) => error.code(),
        }
    }
}

/// A new `IMAPIProp` over `bag`.
pub fn create(bag: PropertyBag, allocators: AllocatorSet) -> IMAPIProp {
    crate::com::ComObject::new(PropertyObject::new(bag, allocators)).into_interface()
}
