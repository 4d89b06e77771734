//! Locks that outlive a panic elsewhere, and the gate that keeps a store's logoff apart from
//! the calls into it.

#[cfg(feature = "store")]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, and uses it as it is when a panic poisoned it. Every critical section of this
/// crate is one read, one write or one collection operation, so a panic while the lock was held
/// cannot leave a half-updated value; and one panicking call (caught at the vtable) must not make
/// every later call on the object fail.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Admits calls until it is closed, and tells which single party runs the close's action: the
/// close itself when no admitted call is running, else the last such call as it leaves. So the
/// action never runs while an admitted call does, and nobody waits: a close never blocks on a
/// call that may itself be waiting for the closer (MAPI's locks, or the same thread re-entering).
#[cfg(feature = "store")]
pub(crate) struct CallGate {
    /// The number of admitted calls running, and [`CLOSED`].
    state: AtomicUsize,
}

#[cfg(feature = "store")]
const CLOSED: usize = 1 << (usize::BITS - 1);

// `#[inline]`: each is one or two atomic operations, called from the store objects' generic code,
// which is instantiated in the provider's crate: a call there would cost more than the operation.
#[cfg(feature = "store")]
impl CallGate {
    pub(crate) const fn new() -> Self {
        Self {
            state: AtomicUsize::new(0),
        }
    }

    /// Admits a call, unless the gate is closed. An admitted call must [`CallGate::leave`].
    #[inline]
    pub(crate) fn enter(&self) -> bool {
        let mut state = self.state.load(Ordering::Acquire);
        while state & CLOSED == 0 {
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// Ends an admitted call: `true` if it was the last one running after the close, so that
    /// the close's action now falls to the caller.
    #[inline]
    pub(crate) fn leave(&self) -> bool {
        self.state.fetch_sub(1, Ordering::AcqRel) == CLOSED | 1
    }

    /// Whether the gate is closed.
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Closes the gate: `true` if this is the first close and no admitted call is running, so
    /// that the action runs now; otherwise the last call to leave runs it, or it already ran.
    #[inline]
    pub(crate) fn close(&self) -> bool {
        self.state.fetch_or(CLOSED, Ordering::AcqRel) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::CallGate;

    #[test]
    fn the_close_action_falls_to_exactly_one_party() {
        let idle = CallGate::new();
        assert!(!idle.is_closed());
        assert!(idle.close(), "no call running: the close runs it");
        assert!(idle.is_closed());
        assert!(!idle.close(), "only once");
        assert!(!idle.enter(), "closed: nothing admitted");

        let busy = CallGate::new();
        assert!(busy.enter() && busy.enter());
        assert!(!busy.close(), "two calls running: deferred");
        assert!(busy.is_closed(), "closed while calls run");
        assert!(!busy.enter());
        assert!(!busy.leave(), "one call still running");
        assert!(busy.leave(), "the last call out runs it");
        assert!(!busy.close());
    }
}
