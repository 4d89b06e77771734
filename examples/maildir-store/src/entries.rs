//! A folder's index entries by unique name: the entries one after the other in a vector, and a
//! hash table of their positions, keyed by the unique name each entry's file name starts with.
//!
//! A map from a copy of the unique name to the entry (what this replaces) made one allocation
//! and copy of the name per message, and kept the entries in hash slots a table sized for
//! growth leaves mostly empty: 168 bytes a slot, more than twice the memory of the entries,
//! all of it fresh pages a folder's first listing faults in. Here a slot is a `u32`, the
//! entries are packed, and listing them reads them in order.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::content::NameHasher;

use crate::content::Entry;

/// Entries, each found by its unique name ([`Entry::unique`]); no two of one unique name.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    entries: Vec<Entry>,
    /// Where each entry is in `entries`, hashed by its unique name with `hasher`.
    positions: HashTable<Position>,
    hasher: NameHasher,
}

/// An entry's place in [`Entries::entries`], and the length of its unique name: the start
/// of its file name, compared and hashed again without looking for where it ends.
#[derive(Clone, Copy, Debug)]
struct Position {
    at: u32,
    unique_len: u32,
}

impl Position {
    fn unique(self, entries: &[Entry]) -> &str {
        &entries[self.at as usize].file_name[..self.unique_len as usize]
    }
}

