//! Two COM objects in one heap block, each with its own identity and reference count, the
//! state they share, and a part that may outlive them: what a C programmer writes for a store and
//! its logon object (one `malloc`, two counts, freed when both reach zero), with no `unsafe` for
//! its user.
//!
//! One allocation holds, in this order (`#[repr(C)]`):
//!
//! ```text
//! [ first:   Object<S::First>  ]  <- the first object (vtable pointers, count, value)
//! [ second:  Object<S::Second> ]  <- the second object
//! [ holders: AtomicU32         ]  one per object whose count is not zero, one per PairRef
//! [ shared:  S                 ]
//! [ kept:    refs, free, S::Kept ] <- KeptRef; refs: one per KeptRef, one for the part above,
//! [                              ]    one for the hosted object while its count is not zero,
//! [                              ]    and a reservation's spares (see `Reserved`)
//! [ hosted:  Object<S::Hosted>   ] <- an object of its own, placed here (optional)
//! ```
//!
//! An object whose count reaches zero runs its [`Shared`] hook ([`Shared::first_released`] or
//! [`Shared::second_released`]: what a `Drop` of a single object would do) and gives up its
//! hold on the block; the last holder drops the values and the shared state, and gives up their
//! hold on the kept part. The kept part ([`Shared::Kept`]: a store's context) is made first
//! ([`Pair::reserve`]), before the objects and the shared state exist, and its [`KeptRef`]
//! handles may outlive them (the shared state may hold one, too, or a view that holds nothing,
//! [`Reserved::kept_view`], as the pair's own hold outlives the shared state): the last of its
//! holds drops it and frees the block. A reservation never completed ([`Reserved::create`])
//! holds the kept part the same way, so a block whose objects were never made is freed by the
//! same path.
//!
//! The block may also host an object of home [`Alone`] ([`Shared::Hosted`]: the provider's own
//! store object), made by [`Reserved::host`] where [`ComObject::new`] would have allocated it:
//! it keeps its own count, and holds the kept part, not the pair, until its last `Release`
//! (its references may outlive the pair, as `KeptRef`s do).
//!
//! An object of a pair is declared with its home, `#[mapi_object(IMsgStore, home =
//! First<MyShared>)]`, and made only by [`Reserved::create`] ([`ComObject::new`] is for objects
//! of their own): so the block an object of a pair is in is known from its type, and its methods
//! reach the shared state with [`Pair::first_shared`] or [`Pair::second_shared`].

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering, fence};

use super::object::{Alone, ComObject, Home, MapiObject, Object};

/// The state two objects of a [`Pair`] share, and what each does at its last `Release`.
pub trait Shared: Send + Sync + Sized + 'static {
    /// The first object of the pair, declared `home = First<Self>`.
    type First: MapiObject<Home = First<Self>>;
    /// The second object of the pair, declared `home = Second<Self>`.
    type Second: MapiObject<Home = Second<Self>>;
    /// The part of the block made before the objects ([`Pair::reserve`]) and reached through
    /// [`KeptRef`] handles, which may outlive them.
    type Kept: Send + Sync + 'static;
    /// The object the block may host ([`Reserved::host`]), which may outlive the pair too.
    type Hosted: MapiObject<Home = Alone>;

    /// The first object's count reached zero: its last `Release`, under a panic guard. The
    /// pair stays until every other holder is gone too.
    fn first_released(&self);

    /// The second object's count reached zero, as [`Self::first_released`].
    fn second_released(&self);
}

/// The home of the first object of a [`Pair`] sharing `S` ([`MapiObject::Home`]); never made.
pub struct First<S>(PhantomData<fn() -> S>);

/// The home of the second object of a [`Pair`] sharing `S`; never made.
pub struct Second<S>(PhantomData<fn() -> S>);

/// Two objects and their shared state, at the start of their block (see the module
/// documentation).
#[repr(C)]
pub struct Pair<S: Shared> {
    first: Object<S::First>,
    second: Object<S::Second>,
    /// One per object whose count is not zero, one per [`PairRef`]: at zero the pair is dropped.
    holders: AtomicU32,
    shared: S,
}

/// The heap block: the pair at offset 0 (where its first object is), then the kept part, then
/// the hosted object. The pair's fields are written by [`Reserved::create`], the hosted object
/// by [`Reserved::host`]: until then only `kept` is initialised.
#[repr(C)]
struct Block<S: Shared> {
    pair: Pair<S>,
    kept: Kept<S::Kept>,
    hosted: MaybeUninit<Object<S::Hosted>>,
}

