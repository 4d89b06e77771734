//! [`NativeMalloc`]: an `IMalloc` object over std's allocator, for a host harness to pass to
//! `MSProviderInit` and check afterwards that the provider balanced its references and freed
//! its blocks.

use core::ffi::c_void;
use std::alloc::Layout;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::com::{ComObject, Object};
use crate::interfaces::ole::{IMalloc, IMallocImpl};
use crate::sync::lock;
use mapi_spi_macros::mapi_object;

/// Alignment of every block, as `CoTaskMemAlloc` gives on 64-bit Windows.
const ALIGNMENT: usize = 16;

/// A counted `IMalloc` whose blocks are tracked: `DidAlloc` answers exactly, and
/// [`live_blocks`](NativeMalloc::live_blocks) and [`references`](NativeMalloc::references)
/// show what a provider left behind. Blocks still alive when the object is destroyed are
/// freed then.
#[mapi_object(IMalloc)]
#[derive(Default)]
pub struct NativeMalloc {
    /// Live blocks: address -> size asked for.
    blocks: Mutex<HashMap<usize, usize>>,
}

impl NativeMalloc {
    /// A new object with one reference (the returned handle's).
    pub fn new_object() -> ComObject<Self> {
        ComObject::new(Self::default())
    }

    /// Blocks allocated and not yet freed.
    pub fn live_blocks(&self) -> usize {
        self.blocks().len()
    }

    /// The object's current reference count (the caller's own reference included).
    pub fn references(this: &Object<Self>) -> u32 {
        let count = this.add_ref();
        // SAFETY: gives back the reference taken just above; the caller's keeps it alive.
        unsafe { Object::release(this) };
        count - 1
    }

    fn blocks(&self) -> MutexGuard<'_, HashMap<usize, usize>> {
        lock(&self.blocks)
    }

    /// Zero-size blocks still get a unique address, as `CoTaskMemAlloc(0)` does.
    fn layout(cb: usize) -> Option<Layout> {
        Layout::from_size_align(cb.max(1), ALIGNMENT).ok()
    }
}

impl Drop for NativeMalloc {
    fn drop(&mut self) {
        for (address, size) in self.blocks().drain() {
            let layout = Self::layout(size).expect("was allocated with it");
            // SAFETY: a live block of ours, with the layout it was allocated with.
            unsafe { std::alloc::dealloc(address as *mut u8, layout) };
        }
    }
}

impl IMallocImpl for NativeMalloc {
    unsafe fn Alloc(this: &Object<Self>, cb: usize) -> *mut c_void {
        let Some(layout) = Self::layout(cb) else {
            return core::ptr::null_mut();
        };
        // SAFETY: the layout has a non-zero size.
        let block = unsafe { std::alloc::alloc(layout) };
        if !block.is_null() {
            this.blocks().insert(block as usize, cb);
        }
        block.cast()
    }

    unsafe fn Realloc(this: &Object<Self>, pv: *mut c_void, cb: usize) -> *mut c_void {
        if pv.is_null() {
            // SAFETY: Realloc(NULL, cb) is Alloc(cb) by IMalloc's contract, with the caller's own
            // arguments.
            return unsafe { Self::Alloc(this, cb) };
        }
        if cb == 0 {
            // SAFETY: Realloc(pv, 0) is Free(pv) by IMalloc's contract; `pv` is the caller's block.
            unsafe { Self::Free(this, pv) };
            return core::ptr::null_mut();
        }
        let mut blocks = this.blocks();
        let (Some(&old), Some(new_layout)) = (blocks.get(&(pv as usize)), Self::layout(cb)) else {
            return core::ptr::null_mut();
        };
        let old_layout = Self::layout(old).expect("was allocated with it");
        // SAFETY: a live block of ours with `old_layout`; `cb` is non-zero and its layout valid.
        let block = unsafe { std::alloc::realloc(pv.cast(), old_layout, new_layout.size()) };
        if !block.is_null() {
            blocks.remove(&(pv as usize));
            blocks.insert(block as usize, cb);
        }
        block.cast()
    }

    unsafe fn Free(this: &Object<Self>, pv: *mut c_void) {
        // A pointer that is not ours is ignored rather than handed to the system allocator.
        if let Some(size) = this.blocks().remove(&(pv as usize)) {
            let layout = Self::layout(size).expect("was allocated with it");
            // SAFETY: a live block of ours, with the layout it was allocated with.
            unsafe { std::alloc::dealloc(pv.cast(), layout) };
        }
    }

    unsafe fn GetSize(this: &Object<Self>, pv: *mut c_void) -> usize {
        this.blocks()
            .get(&(pv as usize))
            .copied()
            .unwrap_or(usize::MAX)
    }

    unsafe fn DidAlloc(this: &Object<Self>, pv: *mut c_void) -> i32 {
        if pv.is_null() {
            -1
        } else {
            i32::from(this.blocks().contains_key(&(pv as usize)))
        }
    }

    unsafe fn HeapMinimize(_: &Object<Self>) {}
}
