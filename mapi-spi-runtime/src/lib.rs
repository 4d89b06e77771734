//! Run-time support for MAPI service providers written in Rust.
//!
//! - [`mapi_interface`] declares a MAPI (COM) interface from a trait; [`mapi_object`] makes a
//!   struct a COM object implementing interfaces. Their expansions use [`com`].
//! - [`interfaces`]: the SPI's interfaces, declared with those macros.
//! - [`types`], [`codes`]: the structures and result codes that cross the MAPI boundary;
//!   [`tags`] and [`flags`]: property tags and the other constants of the headers.
//! - [`props`] and [`table`]: the property engine (`IMAPIProp`) and the table engine
//!   (`IMAPITable`) providers build their objects on.
//! - [`alloc`]: MAPI memory: the host's allocators, owned buffers, builders for returned
//!   structures, and a native allocator for hosts and tests.
//! - [`provider`]: what every provider shares, and the message store SPI (`provider::store`).
//!
//! Cargo features choose what is built; all but `host` are on by default. With none, the crate is
//! the macros, [`com`] and the MAPI vocabulary: enough to declare and implement interfaces.
//! `provider` adds [`alloc`], [`interfaces`] and [`provider`]'s core; `props` the property engine;
//! `tables` the table engine; `service` the message service and profile sections; `store` the
//! store SPI with all of these; `ab` and `xp` the address book's and transports' interfaces;
//! `host` a MAPI host for tests and demos.
//!
//! Every mistake the two macros reject has a compile-fail test, listed with its message and its
//! fix in `tests/ui/README.md` in the repository.

// Every `unsafe` block and impl says why it is sound (`// SAFETY:`); `.ci/run` makes it an error.
#![warn(clippy::undocumented_unsafe_blocks)]
// docs.rs builds with `--cfg docsrs` on nightly: show which items need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets the macros' expansions name `::mapi_spi_runtime` inside this crate too.
extern crate self as mapi_spi_runtime;

#[cfg(feature = "provider")]
#[cfg_attr(docsrs, doc(cfg(feature = "provider")))]
pub mod alloc;
pub mod codes;
pub mod com;
mod constant_table;
pub mod flags;
#[cfg(feature = "host")]
#[cfg_attr(docsrs, doc(cfg(feature = "host")))]
pub mod host;
#[cfg(feature = "provider")]
#[cfg_attr(docsrs, doc(cfg(feature = "provider")))]
pub mod interfaces;
pub mod panics;
#[cfg(feature = "props")]
#[cfg_attr(docsrs, doc(cfg(feature = "props")))]
pub mod props;
#[cfg(feature = "provider")]
#[cfg_attr(docsrs, doc(cfg(feature = "provider")))]
pub mod provider;
#[cfg(feature = "provider")]
mod sync;
#[cfg(feature = "tables")]
#[cfg_attr(docsrs, doc(cfg(feature = "tables")))]
pub mod table;
pub mod tags;
pub mod types;

#[cfg(feature = "provider")]
pub use alloc::{AllocatorSet, ChildBuf, RootBuf};
pub use codes::SuccessCode;
pub use com::{ComObject, Object};
pub use panics::{CaughtPanic, set_panic_hook};
pub use windows_core::{self, Error, GUID, HRESULT, IUnknown, Interface};

pub use com::Result;

