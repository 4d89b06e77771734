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
