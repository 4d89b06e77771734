//! [`Places`]: where a table's rows are in its order, found by their index values without a
//! copy of those values.
//!
//! Each row's place is filed under a hash of its index value; a lookup hashes the value sought
//! and compares it with the candidates' own values, read from the rows. A table of thousands of
//! rows so holds 16 bytes per row here instead of a second copy of each key (an allocation per
//! row for binary and text keys). The hash is FxHash's (a rotate, a xor and a multiply per
//! word, then a final mix): index values come from the provider, not from an adversary, and
//! two values with one hash only cost a comparison.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use crate::props::PropValue;

/// An index value as rows are found by it: the index column's type is fixed, so one variant
/// per type that can be an index (the integer types, and 8-bit text and binary, standing for
/// each other as they always have).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IndexKey<'a> {
    Int(i64),
    Bytes(&'a [u8]),
    Text(&'a str),
    Guid(u128),
}

impl<'a> IndexKey<'a> {
    /// The key of `value`; `None` for a type no index column has.
    pub(crate) fn of(value: &'a PropValue) -> Option<Self> {
        Some(match value {
            PropValue::I2(v) => IndexKey::Int(i64::from(*v)),
            PropValue::Long(v) => IndexKey::Int(i64::from(*v)),
            PropValue::I8(v) | PropValue::Currency(v) => IndexKey::Int(*v),
            PropValue::SysTime(t) => IndexKey::Int(
                ((u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime)) as i64,
            ),
            PropValue::Binary(b) | PropValue::String8(b) => IndexKey::Bytes(b),
            PropValue::Unicode(t) => IndexKey::Text(t),
            PropValue::Clsid(g) => IndexKey::Guid(g.to_u128()),
            _ => return None,
        })
    }

    /// The hash it is filed under.
    pub(crate) fn hash(self) -> u64 {
        let mut hasher = WordHasher::default();
        Hash::hash(&self, &mut hasher);
        hasher.finish()
    }
}

/// FxHash over 8-byte words, with a final mix so that the low bits a hash table uses depend
/// on every bit.
#[derive(Default)]
struct WordHasher(u64);

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn finish(&self) -> u64 {
        // Murmur3's finalizer.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

type Fx = BuildHasherDefault<WordHasher>;

/// The places of a table's rows by the hash of their index values.
#[derive(Default)]
pub(crate) struct Places {
    /// One place per hash: almost always the only one.
    first: HashMap<u64, u64, Fx>,
    /// The other places whose index values have the same hash as the first's.
    more: HashMap<u64, Vec<u64>, Fx>,
}

impl Places {
    /// Room for `rows` rows.
    pub(crate) fn with_capacity(rows: usize) -> Self {
        Self {
            first: HashMap::with_capacity_and_hasher(rows, Fx::default()),
            more: HashMap::default(),
        }
    }

    /// The place filed under `hash` for which `is_it` holds (the caller compares the row there
    /// with the value sought).
    pub(crate) fn find(&self, hash: u64, mut is_it: impl FnMut(u64) -> bool) -> Option<u64> {
        let first = self.first.get(&hash).copied()?;
        if is_it(first) {
            return Some(first);
        }
        self.more.get(&hash)?.iter().copied().find(|&at| is_it(at))
    }

    /// Files `place` under `hash` (the place of a row whose value no other row has).
    pub(crate) fn insert(&mut self, hash: u64, place: u64) {
        if let Some(&first) = self.first.get(&hash)
            && first != place
        {
            self.more.entry(hash).or_default().push(place);
        } else {
            self.first.insert(hash, place);
        }
    }

    /// Takes `place` from under `hash`.
    pub(crate) fn remove(&mut self, hash: u64, place: u64) {
        if self.first.get(&hash) == Some(&place) {
            match self.more.get_mut(&hash).and_then(Vec::pop) {
                Some(next) => {
                    self.first.insert(hash, next);
                }
                None => {
                    self.first.remove(&hash);
                }
            }
        } else if let Some(more) = self.more.get_mut(&hash) {
            more.retain(|&at| at != place);
        }
        if self.more.get(&hash).is_some_and(Vec::is_empty) {
            self.more.remove(&hash);
        }
    }

    /// Every place moved to `to(place)` (the rows numbered anew).
    pub(crate) fn renumber(&mut self, to: impl Fn(u64) -> u64) {
        self.first.values_mut().for_each(|at| *at = to(*at));
        self.more
            .values_mut()
            .flatten()
            .for_each(|at| *at = to(*at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_with_one_hash_are_told_apart_by_their_values() {
        let mut places = Places::default();
        // Three rows whose values all hash to 7, told apart by the caller's comparison.
        for place in [10, 20, 30] {
            places.insert(7, place);
        }
        places.insert(8, 40);
        let found = |places: &Places, want: u64| places.find(7, |at| at == want);
        assert_eq!(found(&places, 20), Some(20));
        assert_eq!(found(&places, 30), Some(30));
        assert_eq!(places.find(8, |_| true), Some(40));
        assert_eq!(places.find(9, |_| true), None);
        places.remove(7, 10);
        assert_eq!(found(&places, 10), None);
        assert_eq!(found(&places, 30), Some(30));
        places.renumber(|at| at + 1);
        assert_eq!(found(&places, 21), Some(21));
        places.remove(7, 21);
        places.remove(7, 31);
        assert_eq!(places.find(7, |_| true), None);
        assert!(places.more.is_empty());
        // Equal values hash alike; the integer types stand for each other.
        let a = PropValue::Binary(b"0123456789".to_vec());
        let b = PropValue::String8(b"0123456789".to_vec());
        let key = |v| IndexKey::of(v).unwrap();
        assert_eq!(key(&a).hash(), key(&b).hash());
        assert_eq!(
            key(&PropValue::I2(5)).hash(),
            key(&PropValue::Long(5)).hash()
        );
        assert_ne!(
            key(&a).hash(),
            key(&PropValue::Binary(b"0123456788".to_vec())).hash()
        );
    }
}
