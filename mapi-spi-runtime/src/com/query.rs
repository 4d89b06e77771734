//! The IUnknown part of every vtable of every object: `QueryInterface`, `AddRef`, `Release`.
//!
//! Each is generic over the object type and the slot it serves, so the block is found by a
//! constant offset and `QueryInterface` is a chain of IID compares the compiler can inline.

use core::ffi::c_void;
use windows_core::{GUID, HRESULT, IUnknown_Vtbl};

use super::object::{MapiObject, Object};
use crate::codes::E_POINTER;

/// The IUnknown slots of the vtable in slot `SLOT` of `T`.
pub const fn unknown_vtbl<T: MapiObject, const SLOT: usize>() -> IUnknown_Vtbl {
    IUnknown_Vtbl {
        QueryInterface: query_interface::<T, SLOT>,
        AddRef: add_ref::<T, SLOT>,
        Release: release::<T, SLOT>,
    }
}

unsafe extern "system" fn query_interface<T: MapiObject, const SLOT: usize>(
    this: *mut c_void,
    iid: *const GUID,
    ppv: *mut *mut c_void,
) -> HRESULT {
    if ppv.is_null() {
        return E_POINTER;
    }
    if iid.is_null() {
        unsafe { ppv.write(core::ptr::null_mut()) };
        return E_POINTER;
    }
    unsafe { Object::<T>::from_slot::<SLOT>(this).query(&*iid, ppv) }
}

unsafe extern "system" fn add_ref<T: MapiObject, const SLOT: usize>(this: *mut c_void) -> u32 {
    unsafe { Object::<T>::from_slot::<SLOT>(this).add_ref() }
}

unsafe extern "system" fn release<T: MapiObject, const SLOT: usize>(this: *mut c_void) -> u32 {
    unsafe { Object::release(Object::<T>::from_slot::<SLOT>(this)) }
}