/// The kept part of a block: a handle points here, and knows the block's layout only through
/// its hold's `free`, so that handles are not generic over the pair.
#[repr(C)]
struct Kept<T> {
    /// First (`#[repr(C)]`), where the hosted object finds it without knowing `T`.
    hold: Hold,
    value: T,
}

/// The count of holds on a block's kept part, and what its last one does.
pub(super) struct Hold {
    /// One per [`KeptRef`], plus one for the pair (or its reservation) until it is dropped, and
    /// one for the hosted object until its count reaches zero; and the reservation's spares
    /// ([`SPARES`]) until it passes them on or gives them back.
    refs: AtomicUsize,
    /// Drops the kept value and frees the block it is in, at the last hold:
    /// `Block::<S>::free`.
    free: unsafe fn(NonNull<Hold>),
}

impl Hold {
    /// Gives up one hold on the kept part whose hold is at `hold`: the last one drops it and
    /// frees its block.
    ///
    /// # Safety
    ///
    /// The caller owns one hold on the live kept part at `hold` and does not use it afterwards.
    #[inline]
    pub(super) unsafe fn unhold(hold: NonNull<Self>) {
        // SAFETY: the caller's contract.
        unsafe { Self::unhold_n(hold, 1) }
    }

    /// Gives up `n` holds at once, as [`Self::unhold`] gives up one.
    ///
    /// # Safety
    ///
    /// The caller owns `n` holds on the live kept part at `hold` and does not use it afterwards.
    #[inline]
    unsafe fn unhold_n(hold: NonNull<Self>, n: usize) {
        // SAFETY: the caller's holds keep the block alive for the decrement.
        if unsafe { hold.as_ref() }
            .refs
            .fetch_sub(n, Ordering::Release)
            != n
        {
            return;
        }
        // Pairs with the Release above in other threads: their uses happen before the drop.
        fence(Ordering::Acquire);
        // SAFETY: the last hold, so nobody else reads the part any more; `free` was set with the
        // layout of the block it is in (`Pair::reserve`).
        unsafe {
            let free = (*hold.as_ptr()).free;
            free(hold);
        }
    }

    /// Takes one more hold, for a new holder made from an existing one.
    #[inline]
    fn take(&self) {
        // Relaxed, as `Arc::clone`: a new hold only comes from an existing one. As `Arc::clone`
        // too: handles leaked on purpose (`mem::forget`) must not wrap the count around and free
        // the block under the others. Unreachable without such leaks.
        if self.refs.fetch_add(1, Ordering::Relaxed) > isize::MAX as usize {
            std::process::abort();
        }
    }
}

impl<S: Shared> Block<S> {
    /// The layout the block is allocated and freed with.
    const LAYOUT: Layout = Layout::new::<Self>();

    /// How far the hosted object is after the kept part's hold: its `hold_back`, never 0.
    const HOSTED_HOLD_BACK: u32 = {
        let back = core::mem::offset_of!(Self, hosted) - core::mem::offset_of!(Self, kept);
        assert!(back > 0 && back <= u32::MAX as usize);
        back as u32
    };

    /// The hold's `free` of a block: drops the kept value and frees the block. The pair's
    /// fields and the hosted object are not touched: dropped already, or never written.
    ///
    /// # Safety
    ///
    /// `hold` is the hold of the kept part of a block of `Pair::<S>::reserve`, whose last hold
    /// is gone.
    unsafe fn free(hold: NonNull<Hold>) {
        // The hold is the kept part's first field (`#[repr(C)]`).
        let kept = hold.as_ptr().cast::<Kept<S::Kept>>();
        // SAFETY: `kept` is the `kept` field of a live block (the caller's contract), derived
        // from the block's own pointer, so stepping back to its start stays in the allocation.
        // The value is initialised (written by `reserve`) and dropped once, here; the block was
        // allocated with `LAYOUT` by `reserve`, and nothing refers to it any more.
        unsafe {
            let block = kept
                .byte_sub(core::mem::offset_of!(Self, kept))
                .cast::<Self>();
            core::ptr::drop_in_place(&raw mut (*kept).value);
            std::alloc::dealloc(block.cast(), Self::LAYOUT);
        }
    }

