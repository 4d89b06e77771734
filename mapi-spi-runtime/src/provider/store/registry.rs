//! The per-session registry of open stores: the seed page's "linked list of all the stores
//! opened using this provider object and not yet closed".
//!
//! One registry belongs to one provider object, so two MAPI sessions never see each other's
//! stores. It is a hash map from the provider's canonical store key
//! ([`super::StoreProvider::store_key`]) to the store's shared state: insert, remove and lookup
//! are O(1), where a list compared with `CompareStoreIDs` would be O(n). The lock is held only
//! for the map operation itself and never while MAPI or provider code runs: store teardown
//! re-enters the provider (Logoff from inside `IMAPISupport::Release`).
//!
//! A logon hashes its key once ([`Registry::key`]): its lookup, its insert and its store's
//! removal reuse that hash, and each is one probe of the table (hashbrown's `HashTable`, which
//! takes the hash as given). The table does not copy the key either: each entry's key is the
//! one its store holds ([`Registered`]).

use core::ops::{Deref, DerefMut};
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use smallvec::SmallVec;

use crate::sync::lock;

/// How many bytes of a key [`KeyBytes`] keeps in place: a store's name or a short path.
const INLINE_KEY: usize = 64;

/// The bytes of a store key, as [`super::StoreProvider::store_key`] makes them: kept in place
/// up to 64 bytes, so that making the key of a logon allocates nothing; on the heap when longer.
/// Made from a slice, a `Vec<u8>` or an iterator of bytes, and changed in place as a `[u8]`:
///
/// ```
/// use mapi_spi_runtime::provider::store::KeyBytes;
///
/// let name = b"Inbox Store";
/// let folded: KeyBytes = name.iter().map(u8::to_ascii_lowercase).collect();
/// assert_eq!(&folded[..], b"inbox store");
/// let mut in_place = KeyBytes::from(&name[..]);
/// in_place.make_ascii_lowercase();
/// assert_eq!(in_place, folded);
/// assert_eq!(KeyBytes::from(&b"inbox store"[..]), folded);
/// assert_eq!(KeyBytes::from(b"inbox store".to_vec()), folded);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyBytes(SmallVec<[u8; INLINE_KEY]>);

impl Deref for KeyBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// A key is changed in place before it is keyed ([`Registry::key`]), where making it from an
/// iterator would push byte by byte.
impl DerefMut for KeyBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

/// A spool security payload or an ID compared with a key (`spool == self.store_key(id)?`).
impl PartialEq<KeyBytes> for &[u8] {
    fn eq(&self, key: &KeyBytes) -> bool {
        **self == *key.0
    }
}

impl From<&[u8]> for KeyBytes {
    fn from(bytes: &[u8]) -> Self {
        Self(SmallVec::from_slice(bytes))
    }
}

/// A `Vec` with room for more than 64 bytes is kept as it is (no copy).
impl From<Vec<u8>> for KeyBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(SmallVec::from_vec(bytes))
    }
}

impl FromIterator<u8> for KeyBytes {
    fn from_iter<I: IntoIterator<Item = u8>>(bytes: I) -> Self {
        Self(bytes.into_iter().collect())
    }
}

/// A store key with its hash, made once per logon by [`Registry::key`].
#[derive(Debug)]
pub struct StoreKey {
    hash: u64,
    bytes: KeyBytes,
}

impl StoreKey {
    /// The key's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A value the registry holds: it carries the key it is registered under, which the table
/// reads for as long as it holds the value.
pub trait Registered {
    /// The key, made by the same registry's [`Registry::key`]; the same for the value's life.
    fn key(&self) -> &StoreKey;
}

// Compared by its hash first, then its bytes.
impl PartialEq for StoreKey {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.bytes == other.bytes
    }
}

impl Eq for StoreKey {}

/// Where `key` is in the table: the entry registered under an equal key.
fn is<H: Deref<Target: Registered>>(key: &StoreKey) -> impl Fn(&H) -> bool + '_ {
    move |there| there.key() == key
}

/// The hash of a registered value, when the table grows.
fn hash_of<H: Deref<Target: Registered>>(value: &H) -> u64 {
    value.key().hash
}

/// Open stores by key. `H` is a counted handle (an `Arc`, a `PairRef`) on the state a store
/// shares with its logon object, which the registry holds while the store is registered.
pub struct Registry<H> {
    /// Hashes the keys, seeded at random per registry (per process and per instance), as
    /// `HashMap`'s SipHash is, at a tenth of its cost per logon. foldhash is only "minimally"
    /// HashDoS-resistant (no fixed set of keys collides in every registry; an attacker who
    /// could observe this registry's timing might find collisions for it), which is enough
    /// here: a registry holds the stores one session has open at once, a handful, each one a
    /// logon through MAPI with its support object, so even all of them colliding would cost a
    /// few comparisons of keys no longer than an entry ID.
    hasher: foldhash::fast::RandomState,
    stores: Mutex<HashTable<H>>,
}

impl<H> Default for Registry<H> {
    fn default() -> Self {
        Self {
            hasher: foldhash::fast::RandomState::default(),
            stores: Mutex::new(HashTable::new()),
        }
    }
}

