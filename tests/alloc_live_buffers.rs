//! What needs the native allocator to itself: exact counts of live roots
//! (`native::live_buffers`, for a host harness's leak report) and double-free detection,
//! which would race with other tests reusing a freed address. This binary holds one test.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::native::{
    MAPIAllocateBuffer, MAPIAllocateMore, MAPIFreeBuffer, live_buffers,
};
use mapi_spi_runtime::alloc::{AllocatorSet, builders, props};
use mapi_spi_runtime::codes::{MAPI_E_INVALID_PARAMETER, S_OK};

fn allocate(cb: u32) -> *mut c_void {
    let mut p = core::ptr::null_mut();
    assert_eq!(unsafe { MAPIAllocateBuffer(cb, &mut p) }, S_OK);
    p
}

#[test]
fn live_roots_are_counted_and_double_frees_refused() {
    let start = live_buffers();

    // Children are not roots: they do not count.
    let root = allocate(8);
    let mut child = core::ptr::null_mut();
    assert_eq!(unsafe { MAPIAllocateMore(8, root, &mut child) }, S_OK);
    let other = allocate(0);
    assert_eq!(live_buffers(), start + 2);
    assert_eq!(unsafe { MAPIFreeBuffer(root) }, 0);
    assert_eq!(live_buffers(), start + 1);

    // A second free of the same root (debug builds: refused; release: undefined, as in MAPI).
    if cfg!(debug_assertions) {
        let invalid = MAPI_E_INVALID_PARAMETER.0 as u32;
        assert_eq!(unsafe { MAPIFreeBuffer(root) }, invalid, "double free");
        assert_eq!(
            unsafe { MAPIFreeBuffer(child) },
            invalid,
            "child of a freed root"
        );
        let mut p = core::ptr::null_mut();
        assert_eq!(
            unsafe { MAPIAllocateMore(1, root, &mut p) },
            MAPI_E_INVALID_PARAMETER,
            "freed root as a parent"
        );
        assert_eq!(live_buffers(), start + 1, "nothing else was freed");
    }
    assert_eq!(unsafe { MAPIFreeBuffer(other) }, 0);
    assert_eq!(live_buffers(), start);

    // Counted per thread: a root allocated on one thread and freed on another, roots left by
    // a thread that has exited, and their frees, all add up.
    let here = allocate(0) as usize;
    let there = std::thread::spawn(move || {
        assert_eq!(unsafe { MAPIFreeBuffer(here as *mut c_void) }, 0);
        allocate(0) as usize
    })
    .join()
    .unwrap();
    assert_eq!(
        live_buffers(),
        start + 1,
        "the exited thread's root is still counted"
    );
    assert_eq!(unsafe { MAPIFreeBuffer(there as *mut c_void) }, 0);
    assert_eq!(live_buffers(), start);

    // A builder's result is one root; dropping it or freeing it as the host does returns to 0.
    let set = AllocatorSet::native();
    let value = props::PropValue::new(0x3001, props::Value::Unicode("Inbox".into()));
    let built = props::props(&set, &[value]).unwrap();
    let text = builders::unicode(&set, "x").unwrap();
    assert_eq!(live_buffers(), start + 2);
    drop(text);
    unsafe { set.free(built.into_raw()) };
    assert_eq!(live_buffers(), start);
}