    /// The hold of the kept part of the block at `block`.
    ///
    /// # Safety
    ///
    /// `block` is a live block of `Pair::<S>::reserve`, its pointer derived from the block's.
    unsafe fn hold(block: *mut Self) -> NonNull<Hold> {
        // SAFETY: a field of the live block (the caller's contract), never NULL; the hold is
        // the kept part's first field (`#[repr(C)]`).
        unsafe { NonNull::new_unchecked(&raw mut (*block).kept).cast() }
    }
}

impl<S: Shared> Pair<S> {
    /// Allocates a block with the value `make` makes in it, the pair to follow
    /// ([`Reserved::create`]): the kept part comes first, so that what makes the shared state
    /// can be handed [`KeptRef`]s. Made in place, where moving it in would copy it whole; if
    /// `make` panics, the block is freed.
    #[inline(always)]
    pub fn reserve(make: impl FnOnce() -> S::Kept) -> Reserved<S> {
        /// Frees the block, allocated with the layout, when `make` unwinds.
        struct Unmade(NonNull<u8>, Layout);
        impl Drop for Unmade {
            fn drop(&mut self) {
                // SAFETY: allocated with this layout below, and nothing in it needs a drop.
                unsafe { std::alloc::dealloc(self.0.as_ptr(), self.1) };
            }
        }
        // SAFETY: `LAYOUT` is not zero-sized (the block has a count at least).
        let block = unsafe { std::alloc::alloc(Block::<S>::LAYOUT) }.cast::<Block<S>>();
        let Some(block) = NonNull::new(block) else {
            std::alloc::handle_alloc_error(Block::<S>::LAYOUT)
        };
        let unmade = Unmade(block.cast(), Block::<S>::LAYOUT);
        // SAFETY: a fresh allocation of the block's layout: the `kept` field is writable. Its
        // holds are the reservation's, which passes to the pair, and its spares.
        unsafe {
            (&raw mut (*block.as_ptr()).kept).write(Kept {
                hold: Hold {
                    refs: AtomicUsize::new(1 + SPARES),
                    free: Block::<S>::free,
                },
                value: make(),
            });
        }
        core::mem::forget(unmade);
        Reserved {
            block,
            spares: SPARES,
        }
    }

    /// The shared state of the pair the first object `object` is in.
    pub fn first_shared<T>(object: &Object<T>) -> &S
    where
        T: MapiObject<Home = First<S>>,
    {
        // SAFETY: an object whose home is `First<S>` is made only by `Reserved::<S>::create`, as
        // the `first` field, at offset 0 of the `#[repr(C)]` pair: the pair is alive while the
        // object is borrowed (its count, or a holder, keeps it).
        unsafe { &(*core::ptr::from_ref(object).cast::<Self>()).shared }
    }

    /// The shared state of the pair the second object `object` is in.
    pub fn second_shared<T>(object: &Object<T>) -> &S
    where
        T: MapiObject<Home = Second<S>>,
    {
        // SAFETY: as in `first_shared`, for the `second` field, `offset_of!(Self, second)` bytes
        // into the pair.
        unsafe { &(*Self::of_second(core::ptr::from_ref(object))).shared }
    }

    /// The pair of the second object at `object`.
    fn of_second<T: MapiObject>(object: *const Object<T>) -> *const Self {
        object
            .cast::<u8>()
            .wrapping_sub(core::mem::offset_of!(Self, second))
            .cast()
    }

    /// An object of the pair at `pair` reached zero references: its `hook`, under the guard,
    /// then its hold on the pair goes.
    ///
    /// # Safety
    ///
    /// `pair` is a live pair of `Reserved::create` whose object of `hook` just reached zero
    /// references.
    #[cold]
    unsafe fn released(pair: *const Self, hook: fn(&S)) {
        // SAFETY: the released object's hold keeps the pair alive until `unhold`.
        let shared = unsafe { &(*pair).shared };
        let _ = super::abi::guard_fn("IUnknown::Release", core::any::type_name::<S>, shared, hook);
        // SAFETY: the released object's hold, given up once.
        unsafe { Self::unhold(pair) };
    }

