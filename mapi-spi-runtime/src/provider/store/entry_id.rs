//! The entry IDs of a store's objects (folders, messages), minted and parsed by the runtime for
//! the store object model. MAPI routes an entry ID to the provider whose `MAPIUID` is in bytes 4 to 20
//! (registered with `SetProviderUID`); everything after is the provider's. The runtime's
//! layout:
//!
//! ```text
//! abFlags[4]  0 for a long-term ID; MAPI_SHORTTERM in abFlags[0] for a short-term one
//! MAPIUID[16] the provider's
//! version[1]  1
//! kind[1]     1 folder, 2 message
//! store[2]    the length of the store's key (little-endian), then the key
//! object      the object's key (the rest, 1 to 1024 bytes)
//! ```
//!
//! Everything a client hands in is untrusted: [`EntryIds::parse`] answers an object key only
//! for an ID of this provider, of this layout and version, and of this very store (its key
//! compared whole), so an ID of another store, another provider or no layout at all never
//! reaches the provider's lookup (`MAPI_E_UNKNOWN_ENTRYID` for another provider's,
//! `MAPI_E_INVALID_ENTRYID` for the others). The object key itself is opaque: a provider looks
//! it up among its objects and never uses it as a path.

use windows_core::HRESULT;

use crate::codes::{MAPI_E_INVALID_ENTRYID, MAPI_E_UNKNOWN_ENTRYID};
use crate::flags::MAPI_SHORTTERM;
use crate::types::MAPIUID;

const VERSION: u8 = 1;
/// abFlags (4) + MAPIUID (16) + version (1) + kind (1) + store key length (2).
const HEADER: usize = 24;
/// The longest object key an ID may carry.
pub const MAX_OBJECT_KEY: usize = 1024;

/// What an entry ID names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Folder,
    Message,
}

impl ObjectKind {
    fn byte(self) -> u8 {
        match self {
            Self::Folder => 1,
            Self::Message => 2,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::Folder),
            2 => Some(Self::Message),
            _ => None,
        }
    }
}

/// An entry ID of this store, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectId<'a> {
    pub kind: ObjectKind,
    pub key: &'a [u8],
    /// Whether the ID was minted short-term (valid in this session only).
    pub short_term: bool,
}

/// The entry IDs of one store of one provider.
#[derive(Clone, Debug)]
pub struct EntryIds {
    /// The part every ID of this store shares, made once: the header of a long-term ID (its
    /// kind byte 0) and the store's key. Minting copies it and patches two bytes.
    prefix: Vec<u8>,
}

impl EntryIds {
    /// The IDs of the store keyed `store_key` (its canonical key, as
    /// [`StoreProvider::store_key`](super::StoreProvider::store_key) gives it) for the provider
    /// that registered `uid`. A key longer than 65535 bytes cannot be encoded: `None`.
    pub fn new(uid: MAPIUID, store_key: &[u8]) -> Option<Self> {
        let store_len = u16::try_from(store_key.len()).ok()?;
        let mut prefix = Vec::with_capacity(HEADER + store_key.len());
        prefix.extend_from_slice(&[0; 4]);
        prefix.extend_from_slice(&uid.ab);
        prefix.extend_from_slice(&[VERSION, 0]);
        prefix.extend_from_slice(&store_len.to_le_bytes());
        prefix.extend_from_slice(store_key);
        Some(Self { prefix })
    }

    fn uid(&self) -> &[u8] {
        &self.prefix[4..20]
    }

    fn store_key(&self) -> &[u8] {
        &self.prefix[HEADER..]
    }

    /// The entry ID of object `key` of `kind`; `None` for an empty key or one longer than
    /// [`MAX_OBJECT_KEY`].
    pub fn mint(&self, kind: ObjectKind, key: &[u8], short_term: bool) -> Option<Vec<u8>> {
        if key.is_empty() || key.len() > MAX_OBJECT_KEY {
            return None;
        }
        let mut id = Vec::with_capacity(self.prefix.len() + key.len());
        id.extend_from_slice(&self.prefix);
        id.extend_from_slice(key);
        if short_term {
            id[0] = MAPI_SHORTTERM as u8;
        }
        id[21] = kind.byte();
        Some(id)
    }

