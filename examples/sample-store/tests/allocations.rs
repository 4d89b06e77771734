//! Heap allocations on the paths a client repeats: `CompareStoreIDs` makes none, and `GetProps`
//! none besides the MAPI block of its result. Counted by a global allocator, per thread.

use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::flags::{LOGOFF_ORDERLY, MAPI_UNICODE};
use mapi_spi_runtime::host::{Session, SupportOptions};
use mapi_spi_runtime::tags::{PR_DISPLAY_NAME_W, PR_ENTRYID, PR_RECORD_KEY, PR_STORE_SUPPORT_MASK};
use mapi_spi_runtime::types::{SPropTagArray, SPropValue};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // After the thread's end its counter is gone: nothing to count then.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is passed to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` requires.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: a block of this allocator with its layout, as `GlobalAlloc::realloc` requires.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: a block of this allocator with its layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The heap allocations `body` makes on this thread.
fn allocations(body: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.get();
    body();
    ALLOCATIONS.get() - before
}

#[test]
fn compare_store_ids_allocates_nothing_and_get_props_only_its_result() {
    // SAFETY: the sample store's own entry point.
    let mut session = unsafe {
        Session::in_process(
            sample_store::MSProviderInit,
            "sample_store.dll",
            SupportOptions::default(),
        )
    }
    .expect("MSProviderInit");
    let (id, other_case) = (
        sample_store::store_entry_id("Box"),
        sample_store::store_entry_id("bOX"),
    );
    let store = session.logon(&id, 0).expect("logon").store;
    let provider = session.provider().clone();
    let tags: [u32; 5] = [
        4,
        PR_DISPLAY_NAME_W,
        PR_ENTRYID,
        PR_RECORD_KEY,
        PR_STORE_SUPPORT_MASK,
    ];
    let allocators = AllocatorSet::native();
    let get_props = || {
        let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
        let tags = tags.as_ptr().cast_mut().cast::<SPropTagArray>();
        // SAFETY: a valid tag array and out-pointers.
        let hr = unsafe { store.GetProps(tags, MAPI_UNICODE, &mut count, &mut values) };
        assert!(hr.is_ok() && count == 4);
        // SAFETY: the result, one block of the session's native allocators, freed once.
        unsafe { allocators.free(values.cast()) };
    };
    let compare = |a: &[u8], b: &[u8]| {
        let mut same = 0;
        // SAFETY: two readable IDs and a valid out-pointer.
        let hr = unsafe { provider.CompareStoreIDs(a, b, 0, &mut same) };
        assert!(hr.is_ok() && same == 1);
    };
    // Once first: whatever is set up on first use is not per call.
    get_props();
    compare(&id, &other_case);

    assert_eq!(allocations(get_props), 1, "GetProps: its result only");
    assert_eq!(
        allocations(|| compare(&id, &other_case)),
        0,
        "CompareStoreIDs"
    );

    drop(provider);
    assert!(session.close_store(store, LOGOFF_ORDERLY).is_ok());
    assert!(session.shutdown().is_clean());
}