    /// Gives up one hold on the pair at `pair`: the last one drops it and gives up its hold on
    /// the kept part (which frees the block, unless a [`KeptRef`] holds it).
    ///
    /// # Safety
    ///
    /// The caller owns one hold on the live pair at `pair` and does not use it afterwards.
    unsafe fn unhold(pair: *const Self) {
        // SAFETY: the caller's hold keeps the pair alive for the decrement.
        if unsafe { (*pair).holders.fetch_sub(1, Ordering::Release) } != 1 {
            return;
        }
        // Pairs with the Release above in other threads: their uses happen before the drop.
        fence(Ordering::Acquire);
        let pair = pair.cast_mut();
        // SAFETY: the pair is the first field of its `#[repr(C)]` block of `reserve`, and `pair`
        // was derived from the block's pointer: the `kept` field is in the same allocation.
        let hold = unsafe { Block::<S>::hold(pair.cast()) };
        // Values and shared state are dropped here (provider code may run): a panic is reported
        // and goes no further, and the kept part's hold is given up either way.
        let _ = super::abi::guard_fn(
            "IUnknown::Release",
            core::any::type_name::<S>,
            pair,
            // SAFETY: the last hold on a pair written by `Reserved::create`, dropped once; the
            // block's memory stays (the kept part's hold below).
            |pair| unsafe { core::ptr::drop_in_place(pair) },
        );
        // SAFETY: the pair's hold on its kept part, given up once, now that the pair is gone.
        unsafe { Hold::unhold(hold) };
    }
}

// SAFETY: an object of home `First<S>` is made only by `Reserved::<S>::create`, as its `first`,
// at offset 0 of the `#[repr(C)]` pair, which `released` expects.
unsafe impl<S: Shared, T: MapiObject<Home = First<S>>> Home<T> for First<S> {
    unsafe fn released(this: *mut Object<T>) {
        // SAFETY: the caller's contract: the first object of a live pair reached zero.
        unsafe { Pair::<S>::released(this.cast_const().cast(), S::first_released) }
    }
}

// SAFETY: an object of home `Second<S>` is made only by `Reserved::<S>::create`, as its
// `second`, which `of_second` finds.
unsafe impl<S: Shared, T: MapiObject<Home = Second<S>>> Home<T> for Second<S> {
    unsafe fn released(this: *mut Object<T>) {
        let pair = Pair::<S>::of_second(this.cast_const());
        // SAFETY: the caller's contract: the second object of a live pair reached zero.
        unsafe { Pair::<S>::released(pair, S::second_released) }
    }
}

/// A block whose kept part is in place and whose pair is still to come ([`Pair::reserve`]);
/// `HOSTED` once [`Self::host`] placed the hosted object. Dropped without [`Self::create`], it
/// gives up its holds on the kept part (its own, and its spares not passed on): the block goes
/// with the last [`KeptRef`] (or the hosted object), if any was made.
pub struct Reserved<S: Shared, const HOSTED: bool = false> {
    block: NonNull<Block<S>>,
    /// Holds on the kept part counted with the block and not passed on yet (see [`SPARES`]).
    spares: usize,
}

/// The holds on the kept part a reservation is made with besides its own, written with the
/// count: one for the object it hosts and one for the first handle it makes (what a store's
/// logon makes), which so take their holds without an atomic operation. `create` and the drop
/// give back those not passed on.
const SPARES: usize = 2;

impl<S: Shared> Reserved<S> {
    /// Places `hosted` in the block, where [`ComObject::new`] would have allocated it: the
    /// object, with one reference, and the reservation, which can host no other. The object
    /// holds the kept part until its count reaches zero, when it is dropped like an object of
    /// its own (the block stays for the other holders).
    pub fn host(mut self, hosted: S::Hosted) -> (Reserved<S, true>, ComObject<S::Hosted>) {
        self.take_hold();
        let this = ManuallyDrop::new(self);
        let block = this.block.as_ptr();
        // SAFETY: the reservation's hold keeps the block alive, and its hosted object was never
        // written (a `Reserved<S, false>`, taken here and passed on as `Reserved<S, true>`):
        // written once, here, `HOSTED_HOLD_BACK` bytes after the kept part's hold, on which it
        // has the hold just taken, to give up at its last `Release` (its `Alone` home). The
        // `ComObject` owns the object's one reference; its pointer is derived from the block's.
        unsafe {
            let object = (&raw mut (*block).hosted).cast::<Object<S::Hosted>>();
            object.write(Object::with_refs(hosted, 1, Block::<S>::HOSTED_HOLD_BACK));
            (
                Reserved {
                    block: this.block,
                    spares: this.spares,
                },
                ComObject::from_counted(NonNull::new_unchecked(object)),
            )
        }
    }
}

impl<S: Shared, const HOSTED: bool> Reserved<S, HOSTED> {
    /// A new handle on the kept part.
    pub fn kept(&mut self) -> KeptRef<S::Kept> {
        self.take_hold();
        // The new handle owns the hold just taken; the reservation's keeps the part alive.
        KeptRef(self.kept_part())
    }

