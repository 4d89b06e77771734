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

    /// Closes the gate and admits the caller in the same operation, unless it is closed already
    /// (`None`): so a closer that has work to do before the action (with what the action gives
    /// up) knows with one atomic operation both that it is the first and that the action
    /// waits for it. `Some(true)`: no other call was running, so none will leave, and the
    /// action is the caller's to run when done, without leaving (the gate stays closed with the
    /// caller counted); `Some(false)`: calls run, the caller [`Self::leave`]s when done, and the
    /// last to leave runs the action.
    #[inline]
    pub(crate) fn close_entered(&self) -> Option<bool> {
        let mut state = self.state.load(Ordering::Acquire);
        while state & CLOSED == 0 {
            match self.state.compare_exchange_weak(
                state,
                (state + 1) | CLOSED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(state == 0),
                Err(now) => state = now,
            }
        }
        None
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

    #[test]
    fn a_close_that_enters_is_first_once_and_runs_the_action_or_leaves_it_to_the_last() {
        let idle = CallGate::new();
        assert_eq!(
            idle.close_entered(),
            Some(true),
            "first, nothing running: its own"
        );
        assert!(idle.is_closed() && !idle.enter());
        assert_eq!(idle.close_entered(), None, "only once");
        assert!(!idle.close(), "nor after it by a plain close");

        let busy = CallGate::new();
        assert!(busy.enter());
        assert_eq!(
            busy.close_entered(),
            Some(false),
            "a call runs: whoever leaves last"
        );
        assert!(!busy.enter());
        assert!(!busy.leave(), "the closer still in");
        assert!(busy.leave(), "the closer, last out, runs it");

        let overtaken = CallGate::new();
        assert!(overtaken.enter());
        assert_eq!(overtaken.close_entered(), Some(false));
        assert!(!overtaken.leave(), "the closer leaves first");
        assert!(overtaken.leave(), "the call, last out, runs it");
        assert_eq!(overtaken.close_entered(), None);
    }
}
