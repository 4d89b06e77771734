//! The heap block of a COM object and its owned handle.
//!
//! One allocation holds, in this order (`#[repr(C)]`):
//!
//! ```text
//! [ vtable pointer of interface 0 ]  <- identity: the IUnknown of the object
//! [ vtable pointer of interface 1 ]
//! [ ...                           ]
//! [ reference count (AtomicU32)   ]
//! [ hold distance (u32)           ]  0, or where the block's hold is: see `Alone`
//! [ the user's struct             ]
//! ```
//!
//! An interface pointer is the address of one of the vtable-pointer slots. A thunk generated for
//! slot `SLOT` gets back to the block by stepping `SLOT` pointers back, with no search.

use core::ffi::c_void;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering, fence};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use super::pair::Hold;
use crate::codes::{E_NOINTERFACE, S_OK};

/// The reference count at which an object becomes immortal (see [`Object::add_ref`]).
pub const SATURATED: u32 = 1 << 31;
/// Where a saturated count is kept: 2^30 away from both zero-after-wrap and `SATURATED`.
const PINNED: u32 = SATURATED + (1 << 30);

/// The value stored in a vtable-pointer slot: the address of a `static` vtable.
pub type VtablePtr = *const c_void;

/// The check `#[mapi_object]` emits, spanned at the struct's name: MAPI calls provider objects
/// from any thread, so every object must be `Send + Sync`. Where it is not, rustc names each field
/// that is not, at the struct ("`Rc<String>` cannot be shared between threads safely"), once.
#[doc(hidden)]
pub const fn must_be_send_and_sync<T: Send + Sync>() {}

/// A Rust type made into a COM object by `#[mapi_object(...)]`.
///
/// # Safety
///
/// `Vtables` must be `[VtablePtr; N]`, and `VTABLES` must hold, at index `i`, a pointer to a
/// vtable whose thunks were generated for `Self` and slot `i`; [`MapiObject::SLOT_IIDS`] must
/// have at most `N` entries (checked at compile time, where QueryInterface is instantiated), and
/// entry `i` may only list IIDs of interfaces that the vtable of slot `i` is (or extends).
/// `Self` must be `Send + Sync` (the macro checks it with [`must_be_send_and_sync`]): only then
/// are [`Object`] and [`ComObject`] `Send + Sync`, as MAPI's free threading requires.
pub unsafe trait MapiObject: Sized + 'static {
    /// `[VtablePtr; N]`, one per interface listed in the attribute.
    type Vtables: Copy + 'static;

    /// The vtable pointers a new object starts with.
    const VTABLES: Self::Vtables;

    /// QueryInterface's map, in slot order: entry `i` lists the IIDs answered with the vtable of
    /// slot `i` (for a listed interface, its [`MapiInterface::IIDS`]); the first slot that lists
    /// an IID answers it. `IUnknown` is always slot 0 and need not be listed.
    ///
    /// Data, not a function: QueryInterface runs none of the implementer's code, so it needs no
    /// panic guard, and the search of a constant table compiles to the chain of compares of a
    /// hand-written C QueryInterface.
    ///
    /// [`MapiInterface::IIDS`]: super::MapiInterface::IIDS
    const SLOT_IIDS: &'static [&'static [GUID]];

    /// The block the object lives in, and what its last `Release` does: [`Alone`] (the
    /// default of `#[mapi_object]`) for a block of its own, made by [`ComObject::new`]; or one
    /// of the two objects of a [`Pair`](super::pair::Pair) (`#[mapi_object(IFoo, home =
    /// First<Shared>)]`), made by [`Reserved::create`](super::pair::Reserved::create).
    type Home: Home<Self>;
}

/// Where the objects of a [`MapiObject::Home`] live, and what becomes of their block when an
/// object's count reaches zero.
///
/// # Safety
///
/// Every `Object<T>` of a `T` whose `Home` is this type must be in a block made the way
/// [`Home::released`] expects, and only there: the home's own constructor must be the only way
/// to make one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not where `{T}` can live",
    label = "not a home of COM objects",
    note = "leave `home` out for an object of its own (`ComObject::new`), or write `home = First<S>` / `home = Second<S>` for one of the two objects of a `Pair` sharing `S: Shared`, whose `First` / `Second` is this type"
)]
pub unsafe trait Home<T: MapiObject> {
    /// The last reference to the object at `this` went (after the Acquire fence): drop what
    /// must go, and free the block once nothing else uses it.
    ///
    /// # Safety
    ///
    /// `this` is an object of this home whose count just reached zero; the caller does not use
    /// it afterwards.
    unsafe fn released(this: *mut Object<T>);
}

