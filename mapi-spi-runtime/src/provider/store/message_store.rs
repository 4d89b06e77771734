//! The store a provider author writes: [`MessageStore`], and what it knows of its logon,
//! [`StoreContext`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::alloc::AllocatorSet;
use crate::com::{Implements, Object};
use crate::interfaces::{IMAPISupport, IMsgStore, IMsgStoreImpl};
use crate::sync::lock;

/// What a store knows about its logon: the support object MAPI gave it, the allocators, the
/// unwrapped entry ID and the logon flags. The runtime makes one per fresh logon and hands it to
/// [`super::StoreProvider::logon`]; a store keeps it (it is behind an `Arc`).
pub struct StoreContext {
    pub(crate) entry_id: Vec<u8>,
    pub(crate) flags: u32,
    pub(crate) allocators: AllocatorSet,
    /// The store's one counted reference, behind an `Arc` so that [`Self::support`] AddRefs it
    /// after letting the lock go: no lock is held while MAPI's code runs.
    pub(crate) support: Mutex<Option<Arc<IMAPISupport>>>,
    pub(crate) spooler: AtomicBool,
}

impl StoreContext {
    /// The store's own (unwrapped) entry ID, as MAPI passed it to `Logon`.
    pub fn entry_id(&self) -> &[u8] {
        &self.entry_id
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
