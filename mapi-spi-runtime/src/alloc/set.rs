//! The host's three allocator functions, as MAPI hands them to `MSProviderInit`.

use core::ffi::c_void;
use windows_core::{Error, HRESULT};

use super::buffer::RootBuf;
#[cfg(any(feature = "host", test))]
use super::native;
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_ENOUGH_MEMORY};
pub use crate::types::{LPALLOCATEBUFFER, LPALLOCATEMORE, LPFREEBUFFER};

type AllocateBuffer = unsafe extern "system" fn(u32, *mut *mut c_void) -> HRESULT;
type AllocateMore = unsafe extern "system" fn(u32, *mut c_void, *mut *mut c_void) -> HRESULT;
type FreeBuffer = unsafe extern "system" fn(*mut c_void) -> u32;

/// The host's `MAPIAllocateBuffer`, `MAPIAllocateMore` and `MAPIFreeBuffer`.
///
/// Every buffer a provider returns through an out-parameter must come from these, so that the
/// host can free it with one `MAPIFreeBuffer`. Keep the set in the provider object and copy it
/// into every object that returns memory; it is three function pointers, `Copy`, `Send` and
/// `Sync`.
#[derive(Clone, Copy)]
pub struct AllocatorSet {
    allocate_buffer: AllocateBuffer,
    allocate_more: AllocateMore,
    free_buffer: FreeBuffer,
}

impl AllocatorSet {
    /// The set MAPI passed to `MSProviderInit`.
    ///
    /// Returns `MAPI_E_INVALID_PARAMETER` if any of the three is NULL.
    ///
    /// # Safety
    ///
    /// The functions must keep the MAPI allocator contract (§5 of the reference) for as long as
    /// the set or any buffer allocated from it is alive: in practice, until the provider is
    /// unloaded.
    pub unsafe fn new(
        allocate_buffer: LPALLOCATEBUFFER,
        allocate_more: LPALLOCATEMORE,
        free_buffer: LPFREEBUFFER,
    ) -> crate::com::Result<Self> {
        match (allocate_buffer, allocate_more, free_buffer) {
            (Some(allocate_buffer), Some(allocate_more), Some(free_buffer)) => Ok(Self {
                allocate_buffer,
                allocate_more,
                free_buffer,
            }),
            _ => Err(Error::from_hresult(MAPI_E_INVALID_PARAMETER)),
        }
    }

    /// The set over this crate's own allocator ([`native`]), for hosts, harnesses and tests.
    #[cfg(any(feature = "host", test))]
    #[cfg_attr(docsrs, doc(cfg(feature = "host")))]
    pub fn native() -> Self {
        Self {
            allocate_buffer: native::MAPIAllocateBuffer,
            allocate_more: native::MAPIAllocateMore,
            free_buffer: native::MAPIFreeBuffer,
        }
    }

    /// The `MAPIAllocateBuffer` of this set, to hand on (to a provider's `MSProviderInit`).
    pub fn allocate_buffer_fn(&self) -> LPALLOCATEBUFFER {
        Some(self.allocate_buffer)
    }

    /// The `MAPIAllocateMore` of this set, to hand on.
    pub fn allocate_more_fn(&self) -> LPALLOCATEMORE {
        Some(self.allocate_more)
    }

    /// The `MAPIFreeBuffer` of this set, to hand on.
    pub fn free_buffer_fn(&self) -> LPFREEBUFFER {
        Some(self.free_buffer)
    }

    /// A new root buffer of `cb` uninitialised bytes, freed when dropped unless handed to the
    /// host with [`RootBuf::into_raw`].
    ///
    /// `MAPI_E_NOT_ENOUGH_MEMORY` if `cb` exceeds `u32::MAX` (the ABI's size is a `ULONG`) or
    /// the host returns `S_OK` with NULL; the host's own code if it fails.
    // Inlined into providers (other crates): every result is one of these.
    #[inline]
    pub fn allocate(&self, cb: usize) -> crate::com::Result<RootBuf> {
        let cb32 = host_size(cb)?;
        let mut ptr = core::ptr::null_mut();
        // SAFETY: `ptr` is a valid out-pointer; the function keeps the contract (`new`).
        let hr = unsafe { (self.allocate_buffer)(cb32, &mut ptr) };
        let ptr = host_result(hr, ptr)?;
        // SAFETY: `ptr` is a fresh root of `cb` bytes from this set.
        Ok(unsafe { RootBuf::from_raw(*self, ptr, cb) })
    }

    /// `MAPIAllocateMore(cb, root)`: a block of `cb` bytes freed with `root`.
    ///
    /// # Safety
    ///
    /// `root` must be a live root allocated from this set.
    pub(crate) unsafe fn allocate_more(
        &self,
        cb: usize,
        root: *mut c_void,
    ) -> crate::com::Result<*mut c_void> {
        let cb32 = host_size(cb)?;
        let mut ptr = core::ptr::null_mut();
        // SAFETY: `root` is a live root of this set (caller); `ptr` is a valid out-pointer.
        let hr = unsafe { (self.allocate_more)(cb32, root, &mut ptr) };
        host_result(hr, ptr)
    }