/// The home of an object that its last `Release` drops, and whose block goes with it: a block
/// of its own ([`ComObject::new`]), which is freed; or its place in a shared block, whose hold it
/// gives up ([`Reserved::host`](super::pair::Reserved::host): the runtime places a store's
/// object in the block of its logon). Where it is is decided when it is made, not by its type,
/// so its author needs not know.
pub enum Alone {}

// SAFETY: `ComObject::new` and `Reserved::host` are the only makers of an `Object<T>` whose home
// is `Alone`: the first allocates it alone with `Box` and a `hold_back` of 0, which `destroy`
// gives back; the second places it in a pair's block with the distance back to the block's hold,
// which `destroy` gives up.
unsafe impl<T: MapiObject<Home = Alone>> Home<T> for Alone {
    unsafe fn released(this: *mut Object<T>) {
        // SAFETY: the caller's contract: the last reference to an object of this home, which
        // only `ComObject::new` and `Reserved::host` make.
        unsafe { Object::destroy(this) }
    }
}

/// The slot of `T`'s vtable that answers `QueryInterface(iid)`: 0 for `IUnknown`, else the first
/// whose [`MapiObject::SLOT_IIDS`] entry lists `iid`.
#[inline(always)]
pub fn interface_slot<T: MapiObject>(iid: &GUID) -> Option<usize> {
    // A compare and a branch for each IID, IUnknown's first, as a hand-written C QueryInterface
    // does: the table is a constant, so the loops unroll into that chain. `cold_path` is not a
    // claim that hits are rare: it asks LLVM for a C compiler's layout, where each compare
    // branches out to the hit and a miss falls through to its return. Left alone, LLVM made the
    // miss the taken branch, and a miss cost 1.2x C's; the hit takes one branch either way.
    if super::interface::same_iid(iid, &IUnknown::IID) {
        core::hint::cold_path();
        return Some(0);
    }
    for (slot, iids) in T::SLOT_IIDS.iter().enumerate() {
        for known in *iids {
            if super::interface::same_iid(iid, known) {
                core::hint::cold_path();
                return Some(slot);
            }
        }
    }
    None
}

/// `T` implements interface `I` in vtable slot `SLOT`. Generated by `#[mapi_object]` for every
/// listed interface, and for `IUnknown` (slot 0).
///
/// # Safety
///
/// `SLOT` must be the slot whose vtable is `I`'s (or extends it).
pub unsafe trait Implements<I: Interface>: MapiObject {
    const SLOT: usize;
}

/// The heap block of a COM object: vtable pointers, reference count, and the user's value.
///
/// An `&Object<T>` only exists inside such a block, so methods that take `this: &Object<Self>`
/// can hand out interface pointers to their own object ([`Object::to_interface`]).
/// It dereferences to `T`.
#[repr(C)]
pub struct Object<T: MapiObject> {
    vtables: T::Vtables,
    refs: AtomicU32,
    /// For an [`Alone`] object in a shared block ([`Reserved::host`](super::pair::Reserved::host)),
    /// how many bytes before the object the block's [`Hold`] is, which its last `Release` gives
    /// up; 0 for a block of its own, and for the objects of a pair. On 64-bit targets it takes
    /// the padding after `refs` when the value is pointer-aligned: no room from such objects.
    hold_back: u32,
    value: T,
}

// SAFETY: the vtable pointers are pointers to immutable statics; the count is atomic.
unsafe impl<T: MapiObject + Send + Sync> Send for Object<T> {}
// SAFETY: the vtable pointers are pointers to immutable statics; the count is atomic; `T` is
// `Send`.
unsafe impl<T: MapiObject + Send + Sync> Sync for Object<T> {}

impl<T: MapiObject> Deref for Object<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.value
    }
}