    /// One more hold on the kept part, for a holder about to be made: a spare while there is
    /// one (no atomic operation), else a new one.
    #[inline]
    fn take_hold(&mut self) {
        if self.spares > 0 {
            self.spares -= 1;
        } else {
            // SAFETY: the reservation's hold keeps the kept part alive.
            unsafe { self.kept_part().as_ref() }.hold.take();
        }
    }

    /// The kept part as a handle that takes no hold of its own and gives none up (it is never
    /// dropped): for the shared state to keep, where the reservation's hold, which passes to the
    /// pair, keeps the part alive for as long (the pair gives it up only after dropping the
    /// shared state). Its clones are counted handles, as any [`KeptRef`]'s.
    ///
    /// # Safety
    ///
    /// The view must not be used once this reservation, or the pair it becomes, gave up its
    /// hold: kept in the shared state that [`Self::create`] moves into this block, or used
    /// while the reservation lives.
    pub unsafe fn kept_view(&self) -> ManuallyDrop<KeptRef<S::Kept>> {
        ManuallyDrop::new(KeptRef(self.kept_part()))
    }

    /// The kept part of the reserved block.
    fn kept_part(&self) -> NonNull<Kept<S::Kept>> {
        // SAFETY: a field of the block, alive while the reservation holds it; never NULL.
        unsafe { NonNull::new_unchecked(&raw mut (*self.block.as_ptr()).kept) }
    }

    /// Moves `first`, `second` and `shared` into the block: a handle on the shared state, the
    /// first object with one reference, and the second with one reference if `with_second`
    /// (else with none, never to be handed out: its hook never runs). The reservation's hold on
    /// the kept part passes to the pair; its spares not passed on are given back.
    pub fn create(
        self,
        shared: S,
        first: S::First,
        second: S::Second,
        with_second: bool,
    ) -> Parts<S> {
        let this = ManuallyDrop::new(self);
        let block = this.block.as_ptr();
        if this.spares > 0 {
            // SAFETY: the spares not passed on, given back once (`create` takes the
            // reservation); the reservation's own hold, which passes to the pair, keeps the block.
            unsafe { Hold::unhold_n(Block::<S>::hold(block), this.spares) };
        }
        let seconds = u32::from(with_second);
        // SAFETY: the reservation's hold keeps the block alive, and its pair was never written
        // (`create` takes the reservation): written once, here. The handle and each object made
        // here own one of the holds counted; each `ComObject` one reference of the count it was
        // made with. The objects are placed as their homes expect: `first` and `second` of this
        // pair, which `create` alone makes for types of these homes. The pointers are derived
        // from the block's, as `unhold` and `Block::free` expect.
        unsafe {
            let pair = &raw mut (*block).pair;
            pair.write(Pair {
                first: Object::with_refs(first, 1, 0),
                second: Object::with_refs(second, seconds, 0),
                holders: AtomicU32::new(2 + seconds),
                shared,
            });
            let first = ComObject::from_counted(NonNull::new_unchecked(&raw mut (*pair).first));
            let second = with_second
                .then(|| ComObject::from_counted(NonNull::new_unchecked(&raw mut (*pair).second)));
            Parts {
                shared: PairRef(NonNull::new_unchecked(pair)),
                first,
                second,
            }
        }
    }
}

impl<S: Shared, const HOSTED: bool> Drop for Reserved<S, HOSTED> {
    fn drop(&mut self) {
        // SAFETY: the reservation's holds on the kept part (its own and the spares not passed
        // on), given up once (`create` and `host` forget the reservation); the pair was never
        // written, and `Block::free` does not touch it.
        unsafe { Hold::unhold_n(Block::<S>::hold(self.block.as_ptr()), 1 + self.spares) };
    }
}

/// What [`Reserved::create`] makes: a handle on the shared state and the counted objects.
pub struct Parts<S: Shared> {
    /// A handle on the shared state (one hold on the pair).
    pub shared: PairRef<S>,
    /// The first object, with one reference.
    pub first: ComObject<S::First>,
    /// The second object, with one reference; `None` unless asked for.
    pub second: Option<ComObject<S::Second>>,
}

