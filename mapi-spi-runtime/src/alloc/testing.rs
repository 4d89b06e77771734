//! An allocator set for tests of code that allocates: it counts the host calls made through it
//! and can fail the Nth allocation, so that a builder's failure half-way can be checked to
//! return the error and leak nothing.
//!
//! The set forwards to [`native`]. Counting is per thread: [`probe`] counts the
//! calls its body makes on the current thread, which keeps parallel tests apart without a
//! global lock.

use core::cell::Cell;
use core::ffi::c_void;
use windows_core::HRESULT;

use super::native;
use super::set::AllocatorSet;
use crate::codes::MAPI_E_NOT_ENOUGH_MEMORY;

/// What the code under [`probe`] did through the probe's set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostCalls {
    /// `MAPIAllocateBuffer` calls, failed ones included.
    pub allocate_buffer: u32,
    /// `MAPIAllocateMore` calls, failed ones included.
    pub allocate_more: u32,
    /// `MAPIFreeBuffer` calls with a non-NULL pointer.
    pub free_buffer: u32,
    /// Roots allocated and not freed: non-zero means a leak (or a buffer handed out and not
    /// freed yet).
    pub live_roots: i32,
}

impl HostCalls {
    /// `MAPIAllocateBuffer` and `MAPIAllocateMore` calls together.
    pub fn allocations(&self) -> u32 {
        self.allocate_buffer + self.allocate_more
    }
}

#[derive(Clone, Copy)]
struct Probe {
    calls: HostCalls,
    /// 1-based index of the allocation call to fail.
    fail_at: Option<u32>,
}

thread_local! {
    static PROBE: Cell<Option<Probe>> = const { Cell::new(None) };
}

/// Runs `body` with an allocator set that counts its host calls on this thread and, if
/// `fail_at` is `Some(n)`, fails the n-th allocation (`MAPIAllocateBuffer` or
/// `MAPIAllocateMore`, counted from 1) with `MAPI_E_NOT_ENOUGH_MEMORY`.
///
/// Calls made through the set on other threads, or after `body` returns, are forwarded without
/// being counted. Probes nest: the outer one resumes when the inner one ends.
pub fn probe<R>(fail_at: Option<u32>, body: impl FnOnce(AllocatorSet) -> R) -> (R, HostCalls) {
    let outer = PROBE.replace(Some(Probe {
        calls: HostCalls::default(),
        fail_at,
    }));
    // Restores the outer probe even if `body` panics (a failing assertion in a test).
    struct Restore(Option<Probe>);
    impl Drop for Restore {
        fn drop(&mut self) {
            PROBE.set(self.0);
        }
    }
    let restore = Restore(outer);
    // SAFETY: the three functions keep the contract by forwarding to the native allocator.
    let set = unsafe {
        AllocatorSet::new(
            Some(allocate_buffer),
            Some(allocate_more),
            Some(free_buffer),
        )
    }
    .expect("non-NULL functions");
    let result = body(set);
    let calls = PROBE.get().expect("set above").calls;
    drop(restore);
    (result, calls)
}

/// Counts one call with `count`; true if this allocation must fail.
fn record(count: impl FnOnce(&mut HostCalls)) -> bool {
    let Some(mut probe) = PROBE.get() else {
        return false;
    };
    count(&mut probe.calls);
    let fail = probe.fail_at == Some(probe.calls.allocations());
    PROBE.set(Some(probe));
    fail
}

fn root_allocated() {
    if let Some(mut probe) = PROBE.get() {
        probe.calls.live_roots += 1;
        PROBE.set(Some(probe));
    }
}

unsafe extern "system" fn allocate_buffer(cb: u32, out: *mut *mut c_void) -> HRESULT {
    if record(|calls| calls.allocate_buffer += 1) {
        return fail(out);
    }
    // SAFETY: forwarded as received.
    let hr = unsafe { native::MAPIAllocateBuffer(cb, out) };
    if hr.is_ok() {
        root_allocated();
    }
    hr
}

unsafe extern "system" fn allocate_more(
    cb: u32,
    root: *mut c_void,
    out: *mut *mut c_void,
) -> HRESULT {
    if record(|calls| calls.allocate_more += 1) {
        return fail(out);
    }
    // SAFETY: forwarded as received.
    unsafe { native::MAPIAllocateMore(cb, root, out) }
}

unsafe extern "system" fn free_buffer(block: *mut c_void) -> u32 {
    if block.is_null() {
        return 0;
    }
    record(|calls| calls.free_buffer += 1);
    // SAFETY: forwarded as received.
    let result = unsafe { native::MAPIFreeBuffer(block) };
    if result == 0
        && let Some(mut probe) = PROBE.get()
    {
        probe.calls.live_roots -= 1;
        PROBE.set(Some(probe));
    }
    result
}

/// An injected failure, as the native allocator fails: NULL out-pointer, out of memory.
fn fail(out: *mut *mut c_void) -> HRESULT {
    if !out.is_null() {
        // SAFETY: a non-NULL out-pointer is valid for a write (the allocator contract).
        unsafe { out.write(core::ptr::null_mut()) };
    }
    MAPI_E_NOT_ENOUGH_MEMORY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nth_allocation_fails_whichever_function_makes_it() {
        let ((), calls) = probe(Some(3), |set| {
            let root = set.allocate(8).unwrap();
            root.allocate_more(8).unwrap();
            let error = root.allocate_more(8).unwrap_err();
            assert_eq!(error.code(), MAPI_E_NOT_ENOUGH_MEMORY);
            root.allocate_more(8).unwrap();
        });
        assert_eq!((calls.allocate_buffer, calls.allocate_more), (1, 3));
        assert_eq!((calls.free_buffer, calls.live_roots), (1, 0));
    }

    #[test]
    fn probes_nest_and_count_only_their_own_calls() {
        let (inner, outer) = probe(None, |outer_set| {
            let root = outer_set.allocate(1).unwrap();
            let ((), inner) = probe(None, |inner_set| drop(inner_set.allocate(1).unwrap()));
            drop(root);
            inner
        });
        assert_eq!((inner.allocate_buffer, inner.free_buffer), (1, 1));
        assert_eq!((outer.allocate_buffer, outer.free_buffer), (1, 1));
        assert_eq!(outer.live_roots, 0);
    }
}
