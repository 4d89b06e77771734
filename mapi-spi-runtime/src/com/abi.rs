//! How arguments and results cross a vtable, and the panic guard every thunk runs under.

use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;
use std::panic::{AssertUnwindSafe, catch_unwind};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use crate::codes::{E_FAIL, MAPI_E_CALL_FAILED, S_OK, SuccessCode};
use crate::types::{FILETIME, LARGE_INTEGER, MAPIUID, ULARGE_INTEGER};

/// A type that may be passed by value through a vtable slot.
///
/// # Safety
///
/// The type must have a C layout matching its Windows counterpart, and the all-zero bit pattern
/// must be a valid value (a thunk writes zeros to an out-parameter when the method panics).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot cross a MAPI vtable",
    label = "not an ABI type",
    note = "use the Rust type of the C parameter: `u32` for ULONG, `usize` for ULONG_PTR, `i32` for LONG or BOOL, `HRESULT`, `GUID`, a structure of `mapi_spi_runtime::types`, `*mut T` / `*const T` for pointers, strings and arrays, `Option<&IFoo>` for an interface argument; a `#[repr(C)]` struct of your own whose all-zero value is valid can be declared with `unsafe impl AbiSafe for {Self} {{}}`"
)]
pub unsafe trait AbiSafe: Copy {}

macro_rules! abi_safe {
    ($($ty:ty),* $(,)?) => {$(
        // SAFETY: integers, floats and these `#[repr(C)]` plain structs have the C layout of
        // their Windows types, and all-zero is a valid value of each.
        unsafe impl AbiSafe for $ty {}
    )*};
}
abi_safe!(u8, u16, u32, u64, i8, i16, i32, i64, usize, isize, f32, f64);
abi_safe!(
    GUID,
    HRESULT,
    MAPIUID,
    FILETIME,
    LARGE_INTEGER,
    ULARGE_INTEGER
);
// SAFETY: a raw pointer has the C pointer layout; all-zero is NULL.
unsafe impl<T> AbiSafe for *const T {}
// SAFETY: a raw pointer has the C pointer layout; all-zero is NULL.
unsafe impl<T> AbiSafe for *mut T {}

// Nullable function pointers (allocators, callbacks). A bare `fn` is not AbiSafe: zero is not a
// valid value for it.
macro_rules! abi_safe_fn {
    ($($arg:ident),*) => {
        // SAFETY: `Option` of a function pointer has the layout of a C function pointer, all-zero
        // being `None` (NULL).
        unsafe impl<R, $($arg),*> AbiSafe for Option<unsafe extern "system" fn($($arg),*) -> R> {}
        // SAFETY: `Option` of a function pointer has the layout of a C function pointer, all-zero
        // being `None` (NULL).
        unsafe impl<R, $($arg),*> AbiSafe for Option<unsafe extern "C" fn($($arg),*) -> R> {}
    };
}
abi_safe_fn!();
abi_safe_fn!(A);
abi_safe_fn!(A, B);
abi_safe_fn!(A, B, C);
abi_safe_fn!(A, B, C, D);
abi_safe_fn!(A, B, C, D, E);
abi_safe_fn!(A, B, C, D, E, F);
abi_safe_fn!(A, B, C, D, E, F, G);
abi_safe_fn!(A, B, C, D, E, F, G, H);
abi_safe_fn!(A, B, C, D, E, F, G, H, I);

/// The result of an interface method, and how it crosses the vtable.
///
/// | declared result          | through the vtable | on panic                 |
/// |--------------------------|--------------------|--------------------------|
/// | `HRESULT`                | itself             | `MAPI_E_CALL_FAILED`     |
/// | `Result<(), E>`          | `S_OK` / `E`'s code| `MAPI_E_CALL_FAILED`     |
/// | `Result<SuccessCode, E>` | the code / `E`'s   | `MAPI_E_CALL_FAILED`     |
/// | `u32`, `i32`, `usize`    | itself             | `0`                      |
/// | `*mut T`, `*const T`     | itself             | NULL                     |
/// | `()`                     | nothing            | nothing                  |
///
/// A method can choose another panic value with `#[on_panic(value)]`.
/// `E` is any error convertible to and from `HRESULT`, such as `windows_core::Error`; an `Err`
/// whose code is a success code is returned as `MAPI_E_CALL_FAILED`, so `Err` never reads as
/// success.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a MAPI interface method",
    note = "return `HRESULT`, `Result<()>`, `Result<SuccessCode>`, `u32`, `i32`, `usize`, a raw pointer, or nothing, and other values through `#[out]` pointer parameters"
)]
pub trait AbiReturn: Sized {
    /// What the vtable slot returns.
    type Abi: Copy;
    /// What the thunk returns when the implementation panics.
    const ON_PANIC: Self::Abi;
    /// Implementer side: the value to return through the vtable.
    fn into_abi(self) -> Self::Abi;
    /// Caller side: the value a vtable call returned.
    fn from_abi(abi: Self::Abi) -> Self;
}