/// A counted handle on a [`Pair`]'s shared state: the pair stays while it does (its objects
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
    fn pair(&self) -> &Pair<S> {
        // SAFETY: the handle's hold keeps the pair alive.
        unsafe { self.0.as_ref() }
    }

    /// The first object: its count is zero once it is released for good
    /// ([`Object::try_to_interface`] tells).
    pub fn first(&self) -> &Object<S::First> {
        &self.pair().first
    }

    /// The second object, as [`Self::first`].
    pub fn second(&self) -> &Object<S::Second> {
        &self.pair().second
    }
}

impl<S: Shared> Deref for PairRef<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.pair().shared
    }
}

impl<S: Shared> Clone for PairRef<S> {
    fn clone(&self) -> Self {
        // Relaxed, as `Arc::clone`: a new hold only comes from an existing one. The runtime
        // makes handles for its registry and snapshots, a handful per pair: no overflow.
        self.pair().holders.fetch_add(1, Ordering::Relaxed);
        Self(self.0)
    }
}

impl<S: Shared> Drop for PairRef<S> {
    fn drop(&mut self) {
        // SAFETY: this handle's hold, given up once.
        unsafe { Pair::unhold(self.0.as_ptr()) };
    }
}

/// A counted handle on the kept part of a [`Pair`]'s block ([`Shared::Kept`]), which stays
/// while it does, after the pair's objects and shared state are gone too. Not generic over the
/// pair: the block's layout is known to the kept part's own `free`. Dereferences to the value.
pub struct KeptRef<T>(NonNull<Kept<T>>);

// SAFETY: a counted pointer to a `T` that is shared (`Sync`) and may be dropped by whichever
// thread gives up the last hold (`Send`); the count is atomic.
unsafe impl<T: Send + Sync> Send for KeptRef<T> {}

// SAFETY: as for `Send`: `&KeptRef` hands out `&T` and clones.
unsafe impl<T: Send + Sync> Sync for KeptRef<T> {}

impl<T> KeptRef<T> {
    /// Takes a new hold on the kept part at `kept`.
    ///
    /// # Safety
    ///
    /// The caller holds the live kept part at `kept` (with a hold of its own, which it keeps).
    unsafe fn new(kept: NonNull<Kept<T>>) -> Self {
        // SAFETY: alive, by the caller's hold.
        unsafe { kept.as_ref() }.hold.take();
        Self(kept)
    }
}

impl<T> Deref for KeptRef<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the handle's hold keeps the kept part alive (and its value initialised).
        unsafe { &self.0.as_ref().value }
    }
}

impl<T> Clone for KeptRef<T> {
    fn clone(&self) -> Self {
        // SAFETY: this handle's hold keeps the kept part alive; it stays.
        unsafe { Self::new(self.0) }
    }
}

impl<T> Drop for KeptRef<T> {
    fn drop(&mut self) {
        // SAFETY: this handle's hold, given up once; the hold is the kept part's first field
        // (`#[repr(C)]`).
        unsafe { Hold::unhold(self.0.cast()) };
    }
}

#[cfg(test)]
mod tests {
    use super::{First, KeptRef, Pair, Parts, Second, Shared};
    use crate::com::{ComObject, Object};
    use core::mem::ManuallyDrop;
    use mapi_spi_macros::{mapi_interface, mapi_object};
    use std::sync::{Arc, Mutex};
    use windows_core::{IUnknown, Interface};

    #[mapi_interface("3C1B7E52-0D4A-4E8B-A7F1-5D2C9E6B8A40")]
    unsafe trait IWhich: IUnknown {
        /// 1 for the first object of the pair, 2 for the second, 3 for the hosted one.
        fn Which(&self) -> u32;
    }

    /// What the pair's hooks and its drop did, in order.
    type Log = Arc<Mutex<Vec<&'static str>>>;

    struct Both {
        log: Log,
        /// A handle on the block's kept part, as a store's shared state keeps its context.
        kept: Option<KeptRef<Kept>>,
        /// A view of the kept part ([`super::Reserved::kept_view`]), which holds nothing.
        view: Option<ManuallyDrop<KeptRef<Kept>>>,
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

    /// The kept part of the block: notes its drop.
    struct Kept {
        log: Log,
    }

    impl Drop for Kept {
        fn drop(&mut self) {
            self.log.lock().unwrap().push("kept dropped");
        }
    }

    impl Shared for Both {
        type First = One;
        type Second = Two;
        type Kept = Kept;
        type Hosted = Three;

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

