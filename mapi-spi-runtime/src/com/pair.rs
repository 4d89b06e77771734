//! Two COM objects in one heap block, each with its own identity and reference count, and the
//! state they share: what a C programmer writes for a store and its logon object (one
//! `malloc`, two counts, freed when both reach zero), with no `unsafe` for its user.
//!
//! One allocation holds, in this order (`#[repr(C)]`):
//!
//! ```text
//! [ first:   Object<S::First>  ]  <- the first object (vtable pointers, count, value)
//! [ second:  Object<S::Second> ]  <- the second object
//! [ holders: AtomicU32         ]  one per object whose count is not zero, one per PairRef
//! [ shared:  S                 ]
//! ```
//!
//! An object whose count reaches zero runs its [`Shared`] hook ([`Shared::first_released`] or
//! [`Shared::second_released`]: what a `Drop` of a single object would do) and gives up its
//! hold on the block; the last holder drops the block, values and shared state, and frees it.
//! An object of a pair is declared with its home, `#[mapi_object(IMsgStore, home =
//! First<MyShared>)]`, and made only by [`Pair::create`] ([`ComObject::new`] is for objects of
//! their own): so the block an object of a pair is in is known from its type, and its methods
//! reach the shared state with [`Pair::first_shared`] or [`Pair::second_shared`].

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering, fence};

use super::object::{ComObject, Home, MapiObject, Object};

/// The state two objects of a [`Pair`] share, and what each does at its last `Release`.
pub trait Shared: Send + Sync + Sized + 'static {
    /// The first object of the pair, declared `home = First<Self>`.
    type First: MapiObject<Home = First<Self>>;
    /// The second object of the pair, declared `home = Second<Self>`.
    type Second: MapiObject<Home = Second<Self>>;

    /// The first object's count reached zero: its last `Release`, under a panic guard. The
    /// block stays until every other holder is gone too.
    fn first_released(&self);

    /// The second object's count reached zero, as [`Self::first_released`].
    fn second_released(&self);
}

/// The home of the first object of a [`Pair`] sharing `S` ([`MapiObject::Home`]); never made.
pub struct First<S>(PhantomData<fn() -> S>);

/// The home of the second object of a [`Pair`] sharing `S`; never made.
pub struct Second<S>(PhantomData<fn() -> S>);

/// The block of two objects and their shared state (see the module documentation).
#[repr(C)]
pub struct Pair<S: Shared> {
    first: Object<S::First>,
    second: Object<S::Second>,
    /// One per object whose count is not zero, one per [`PairRef`]: at zero the block goes.
    holders: AtomicU32,
    shared: S,
}

impl<S: Shared> Pair<S> {
    /// Moves `first`, `second` and `shared` into a new block: a handle on the shared state, the
    /// first object with one reference, and the second with one reference if `with_second`
    /// (else with none, never to be handed out: its hook never runs).
    pub fn create(shared: S, first: S::First, second: S::Second, with_second: bool) -> Parts<S> {
        let seconds = u32::from(with_second);
        let block = Box::into_raw(Box::new(Pair {
            first: Object::with_refs(first, 1),
            second: Object::with_refs(second, seconds),
            holders: AtomicU32::new(2 + seconds),
            shared,
        }));
        // SAFETY: `block` is a live allocation of `Box` (never NULL); the handle and each object
        // made here own one of the holds counted above, and each `ComObject` one reference of
        // the count it was made with. The objects are placed as their homes expect: `first` and
        // `second` of this block, which `Pair::create` alone makes for types of these homes.
        unsafe {
            let first = ComObject::from_counted(NonNull::new_unchecked(&raw mut (*block).first));
            let second = with_second
                .then(|| ComObject::from_counted(NonNull::new_unchecked(&raw mut (*block).second)));
            Parts {
                shared: PairRef(NonNull::new_unchecked(block)),
                first,
                second,
            }
        }
    }

    /// The shared state of the pair the first object `object` is in.
    pub fn first_shared<T>(object: &Object<T>) -> &S
    where
        T: MapiObject<Home = First<S>>,
    {
        // SAFETY: an object whose home is `First<S>` is made only by `Pair::<S>::create`, as the
        // `first` field, at offset 0 of the `#[repr(C)]` block: the block is alive while the
        // object is borrowed (its count, or a holder, keeps it).
        unsafe { &(*core::ptr::from_ref(object).cast::<Self>()).shared }
    }

    /// The shared state of the pair the second object `object` is in.
    pub fn second_shared<T>(object: &Object<T>) -> &S
    where
        T: MapiObject<Home = Second<S>>,
    {
        // SAFETY: as in `first_shared`, for the `second` field, `offset_of!(Self, second)` bytes
        // into the block.
        unsafe { &(*Self::of_second(core::ptr::from_ref(object))).shared }
    }