/// The block an interface pointer of slot `SLOT` belongs to, the object type erased: `SLOT`
/// pointers back is its start, where the `#[repr(C)]` block begins. Pointer arithmetic only, the
/// same for every object type: the generated thunks pass this to `abi::guard_method`.
#[doc(hidden)]
#[inline(always)]
pub fn block_of_slot<const SLOT: usize>(this: *mut c_void) -> *const c_void {
    this.cast::<VtablePtr>()
        .wrapping_sub(SLOT)
        .cast_const()
        .cast()
}

impl<T: MapiObject> Object<T> {
    /// `value` as an object with `refs` references, to be placed in its home's block,
    /// `hold_back` bytes after the block's [`Hold`] (0 for none: see the field).
    pub(super) fn with_refs(value: T, refs: u32, hold_back: u32) -> Self {
        Self {
            vtables: T::VTABLES,
            refs: AtomicU32::new(refs),
            hold_back,
            value,
        }
    }

    /// Recovers the block from an interface pointer of slot `SLOT`.
    ///
    /// # Safety
    ///
    /// `this` must be an interface pointer of a live `Object<T>`, taken from slot `SLOT`.
    #[doc(hidden)]
    #[inline(always)]
    pub unsafe fn from_slot<'a, const SLOT: usize>(this: *mut c_void) -> &'a Self {
        // SAFETY: the caller passes a pointer to slot `SLOT` of a live block, so `block_of_slot`
        // is a pointer to the live block.
        unsafe { &*block_of_slot::<SLOT>(this).cast::<Self>() }
    }

    /// The interface pointer of slot `slot`, without touching the count.
    #[inline(always)]
    fn slot_ptr(&self, slot: usize) -> *mut c_void {
        let first = core::ptr::from_ref(&self.vtables).cast::<VtablePtr>();
        // SAFETY: `slot` is an index of `vtables` (MapiObject's contract).
        unsafe { first.add(slot).cast_mut().cast() }
    }

    /// A new counted reference to this object's interface `I`.
    pub fn to_interface<I: Interface>(&self) -> I
    where
        T: Implements<I>,
    {
        self.add_ref();
        // SAFETY: one reference was just added for the new `I`, whose vtable is in that slot.
        unsafe { I::from_raw(self.slot_ptr(<T as Implements<I>>::SLOT)) }
    }

    /// This object's interface `I` without a reference of its own: a view of a reference the
    /// caller holds, for a struct that keeps an object's handle and calls it through `I` (no
    /// AddRef now, no Release when the view goes: it is never dropped).
    ///
    /// # Safety
    ///
    /// The view must not be used once the reference it relies on (such as a [`ComObject`]
    /// kept beside it) is released.
    pub unsafe fn interface_view<I: Interface>(&self) -> core::mem::ManuallyDrop<I>
    where
        T: Implements<I>,
    {
        // SAFETY: the slot holds `I`'s vtable; the reference is the caller's (this function's
        // contract), and `ManuallyDrop` never gives it up.
        core::mem::ManuallyDrop::new(unsafe {
            I::from_raw(self.slot_ptr(<T as Implements<I>>::SLOT))
        })
    }

    /// This object's interface `I` if it answers it, as its QueryInterface would (which runs
    /// no code of the object's, only its [`MapiObject::SLOT_IIDS`]), without a reference of its
    /// own: a view, as [`Self::interface_view`], for an interface the type may not implement.
    ///
    /// # Safety
    ///
    /// As for [`Self::interface_view`].
    pub unsafe fn query_view<I: Interface>(&self) -> Option<core::mem::ManuallyDrop<I>> {
        let slot = Self::answering_slot(&I::IID)?;
        // SAFETY: the slot answers `I`'s IID, so its vtable is `I`'s or extends it, and it is an
        // index of `vtables` (`answering_slot`); the reference is the caller's (this function's
        // contract), and `ManuallyDrop` never gives it up.
        Some(core::mem::ManuallyDrop::new(unsafe {
            I::from_raw(self.slot_ptr(slot))
        }))
    }

