//! The per-session registry of open stores: the seed page's "linked list of all the stores
//! opened using this provider object and not yet closed".
//!
//! One registry belongs to one provider object, so two MAPI sessions never see each other's
//! stores. It is a hash map from the provider's canonical store key
//! ([`super::StoreProvider::store_key`]) to the store's shared state: insert, remove and lookup
//! are O(1), where a list compared with `CompareStoreIDs` would be O(n). The lock is held only
//! for the map operation itself and never while MAPI or provider code runs: store teardown
//! re-enters the provider (Logoff from inside `IMAPISupport::Release`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::sync::lock;

/// Open stores by key. `V` is the state a store shares with its logon object.
pub struct Registry<V> {
    stores: Mutex<HashMap<Vec<u8>, Arc<V>>>,
}

impl<V> Default for Registry<V> {
    fn default() -> Self {
        Self {
            stores: Mutex::new(HashMap::new()),
        }
    }
}

impl<V> Registry<V> {
    fn map(&self) -> MutexGuard<'_, HashMap<Vec<u8>, Arc<V>>> {
        lock(&self.stores)
    }

    /// The store open under `key`, if any.
    pub fn lookup(&self, key: &[u8]) -> Option<Arc<V>> {
        self.map().get(key).cloned()
    }

    /// Registers `value` under `key`, unless `keep` takes the store already there (two logons
    /// raced: the first one wins), returning what `keep` made of it. A store `keep` declines
    /// (it is being torn down) is replaced. `keep` runs under the lock, so the store it takes
    /// cannot be replaced meanwhile; it must not call MAPI or provider code.
    pub fn insert_unless<R>(
        &self,
        key: Vec<u8>,
        value: Arc<V>,
        keep: impl FnOnce(&Arc<V>) -> Option<R>,
    ) -> Result<(), R> {
        // One lookup of the key: hashing it is most of the cost.
        match self.map().entry(key) {
            Entry::Occupied(mut there) => match keep(there.get()) {
                Some(kept) => return Err(kept),
                None => {
                    there.insert(value);
                }
            },
            Entry::Vacant(free) => {
                free.insert(value);
            }
        }
        Ok(())
    }

    /// Removes `key` if it still maps to `value` (not to a store opened again since). Idempotent.
    pub fn remove(&self, key: &[u8], value: &Arc<V>) -> bool {
        let mut map = self.map();
        // Taken out and, in the rare case that it is another store's, put back: one lookup of
        // the key when it is ours.
        match map.remove_entry(key) {
            Some((_, current)) if Arc::ptr_eq(&current, value) => true,
            Some((key, other)) => {
                map.insert(key, other);
                false
            }
            None => false,
        }
    }

    /// What is open, leaving it registered (the lock is not held while the caller uses it).
    pub fn snapshot(&self) -> Vec<Arc<V>> {
        self.map().values().cloned().collect()
    }

    /// Empties the registry, returning what was open.
    pub fn drain(&self) -> Vec<Arc<V>> {
        self.map().drain().map(|(_, value)| value).collect()
    }

    pub fn len(&self) -> usize {
        self.map().len()
    }

    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Registry;
    use std::sync::Arc;

    #[test]
    fn insert_lookup_remove() {
        let registry = Registry::default();
        let a = Arc::new(1);
        assert!(
            registry
                .insert_unless(b"a".to_vec(), a.clone(), |existing| Some(existing.clone()))
                .is_ok()
        );
        assert_eq!(registry.lookup(b"a").as_deref(), Some(&1));
        assert_eq!(registry.lookup(b"b"), None);
        // A second open of the same key hands back the first.
        let again = registry.insert_unless(b"a".to_vec(), Arc::new(2), |existing| {
            Some(existing.clone())
        });
        assert!(Arc::ptr_eq(&again.unwrap_err(), &a));
        // Removing with a stale value does nothing; with the right one, once.
        assert!(!registry.remove(b"a", &Arc::new(1)));
        assert!(registry.remove(b"a", &a));
        assert!(!registry.remove(b"a", &a));
        assert!(registry.is_empty());
    }

    #[test]
    fn a_store_being_torn_down_is_replaced() {
        let registry = Registry::default();
        registry
            .insert_unless(b"k".to_vec(), Arc::new(1), |existing| {
                Some(existing.clone())
            })
            .unwrap();
        assert!(
            registry
                .insert_unless(b"k".to_vec(), Arc::new(2), |_| None::<Arc<i32>>)
                .is_ok()
        );
        assert_eq!(registry.lookup(b"k").as_deref(), Some(&2));
        assert_eq!(registry.drain().len(), 1);
        assert_eq!(registry.len(), 0);
    }
}