    /// The object a block may host: holds the kept part, as a provider's store holds its context.
    #[mapi_object(IWhich)]
    struct Three {
        log: Log,
        kept: KeptRef<Kept>,
        /// Makes its drop panic.
        panic: bool,
    }

    impl IWhichImpl for Three {
        unsafe fn Which(this: &Object<Self>) -> u32 {
            this.kept.log.lock().unwrap().push("hosted called");
            3
        }
    }

    impl Drop for Three {
        fn drop(&mut self) {
            self.log.lock().unwrap().push("hosted dropped");
            assert!(!self.panic, "the hosted object was asked to panic");
        }
    }

    fn pair(panic: bool, with_second: bool, hold_kept: bool) -> (Log, Parts<Both>) {
        let log = Log::default();
        let mut reserved = Pair::<Both>::reserve(|| Kept { log: log.clone() });
        let both = Both {
            log: log.clone(),
            kept: hold_kept.then(|| reserved.kept()),
            view: None,
            panic,
        };
        (log, reserved.create(both, One, Two, with_second))
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
        ) = pair(false, true, false);
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
            ["second released", "block dropped", "kept dropped"],
            "each hook once, then the pair, then the kept part with the block"
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
        ) = pair(true, false, true);
        assert!(second.is_none());
        assert!(shared.second().try_to_interface::<IWhich>().is_none());
        let again = shared.clone();
        drop((shared, first));
        assert_eq!(logged(&log), ["first released"], "the panic is caught");
        drop(again);
        assert_eq!(
            logged(&log),
            ["first released", "block dropped", "kept dropped"],
            "the shared state's own handle was the kept part's last"
        );
    }

    #[test]
    fn a_kept_handle_outlives_the_pair_and_frees_the_block_last() {
        let (log, parts) = pair(false, true, true);
        let kept = parts.shared.kept.clone().expect("held");
        let log_of_kept = kept.log.clone();
        let elsewhere = std::thread::spawn({
            let kept = kept.clone();
            move || kept.log.lock().unwrap().len()
        });
        assert_eq!(elsewhere.join().unwrap(), 0, "reached from another thread");
        drop(parts);
        assert_eq!(
            logged(&log),
            ["first released", "second released", "block dropped"],
            "the pair goes with its last holder; the kept part stays for the handle"
        );
        assert!(Arc::ptr_eq(&kept.log, &log_of_kept), "still readable");
        kept.log.lock().unwrap().push("read after the pair");
        drop(kept);
        assert_eq!(logged(&log)[3..], ["read after the pair", "kept dropped"]);
    }

    #[test]
    fn a_kept_view_in_the_shared_state_holds_nothing_and_its_clones_hold() {
        let log = Log::default();
        let reserved = Pair::<Both>::reserve(|| Kept { log: log.clone() });
        // SAFETY: kept in the shared state of this block (and read while `reserved` lives).
        let view = unsafe { reserved.kept_view() };
        assert!(Arc::ptr_eq(&view.log, &log), "reads the kept part");
        let both = Both {
            log: log.clone(),
            kept: None,
            view: Some(view),
            panic: false,
        };
        let parts = reserved.create(both, One, Two, true);
        let view = parts.shared.view.as_ref().expect("kept");
        view.log.lock().unwrap().push("read through the view");
        let counted = KeptRef::clone(view);
        drop(parts);
        assert_eq!(
            logged(&log),
            [
                "read through the view",
                "first released",
                "second released",
                "block dropped"
            ],
            "the clone of the view holds the kept part"
        );
        drop(counted);
        assert_eq!(logged(&log)[4..], ["kept dropped"]);

        // Without a clone, the pair's own hold is the last: the view gave up nothing.
        let log = Log::default();
        let reserved = Pair::<Both>::reserve(|| Kept { log: log.clone() });
        let both = Both {
            log: log.clone(),
            kept: None,
            // SAFETY: kept in the shared state of this block.
            view: Some(unsafe { reserved.kept_view() }),
            panic: false,
        };
        drop(reserved.create(both, One, Two, false));
        assert_eq!(
            logged(&log),
            ["first released", "block dropped", "kept dropped"]
        );
    }