impl AbiReturn for HRESULT {
    type Abi = HRESULT;
    const ON_PANIC: HRESULT = MAPI_E_CALL_FAILED;
    fn into_abi(self) -> HRESULT {
        self
    }
    fn from_abi(abi: HRESULT) -> Self {
        abi
    }
}

/// An `Err`'s code, never a success code.
fn failure_code<E: Into<HRESULT>>(error: E) -> HRESULT {
    let code = error.into();
    if code.is_ok() { E_FAIL } else { code }
}

impl<E: Into<HRESULT> + From<HRESULT>> AbiReturn for Result<(), E> {
    type Abi = HRESULT;
    const ON_PANIC: HRESULT = MAPI_E_CALL_FAILED;
    fn into_abi(self) -> HRESULT {
        match self {
            Ok(()) => S_OK,
            Err(error) => failure_code(error),
        }
    }
    fn from_abi(abi: HRESULT) -> Self {
        if abi.is_ok() {
            Ok(())
        } else {
            Err(E::from(abi))
        }
    }
}

impl<E: Into<HRESULT> + From<HRESULT>> AbiReturn for Result<SuccessCode, E> {
    type Abi = HRESULT;
    const ON_PANIC: HRESULT = MAPI_E_CALL_FAILED;
    fn into_abi(self) -> HRESULT {
        match self {
            Ok(code) => code.hresult(),
            Err(error) => failure_code(error),
        }
    }
    fn from_abi(abi: HRESULT) -> Self {
        SuccessCode::new(abi).ok_or_else(|| E::from(abi))
    }
}

macro_rules! abi_return_itself {
    ($($ty:ty => $on_panic:expr),* $(,)?) => {$(
        impl AbiReturn for $ty {
            type Abi = $ty;
            const ON_PANIC: $ty = $on_panic;
            fn into_abi(self) -> $ty { self }
            fn from_abi(abi: $ty) -> Self { abi }
        }
    )*};
}
abi_return_itself!(u32 => 0, i32 => 0, usize => 0, () => ());

impl<T> AbiReturn for *mut T {
    type Abi = *mut T;
    const ON_PANIC: *mut T = core::ptr::null_mut();
    fn into_abi(self) -> *mut T {
        self
    }
    fn from_abi(abi: *mut T) -> Self {
        abi
    }
}

impl<T> AbiReturn for *const T {
    type Abi = *const T;
    const ON_PANIC: *const T = core::ptr::null();
    fn into_abi(self) -> *const T {
        self
    }
    fn from_abi(abi: *const T) -> Self {
        abi
    }
}

/// Runs `body`, catching a panic: `None` if it panicked. The panic is reported (see
/// [`crate::panics`]) as one in `boundary` (`"IMsgStore::GetProps"`) of the type `T`.
#[doc(hidden)]
#[inline(always)]
pub fn guard<T: ?Sized, R>(boundary: &'static str, body: impl FnOnce() -> R) -> Option<R> {
    catching(boundary, core::any::type_name::<T>, body)
}

/// What [`guard`], [`guard_fn`] and [`guard_method`] share: runs `body`, reporting a panic as one
/// in `boundary` of the type `type_name` names (`core::any::type_name::<T>`: a function, called
/// only after a panic, so that a guarded call does not pay for it).
#[inline(always)]
fn catching<R>(
    boundary: &'static str,
    type_name: fn() -> &'static str,
    body: impl FnOnce() -> R,
) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => Some(value),
        Err(payload) => {
            crate::panics::caught(boundary, type_name(), payload);
            None
        }
    }
}

/// The panic guard over a plain function: runs `body(args)`, catching a panic (`None`), reported
/// as [`guard`] does; `type_name` names the type the call is about. With the object pointer
/// erased in `args`, the unwinding machinery (`catch_unwind` and the four functions it
/// instantiates) is compiled once per signature rather than once per object type.
#[doc(hidden)]
pub fn guard_fn<A, R>(
    boundary: &'static str,
    type_name: fn() -> &'static str,
    args: A,
    body: fn(A) -> R,
) -> Option<R> {
    catching(boundary, type_name, move || body(args))
}

