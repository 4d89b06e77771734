//! What a declared interface is, seen from generic code.

use windows_core::{GUID, IUnknown, Interface};

/// Implemented by `#[mapi_interface]` for every interface it declares, and here for `IUnknown`.
///
/// # Safety
///
/// `Self::Vtable` must start with `<Self::Base as Interface>::Vtable`, and `METHOD_NAMES` and
/// [`MapiInterface::IIDS`] must describe the whole chain of bases.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a MAPI interface",
    label = "not declared with `#[mapi_interface]`",
    note = "the MAPI interfaces are `IUnknown` and the traits declared with `#[mapi_interface(\"<IID>\")] pub unsafe trait IFoo: IUnknown {{ ... }}`: use one of them here"
)]
pub unsafe trait MapiInterface: Interface {
    /// The interface this one extends (`IUnknown` for `IUnknown` itself).
    type Base: MapiInterface;

    /// Every method name of this interface and of its bases, except IUnknown's, in vtable order.
    /// Used at compile time to reject a method that shadows a base method.
    const METHOD_NAMES: &'static [&'static str];

    /// The IIDs `QueryInterface` on an object implementing this interface answers with the
    /// vtable of this interface: its own IID first, then its bases' up the chain. `IUnknown`'s is
    /// left out because an object answers it with its identity, whatever the interface.
    ///
    /// Data, not a function, so that QueryInterface runs no code of the implementer's (nothing
    /// there can panic, and no guard is needed) and compiles to a chain of compares.
    const IIDS: &'static [GUID];
}

/// The vtable an object of type `T` serves for `Self` from its vtable-pointer slot `SLOT`:
/// implemented by `#[mapi_interface]` for every `T` that implements the interface's `IFooImpl`.
/// `#[mapi_object]` takes the vtables of the interfaces it lists from here, so a listed type that
/// is no interface is reported as one clear error.
///
/// # Safety
///
/// `VTABLE`'s slots must call `T`'s implementation of `Self` on the object whose slot `SLOT`
/// points at it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a MAPI interface",
    label = "not declared with `#[mapi_interface]`",
    note = "the MAPI interfaces are `IUnknown` and the traits declared with `#[mapi_interface(\"<IID>\")] pub unsafe trait IFoo: IUnknown {{ ... }}`: use one of them here"
)]
pub unsafe trait VtableFor<T, const SLOT: usize>: MapiInterface {
    const VTABLE: Self::Vtable;
}

// SAFETY: `IUnknown` is its own base; its IID is answered by every object's identity, so it
// lists none.
unsafe impl MapiInterface for IUnknown {
    type Base = IUnknown;
    const METHOD_NAMES: &'static [&'static str] = &[];
    const IIDS: &'static [GUID] = &[];
}

/// Whether two IIDs are equal, as two 64-bit comparisons folded into one test. `GUID`'s derived `==` compares its four
/// fields one after the other, with a branch each; QueryInterface compares IIDs on every call, so
/// this is what it uses (as C's `IsEqualGUID` is a 16-byte `memcmp`).
#[inline(always)]
pub fn same_iid(a: &GUID, b: &GUID) -> bool {
    // SAFETY: a GUID is 16 bytes without padding (u32, u16, u16, [u8; 8]); read_unaligned because
    // its alignment is 4.
    let halves = |guid: &GUID| unsafe {
        core::ptr::read_unaligned(core::ptr::from_ref(guid).cast::<[u64; 2]>())
    };
    let ([a0, a1], [b0, b1]) = (halves(a), halves(b));
    // Branch-free on the two halves: scalar loads and one test, as C compilers emit for memcmp.
    ((a0 ^ b0) | (a1 ^ b1)) == 0
}

const _: () = assert!(size_of::<GUID>() == size_of::<u128>());

/// `const` helper the expansion of `#[mapi_interface]` uses to build [`MapiInterface::IIDS`] of
/// an interface that extends another than `IUnknown`.
#[doc(hidden)]
pub const fn iid_chain<const N: usize>(own: GUID, base: &[GUID]) -> [GUID; N] {
    let mut out = [own; N];
    let mut i = 0;
    while i < base.len() {
        out[i + 1] = base[i];
        i += 1;
    }
    out
}

/// `const` helpers the expansion of `#[mapi_interface]` uses to build and check
/// [`MapiInterface::METHOD_NAMES`].
#[doc(hidden)]
pub mod names {
    /// `base` followed by `own`; `N` must be `base.len() + own.len()`.
    pub const fn concat<const N: usize>(
        base: &[&'static str],
        own: &[&'static str],
    ) -> [&'static str; N] {
        let mut out = [""; N];
        let mut i = 0;
        while i < base.len() {
            out[i] = base[i];
            i += 1;
        }
        let mut j = 0;
        while j < own.len() {
            out[i + j] = own[j];
            j += 1;
        }
        out
    }

    /// Whether `names` holds `name`.
    pub const fn contains(names: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < names.len() {
            if str_eq(names[i], name) {
                return true;
            }
            i += 1;
        }
        false
    }

    const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}
