//! OLE's `IMalloc` (objidl.h), which MAPI hands providers at `MSProviderInit`, and [`Malloc`],
//! the provider's handle on it; OLE's streams (`ISequentialStream`, `IStream`), which
//! `IMAPIProp::OpenProperty` hands out for large properties (bodies, attachments).
#![allow(non_snake_case)]
// `#[mapi_interface]` expands methods without a result (`Free`, `HeapMinimize`) with a `()`
// expression clippy flags; reported to the macros' owner.

use core::ffi::c_void;
use core::ptr::NonNull;
use windows_core::{HRESULT, IUnknown, Interface};

use crate::types::{LARGE_INTEGER, STATSTG, ULARGE_INTEGER};

use mapi_spi_macros::mapi_interface;

/// The OLE task allocator. Unlike the MAPI allocators it can reallocate and report sizes.
#[mapi_interface("00000002-0000-0000-C000-000000000046")]
pub unsafe trait IMalloc: IUnknown {
    /// A block of `cb` bytes, or NULL.
    fn Alloc(&self, cb: usize) -> *mut c_void;
    /// `pv` resized to `cb` bytes (moved if need be), or NULL with `pv` untouched. A NULL `pv`
    /// allocates; `cb` 0 frees `pv` and returns NULL.
    fn Realloc(&self, pv: *mut c_void, cb: usize) -> *mut c_void;
    /// Frees `pv`; NULL does nothing.
    fn Free(&self, pv: *mut c_void);
    /// The size of `pv`, or `usize::MAX` (`(SIZE_T)-1`) for NULL.
    #[on_panic(usize::MAX)]
    fn GetSize(&self, pv: *mut c_void) -> usize;
    /// 1 if this allocator allocated `pv`, 0 if not, -1 if it cannot tell.
    #[on_panic(-1)]
    fn DidAlloc(&self, pv: *mut c_void) -> i32;
    /// Returns free memory to the system, if the allocator can.
    fn HeapMinimize(&self);
}

/// A sequential stream: reading and writing bytes (objidl.h).
#[mapi_interface("0c733a30-2a1c-11ce-ade5-00aa0044773d")]
pub unsafe trait ISequentialStream: IUnknown {
    /// Reads up to `cb` bytes into `pv`; `*pcbRead` (optional) gets how many. `S_FALSE` at the
    /// end of the stream (fewer read than asked).
    fn Read(&self, pv: *mut c_void, cb: u32, pcbRead: *mut u32) -> HRESULT;
    /// Writes `cb` bytes from `pv` at the seek pointer, extending the stream as needed.
    fn Write(&self, pv: *const c_void, cb: u32, pcbWritten: *mut u32) -> HRESULT;
}

/// A stream with a seek pointer, a size and transactions (objidl.h). `LARGE_INTEGER` and
/// `ULARGE_INTEGER` are passed by value, as the header declares.
#[mapi_interface("0000000c-0000-0000-C000-000000000046")]
pub unsafe trait IStream: ISequentialStream {
    fn Seek(
        &self,
        dlibMove: LARGE_INTEGER,
        dwOrigin: u32,
        plibNewPosition: *mut ULARGE_INTEGER,
    ) -> HRESULT;
    fn SetSize(&self, libNewSize: ULARGE_INTEGER) -> HRESULT;
    fn CopyTo(
        &self,
        pstm: Option<&IStream>,
        cb: ULARGE_INTEGER,
        pcbRead: *mut ULARGE_INTEGER,
        pcbWritten: *mut ULARGE_INTEGER,
    ) -> HRESULT;
    fn Commit(&self, grfCommitFlags: u32) -> HRESULT;
    fn Revert(&self) -> HRESULT;
    fn LockRegion(&self, libOffset: ULARGE_INTEGER, cb: ULARGE_INTEGER, dwLockType: u32)
    -> HRESULT;
    fn UnlockRegion(
        &self,
        libOffset: ULARGE_INTEGER,
        cb: ULARGE_INTEGER,
        dwLockType: u32,
    ) -> HRESULT;
    fn Stat(&self, pstatstg: *mut STATSTG, grfStatFlag: u32) -> HRESULT;
    fn Clone(&self, #[out] ppstm: *mut *mut c_void) -> HRESULT;
}

/// A provider's counted handle on the `IMalloc` MAPI passed to `MSProviderInit`, which may be
/// NULL (mapi4linux passes none). It holds one reference, taken when kept and released exactly
/// once on drop; `Clone` takes another.
#[derive(Clone, Debug, Default)]
pub struct Malloc(Option<IMalloc>);

impl Malloc {
    /// Keeps an `IMalloc` pointer the caller lends (an `[in]` argument): adds a reference.
    /// NULL gives a handle with no allocator.
    ///
    /// # Safety
    ///
    /// `raw` must be NULL or a live `IMalloc` pointer.
    pub unsafe fn from_borrowed(raw: *mut c_void) -> Self {
        // SAFETY: NULL or a live IMalloc (caller); `cloned` adds the reference this keeps.
        Self(unsafe { IMalloc::from_raw_borrowed(&raw) }.cloned())
    }

