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
        // SAFETY: `ppv` is not NULL, and writable by QueryInterface's contract.
        return unsafe { no_iid(ppv) };
    }
    // SAFETY: `this` is an interface pointer of slot `SLOT` of a live `Object<T>` (the vtable's
    // contract), `iid` is readable and `ppv` writable (checked not NULL, the caller's contract).
    // No guard: the IID map is data (`MapiObject::SLOT_IIDS`), no code of the implementer's runs.
    unsafe { Object::<T>::from_slot::<SLOT>(this).query(&*iid, ppv) }
}

/// QueryInterface's answer to a NULL IID, out of line: inline, its return merged with the
/// miss's, and the miss became a jump to that shared return instead of C's straight fall-through
/// (see [`interface_slot`](super::object::interface_slot)). `extern "system"`, so that
/// QueryInterface reaches it by a tail jump, not a call that needs a stack frame on every path.
///
/// # Safety
///
/// `ppv` must be valid for a pointer write.
#[cold]
#[inline(never)]
unsafe extern "system" fn no_iid(ppv: *mut *mut c_void) -> HRESULT {
    // SAFETY: the caller's contract.
    unsafe { ppv.write(core::ptr::null_mut()) };
    E_POINTER
}

unsafe extern "system" fn add_ref<T: MapiObject, const SLOT: usize>(this: *mut c_void) -> u32 {
    // SAFETY: `this` is an interface pointer of slot `SLOT` of a live `Object<T>` (the vtable's
    // contract).
    unsafe { Object::<T>::from_slot::<SLOT>(this).add_ref() }
}

unsafe extern "system" fn release<T: MapiObject, const SLOT: usize>(this: *mut c_void) -> u32 {
    stack_store();
    // SAFETY: `this` is an interface pointer of slot `SLOT` of a live `Object<T>` (the vtable's
    // contract), and the caller gives up the reference it releases.
    unsafe { Object::release(Object::<T>::from_slot::<SLOT>(this)) }
}

/// One store to the stack, just before Release's locked decrement. It does no work, but on the Xeon
/// the benchmark ran on (Sapphire Rapids class) QueryInterface + Release, back to back, took 15.5 ns
/// instead of 13.8 in two of the four stack alignments of the caller when Release's first memory
/// access was the `lock xadd`; with any store to the stack before it (nops or loads do not help)
/// it is 13.8 ns in all four. The C object's Release has such a store too (gcc's `push rbx`).
#[inline(always)]
fn stack_store() {
    let mut scratch = core::mem::MaybeUninit::<usize>::uninit();
    // SAFETY: a write to a local; volatile, so the compiler neither drops nor moves it past the
    // decrement's Release ordering.
    unsafe { core::ptr::write_volatile(scratch.as_mut_ptr(), 0) };
}
