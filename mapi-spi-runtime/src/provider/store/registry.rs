//! The per-session registry of open stores: the seed page's "linked list of all the stores
//! opened using this provider object and not yet closed".
//!
//! One registry belongs to one provider object, so two MAPI sessions never see each other's
//! stores. It finds a store by the provider's canonical store key
//! ([`super::StoreProvider::store_key`]). A session usually has one store of a provider open,
//! or a few: up to eight the registry keeps them in a list and compares keys, which costs less
//! than hashing one; past that, in a hash table (hashbrown's `HashTable`): insert, remove and
//! lookup are O(1), where a list compared with `CompareStoreIDs` would be O(n). The lock is held
//! only for the list or table operation itself and never while MAPI or provider code runs:
//! store teardown re-enters the provider (Logoff from inside `IMAPISupport::Release`); and a
//! lookup in an empty registry, a store's first logon in the session, takes none.
//!
//! While the registry hashes, a logon hashes its key once ([`Registry::key`]): its lookup, its
//! insert and its store's removal reuse that hash, each one probe of the table. Neither the
//! list nor the table copies the key: each entry's key is the one its store holds
//! ([`Registered`]).

use core::ops::{Deref, DerefMut};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use arrayvec::ArrayVec;
use hashbrown::HashTable;
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

    #[inline]
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// A key is changed in place before it is keyed ([`Registry::key`]), where making it from an
/// iterator would push byte by byte.
impl DerefMut for KeyBytes {
    #[inline]
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
    #[inline]
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

/// How many stores a registry keeps in a list it scans, comparing keys, before it hashes them:
/// a session usually has one store of a provider open, or a few, and comparing a key with each
/// of a few costs less than hashing it.
const FEW: usize = 8;

/// A store key, made once per logon by [`Registry::key`], with its hash when the registry
/// hashes (past eight stores).
#[derive(Debug)]
pub struct StoreKey {
    /// The registry's hash of `bytes`, if it was hashing when the key was made.
    hash: Option<u64>,
    bytes: KeyBytes,
}

impl StoreKey {
    /// The key's bytes.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A value the registry holds: it carries the key it is registered under, which the registry
/// reads for as long as it holds the value.
pub trait Registered {
    /// The key, made by the same registry's [`Registry::key`]; the same for the value's life.
    fn key(&self) -> &StoreKey;
}

// Equal keys are equal bytes; the hash, when both have one, tells most unequal ones apart.
impl PartialEq for StoreKey {
    fn eq(&self, other: &Self) -> bool {
        match (self.hash, other.hash) {
            (Some(a), Some(b)) if a != b => false,
            _ => self.bytes == other.bytes,
        }
    }
}

impl Eq for StoreKey {}

/// Where `key` is: the value registered under an equal key.
fn is<H: Deref<Target: Registered>>(key: &StoreKey) -> impl Fn(&H) -> bool + '_ {
    move |there| there.key() == key
}

/// Where `value` is: the handle on that very value (not on another of its key).
fn is_value<H: Deref>(value: &H::Target) -> impl Fn(&H) -> bool + '_ {
    move |there| core::ptr::eq(&**there, value)
}

/// The open stores: a list while there are few, a hash table past [`FEW`], a list again once
/// they are down to half that (so that a number of stores around the limit does not make every
/// logon switch).
enum Stores<H> {
    Few(ArrayVec<H, FEW>),
    Many(HashTable<H>),
}

impl<H> Stores<H> {
    fn len(&self) -> usize {
        match self {
            Self::Few(list) => list.len(),
            Self::Many(table) => table.len(),
        }
    }
}

/// Open stores by key. `H` is a counted handle (an `Arc`, a `PairRef`) on the state a store
/// shares with its logon object, which the registry holds while the store is registered.
pub struct Registry<H> {
    /// Hashes the keys past [`FEW`] stores, seeded at random per registry (per process and per
    /// instance), as `HashMap`'s SipHash is, at a tenth of its cost. foldhash is only
    /// "minimally" HashDoS-resistant (no fixed set of keys collides in every registry; an
    /// attacker who could observe this registry's timing might find collisions for it), which
    /// is enough here: a registry holds the stores one session has open at once, each one a
    /// logon through MAPI with its support object, so even all of them colliding would cost a
    /// few comparisons of keys no longer than an entry ID.
    hasher: foldhash::fast::RandomState,
    /// Whether `stores` is a table: read without the lock by [`Self::key`], which hashes only
    /// then (a key made as the registry switches is hashed when the table needs it).
    hashing: AtomicBool,
    /// How many stores are open, set under the lock: a lookup in an empty registry (a store's
    /// first logon of the session, the usual one) reads it instead of taking the lock.
    open: AtomicUsize,
    stores: Mutex<Stores<H>>,
}

