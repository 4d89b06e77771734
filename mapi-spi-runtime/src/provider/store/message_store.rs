//! The store a provider author writes: [`MessageStore`], and what it knows of its logon,
//! [`StoreContext`], behind a [`StoreRef`].

use core::ffi::c_void;
use core::mem::ManuallyDrop;
use core::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use super::registry::StoreKey;
use crate::alloc::AllocatorSet;
use crate::com::{Alone, Implements, KeptRef, MapiObject, Object};
use crate::interfaces::{IMAPISupport, IMsgStore, IMsgStoreImpl};
use crate::provider::{LastError, ProviderError};
use crate::sync::CallGate;
use smallvec::SmallVec;
use windows_core::{HRESULT, Interface};

/// What a store knows about its logon: the support object MAPI gave it, the allocators, the
/// unwrapped entry ID, the store key and the logon flags. The runtime makes one per fresh logon
/// and hands it to [`super::StoreProvider::logon`] behind a [`StoreRef`], which a store keeps.
pub struct StoreContext {
    pub(crate) entry_id: EntryIdBuf,
    /// [`super::StoreProvider::store_key`] of `entry_id`: what the registry knows the store by.
    pub(crate) store_key: StoreKey,
    pub(crate) flags: u32,
    pub(crate) allocators: AllocatorSet,
    /// The store's one counted reference, from the logon's success to the store's logoff.
    pub(crate) support: SupportSlot,
    pub(crate) spooler: AtomicBool,
    /// The store's last failure, which `GetLastError` on its store and logon objects describes.
    pub(crate) last_error: LastError,
}

impl StoreContext {
    /// The store's own (unwrapped) entry ID, as MAPI passed it to `Logon`.
    #[inline]
    pub fn entry_id(&self) -> &[u8] {
        &self.entry_id
    }

    /// The store's canonical key, as [`super::StoreProvider::store_key`] made it from
    /// [`Self::entry_id`] for this logon (the runtime keys its open stores by it): a provider
    /// needs not make it again.
    pub fn store_key(&self) -> &[u8] {
        self.store_key.bytes()
    }

    /// The `ulFlags` of the logon that opened the store.
    #[inline]
    pub fn logon_flags(&self) -> u32 {
        self.flags
    }

    /// MAPI's allocators: every buffer a method returns must come from them.
    #[inline]
    pub fn allocators(&self) -> &AllocatorSet {
        &self.allocators
    }

    /// The support object of this store, until the store is logged off.
    pub fn support(&self) -> Option<IMAPISupport> {
        self.support.get()
    }

    /// Keeps `error` as the store's last error, which `GetLastError` describes (on the store
    /// object and on the logon object: a method of either reaches the same store methods), and
    /// returns the code a failed store method answers: `return cx.fail(ProviderError::new(...))`.
    /// A method that fails without it is described by its interface method and code
    /// (`IMsgStore::OpenEntry failed with MAPI_E_NOT_FOUND`), unless the store's own
    /// `GetLastError` describes it.
    pub fn fail(&self, error: impl Into<ProviderError>) -> HRESULT {
        self.last_error.fail(error)
    }

    /// Whether the MAPI spooler has logged on to this store (`SpoolerLogon`).
    #[inline]
    pub fn is_spooler_attached(&self) -> bool {
        self.spooler.load(Ordering::Acquire)
    }
}

/// A counted handle on a store's [`StoreContext`], as [`super::StoreProvider::logon`] hands it
/// out: the store keeps it, and the objects it opens may keep clones. The context lives in the
/// heap block of the runtime's store and logon objects (one allocation per logon, as a C store
/// makes), and stays after they are gone while a handle does.
#[derive(Clone)]
pub struct StoreRef(pub(crate) KeptRef<StoreContext>);

impl StoreRef {
    /// A view of the kept handle `kept` as a store's handle, never dropped: what the runtime
    /// lends a logon and keeps beside the store, where the pair's own hold outlives it.
    pub(crate) fn view(kept: ManuallyDrop<KeptRef<StoreContext>>) -> ManuallyDrop<Self> {
        ManuallyDrop::new(Self(ManuallyDrop::into_inner(kept)))
    }
}