    /// The block of the second object at `object`.
    fn of_second<T: MapiObject>(object: *const Object<T>) -> *const Self {
        object
            .cast::<u8>()
            .wrapping_sub(core::mem::offset_of!(Self, second))
            .cast()
    }

    /// An object of the block at `pair` reached zero references: its `hook`, under the guard,
    /// then its hold on the block goes.
    ///
    /// # Safety
    ///
    /// `pair` is a live block of `Pair::create` whose object of `hook` just reached zero references.
    #[cold]
    unsafe fn released(pair: *const Self, hook: fn(&S)) {
        // SAFETY: the released object's hold keeps the block alive until `unhold`.
        let shared = unsafe { &(*pair).shared };
        let _ = super::abi::guard_fn("IUnknown::Release", core::any::type_name::<S>, shared, hook);
        // SAFETY: the released object's hold, given up once.
        unsafe { Self::unhold(pair) };
    }

    /// Gives up one hold on the block at `pair`: the last one drops and frees it.
    ///
    /// # Safety
    ///
    /// The caller owns one hold on the live block at `pair` and does not use it afterwards.
    unsafe fn unhold(pair: *const Self) {
        // SAFETY: the caller's hold keeps the block alive for the decrement.
        if unsafe { (*pair).holders.fetch_sub(1, Ordering::Release) } != 1 {
            return;
        }
        // Pairs with the Release above in other threads: their uses happen before the drop.
        fence(Ordering::Acquire);
        // Values and shared state are dropped here (provider code may run): a panic is reported
        // and goes no further, and the block is freed either way.
        let _ = super::abi::guard_fn(
            "IUnknown::Release",
            core::any::type_name::<S>,
            pair.cast_mut(),
            // SAFETY: the last hold on a block of `Box::into_raw` (in `Pair::create`).
            |pair| drop(unsafe { Box::from_raw(pair) }),
        );
    }
}

// SAFETY: an object of home `First<S>` is made only by `Pair::<S>::create`, as its `first`, at
// offset 0 of the `#[repr(C)]` block, which `released` expects.
unsafe impl<S: Shared, T: MapiObject<Home = First<S>>> Home<T> for First<S> {
    unsafe fn released(this: *mut Object<T>) {
        // SAFETY: the caller's contract: the first object of a live block reached zero.
        unsafe { Pair::<S>::released(this.cast_const().cast(), S::first_released) }
    }
}

// SAFETY: an object of home `Second<S>` is made only by `Pair::<S>::create`, as its `second`,
// which `of_second` finds.
unsafe impl<S: Shared, T: MapiObject<Home = Second<S>>> Home<T> for Second<S> {
    unsafe fn released(this: *mut Object<T>) {
        let pair = Pair::<S>::of_second(this.cast_const());
        // SAFETY: the caller's contract: the second object of a live block reached zero.
        unsafe { Pair::<S>::released(pair, S::second_released) }
    }
}

/// What [`Pair::create`] makes: a handle on the shared state and the counted objects.
pub struct Parts<S: Shared> {
    /// A handle on the shared state (one hold on the block).
    pub shared: PairRef<S>,
    /// The first object, with one reference.
    pub first: ComObject<S::First>,
    /// The second object, with one reference; `None` unless asked for.
    pub second: Option<ComObject<S::Second>>,
}

/// A counted handle on a [`Pair`]'s shared state: the block stays while it does (its objects
/// may be gone: their counts are then zero). Dereferences to the shared state.
pub struct PairRef<S: Shared>(NonNull<Pair<S>>);

// SAFETY: a counted pointer to a block of `Send + Sync` parts (the objects' types are checked
// `Send + Sync` by `#[mapi_object]`); the count is atomic.
unsafe impl<S: Shared> Send for PairRef<S>
where
    S::First: Send + Sync,
    S::Second: Send + Sync,
{
}

// SAFETY: as for `Send`.
unsafe impl<S: Shared> Sync for PairRef<S>
where
    S::First: Send + Sync,
    S::Second: Send + Sync,
{
}

impl<S: Shared> PairRef<S> {
    fn block(&self) -> &Pair<S> {
        // SAFETY: the handle's hold keeps the block alive.
        unsafe { self.0.as_ref() }
    }

    /// The first object: its count is zero once it is released for good
    /// ([`Object::try_to_interface`] tells).
    pub fn first(&self) -> &Object<S::First> {
        &self.block().first
    }

    /// The second object, as [`Self::first`].
    pub fn second(&self) -> &Object<S::Second> {
        &self.block().second
    }
}

impl<S: Shared> Deref for PairRef<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.block().shared
    }
}