impl<H> Default for Registry<H> {
    fn default() -> Self {
        Self {
            hasher: foldhash::fast::RandomState::default(),
            hashing: AtomicBool::new(false),
            open: AtomicUsize::new(0),
            stores: Mutex::new(Stores::Few(ArrayVec::new())),
        }
    }
}

impl<H: Deref<Target: Registered> + Clone> Registry<H> {
    fn stores(&self) -> MutexGuard<'_, Stores<H>> {
        lock(&self.stores)
    }

    /// `bytes` as a key of this registry, hashed here if the registry hashes its keys.
    // `#[inline]`: made in place in the caller's store context, where a call moves it twice.
    #[inline]
    pub fn key(&self, bytes: impl Into<KeyBytes>) -> StoreKey {
        let bytes = bytes.into();
        let hash = if self.hashing.load(Ordering::Relaxed) {
            // While the stores are a table: the hashing out of the way of the usual logon's path.
            core::hint::cold_path();
            Some(self.hasher.hash_one(&bytes[..]))
        } else {
            None
        };
        StoreKey { hash, bytes }
    }

    /// The hash of `key`: the one it carries, else made now.
    fn hash(&self, key: &StoreKey) -> u64 {
        key.hash
            .unwrap_or_else(|| self.hasher.hash_one(key.bytes()))
    }

    /// The store open under `key`, if any.
    pub fn lookup(&self, key: &StoreKey) -> Option<H> {
        self.lookup_with(key, |open| Some(open.clone()))
    }

    /// What `take` makes of the store open under `key`, if any: `take` runs under the lock, so
    /// the store cannot be removed meanwhile (a value's `Drop` that removes it first may rely on
    /// that); like [`Self::insert_unless`]'s `keep`, it must not call MAPI or provider code.
    // `#[inline]`: an empty registry answers in the caller.
    #[inline]
    pub fn lookup_with<R>(&self, key: &StoreKey, take: impl FnOnce(&H) -> Option<R>) -> Option<R> {
        // A store registered after this read is one this lookup may miss, as if it came first:
        // racing logons meet at the insert, under the lock.
        if self.open.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.find_with(key, take)
    }

    /// [`Self::lookup_with`] under the lock. Out of line and cold: a session's usual logon
    /// opens a store with none of the provider's open yet, and its path then spans fewer cache
    /// lines; a logon with stores open pays a call.
    #[cold]
    #[inline(never)]
    fn find_with<R>(&self, key: &StoreKey, take: impl FnOnce(&H) -> Option<R>) -> Option<R> {
        match &*self.stores() {
            Stores::Few(list) => list.iter().find(|there| is(key)(*there)),
            Stores::Many(table) => table.find(self.hash(key), is(key)),
        }
        .and_then(take)
    }

    /// Registers `value` under its key, unless `keep` takes the store already there (two logons
    /// raced: the first one wins), returning what `keep` made of it. A store `keep` declines
    /// (it is being torn down) is replaced. `keep` runs under the lock, so the store it takes
    /// cannot be replaced meanwhile; it must not call MAPI or provider code.
    pub fn insert_unless<R>(&self, value: H, keep: impl FnOnce(&H) -> Option<R>) -> Result<(), R> {
        let key = value.key();
        let mut stores = self.stores();
        let there = match &mut *stores {
            Stores::Few(list) => list.iter_mut().find(|there| is(key)(&**there)),
            Stores::Many(table) => self.find_hashed(table, key),
        };
        let replaced = match there {
            Some(there) => {
                // Found only when two logons raced (the lookup before found none), or a store
                // being torn down is replaced.
                core::hint::cold_path();
                if let Some(kept) = keep(there) {
                    return Err(kept);
                }
                Some(core::mem::replace(there, value))
            }
            None => {
                self.add(&mut stores, value);
                self.mirror(&stores);
                None
            }
        };
        // A store replaced is dropped after the lock.
        drop(stores);
        drop(replaced);
        Ok(())
    }

    /// The store registered under `key` in a table. Out of line, as [`Self::remove_hashed`] is.
    #[cold]
    #[inline(never)]
    fn find_hashed<'t>(&self, table: &'t mut HashTable<H>, key: &StoreKey) -> Option<&'t mut H> {
        table.find_mut(self.hash(key), is(key))
    }

    /// Sets what the registry reads without its lock from `stores`, which changed under it:
    /// whether it hashes and how many stores are open.
    fn mirror(&self, stores: &Stores<H>) {
        self.hashing
            .store(matches!(stores, Stores::Many(_)), Ordering::Relaxed);
        self.open.store(stores.len(), Ordering::Release);
    }

    /// Adds `value`, whose key is not registered, making the list a table when it is full.
    fn add(&self, stores: &mut Stores<H>, value: H) {
        match stores {
            Stores::Few(list) if list.len() < FEW => list.push(value),
            _ => self.add_hashed(stores, value),
        }
    }

    /// [`Self::add`] to a full list, which becomes a table, or to a table. Out of line, as
    /// [`Self::remove_hashed`] is.
    #[cold]
    #[inline(never)]
    fn add_hashed(&self, stores: &mut Stores<H>, value: H) {
        let hash_of = |value: &H| self.hash(value.key());
        match stores {
            Stores::Few(list) => {
                let mut table = HashTable::with_capacity(2 * FEW);
                for open in list.drain(..).chain([value]) {
                    table.insert_unique(hash_of(&open), open, hash_of);
                }
                *stores = Stores::Many(table);
            }
            Stores::Many(table) => {
                table.insert_unique(hash_of(&value), value, hash_of);
            }
        }
    }

    /// Removes `value` if it is still the store registered under its key (not a store opened
    /// again since), and returns the registry's handle on it (to drop after the lock).
    /// Idempotent.
    pub fn remove(&self, value: &H::Target) -> Option<H> {
        let mut stores = self.stores();
        let removed = match &mut *stores {
            Stores::Few(list) => {
                let at = list.iter().position(is_value(value))?;
                list.swap_remove(at)
            }
            Stores::Many(_) => self.remove_hashed(&mut stores, value)?,
        };
        self.mirror(&stores);
        Some(removed)
    }

    /// [`Self::remove`] from a table, which becomes a list again once it is down to half of
    /// [`FEW`]. Out of line: the usual registry is a short list, whose removal then needs a
    /// smaller frame (7 instructions less per logoff).
    #[cold]
    #[inline(never)]
    fn remove_hashed(&self, stores: &mut Stores<H>, value: &H::Target) -> Option<H> {
        let Stores::Many(table) = stores else {
            unreachable!("remove_hashed is called for a table")
        };
        let removed = table
            .find_entry(self.hash(value.key()), is_value(value))
            .ok()?
            .remove()
            .0;
        if table.len() <= FEW / 2 {
            *stores = Stores::Few(table.drain().collect());
        }
        Some(removed)
    }

    /// What is open, leaving it registered (the lock is not held while the caller uses it).
    pub fn snapshot(&self) -> Vec<H> {
        match &*self.stores() {
            Stores::Few(list) => list.to_vec(),
            Stores::Many(table) => table.iter().cloned().collect(),
        }
    }

    /// Empties the registry, returning what was open.
    pub fn drain(&self) -> Vec<H> {
        let mut stores = self.stores();
        let open = match &mut *stores {
            Stores::Few(list) => list.drain(..).collect(),
            Stores::Many(table) => table.drain().collect(),
        };
        *stores = Stores::Few(ArrayVec::new());
        self.mirror(&stores);
        open
    }

    pub fn len(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::{FEW, Registered, Registry, StoreKey, Stores};
    use std::hash::BuildHasher;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

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

    /// Whether `registry` keeps its stores in a hash table.
    fn hashing(registry: &Registry<Arc<Open>>) -> bool {
        let many = matches!(*registry.stores(), Stores::Many(_));
        assert_eq!(many, registry.hashing.load(Ordering::Relaxed));
        many
    }

    /// The numbers registered under the keys `store 0` to `store {count - 1}`.
    fn numbers(registry: &Registry<Arc<Open>>, count: i32) -> Vec<Option<i32>> {
        (0..count)
            .map(|n| {
                let key = registry.key(format!("store {n}").into_bytes());
                registry.lookup(&key).map(|o| o.1)
            })
            .collect()
    }

    /// Past `FEW` stores the list becomes a table, and at half that a list again: each store
    /// is found, replaced and removed in either, by keys made before or after the switch.
    #[test]
    fn the_list_becomes_a_table_past_few_stores_and_a_list_again() {
        let registry = Registry::default();
        let count = FEW as i32 + 1;
        // Keys made while the registry lists its stores: not hashed yet.
        let stores: Vec<_> = (0..count)
            .map(|n| open(&registry, format!("store {n}").as_bytes(), n))
            .collect();
        assert!(stores.iter().all(|store| store.0.hash.is_none()));
        for store in &stores[..FEW] {
            registry
                .insert_unless(store.clone(), |_| None::<()>)
                .unwrap();
            assert!(!hashing(&registry));
        }
        registry
            .insert_unless(stores[FEW].clone(), |_| None::<()>)
            .unwrap();
        assert!(hashing(&registry));
        assert_eq!(registry.len(), FEW + 1);
        let all: Vec<_> = (0..count).map(Some).collect();
        assert_eq!(numbers(&registry, count), all);
        // A key made now is hashed; equal to one that is not, unequal to another key.
        let hashed = open(&registry, b"store 3", 3);
        assert!(hashed.0.hash.is_some());
        assert_eq!(hashed.0, stores[3].0);
        assert_ne!(hashed.0, stores[4].0);
        // A table replaces, and keeps, as a list does; removal is by identity, not by key.
        let again = registry.insert_unless(hashed.clone(), |existing| Some(existing.clone()));
        assert!(Arc::ptr_eq(&again.unwrap_err(), &stores[3]));
        assert!(registry.remove(&hashed).is_none());
        registry
            .insert_unless(hashed.clone(), |_| None::<()>)
            .unwrap();
        assert!(registry.remove(&stores[3]).is_none());
        assert!(Arc::ptr_eq(&registry.remove(&hashed).unwrap(), &hashed));
        assert!(hashing(&registry));
        // Down to half of FEW (store 3 is gone): a list again, which still finds what is left.
        let left = FEW / 2;
        for store in &stores[left + 1..] {
            assert!(hashing(&registry));
            assert!(registry.remove(store).is_some());
        }
        assert!(!hashing(&registry));
        assert_eq!(registry.len(), left);
        let expected: Vec<_> = (0..count)
            .map(|n| (n != 3 && n as usize <= left).then_some(n))
            .collect();
        assert_eq!(numbers(&registry, count), expected);
        // Hashed keys still find their stores in the list.
        let hashed_two = Arc::new(Open(
            StoreKey {
                hash: Some(registry.hasher.hash_one(&b"store 2"[..])),
                bytes: b"store 2".as_slice().into(),
            },
            2,
        ));
        assert_eq!(registry.lookup(&hashed_two.0).map(|o| o.1), Some(2));
        assert!(Arc::ptr_eq(
            &registry.remove(&stores[2]).unwrap(),
            &stores[2]
        ));
        assert_eq!(registry.lookup(&hashed_two.0).map(|o| o.1), None);
        // And back to a table: every store, old key or new, in one place.
        for store in stores.iter().skip(left + 1) {
            registry
                .insert_unless(store.clone(), |_| None::<()>)
                .unwrap();
        }
        registry.insert_unless(hashed_two, |_| None::<()>).unwrap();
        registry.insert_unless(hashed, |_| None::<()>).unwrap();
        assert!(hashing(&registry));
        assert_eq!(numbers(&registry, count), all);
        assert_eq!(registry.snapshot().len(), FEW + 1);
        assert_eq!(registry.drain().len(), FEW + 1);
        assert!(!hashing(&registry) && registry.is_empty());
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