    /// Like [`Object::to_interface`], but `None` if the count already reached zero; see
    /// [`Object::try_add_ref`] for when this may be called.
    pub fn try_to_interface<I: Interface>(&self) -> Option<I>
    where
        T: Implements<I>,
    {
        // SAFETY: as in `to_interface`, once the reference is added.
        self.try_add_ref()
            .then(|| unsafe { I::from_raw(self.slot_ptr(<T as Implements<I>>::SLOT)) })
    }

    /// A new counted handle on this object.
    pub fn to_object(&self) -> ComObject<T> {
        self.add_ref();
        ComObject(NonNull::from(self))
    }

    /// This object's identity, the pointer `QueryInterface(IID_IUnknown)` returns.
    pub fn as_unknown_ptr(&self) -> *mut c_void {
        self.slot_ptr(0)
    }

    /// The reference count now: a snapshot other threads may change at once, for leak reports
    /// and tests.
    pub fn ref_count(&self) -> u32 {
        self.refs.load(Ordering::Acquire)
    }

    /// `IUnknown::AddRef`: the new count.
    ///
    /// The count saturates rather than wraps: once it reaches [`SATURATED`] (2^31 references,
    /// which only a leak of references produces) the object stays alive for good, leaked, rather
    /// than freed while references to it remain. Like the Linux kernel's `refcount_t`, and unlike
    /// `Arc`, which aborts the process: MAPI's process is the host's, not ours to end.
    #[inline(always)]
    pub fn add_ref(&self) -> u32 {
        // Relaxed, as in `Arc::clone`: a new reference can only come from an existing one.
        let old = self.refs.fetch_add(1, Ordering::Relaxed);
        if old >= SATURATED {
            return self.saturate();
        }
        old + 1
    }

    /// Pins a saturated count in the middle of the saturated range, so that no number of
    /// racing AddRefs and Releases brings it back to zero or past `u32::MAX`.
    #[cold]
    fn saturate(&self) -> u32 {
        self.refs.store(PINNED, Ordering::Relaxed);
        PINNED
    }

