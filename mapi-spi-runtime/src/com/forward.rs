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
}

/// Held by [`Forward::Guarded`] for one call; signals [`CallEnd::end`] when dropped.
pub struct CallGuard<'a>(&'a dyn CallEnd);

impl<'a> CallGuard<'a> {
    /// A guard that signals `to` when dropped.
    pub fn new(to: &'a dyn CallEnd) -> Self {
        Self(to)
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        self.0.end();
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
}

/// The name of the method a call to `forward` is for, as declared (`"GetProps"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MethodName(pub &'static str);

impl core::fmt::Display for MethodName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}