    #[test]
    fn a_reservation_never_completed_frees_only_its_kept_part_with_its_last_handle() {
        let log = Log::default();
        let mut reserved = Pair::<Both>::reserve(|| Kept { log: log.clone() });
        let kept = reserved.kept();
        drop(reserved);
        assert!(logged(&log).is_empty(), "the handle holds the block");
        kept.log.lock().unwrap().push("read after the reservation");
        drop(kept);
        assert_eq!(
            logged(&log),
            ["read after the reservation", "kept dropped"],
            "no hook and no pair dropped: they were never made"
        );

        let log = Log::default();
        drop(Pair::<Both>::reserve(|| Kept { log: log.clone() }));
        assert_eq!(logged(&log), ["kept dropped"], "no handle: freed at once");

        // More handles than the reservation has spares, and one cloned: each holds the block.
        let log = Log::default();
        let mut reserved = Pair::<Both>::reserve(|| Kept { log: log.clone() });
        let mut handles: Vec<_> = (0..3).map(|_| reserved.kept()).collect();
        handles.push(handles[0].clone());
        drop(reserved);
        while let Some(handle) = handles.pop() {
            assert!(
                logged(&log).is_empty(),
                "{} handles hold the block",
                handles.len() + 1
            );
            drop(handle);
        }
        assert_eq!(logged(&log), ["kept dropped"], "freed with the last handle");
    }

    #[test]
    fn a_kept_part_whose_making_panics_leaves_no_block_behind() {
        // Under valgrind's leak check, the block freed by the unwinding shows here.
        let made = std::panic::catch_unwind(|| {
            Pair::<Both>::reserve(|| -> Kept { panic!("the kept part was asked to panic") })
        });
        assert!(made.is_err(), "the panic goes on to the caller");
    }
    /// A block reserved with a hosted object that panics when dropped if `panic`.
    fn hosting(panic: bool) -> (Log, super::Reserved<Both, true>, ComObject<Three>) {
        let log = Log::default();
        let mut reserved = Pair::<Both>::reserve(|| Kept { log: log.clone() });
        let three = Three {
            log: log.clone(),
            kept: reserved.kept(),
            panic,
        };
        let (reserved, three) = reserved.host(three);
        (log, reserved, three)
    }

    #[test]
    fn a_hosted_object_outlives_the_pair_and_frees_the_block_last() {
        let (log, mut reserved, three) = hosting(false);
        let both = Both {
            log: log.clone(),
            kept: Some(reserved.kept()),
            view: None,
            panic: false,
        };
        let parts = reserved.create(both, One, Two, true);
        let which: IWhich = three.to_interface();
        drop(three);
        // SAFETY: a live interface pointer of the hosted object.
        assert_eq!(unsafe { which.Which() }, 3);
        assert_eq!(
            which.cast::<IUnknown>().unwrap().as_raw(),
            which.as_raw(),
            "its own identity, in the block"
        );
        drop(parts);
        assert_eq!(
            logged(&log),
            [
                "hosted called",
                "first released",
                "second released",
                "block dropped"
            ],
            "the pair goes; the hosted object stays with its reference"
        );
        // SAFETY: as above: the interface's reference keeps the object, and the block, alive.
        assert_eq!(unsafe { which.Which() }, 3);
        drop(which);
        assert_eq!(
            logged(&log)[4..],
            ["hosted called", "hosted dropped", "kept dropped"],
            "its last Release drops it, and its hold was the block's last"
        );
    }

    #[test]
    fn a_hosted_object_released_first_leaves_the_block_to_the_pair() {
        let (log, reserved, three) = hosting(true);
        let parts = reserved.create(
            Both {
                log: log.clone(),
                kept: None,
                view: None,
                panic: false,
            },
            One,
            Two,
            false,
        );
        drop(three);
        assert_eq!(logged(&log), ["hosted dropped"], "the panic is caught");
        drop(parts);
        assert_eq!(
            logged(&log)[1..],
            ["first released", "block dropped", "kept dropped"],
            "the hosted object's hold went with it, panic or not"
        );
    }

    #[test]
    fn a_hosting_reservation_never_completed_is_freed_by_its_object() {
        let (log, reserved, three) = hosting(false);
        drop(reserved);
        assert!(logged(&log).is_empty(), "the hosted object holds the block");
        drop(three);
        assert_eq!(logged(&log), ["hosted dropped", "kept dropped"]);

        // The same type, made alone, is freed alone.
        let log = Log::default();
        let mut reserved = Pair::<Both>::reserve(|| Kept { log: log.clone() });
        let alone = ComObject::new(Three {
            log: log.clone(),
            kept: reserved.kept(),
            panic: false,
        });
        drop(reserved);
        drop(alone);
        assert_eq!(logged(&log), ["hosted dropped", "kept dropped"]);
    }
}