/// Declares a MAPI (COM) interface from a trait.
///
/// ```
/// use mapi_spi_runtime::{mapi_interface, HRESULT, IUnknown};
///
/// #[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
/// pub unsafe trait ICounter: IUnknown {
///     /// Adds `by`, writing the new total through `total`.
///     fn Add(&self, by: u32, #[out] total: *mut u32) -> HRESULT;
/// }
/// ```
///
/// generates `struct ICounter` (the caller side: a counted pointer implementing
/// `windows_core::Interface`, with `unsafe fn Add`), `struct ICounterVtbl` (`#[repr(C)]`: the
/// base's vtable, then one `extern "system"` slot per method in order), and `trait ICounterImpl`
/// (the implementer side, for [`mapi_object`] types: its methods are `unsafe fn`, because the
/// vtable passes them its C caller's arguments unchecked).
///
/// Rules, each checked at compile time with an error at the offending token:
/// - the trait is `unsafe` (it asserts a C layout) and has exactly one base, `IUnknown` or another
///   declared interface; inheritance may be of any depth. Where a derived interface is declared,
///   the base's implementer trait (`IBaseImpl`) must be in scope too, or reachable by the same path
///   as the base (`crate::x::IBase` and `crate::x::IBaseImpl`);
/// - every method takes `&self` and at most 16 other parameters ([`com::abi::MAX_PARAMS`]), is not
///   generic, `async`, `const` or variadic, and does not repeat the name of a base method;
/// - parameters are ABI types ([`com::AbiSafe`]: integers, raw pointers, `GUID`, `HRESULT`,
///   nullable `extern "system"` function pointers), `Option<&IFoo>` for a borrowed interface
///   (`IUnknown` or a declared interface), or `#[out] p: *mut T` for an out-parameter, which the
///   thunk sets to zero (NULL) if the method panics;
/// - `#[out(IFoo)] lppFoo: *mut *mut c_void`, on a method returning `HRESULT`, declares an
///   interface out-parameter whose interface the C header fixes (`LPMAPITABLE *`): the
///   implementer receives a [`com::InterfaceOut`] and moves a reference in with `set`; the thunk
///   answers a NULL slot with `MAPI_E_INVALID_PARAMETER` before the implementer runs, and releases
///   what the slot holds and leaves it NULL when the method fails or panics. Where an IID chooses
///   the interface (`OpenEntry`'s `lppUnk`), write `#[out] lppUnk: *mut *mut c_void`;
/// - the result is `HRESULT`, `Result<()>`, `Result<SuccessCode>` (to return warnings such as
///   `MAPI_W_ERRORS_RETURNED`), `u32`, `i32`, `usize`, a raw pointer, or nothing
///   ([`com::AbiReturn`]). A panic returns `MAPI_E_CALL_FAILED` (E_FAIL) for the first three and
///   zero or NULL for the others; `#[on_panic(value)]` on a method chooses another value. Each
///   caught panic is reported to the hook set with [`set_panic_hook`].
pub use mapi_spi_macros::mapi_interface;

/// Makes a struct a COM object implementing the listed interfaces.
///
/// ```
/// use mapi_spi_runtime::{mapi_interface, mapi_object, ComObject, HRESULT, IUnknown, Object};
/// use std::sync::atomic::{AtomicU32, Ordering};
/// # #[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
/// # pub unsafe trait ICounter: IUnknown {
/// #     fn Add(&self, by: u32, #[out] total: *mut u32) -> HRESULT;
/// # }
///
/// #[mapi_object(ICounter)]
/// struct Counter {
///     total: AtomicU32,
/// }
///
/// impl ICounterImpl for Counter {
///     unsafe fn Add(this: &Object<Self>, by: u32, total: *mut u32) -> HRESULT {
///         let new_total = this.total.fetch_add(by, Ordering::Relaxed) + by;
///         if !total.is_null() {
///             unsafe { total.write(new_total) };
///         }
///         HRESULT(0)
///     }
/// }
///
/// let counter: ICounter = ComObject::new(Counter { total: AtomicU32::new(0) }).into_interface();
/// let mut total = 0;
/// unsafe { counter.Add(2, &mut total) };
/// assert_eq!(total, 2);
/// ```
///
/// The object is one heap block: a vtable pointer per listed interface (the first is its
/// IUnknown identity), an atomic reference count, and the struct. QueryInterface answers
/// `IUnknown`, every listed interface and all their bases, and `E_NOINTERFACE` with NULL
/// otherwise. The struct must be `Send + Sync` and must not be generic.
///
/// `home = First<S>` (or `Second<S>`) after the interfaces makes the object one of the two of a
/// [`com::Pair`]: two identities with two counts and their shared state `S` in one block, made
/// by [`com::Reserved::create`] instead of [`ComObject::new`] (see [`com::pair`]).
pub use mapi_spi_macros::mapi_object;

// The README's Rust examples run as doctests of this crate, so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