/// The panic guard of the generated method thunks: calls the implementer's method `method`, its
/// object erased ([`EraseObject`]), with `args` (the object pointer, then the converted
/// arguments), catching a panic (`None`), reported as [`guard`] does; `type_name` names the
/// implementing type. The guard and the unwinding machinery are compiled once per distinct
/// signature, not once per method of every object, and no function is generated per method
/// beside its thunk: in the compile-time bench's crate (120 implemented methods of one signature)
/// a closure per method made 1375 functions, a plain adapter function per method 758, this 638.
///
/// # Safety
///
/// `args` are valid arguments of `method`: the object pointer points to the live object whose
/// method was erased, and the others are valid as the method's MAPI contract says.
#[doc(hidden)]
pub unsafe fn guard_method<F: ErasedMethod<A>, A>(
    boundary: &'static str,
    type_name: fn() -> &'static str,
    method: F,
    args: A,
) -> Option<F::Output> {
    // SAFETY: the caller's contract.
    catching(boundary, type_name, move || unsafe { method.call(args) })
}

/// The most parameters (after `&self`) an interface method can have: the arities
/// [`EraseObject`] and [`ErasedMethod`] are implemented for. `#[mapi_interface]` rejects more.
/// MAPI's longest method, `IMAPISupport::DoCopyTo`, has 11.
pub const MAX_PARAMS: usize = 16;

/// An implementer method, `unsafe fn(&Object<T>, A1, ..) -> R`, seen as
/// `unsafe fn(*const c_void, A1, ..) -> R`: the type of the object no longer appears, so that
/// [`guard_method`] is one function per signature, shared by every object implementing it.
#[doc(hidden)]
pub trait EraseObject {
    type Erased;
    fn erase(self) -> Self::Erased;
}

/// A function called with its arguments as one tuple: what [`guard_method`] runs.
#[doc(hidden)]
pub trait ErasedMethod<A> {
    type Output;
    /// # Safety
    ///
    /// `args` are valid arguments of the function (its object pointer, that of a live object of
    /// the type the function was erased from).
    unsafe fn call(self, args: A) -> Self::Output;
}

/// Implements [`EraseObject`] and [`ErasedMethod`] for the methods of every arity up to the
/// number of names given.
macro_rules! erased_methods {
    () => { erased_method!(); };
    ($first:ident $($rest:ident)*) => {
        erased_method!($first $($rest)*);
        erased_methods!($($rest)*);
    };
}

macro_rules! erased_method {
    ($($arg:ident)*) => {
        impl<O, R, $($arg,)*> EraseObject for unsafe fn(&O, $($arg,)*) -> R {
            type Erased = unsafe fn(*const c_void, $($arg,)*) -> R;
            #[inline(always)]
            fn erase(self) -> Self::Erased {
                // SAFETY: only the first parameter's type changes, from `&O` to `*const c_void`:
                // both are thin pointers, which Rust's ABI compatibility rules for function
                // pointers make interchangeable. Calling the result is `unsafe`: the caller makes
                // the pointer a valid `&O` (see `ErasedMethod::call`).
                unsafe { core::mem::transmute::<Self, Self::Erased>(self) }
            }
        }

        impl<R, $($arg,)*> ErasedMethod<(*const c_void, $($arg,)*)>
            for unsafe fn(*const c_void, $($arg,)*) -> R
        {
            type Output = R;
            #[inline(always)]
            #[allow(non_snake_case)]
            unsafe fn call(self, (object, $($arg,)*): (*const c_void, $($arg,)*)) -> R {
                // SAFETY: the caller's contract: the arguments are valid for the function.
                unsafe { self(object, $($arg,)*) }
            }
        }
    };
}

// As many as `MAX_PARAMS`.
erased_methods!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15 A16);

/// Writes zeros (NULL) to an out-parameter after a panic, unless the pointer itself is NULL.
///
/// # Safety
///
/// `out` must be NULL or valid for a write of `T`.
#[doc(hidden)]
#[inline]
pub unsafe fn clear_out<T: AbiSafe>(out: *mut T) {
    if !out.is_null() {
        // SAFETY: AbiSafe guarantees that all-zero is a valid T.
        unsafe { out.write(core::mem::zeroed()) };
    }
}

/// `cb` bytes at `lpb` as a slice, for a `#[bytes(cb)]` parameter: NULL with a zero count is the
/// empty slice; NULL with a non-zero count is `None` (the thunk answers
/// `MAPI_E_INVALID_PARAMETER` without calling the implementer).
///
/// # Safety
///
/// `lpb` must be NULL or valid for reads of `cb` bytes for `'a`.
#[doc(hidden)]
#[inline]
pub unsafe fn counted_bytes<'a>(cb: u32, lpb: *const u8) -> Option<&'a [u8]> {
    match (cb, lpb.is_null()) {
        (0, _) => Some(&[]),
        (_, true) => None,
        // SAFETY: the caller passes `cb` readable bytes at `lpb`.
        (_, false) => Some(unsafe { core::slice::from_raw_parts(lpb, cb as usize) }),
    }
}