    /// The object an entry ID names, if it is one of this store's; see the module
    /// documentation for what is refused.
    pub fn parse<'a>(&self, id: &'a [u8]) -> Result<ObjectId<'a>, HRESULT> {
        if id.len() < 20 || id[4..20] != *self.uid() {
            return Err(MAPI_E_UNKNOWN_ENTRYID);
        }
        let invalid = Err(MAPI_E_INVALID_ENTRYID);
        if id.len() < HEADER || id[1..4] != [0, 0, 0] {
            return invalid;
        }
        let short_term = match id[0] {
            0 => false,
            flags if u32::from(flags) == MAPI_SHORTTERM => true,
            _ => return invalid,
        };
        let Some(kind) = ObjectKind::from_byte(id[21]) else {
            return invalid;
        };
        let store_len = usize::from(u16::from_le_bytes([id[22], id[23]]));
        let rest = &id[HEADER..];
        if id[20] != VERSION || rest.len() <= store_len || rest[..store_len] != *self.store_key() {
            return invalid;
        }
        let key = &rest[store_len..];
        if key.len() > MAX_OBJECT_KEY {
            return invalid;
        }
        Ok(ObjectId {
            kind,
            key,
            short_term,
        })
    }

    /// `CompareEntryIDs`: whether two IDs name the same object of this store (a short-term and
    /// a long-term ID of one object are the same); IDs that are not this store's are errors.
    pub fn same(&self, a: &[u8], b: &[u8]) -> Result<bool, HRESULT> {
        let (a, b) = (self.parse(a)?, self.parse(b)?);
        Ok(a.kind == b.kind && a.key == b.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const UID: MAPIUID = MAPIUID { ab: [7; 16] };

    #[test]
    fn minted_ids_parse_back_and_compare() {
        let ids = EntryIds::new(UID, b"store").unwrap();
        let long = ids.mint(ObjectKind::Message, b"cur/1.eml", false).unwrap();
        let short = ids.mint(ObjectKind::Message, b"cur/1.eml", true).unwrap();
        assert_eq!(
            ids.parse(&long),
            Ok(ObjectId {
                kind: ObjectKind::Message,
                key: b"cur/1.eml",
                short_term: false
            })
        );
        assert!(ids.parse(&short).unwrap().short_term);
        assert_eq!(ids.same(&long, &short), Ok(true));
        let folder = ids.mint(ObjectKind::Folder, b"cur/1.eml", false).unwrap();
        assert_eq!(ids.same(&long, &folder), Ok(false));
        assert_eq!(ids.mint(ObjectKind::Folder, b"", false), None);
        assert_eq!(
            ids.mint(ObjectKind::Folder, &[1; MAX_OBJECT_KEY + 1], false),
            None
        );
    }

    #[test]
    fn other_stores_and_providers_are_refused() {
        let ids = EntryIds::new(UID, b"store").unwrap();
        let id = ids.mint(ObjectKind::Folder, b"inbox", false).unwrap();
        let other_store = EntryIds::new(UID, b"stor").unwrap();
        assert_eq!(other_store.parse(&id), Err(MAPI_E_INVALID_ENTRYID));
        let longer_store = EntryIds::new(UID, b"store2").unwrap();
        assert_eq!(longer_store.parse(&id), Err(MAPI_E_INVALID_ENTRYID));
        let other_provider = EntryIds::new(MAPIUID { ab: [8; 16] }, b"store").unwrap();
        assert_eq!(other_provider.parse(&id), Err(MAPI_E_UNKNOWN_ENTRYID));
        assert_eq!(ids.parse(&[]), Err(MAPI_E_UNKNOWN_ENTRYID));
    }

    proptest! {
        /// Any change to a minted ID is refused, or names the same key of the same store: the
        /// flag byte may say short-term, the kind byte may say folder for message (the
        /// provider's lookup of the key then decides), nothing else in the header may change;
        /// a truncated ID never parses to another object.
        #[test]
        fn crafted_ids_never_name_another_object(
            key in proptest::collection::vec(any::<u8>(), 1..40),
            at in 0usize..100,
            byte in any::<u8>(),
            cut in 0usize..100,
        ) {
            let ids = EntryIds::new(UID, b"store").unwrap();
            let id = ids.mint(ObjectKind::Message, &key, false).unwrap();
            let mut changed = id.clone();
            let at = at % changed.len();
            changed[at] = byte;
            if let Ok(parsed) = ids.parse(&changed) {
                prop_assert!(changed == id || at == 0 || at == 21 || at >= HEADER + 5);
                if at < HEADER + 5 {
                    prop_assert_eq!(parsed.key, &key[..]);
                }
            }
            let cut = cut % id.len();
            if let Ok(parsed) = ids.parse(&id[..cut]) {
                // Only a shorter key of the same store: a prefix of the real one.
                prop_assert!(key.starts_with(parsed.key));
            }
        }
    }
}
