//! The count of live roots, kept per thread so that allocating and freeing a root makes no
//! atomic read-modify-write (on a busy machine one costs more than the system allocation).
//!
//! Each thread adds to its own counter, which only it writes; [`total`] sums every thread's.
//! A root freed on another thread than the one that allocated it is -1 there and +1 here: the
//! sum is still right. A thread's count is folded into [`RETIRED`] when it exits, so the list
//! holds only live threads.

use crate::sync::lock;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Arc, Mutex};

/// The counters of live threads.
static THREADS: Mutex<Vec<Arc<AtomicIsize>>> = Mutex::new(Vec::new());
/// Counts of exited threads, and changes made while a thread's own counter is gone (during
/// its thread-local destructors).
static RETIRED: AtomicIsize = AtomicIsize::new(0);

struct ThreadCount(Arc<AtomicIsize>);

impl ThreadCount {
    fn register() -> Self {
        let count = Arc::new(AtomicIsize::new(0));
        lock_threads().push(Arc::clone(&count));
        Self(count)
    }
}

impl Drop for ThreadCount {
    fn drop(&mut self) {
        // Under the lock, so that `total` never sees the count twice or not at all.
        let mut threads = lock_threads();
        RETIRED.fetch_add(self.0.load(Ordering::Relaxed), Ordering::Relaxed);
        threads.retain(|count| !Arc::ptr_eq(count, &self.0));
    }
}

thread_local! {
    static MINE: ThreadCount = ThreadCount::register();
}

fn lock_threads() -> std::sync::MutexGuard<'static, Vec<Arc<AtomicIsize>>> {
    lock(&THREADS)
}

/// Adds `delta` (+1 allocated, -1 freed) to this thread's count.
#[inline]
pub(super) fn add(delta: isize) {
    let counted = MINE.try_with(|mine| {
        // Only this thread writes its counter: a load and a store, no locked instruction.
        let count = &mine.0;
        count.store(count.load(Ordering::Relaxed) + delta, Ordering::Relaxed);
    });
    if counted.is_err() {
        RETIRED.fetch_add(delta, Ordering::Relaxed);
    }
}

/// Live roots in the process. Exact when no thread is allocating or freeing meanwhile.
pub(super) fn total() -> usize {
    let threads = lock_threads();
    let live = threads
        .iter()
        .map(|count| count.load(Ordering::Relaxed))
        .sum::<isize>()
        + RETIRED.load(Ordering::Relaxed);
    usize::try_from(live).unwrap_or(0)
}
