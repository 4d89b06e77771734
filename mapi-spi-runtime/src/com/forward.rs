//! Delegation: where the methods an implementer leaves out go.

use windows_core::HRESULT;

/// What `IFooImpl::forward` answers for an object: where each method of `IFoo` that the object's
/// type does not implement goes. Methods the type implements are never affected.
///
/// A wrapper forwards to the object it wraps (`Forward::To(&this.inner)`), a store forwards
/// `IMAPIProp` to a property bag, and an object that has been invalidated fails every call it
/// does not handle itself (`Forward::Fail(MAPI_E_INVALID_OBJECT)`).
pub enum Forward<'a, I> {
    /// Each method answers the default its interface declares (`MAPI_E_NO_SUPPORT` for MAPI's
    /// interfaces), with out-parameters set to zero/NULL.
    Defaults,
    /// Each method is passed, with the same arguments, to this interface pointer.
    To(&'a I),
    /// As `To`, with a counted pointer the object hands out for the call (for example one taken
    /// from under a lock); it is released after the call.
    Owned(I),
    /// Each method that returns an `HRESULT` fails with this code, out-parameters cleared;
    /// methods that return something else answer their default.
    Fail(HRESULT),
    /// As `To`, holding `CallGuard` for exactly the duration of the call: its end is signalled
    /// when the call returns (the runtime's store uses it to run a logoff only once no call into
    /// the store is running).
    Guarded(&'a I, CallGuard<'a>),
}

/// What a [`CallGuard`] tells when the forwarded call it was held for returns.
pub trait CallEnd: Sync {
    /// The call returned (or the guard was dropped without the call being made).
    fn end(&self);

    /// Read when a call starts, and passed back to [`Self::failed`] if it fails: for an object
    /// to tell what the call did meanwhile (the runtime's store: whether the call kept a
    /// description of its failure). 0 by default.
    fn started(&self) -> u64 {
        0
    }

    /// The forwarded call `method` (`"IMsgStore::OpenEntry"`) failed with `code`; `started` is
    /// what [`Self::started`] answered when it began. Nothing by default. Called only on a
    /// failure: a call that succeeds costs nothing more than its guard.
    fn failed(&self, started: u64, method: &'static str, code: HRESULT) {
        let _ = (started, method, code);
    }
}

/// Held by [`Forward::Guarded`] for one call; signals [`CallEnd::end`] when dropped.
pub struct CallGuard<'a> {
    to: &'a dyn CallEnd,
    /// [`CallEnd::started`], when the guard was made.
    started: u64,
}

impl<'a> CallGuard<'a> {
    /// A guard that signals `to` when dropped.
    // Inlined, as its drop: the generated forwarding bodies are in the provider's crate, and
    // where `to` is made from a concrete type, `started` and `end` are then called directly.
    #[inline]
    pub fn new(to: &'a dyn CallEnd) -> Self {
        Self {
            to,
            started: to.started(),
        }
    }

    /// The call the guard is held for, `method`, returned `code`: a failure goes to
    /// [`CallEnd::failed`].
    #[inline(always)]
    pub fn returned(&self, method: &'static str, code: HRESULT) {
        if code.is_err() {
            self.to.failed(self.started, method, code);
        }
    }
}

impl Drop for CallGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.to.end();
    }
}

impl<I> Forward<'_, I> {
    /// The interface to pass the call to, `None` for the defaults, or the failure.
    #[doc(hidden)]
    #[inline(always)]
    pub fn target(&self) -> Result<Option<&I>, HRESULT> {
        match self {
            Forward::Defaults => Ok(None),
            Forward::To(target) => Ok(Some(target)),
            Forward::Owned(target) => Ok(Some(target)),
            Forward::Guarded(target, _) => Ok(Some(target)),
            Forward::Fail(code) => Err(*code),
        }
    }

    /// The forwarded call `method` (`"IMsgStore::OpenEntry"`) returned `code`: passed to the
    /// guard of [`Forward::Guarded`] (see [`CallGuard::returned`]), ignored otherwise. The
    /// generated default bodies call it after each forwarded call that returns an `HRESULT`.
    #[doc(hidden)]
    #[inline(always)]
    pub fn returned(&self, method: &'static str, code: HRESULT) {
        if let Forward::Guarded(_, guard) = self {
            guard.returned(method, code);
        }
    }
}

/// The name of the method a call to `forward` is for, as declared (`"GetProps"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MethodName(pub &'static str);

impl core::fmt::Display for MethodName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}