impl<H: Deref<Target: Registered> + Clone> Registry<H> {
    fn table(&self) -> MutexGuard<'_, HashTable<H>> {
        lock(&self.stores)
    }

    /// `bytes` as a key of this registry: hashed here, once.
    pub fn key(&self, bytes: impl Into<KeyBytes>) -> StoreKey {
        let bytes = bytes.into();
        StoreKey {
            hash: self.hasher.hash_one(&bytes[..]),
            bytes,
        }
    }

    /// The store open under `key`, if any.
    pub fn lookup(&self, key: &StoreKey) -> Option<H> {
        self.lookup_with(key, |open| Some(open.clone()))
    }

    /// What `take` makes of the store open under `key`, if any: `take` runs under the lock, so
    /// the store cannot be removed meanwhile (a value's `Drop` that removes it first may rely on
    /// that); like [`Self::insert_unless`]'s `keep`, it must not call MAPI or provider code.
    pub fn lookup_with<R>(&self, key: &StoreKey, take: impl FnOnce(&H) -> Option<R>) -> Option<R> {
        self.table().find(key.hash, is(key)).and_then(take)
    }

    /// Registers `value` under its key, unless `keep` takes the store already there (two logons
    /// raced: the first one wins), returning what `keep` made of it. A store `keep` declines
    /// (it is being torn down) is replaced. `keep` runs under the lock, so the store it takes
    /// cannot be replaced meanwhile; it must not call MAPI or provider code.
    pub fn insert_unless<R>(&self, value: H, keep: impl FnOnce(&H) -> Option<R>) -> Result<(), R> {
        let key = value.key();
        let mut table = self.table();
        let replaced = match table.entry(key.hash, is(key), hash_of) {
            Entry::Occupied(mut there) => {
                if let Some(kept) = keep(there.get()) {
                    return Err(kept);
                }
                Some(core::mem::replace(there.get_mut(), value))
            }
            Entry::Vacant(slot) => {
                slot.insert(value);
                None
            }
        };
        // A store replaced is dropped after the lock.
        drop(table);
        drop(replaced);
        Ok(())
    }

    /// Removes `value` if it is still the store registered under its key (not a store opened
    /// again since), and returns the registry's handle on it (to drop after the lock).
    /// Idempotent.
    pub fn remove(&self, value: &H::Target) -> Option<H> {
        let mut table = self.table();
        let entry = table.find_entry(value.key().hash, |there| core::ptr::eq(&**there, value));
        entry.ok().map(|entry| entry.remove().0)
    }

    /// What is open, leaving it registered (the lock is not held while the caller uses it).
    pub fn snapshot(&self) -> Vec<H> {
        self.table().iter().cloned().collect()
    }

    /// Empties the registry, returning what was open.
    pub fn drain(&self) -> Vec<H> {
        self.table().drain().collect()
    }

    pub fn len(&self) -> usize {
        self.table().len()
    }

    pub fn is_empty(&self) -> bool {
        self.table().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::{Registered, Registry, StoreKey};
    use std::sync::Arc;

    /// A registered value: its key and a number.
    #[derive(Debug)]
    struct Open(StoreKey, i32);

    impl Registered for Open {
        fn key(&self) -> &StoreKey {
            &self.0
        }
    }

    fn open(registry: &Registry<Arc<Open>>, key: &[u8], n: i32) -> Arc<Open> {
        Arc::new(Open(registry.key(key.to_vec()), n))
    }

    #[test]
    fn insert_lookup_remove() {
        let registry = Registry::default();
        let a = open(&registry, b"a", 1);
        assert!(
            registry
                .insert_unless(a.clone(), |existing| Some(existing.clone()))
                .is_ok()
        );
        let number = |key: &[u8]| registry.lookup(&registry.key(key.to_vec())).map(|o| o.1);
        assert_eq!(number(b"a"), Some(1));
        assert_eq!(number(b"b"), None);
        // A second open of the same key hands back the first, which stays registered.
        let again =
            registry.insert_unless(open(&registry, b"a", 2), |existing| Some(existing.clone()));
        assert!(Arc::ptr_eq(&again.unwrap_err(), &a));
        assert_eq!(number(b"a"), Some(1));
        // Removing another value of that key does nothing; the registered one goes, once.
        assert!(registry.remove(&open(&registry, b"a", 1)).is_none());
        assert!(registry.remove(&a).is_some());
        assert!(registry.remove(&a).is_none());
        assert!(registry.is_empty());
    }

    #[test]
    fn a_store_being_torn_down_is_replaced() {
        let registry = Registry::default();
        let first = open(&registry, b"k", 1);
        registry
            .insert_unless(first.clone(), |existing| Some(existing.clone()))
            .unwrap();
        let second = open(&registry, b"k", 2);
        assert!(
            registry
                .insert_unless(second.clone(), |_| None::<Arc<Open>>)
                .is_ok()
        );
        // The entry is the second store's, key included: the first one can go.
        drop(first);
        assert_eq!(
            registry.lookup(&registry.key(b"k".to_vec())).map(|o| o.1),
            Some(2)
        );
        assert!(registry.remove(&second).is_some());
        assert!(registry.insert_unless(second, |_| None::<()>).is_ok());
        assert_eq!(registry.drain().len(), 1);
        assert_eq!(registry.len(), 0);
    }

    #[test]
    fn many_keys_of_one_registry_find_their_stores() {
        let registry = Registry::default();
        let stores: Vec<_> = (0..200)
            .map(|n| open(&registry, format!("store {n}").as_bytes(), n))
            .collect();
        for store in &stores {
            registry
                .insert_unless(store.clone(), |_| None::<()>)
                .unwrap();
        }
        for n in 0..200 {
            let key = registry.key(format!("store {n}").into_bytes());
            assert_eq!(registry.lookup(&key).map(|o| o.1), Some(n));
        }
        assert_eq!(registry.len(), 200);
    }
}