    /// `MAPIFreeBuffer(ptr)`: frees a root and all its children. NULL does nothing.
    ///
    /// # Safety
    ///
    /// `ptr` must be NULL or a live root allocated from this set, not used afterwards.
    pub unsafe fn free(&self, ptr: *mut c_void) {
        // The result is ignored: MAPI documents only S_OK, and a caller cannot act on a failure
        // to free.
        // SAFETY: as the caller promised.
        unsafe { (self.free_buffer)(ptr) };
    }
}

impl core::fmt::Debug for AllocatorSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AllocatorSet")
            .field("allocate_buffer", &(self.allocate_buffer as *const c_void))
            .field("allocate_more", &(self.allocate_more as *const c_void))
            .field("free_buffer", &(self.free_buffer as *const c_void))
            .finish()
    }
}

/// The allocators' `ULONG` size, or out of memory: a size past `u32::MAX` cannot be asked for.
#[inline]
fn host_size(cb: usize) -> crate::com::Result<u32> {
    u32::try_from(cb).map_err(|_| Error::from_hresult(MAPI_E_NOT_ENOUGH_MEMORY))
}

/// The block a host call returned. A host that says `S_OK` but returns NULL is out of memory.
#[inline]
fn host_result(hr: HRESULT, ptr: *mut c_void) -> crate::com::Result<*mut c_void> {
    if hr.is_err() {
        Err(Error::from_hresult(hr))
    } else if ptr.is_null() {
        Err(Error::from_hresult(MAPI_E_NOT_ENOUGH_MEMORY))
    } else {
        Ok(ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::S_OK;

    unsafe extern "system" fn null_but_ok(_: u32, out: *mut *mut c_void) -> HRESULT {
        // SAFETY: AllocateBuffer's caller passes a writable out-pointer.
        unsafe { out.write(core::ptr::null_mut()) };
        S_OK
    }

    unsafe extern "system" fn refuses(_: u32, out: *mut *mut c_void) -> HRESULT {
        // A misbehaving host: fails, and leaves garbage in the out-pointer.
        // SAFETY: AllocateBuffer's caller passes a writable out-pointer.
        unsafe { out.write(0x10 as *mut c_void) };
        crate::codes::MAPI_E_NO_ACCESS
    }

    fn with_allocate_buffer(
        allocate_buffer: unsafe extern "system" fn(u32, *mut *mut c_void) -> HRESULT,
    ) -> AllocatorSet {
        let native = AllocatorSet::native();
        // SAFETY: the native allocator's functions, and a test AllocateBuffer that keeps its
        // contract (it only misreports).
        unsafe {
            AllocatorSet::new(
                Some(allocate_buffer),
                native.allocate_more_fn(),
                native.free_buffer_fn(),
            )
        }
        .unwrap()
    }

    #[test]
    fn a_null_function_is_an_invalid_parameter() {
        let native = AllocatorSet::native();
        let (a, m, f) = (
            native.allocate_buffer_fn(),
            native.allocate_more_fn(),
            native.free_buffer_fn(),
        );
        for (a, m, f) in [(None, m, f), (a, None, f), (a, m, None)] {
            // SAFETY: the functions given are the native allocator's (some missing, which is what
            // is tested).
            let error = unsafe { AllocatorSet::new(a, m, f) }.unwrap_err();
            assert_eq!(error.code(), MAPI_E_INVALID_PARAMETER);
        }
        // SAFETY: the native allocator's three functions.
        assert!(unsafe { AllocatorSet::new(a, m, f) }.is_ok());
    }

    #[test]
    fn s_ok_with_null_is_out_of_memory_and_host_errors_pass_through() {
        let error = with_allocate_buffer(null_but_ok).allocate(4).unwrap_err();
        assert_eq!(error.code(), MAPI_E_NOT_ENOUGH_MEMORY);
        let error = with_allocate_buffer(refuses).allocate(4).unwrap_err();
        assert_eq!(error.code(), crate::codes::MAPI_E_NO_ACCESS);
    }

    #[test]
    fn sizes_past_u32_max_are_refused_before_the_host_is_called() {
        assert_eq!(host_size(u32::MAX as usize).unwrap(), u32::MAX);
        #[cfg(target_pointer_width = "64")]
        {
            let error = with_allocate_buffer(refuses)
                .allocate(u32::MAX as usize + 1)
                .unwrap_err();
            assert_eq!(
                error.code(),
                MAPI_E_NOT_ENOUGH_MEMORY,
                "not the host's code"
            );
        }
    }

    #[test]
    fn the_set_is_send_sync_and_copy() {
        fn check<T: Send + Sync + Copy>() {}
        check::<AllocatorSet>();
    }
}