impl<S: Shared> Clone for PairRef<S> {
    fn clone(&self) -> Self {
        // Relaxed, as `Arc::clone`: a new hold only comes from an existing one. The runtime
        // makes handles for its registry and snapshots, a handful per pair: no overflow.
        self.block().holders.fetch_add(1, Ordering::Relaxed);
        Self(self.0)
    }
}

impl<S: Shared> Drop for PairRef<S> {
    fn drop(&mut self) {
        // SAFETY: this handle's hold, given up once.
        unsafe { Pair::unhold(self.0.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::{First, Pair, Parts, Second, Shared};
    use crate::com::Object;
    use mapi_spi_macros::{mapi_interface, mapi_object};
    use std::sync::{Arc, Mutex};
    use windows_core::{IUnknown, Interface};

    #[mapi_interface("3C1B7E52-0D4A-4E8B-A7F1-5D2C9E6B8A40")]
    unsafe trait IWhich: IUnknown {
        /// 1 for the first object of the pair, 2 for the second.
        fn Which(&self) -> u32;
    }

    /// What the pair's hooks and its drop did, in order.
    type Log = Arc<Mutex<Vec<&'static str>>>;

    struct Both {
        log: Log,
        /// Makes `first_released` panic.
        panic: bool,
    }

    impl Both {
        fn note(&self, what: &'static str) {
            self.log.lock().unwrap().push(what);
        }
    }

    impl Drop for Both {
        fn drop(&mut self) {
            self.note("block dropped");
        }
    }

    impl Shared for Both {
        type First = One;
        type Second = Two;

        fn first_released(&self) {
            self.note("first released");
            assert!(!self.panic, "first_released was asked to panic");
        }

        fn second_released(&self) {
            self.note("second released");
        }
    }

    #[mapi_object(IWhich, home = First<Both>)]
    struct One;

    impl IWhichImpl for One {
        unsafe fn Which(this: &Object<Self>) -> u32 {
            assert!(!Pair::first_shared(this).panic);
            1
        }
    }

    #[mapi_object(IWhich, home = Second<Both>)]
    struct Two;

    impl IWhichImpl for Two {
        unsafe fn Which(this: &Object<Self>) -> u32 {
            Pair::second_shared(this).note("second called");
            2
        }
    }

    fn pair(panic: bool, with_second: bool) -> (Log, Parts<Both>) {
        let log = Log::default();
        let both = Both {
            log: log.clone(),
            panic,
        };
        (log, Pair::create(both, One, Two, with_second))
    }

    fn logged(log: &Log) -> Vec<&'static str> {
        log.lock().unwrap().clone()
    }

    #[test]
    fn two_identities_two_counts_one_block_freed_by_its_last_holder() {
        let (
            log,
            Parts {
                shared,
                first,
                second,
            },
        ) = pair(false, true);
        let second = second.expect("asked for");
        let (one, two): (IWhich, IWhich) = (first.to_interface(), second.to_interface());
        // SAFETY: live interface pointers of this test's objects.
        assert_eq!(unsafe { (one.Which(), two.Which()) }, (1, 2));
        assert_ne!(first.as_unknown_ptr(), second.as_unknown_ptr());
        assert_eq!(
            one.cast::<IUnknown>().unwrap().as_raw(),
            first.as_unknown_ptr()
        );
        assert_eq!(
            two.cast::<IUnknown>().unwrap().as_raw(),
            second.as_unknown_ptr()
        );
        assert!(core::ptr::eq(Pair::first_shared(&first), &*shared));
        assert_eq!(logged(&log), ["second called"]);

        drop((first, one));
        assert_eq!(logged(&log)[1..], ["first released"]);
        assert!(shared.first().try_to_interface::<IWhich>().is_none());
        drop(shared);
        // The second object still holds the block: its calls reach the shared state.
        // SAFETY: a live interface pointer.
        assert_eq!(unsafe { two.Which() }, 2);
        drop(second);
        assert_eq!(logged(&log).len(), 3, "the second object holds on");
        drop(two);
        assert_eq!(
            logged(&log)[3..],
            ["second released", "block dropped"],
            "each hook once, then the block"
        );
    }

    #[test]
    fn a_second_object_not_asked_for_is_never_released_and_a_panicking_hook_frees_the_block() {
        let (
            log,
            Parts {
                shared,
                first,
                second,
            },
        ) = pair(true, false);
        assert!(second.is_none());
        assert!(shared.second().try_to_interface::<IWhich>().is_none());
        let again = shared.clone();
        drop((shared, first));
        assert_eq!(logged(&log), ["first released"], "the panic is caught");
        drop(again);
        assert_eq!(logged(&log), ["first released", "block dropped"]);
    }
}