impl Deref for StoreRef {
    type Target = StoreContext;

    fn deref(&self) -> &StoreContext {
        &self.0
    }
}

/// How long an entry ID [`EntryIdBuf`] keeps in place: a store entry ID is a flag word, the
/// provider's UID and a name or a short path, which most of them fit in.
const INLINE_ENTRY_ID: usize = 96;

/// A store's unwrapped entry ID, in the context itself when it is short (most are), so that a
/// logon makes no allocation for it; on the heap when it is longer.
pub(crate) type EntryIdBuf = SmallVec<[u8; INLINE_ENTRY_ID]>;

/// A store's one counted reference on its support object, held from the logon's success until
/// the store gives it up (reference doc §8.3), without a lock or an allocation: no lock is held
/// while MAPI's code runs (the AddRef of a [`Self::get`], the calls and the Release of a give-up),
/// and a give-up never waits for a `get` on another thread. Whoever ends last, the give-up or a
/// `get` running when it closed the gate, releases the reference.
pub(crate) struct SupportSlot {
    /// The reference (an `IMAPISupport` pointer), set once; NULL before. Never released through
    /// here but by [`Self::release`] or `Drop` (the gate tells who). An atomic pointer, not a
    /// `OnceLock`: setting it is one compare-exchange at every logon, not a `Once`'s call.
    support: AtomicPtr<c_void>,
    /// Admits `get`s until the give-up closes it.
    gate: CallGate,
    /// Set by the first give-up: the only one that calls MAPI.
    given_up: AtomicBool,
    /// Given up after `DoFastShutdown`: no call into MAPI, not even the Release.
    forget: AtomicBool,
    /// Set once the reference is released (or forgotten).
    released: AtomicBool,
}

impl SupportSlot {
    pub(crate) const fn new() -> Self {
        Self {
            support: AtomicPtr::new(core::ptr::null_mut()),
            gate: CallGate::new(),
            given_up: AtomicBool::new(false),
            forget: AtomicBool::new(false),
            released: AtomicBool::new(false),
        }
    }

    /// Keeps `support`, the store's reference: once, before any give-up (a second reference
    /// is released here). Only the logon that made the slot sets it, on its own thread, so a
    /// load and a store do what a compare-exchange would, without its locked operation.
    pub(crate) fn set(&self, support: IMAPISupport) {
        if self.support.load(Ordering::Acquire).is_null() {
            self.support.store(support.into_raw(), Ordering::Release);
        } else {
            // Never in the runtime's own logon, which sets it once: its Release out of the way.
            core::hint::cold_path();
            drop(support);
        }
    }

    /// The kept reference, as a view that releases nothing: alive while the gate admits a
    /// `get`, or for the give-up until its close.
    #[inline]
    fn held(&self) -> Option<ManuallyDrop<IMAPISupport>> {
        let raw = self.support.load(Ordering::Acquire);
        // SAFETY: a counted reference (set with Release, read with Acquire), viewed without its
        // count: the view is never dropped, and the callers' gate or give-up keeps it alive.
        (!raw.is_null()).then(|| ManuallyDrop::new(unsafe { IMAPISupport::from_raw(raw) }))
    }

    /// A new reference, until the reference is given up.
    pub(crate) fn get(&self) -> Option<IMAPISupport> {
        if !self.gate.enter() {
            return None;
        }
        let held = self.held().map(|support| IMAPISupport::clone(&support));
        if self.gate.leave() {
            self.release();
        }
        held
    }

    /// Gives the reference up, once (later calls do nothing): `before` runs first with it (the
    /// store's `StoreLogoffTransports`), unless `forget`: then the reference is forgotten, not
    /// released, as nothing may call into MAPI any more.
    pub(crate) fn give_up(&self, forget: bool, before: impl FnOnce(&IMAPISupport)) {
        // One load on the teardown's later calls, which find it done.
        if self.given_up.load(Ordering::Acquire) || self.given_up.swap(true, Ordering::AcqRel) {
            return;
        }
        self.forget.store(forget, Ordering::Release);
        // Nobody releases the reference before the gate closes, and only this give-up closes
        // it: the reference is alive for `before`. The gate closes after `before`, not with the
        // election (one atomic operation where this takes two): MAPI may call into the store
        // during `StoreLogoffTransports` (the spooler finishing its messages), and the store's
        // `support()` must still answer then.
        if let Some(support) = self.held().filter(|_| !forget) {
            before(&support);
        }
        if self.gate.close() {
            self.release();
        }
    }