    /// Adds a reference unless the count already reached zero (the object is being destroyed):
    /// the upgrade of a weak pointer. The caller must know the block is still allocated, for
    /// example because the object's `Drop` clears the weak pointer under a lock the caller holds.
    pub fn try_add_ref(&self) -> bool {
        let mut count = self.refs.load(Ordering::Relaxed);
        while count != 0 {
            if count >= SATURATED {
                // Immortal: a reference more changes nothing.
                return true;
            }
            match self.refs.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => count = actual,
            }
        }
        false
    }

    /// `IUnknown::Release`: the new count; at zero the object is dropped and freed.
    ///
    /// # Safety
    ///
    /// The caller gives up one reference; `this` must not be used afterwards.
    #[inline(always)]
    pub unsafe fn release(this: *const Self) -> u32 {
        // SAFETY: the caller still holds a reference, so the block is alive here.
        let old = unsafe { (*this).refs.fetch_sub(1, Ordering::Release) };
        if old >= SATURATED {
            // SAFETY: as above; a saturated object is never freed.
            return unsafe { (*this).saturate() };
        }
        let remaining = old.wrapping_sub(1);
        if remaining == 0 {
            // Pairs with the Release above in other threads: their uses happen before the drop.
            fence(Ordering::Acquire);
            // SAFETY: the count reached zero, so this was the last reference to the object,
            // which lives in its home (`Home`'s contract).
            unsafe { T::Home::released(this.cast_mut()) };
        }
        remaining
    }

    /// Drops the user's value, and frees the block or gives up its hold on it.
    ///
    /// # Safety
    ///
    /// `this` came from `Box::into_raw` in [`ComObject::new`], or from
    /// [`Reserved::host`](super::pair::Reserved::host), and its count reached zero.
    #[cold]
    unsafe fn destroy(this: *mut Self)
    where
        T: MapiObject<Home = Alone>,
    {
        // SAFETY: the block is alive until freed or given up below; the field never changes.
        let hold_back = unsafe { (*this).hold_back };
        // The user's Drop runs here, inside Release: a panic in it is reported and goes no
        // further. The block is freed either way (the unwinding drops the other fields and
        // the box), or its hold given up.
        // The thunks' guard, over the erased pointer: the unwinding machinery is compiled once,
        // not again for every object type (this is a rare, cold path).
        let _ = crate::com::abi::guard_fn(
            "IUnknown::Release",
            core::any::type_name::<T>,
            this.cast::<c_void>(),
            |this| {
                let this = this.cast::<Self>();
                // SAFETY: alive until dropped here; the field never changes.
                if unsafe { (*this).hold_back } == 0 {
                    // SAFETY: the caller's contract: the last reference to a block from
                    // `Box::into_raw`.
                    drop(unsafe { Box::from_raw(this) })
                } else {
                    // SAFETY: the caller's contract: the last reference to the object, placed by
                    // `Reserved::host`, which owns its value; dropped once, here.
                    unsafe { core::ptr::drop_in_place(&raw mut (*this).value) }
                }
            },
        );
        if hold_back != 0 {
            // SAFETY: `Reserved::host` placed the object `hold_back` bytes after the hold of the
            // block it is in, with a pointer derived from the block's, and gave it one hold,
            // given up once, here, now that the value is gone.
            unsafe {
                let hold = this.byte_sub(hold_back as usize).cast::<Hold>();
                Hold::unhold(NonNull::new_unchecked(hold));
            }
        }
    }

    /// `IUnknown::QueryInterface`.
    ///
    /// # Safety
    ///
    /// `ppv` must be valid for a pointer write.
    #[inline(always)]
    pub unsafe fn query(&self, iid: &GUID, ppv: *mut *mut c_void) -> HRESULT {
        match Self::answering_slot(iid) {
            Some(slot) => {
                self.add_ref();
                // SAFETY: `ppv` is writable (this function's contract); the reference just added
                // belongs to the interface pointer written. `slot` is an index of `vtables`
                // (`answering_slot`).
                unsafe { ppv.write(self.slot_ptr(slot)) };
                S_OK
            }
            None => {
                // SAFETY: `ppv` is writable (this function's contract).
                unsafe { ppv.write(core::ptr::null_mut()) };
                E_NOINTERFACE
            }
        }
    }

    /// The slot that answers `iid` ([`interface_slot`]): an index of `vtables`, by the assertion
    /// here and `MapiObject`'s contract.
    #[inline(always)]
    fn answering_slot(iid: &GUID) -> Option<usize> {
        const {
            assert!(
                T::SLOT_IIDS.len() * size_of::<VtablePtr>() <= size_of::<T::Vtables>(),
                "MapiObject::SLOT_IIDS has more entries than VTABLES"
            )
        };
        interface_slot::<T>(iid)
    }
}

/// An owned, counted reference to a Rust COM object; `Clone` is `AddRef`, `Drop` is `Release`.
///
/// Dereferences to [`Object<T>`], and through it to `T`.
pub struct ComObject<T: MapiObject>(NonNull<Object<T>>);

// SAFETY: a counted pointer to an `Object<T>`, which is `Send + Sync` for such `T`.
unsafe impl<T: MapiObject + Send + Sync> Send for ComObject<T> {}
// SAFETY: a counted pointer to an `Object<T>`, which is `Send + Sync` for such `T`.
unsafe impl<T: MapiObject + Send + Sync> Sync for ComObject<T> {}

impl<T: MapiObject> ComObject<T> {
    /// Moves `value` into a new COM object with a reference count of 1, in a block of its own.
    pub fn new(value: T) -> Self
    where
        T: MapiObject<Home = Alone>,
    {
        let block = Box::new(Object::with_refs(value, 1, 0));
        // SAFETY: Box::into_raw never returns NULL.
        Self(unsafe { NonNull::new_unchecked(Box::into_raw(block)) })
    }

    /// Takes over a counted reference to `object`, which the caller gives up.
    ///
    /// # Safety
    ///
    /// The caller owns one reference to the live object at `object`.
    pub(super) unsafe fn from_counted(object: NonNull<Object<T>>) -> Self {
        Self(object)
    }

    /// Gives this reference to a new interface pointer `I` (no count change).
    pub fn into_interface<I: Interface>(self) -> I
    where
        T: Implements<I>,
    {
        let raw = self.slot_ptr(<T as Implements<I>>::SLOT);
        core::mem::forget(self);
        // SAFETY: the reference held by `self` now belongs to the new `I`.
        unsafe { I::from_raw(raw) }
    }
}