    /// Wraps an owned interface pointer (no count change).
    pub fn new(malloc: IMalloc) -> Self {
        Self(Some(malloc))
    }

    /// The interface, if MAPI passed one.
    pub fn get(&self) -> Option<&IMalloc> {
        self.0.as_ref()
    }

    /// `Alloc(cb)`: `None` if there is no allocator or it failed.
    pub fn alloc(&self, cb: usize) -> Option<NonNull<c_void>> {
        // SAFETY: a by-value size; the interface is live while held.
        NonNull::new(unsafe { self.0.as_ref()?.Alloc(cb) })
    }

    /// `Realloc(pv, cb)`: `None` if there is no allocator or it failed (then `pv` is
    /// untouched), and when `cb` is 0 (then `pv` was freed).
    ///
    /// # Safety
    ///
    /// `pv` must be NULL or a live block of this allocator, not used afterwards unless `None`
    /// is returned with a non-zero `cb`.
    pub unsafe fn realloc(&self, pv: *mut c_void, cb: usize) -> Option<NonNull<c_void>> {
        // SAFETY: as the caller promised.
        NonNull::new(unsafe { self.0.as_ref()?.Realloc(pv, cb) })
    }

    /// `Free(pv)`. Nothing without an allocator (it then allocated nothing to free).
    ///
    /// # Safety
    ///
    /// `pv` must be NULL or a live block of this allocator, not used afterwards.
    pub unsafe fn free(&self, pv: *mut c_void) {
        if let Some(malloc) = &self.0 {
            // SAFETY: as the caller promised.
            unsafe { malloc.Free(pv) }
        }
    }

    /// `GetSize(pv)`; `None` without an allocator.
    ///
    /// # Safety
    ///
    /// `pv` must be NULL or a live block of this allocator.
    pub unsafe fn size(&self, pv: *mut c_void) -> Option<usize> {
        // SAFETY: as the caller promised.
        Some(unsafe { self.0.as_ref()?.GetSize(pv) })
    }

    /// `DidAlloc(pv)`: `Some(true)` or `Some(false)`, `None` if the allocator cannot tell or
    /// there is none.
    ///
    /// # Safety
    ///
    /// `pv` must be NULL or a live block of some allocator: an `IMalloc` may read the block's
    /// header to answer.
    pub unsafe fn did_alloc(&self, pv: *mut c_void) -> Option<bool> {
        // SAFETY: as the caller promised.
        match unsafe { self.0.as_ref()?.DidAlloc(pv) } {
            1 => Some(true),
            0 => Some(false),
            _ => None,
        }
    }

    /// `HeapMinimize()`.
    pub fn heap_minimize(&self) {
        if let Some(malloc) = &self.0 {
            // SAFETY: no arguments; the interface is live while held.
            unsafe { malloc.HeapMinimize() }
        }
    }

    /// The raw pointer, without a new reference (NULL if none), to lend to a callee.
    pub fn as_raw(&self) -> *mut c_void {
        self.0
            .as_ref()
            .map_or(core::ptr::null_mut(), Interface::as_raw)
    }
}