    /// Releases (or forgets) the reference: by the last party out of the closed gate, once.
    fn release(&self) {
        self.released.store(true, Ordering::Release);
        let raw = self.support.load(Ordering::Acquire);
        if !raw.is_null() && !self.forget.load(Ordering::Acquire) {
            // SAFETY: the slot's counted reference, taken over once: the gate is closed and this
            // is its last party out, so no `get` reads the slot any more, and `Drop` sees
            // `released`.
            drop(unsafe { IMAPISupport::from_raw(raw) });
        }
    }
}

impl Drop for SupportSlot {
    /// A reference never given up (a store context the logon did not finish with) is released.
    fn drop(&mut self) {
        let raw = *self.support.get_mut();
        if !*self.released.get_mut() && !raw.is_null() {
            // SAFETY: the slot's counted reference, never released (`released` is unset), and
            // nothing else can read the slot any more (`&mut self`).
            drop(unsafe { IMAPISupport::from_raw(raw) });
        }
    }
}

/// A message store, as its provider writes it: a `#[mapi_object(IMsgStore)]` type implementing
/// `IMAPIPropImpl` and `IMsgStoreImpl` with only the methods the store supports; every method it
/// leaves out answers its declared default (`MAPI_E_NO_SUPPORT`). A store that also implements
/// `IMSLogon` (`#[mapi_object(IMsgStore, IMSLogon)]`) serves the logon methods only a store can
/// answer, such as `OpenStatusEntry`.
///
/// The runtime's own store and logon objects contain it: they own the COM side MAPI sees
/// (reference counts, `StoreLogoff`, `IMSLogon::Logoff`, `GetLastError`, invalidation) and pass
/// every other call to this object, unchanged; once the store is logged off they answer
/// `MAPI_E_INVALID_OBJECT` without calling it. `IMSLogon`'s `OpenEntry`, `CompareEntryIDs`,
/// `Advise` and `Unadvise` are answered by this object's `IMsgStore` methods of the same name.
/// `GetLastError` on either describes the failure a method kept with [`StoreContext::fail`] when
/// asked about its code, and passes any other question to this object's `GetLastError`; when
/// that has nothing to say about the code of a call that failed without `fail`, the runtime
/// names the method and the code.
pub trait MessageStore:
    IMsgStoreImpl + Implements<IMsgStore> + MapiObject<Home = Alone> + Send + Sync
{
    /// Called once when the store is logged off (`IMSLogon::Logoff`, the store's final release,
    /// or the provider's `Shutdown`): release sub-objects and notifications here. Never while a
    /// call into the store runs: if one does, as it returns. The support object may be gone by
    /// then ([`StoreContext::support`] answers `None`): do not count on calling MAPI here.
    fn logoff(this: &Object<Self>) {
        let _ = this;
    }

    /// `IMAPIProviderShutdown::DoFastShutdown`: the process is about to exit without logging
    /// the store off; save what must survive. From here on no call may go into MAPI (the
    /// support object, notifications): the runtime makes none for the store either.
    fn flush(this: &Object<Self>) -> crate::provider::ProviderResult<()> {
        let _ = this;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::SupportSlot;
    use crate::com::{ComObject, Object};
    use crate::interfaces::{IMAPISupport, IMAPISupportImpl};
    use mapi_spi_macros::mapi_object;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use windows_core::{HRESULT, Interface};

    /// A support object that counts its `StoreLogoffTransports` calls.
    #[mapi_object(IMAPISupport)]
    struct Counting {
        logoff_transports: AtomicUsize,
    }

    impl IMAPISupportImpl for Counting {
        unsafe fn StoreLogoffTransports(this: &Object<Self>, _: *mut u32) -> HRESULT {
            this.logoff_transports.fetch_add(1, Ordering::SeqCst);
            HRESULT(0)
        }
    }

    fn support() -> ComObject<Counting> {
        ComObject::new(Counting {
            logoff_transports: AtomicUsize::new(0),
        })
    }

    /// `StoreLogoffTransports` through the slot's reference, as a store's teardown calls it.
    fn logoff_transports(support: &IMAPISupport) {
        let mut flags = 0;
        // SAFETY: a valid flags pointer on a live support object.
        let _ = unsafe { support.StoreLogoffTransports(&mut flags) };
    }

    #[test]
    fn the_reference_is_given_up_once_and_released_by_the_last_holder() {
        let object = support();
        let slot = SupportSlot::new();
        assert!(slot.get().is_none(), "nothing before the logon's success");
        slot.set(object.to_interface());
        assert_eq!(object.ref_count(), 2);
        slot.set(object.to_interface());
        assert_eq!(object.ref_count(), 2, "a second reference is not kept");
        let held = slot.get().expect("held until given up");
        assert_eq!(object.ref_count(), 3);
        slot.give_up(false, logoff_transports);
        slot.give_up(false, logoff_transports);
        assert_eq!(object.logoff_transports.load(Ordering::SeqCst), 1);
        assert_eq!(
            object.ref_count(),
            2,
            "released: `held` is the caller's own"
        );
        assert!(slot.get().is_none(), "none after the give-up");
        drop(held);
        drop(slot);
        assert_eq!(
            object.ref_count(),
            1,
            "the slot's drop releases nothing more"
        );
    }

    #[test]
    fn the_store_still_has_its_support_object_while_it_logs_off_its_transports() {
        let object = support();
        let slot = SupportSlot::new();
        slot.set(object.to_interface());
        // MAPI may call into the store during StoreLogoffTransports (the spooler finishing the
        // store's messages), and the store may then need its support object.
        slot.give_up(false, |support| {
            let again = slot
                .get()
                .expect("the support object, inside StoreLogoffTransports");
            assert_eq!(again.as_raw(), support.as_raw());
            logoff_transports(&again);
        });
        assert_eq!(object.logoff_transports.load(Ordering::SeqCst), 1);
        assert!(slot.get().is_none(), "none once the give-up is done");
        assert_eq!(object.ref_count(), 1, "released, the get's reference too");
    }

    #[test]
    fn a_give_up_while_a_get_runs_leaves_the_release_to_it() {
        let object = support();
        let slot = SupportSlot::new();
        slot.set(object.to_interface());
        // A `get` admitted on another thread, still inside when the give-up comes.
        assert!(slot.gate.enter());
        slot.give_up(false, logoff_transports);
        assert_eq!(object.logoff_transports.load(Ordering::SeqCst), 1);
        assert_eq!(object.ref_count(), 2, "not released under the running get");
        assert!(slot.gate.leave(), "the get ends last");
        slot.release();
        assert_eq!(object.ref_count(), 1);
    }

    #[test]
    fn a_forgotten_reference_calls_nothing_and_a_reference_never_given_up_is_released() {
        let object = support();
        let slot = SupportSlot::new();
        slot.set(object.to_interface());
        slot.give_up(true, logoff_transports);
        assert_eq!(object.logoff_transports.load(Ordering::SeqCst), 0);
        drop(slot);
        assert_eq!(object.ref_count(), 2, "forgotten: no Release either");
        // The forgotten reference, released here so that the test leaks nothing (after a fast
        // shutdown the process exit takes it).
        let again: IMAPISupport = object.to_interface();
        // SAFETY: the forgotten reference is a second counted reference to this very pointer:
        // owning it once more and dropping it gives that reference up, `again` its own.
        drop(unsafe { IMAPISupport::from_raw(again.as_raw()) });
        drop(again);
        assert_eq!(object.ref_count(), 1);

        let other = support();
        let slot = SupportSlot::new();
        slot.set(other.to_interface());
        drop(slot);
        assert_eq!(other.ref_count(), 1);
    }
}
