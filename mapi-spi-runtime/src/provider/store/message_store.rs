//! The store a provider author writes: [`MessageStore`], and what it knows of its logon,
//! [`StoreContext`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::registry::StoreKey;
use crate::alloc::AllocatorSet;
use crate::com::{Implements, Object};
use crate::interfaces::{IMAPISupport, IMsgStore, IMsgStoreImpl};
use crate::provider::{LastError, ProviderError};
use crate::sync::lock;
use windows_core::HRESULT;

/// What a store knows about its logon: the support object MAPI gave it, the allocators, the
/// unwrapped entry ID, the store key and the logon flags. The runtime makes one per fresh logon and hands it to
/// [`super::StoreProvider::logon`]; a store keeps it (it is behind an `Arc`).
pub struct StoreContext {
    pub(crate) entry_id: Vec<u8>,
    /// [`super::StoreProvider::store_key`] of `entry_id`: what the registry knows the store by.
    pub(crate) store_key: StoreKey,
    pub(crate) flags: u32,
    pub(crate) allocators: AllocatorSet,
    /// The store's one counted reference, behind an `Arc` so that [`Self::support`] AddRefs it
    /// after letting the lock go: no lock is held while MAPI's code runs.
    pub(crate) support: Mutex<Option<Arc<IMAPISupport>>>,
    pub(crate) spooler: AtomicBool,
    /// The store's last failure, which `GetLastError` on its store and logon objects describes.
    pub(crate) last_error: LastError,
}

impl StoreContext {
    /// The store's own (unwrapped) entry ID, as MAPI passed it to `Logon`.
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
    pub fn logon_flags(&self) -> u32 {
        self.flags
    }

    /// MAPI's allocators: every buffer a method returns must come from them.
    pub fn allocators(&self) -> &AllocatorSet {
        &self.allocators
    }

    /// The support object of this store, until the store is logged off.
    pub fn support(&self) -> Option<IMAPISupport> {
        let held = lock(&self.support).clone();
        held.map(|support| (*support).clone())
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
    pub fn is_spooler_attached(&self) -> bool {
        self.spooler.load(Ordering::Acquire)
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
pub trait MessageStore: IMsgStoreImpl + Implements<IMsgStore> + Send + Sync {
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