impl Entries {
    pub(crate) fn with_capacity(capacity: usize) -> Entries {
        Entries {
            entries: Vec::with_capacity(capacity),
            positions: HashTable::with_capacity(capacity),
            hasher: NameHasher::default(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Room for `additional` more entries.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
        let (entries, hasher) = (&self.entries, &self.hasher);
        self.positions
            .reserve(additional, |p| hasher.hash_one(p.unique(entries)));
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Entry> {
        self.entries.iter()
    }

    /// Each entry, to change anything but its unique name.
    pub(crate) fn iter_mut(&mut self) -> std::slice::IterMut<'_, Entry> {
        self.entries.iter_mut()
    }

    /// Where the entry of `unique` is in `entries`.
    fn position(&self, unique: &str) -> Option<usize> {
        let entries = &self.entries;
        self.positions
            .find(self.hasher.hash_one(unique), |p| {
                p.unique(entries) == unique
            })
            .map(|p| p.at as usize)
    }

    pub(crate) fn get(&self, unique: &str) -> Option<&Entry> {
        self.position(unique).map(|at| &self.entries[at])
    }

    /// The entry of `unique`, to change anything but its unique name.
    pub(crate) fn get_mut(&mut self, unique: &str) -> Option<&mut Entry> {
        self.position(unique).map(|at| &mut self.entries[at])
    }

    /// Adds `entry`, replacing the one of its unique name, which it answers.
    pub(crate) fn insert(&mut self, entry: Entry) -> Option<Entry> {
        match self.position(entry.unique()) {
            Some(at) => Some(std::mem::replace(&mut self.entries[at], entry)),
            None => {
                self.insert_new(entry);
                None
            }
        }
    }

    /// Adds `entry`, whose unique name no entry has (not looked for: a listing's files, each
    /// of a unique name, added to an index that has none of them).
    pub(crate) fn insert_new(&mut self, entry: Entry) {
        self.entries.push(entry);
        self.put(self.entries.len() - 1);
    }

    /// Puts the position of the entry at `at` in `positions`.
    fn put(&mut self, at: usize) {
        let (entries, hasher) = (&self.entries, &self.hasher);
        let unique = entries[at].unique();
        let position = Position {
            at: u32::try_from(at).expect("fewer than 2^32 entries"),
            // A file name is a few hundred bytes at most (NAME_MAX, MAX_PATH).
            unique_len: unique.len() as u32,
        };
        self.positions
            .insert_unique(hasher.hash_one(unique), position, |p| {
                hasher.hash_one(p.unique(entries))
            });
    }

    /// Removes the entry of `unique` and answers it. The last entry takes its place.
    pub(crate) fn remove(&mut self, unique: &str) -> Option<Entry> {
        let entries = &self.entries;
        let (removed, _) = self
            .positions
            .find_entry(self.hasher.hash_one(unique), |p| {
                p.unique(entries) == unique
            })
            .ok()?
            .remove();
        let last = self.entries.len() - 1;
        let entry = self.entries.swap_remove(removed.at as usize);
        if let Some(moved) = self.entries.get(removed.at as usize) {
            let hash = self.hasher.hash_one(moved.unique());
            let slot = self
                .positions
                .find_mut(hash, |p| p.at as usize == last)
                .expect("every entry has its position");
            slot.at = removed.at;
        }
        Some(entry)
    }

    /// Keeps only the entries `keep` says to.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&Entry) -> bool) {
        let before = self.entries.len();
        self.entries.retain(keep);
        if self.entries.len() != before {
            // Positions moved: all put again (a removal at a look is rare; a mass one is
            // cheaper so than entry by entry).
            self.positions.clear();
            for at in 0..self.entries.len() {
                self.put(at);
            }
        }
    }
}

impl FromIterator<Entry> for Entries {
    /// Entries of distinct unique names (a later one of a name replaces the earlier).
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> Entries {
        let iter = iter.into_iter();
        let mut entries = Entries::with_capacity(iter.size_hint().0);
        for entry in iter {
            entries.insert(entry);
        }
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maildir::{INFO_SEPARATOR, Sub};

    /// File name `name` with this platform's info separator for its `:`.
    fn native(name: &str) -> String {
        name.replace(':', INFO_SEPARATOR.encode_utf8(&mut [0; 4]))
    }

    fn entry(name: &str) -> Entry {
        Entry::unreadable(Sub::Cur, native(name))
    }

    /// Each entry found by its unique name, after every change; nothing else there.
    fn check(entries: &Entries, expected: &[&str]) {
        let mut names: Vec<&str> = entries.iter().map(|e| &*e.file_name).collect();
        names.sort_unstable();
        let mut wanted: Vec<String> = expected.iter().map(|name| native(name)).collect();
        wanted.sort_unstable();
        assert_eq!(names, wanted);
        assert_eq!(entries.len(), wanted.len());
        for name in &wanted {
            let unique = crate::maildir::split_file_name(name).0;
            assert_eq!(entries.get(unique).map(|e| &*e.file_name), Some(&**name));
        }
    }

    #[test]
    fn entries_are_found_by_unique_name_through_inserts_removals_and_retains() {
        let mut entries: Entries = ["a:2,S", "b", "c:2,", "d"].into_iter().map(entry).collect();
        check(&entries, &["a:2,S", "b", "c:2,", "d"]);
        assert!(
            entries.get(&native("a:2,S")).is_none(),
            "found by unique name, not file name"
        );
        assert!(entries.get("e").is_none());

        // The first removed: the last takes its place and is still found.
        assert_eq!(*entries.remove("a").unwrap().file_name, native("a:2,S"));
        check(&entries, &["b", "c:2,", "d"]);
        assert!(entries.remove("a").is_none());
        // The last removed: nothing moves.
        assert_eq!(*entries.remove("c").unwrap().file_name, native("c:2,"));
        check(&entries, &["b", "d"]);

        // One of a unique name already there replaces it, and is answered.
        assert_eq!(&*entries.insert(entry("b:2,T")).unwrap().file_name, "b");
        assert!(entries.insert(entry("e")).is_none());
        check(&entries, &["b:2,T", "d", "e"]);
        entries.get_mut("d").unwrap().file_name = native("d:2,F").into();
        check(&entries, &["b:2,T", "d:2,F", "e"]);

        entries.retain(|e| e.unique() != "b");
        check(&entries, &["d:2,F", "e"]);
        entries.reserve(100);
        for n in 0..100 {
            entries.insert_new(entry(&format!("n{n}")));
        }
        entries.retain(|e| !e.unique().ends_with('7'));
        let mut expected: Vec<String> = (0..100)
            .filter(|n| n % 10 != 7)
            .map(|n| format!("n{n}"))
            .collect();
        expected.extend(["d:2,F".to_owned(), "e".to_owned()]);
        check(
            &entries,
            &expected.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        while let Some(first) = entries.iter().next().map(|e| e.unique().to_owned()) {
            entries.remove(&first).unwrap();
            assert!(entries.get(&first).is_none());
        }
        assert!(entries.is_empty());
    }
}