/// An interface out-parameter whose interface the signature fixes (`LPMAPITABLE *lppTable`,
/// declared `#[out(IMAPITable)] lppTable: *mut *mut c_void`), as the implementer receives it.
///
/// The thunk checks the caller's slot before the implementer runs (NULL is answered with
/// `MAPI_E_INVALID_PARAMETER`) and sets it to NULL. [`InterfaceOut::set`] moves a reference into
/// it: no AddRef, no copy. When the method fails (an error HRESULT) or panics, the thunk releases
/// what the slot holds and leaves it NULL, so a failed call neither hands out nor leaks an object.
/// Left unset, the slot stays NULL.
// No `Interface` bound here: a declaration naming a type that is not an interface is reported
// once, by the declaration's check, rather than again at every implementer signature.
pub struct InterfaceOut<'a, I> {
    /// Non-NULL, writable, and holding NULL or a counted pointer this wrapper put there.
    slot: NonNull<*mut c_void>,
    _slot: PhantomData<&'a mut Option<I>>,
}

impl<I: Interface> InterfaceOut<'_, I> {
    /// Wraps the slot the thunk checked.
    ///
    /// # Safety
    ///
    /// `slot` must be non-NULL, writable for the call, and hold NULL.
    #[doc(hidden)]
    #[inline(always)]
    pub unsafe fn new<P>(slot: *mut *mut P) -> Self {
        Self {
            // SAFETY: the caller checked the slot for NULL.
            slot: unsafe { NonNull::new_unchecked(slot.cast()) },
            _slot: PhantomData,
        }
    }

    /// Hands `value` to the caller: the slot takes over its reference. Whatever the slot held
    /// (an earlier `set`) is released.
    #[inline]
    pub fn set(&mut self, value: I) {
        self.put(value.into_raw());
    }

    /// Puts `object`'s interface `iid` in the slot (QueryInterface, one AddRef), for methods whose
    /// caller may name the interface it wants: `CreateMessage`'s `lpInterface`, NULL meaning
    /// `I`, which then reads `iid = lpInterface.unwrap_or(&IMessage::IID)`. The slot then holds
    /// a pointer to the interface asked for, which is what the caller expects. Returns the
    /// QueryInterface result; on failure the slot is NULL.
    pub fn set_queried(&mut self, object: &impl Interface, iid: &GUID) -> HRESULT {
        self.put(core::ptr::null_mut());
        // SAFETY: `object` is a live interface pointer; the slot is writable and now NULL, and on
        // success takes the one reference QueryInterface adds.
        unsafe { object.query(iid, self.slot.as_ptr()) }
    }

    /// The slot, for passing it on to a method of another object (delegation), which writes it
    /// as any callee does: a counted pointer or NULL. What it writes is released if the method
    /// fails, as if it had been [`InterfaceOut::set`].
    #[inline]
    pub fn as_raw(&self) -> *mut *mut c_void {
        self.slot.as_ptr()
    }

    fn put(&mut self, raw: *mut c_void) {
        // SAFETY: the slot is writable and holds NULL or a counted pointer put there by this
        // wrapper (or written through `as_raw` by a callee), whose reference it owns.
        let old = unsafe { self.slot.as_ptr().replace(raw) };
        if !old.is_null() {
            // SAFETY: `old` carried one reference, given up here; every interface starts with
            // IUnknown's slots, so it is released as one.
            drop(unsafe { IUnknown::from_raw(old) });
        }
    }
}

/// Releases the reference an `#[out(IFoo)]` slot holds, if any, and leaves it NULL: the thunk's
/// answer to a failed or panicked call.
///
/// # Safety
///
/// `slot` must be NULL, or writable and hold NULL or a counted interface pointer whose reference
/// the slot owns.
#[doc(hidden)]
#[inline]
pub unsafe fn release_out<P>(slot: *mut *mut P) {
    if let Some(slot) = NonNull::new(slot.cast()) {
        // A non-NULL slot holding NULL or an owned reference (this function's contract), as an
        // `InterfaceOut` holds.
        let mut out = InterfaceOut::<IUnknown> {
            slot,
            _slot: PhantomData,
        };
        out.put(core::ptr::null_mut());
    }
}
