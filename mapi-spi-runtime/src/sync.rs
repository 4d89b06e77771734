//! Locks that outlive a panic elsewhere.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, and uses it as it is when a panic poisoned it. Every critical section of this
/// crate is one read, one write or one collection operation, so a panic while the lock was held
/// cannot leave a half-updated value; and one panicking call (caught at the vtable) must not make
/// every later call on the object fail.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