impl<T: MapiObject> Deref for ComObject<T> {
    type Target = Object<T>;

    #[inline(always)]
    fn deref(&self) -> &Object<T> {
        // SAFETY: a ComObject holds a reference, so the block is alive.
        unsafe { self.0.as_ref() }
    }
}

impl<T: MapiObject> Clone for ComObject<T> {
    fn clone(&self) -> Self {
        self.to_object()
    }
}

impl<T: MapiObject> Drop for ComObject<T> {
    fn drop(&mut self) {
        // SAFETY: this handle's reference is given up here.
        unsafe { Object::release(self.0.as_ptr()) };
    }
}

impl<T: MapiObject + core::fmt::Debug> core::fmt::Debug for ComObject<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("ComObject").field(&**self).finish()
    }
}

impl<T: MapiObject + core::fmt::Debug> core::fmt::Debug for Object<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.value.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::{ComObject, MapiObject, Ordering, PINNED, SATURATED, VtablePtr};
    use crate::com::query::unknown_vtbl;
    use crate::interfaces::IMsgStore;
    use core::ffi::c_void;
    use core::sync::atomic::AtomicUsize;
    use windows_core::{GUID, IUnknown_Vtbl};

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    struct Counted;

    // SAFETY: one vtable, IUnknown's, built for this type and slot 0; no IID but IUnknown's.
    unsafe impl MapiObject for Counted {
        type Vtables = [VtablePtr; 1];
        const VTABLES: Self::Vtables =
            [&unknown_vtbl::<Self, 0>() as *const IUnknown_Vtbl as VtablePtr];
        const SLOT_IIDS: &'static [&'static [GUID]] = &[];
        type Home = super::Alone;
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// An object with an interface besides IUnknown, for `query_view`.
    #[mapi_spi_macros::mapi_object(IMsgStore)]
    struct Store;

    impl crate::interfaces::IMAPIPropImpl for Store {}
    impl crate::interfaces::IMsgStoreImpl for Store {}

    #[test]
    fn a_query_view_answers_as_query_interface_without_a_reference() {
        use crate::interfaces::{IMAPIProp, IMSLogon};
        use windows_core::{IUnknown, Interface};
        let object = ComObject::new(Store);
        // SAFETY: the views are used while `object` holds its reference.
        let (unknown, prop, logon) = unsafe {
            (
                object.query_view::<IUnknown>(),
                object.query_view::<IMAPIProp>(),
                object.query_view::<IMSLogon>(),
            )
        };
        assert_eq!(object.ref_count(), 1, "no reference taken");
        assert_eq!(unknown.expect("answered").as_raw(), object.as_unknown_ptr());
        let counted: IMsgStore = object.to_interface();
        assert_eq!(
            prop.expect("a base of IMsgStore").as_raw(),
            counted.as_raw(),
            "the slot QueryInterface answers with"
        );
        assert!(logon.is_none(), "not an interface of the object");
    }

    #[test]
    fn the_reference_count_saturates_instead_of_wrapping() {
        let object = ComObject::new(Counted);
        let raw: *mut c_void = object.as_unknown_ptr();
        // SAFETY: `raw` is the object's IUnknown, whose first word points to its vtable.
        let vtbl = unsafe { &**raw.cast::<*const IUnknown_Vtbl>() };
        // 2^32 - 1 references, as a host that leaks them would leave (too many to take one by
        // one in a test).
        object.refs.store(u32::MAX, Ordering::Relaxed);
        // SAFETY: AddRef and Release of a live object, each Release giving one reference up.
        unsafe {
            assert_eq!(
                (vtbl.AddRef)(raw),
                PINNED,
                "AddRef past u32::MAX once wrapped to 0"
            );
            for _ in 0..3 {
                assert!((vtbl.Release)(raw) >= SATURATED);
            }
            assert!((vtbl.AddRef)(raw) >= SATURATED);
        }
        drop(object);
        assert_eq!(
            DROPS.load(Ordering::SeqCst),
            0,
            "saturated: never freed, leaked"
        );
    }
}
