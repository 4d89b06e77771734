//! Named properties: the map between names (a property set GUID and a number or a string) and
//! the property IDs 0x8000 to 0xFFFE a store gives them, behind `IMAPIProp::GetIDsFromNames` and
//! `GetNamesFromIDs` ("MAPI Named Properties", "IMAPIProp::GetIDsFromNames").
//!
//! One [`NamedProperties`] serves a whole store (the docs: "use the same name-to-identifier
//! mapping for all objects in your container"), shared by its objects; a provider persists it
//! with [`NamedProperties::to_bytes`] and [`NamedProperties::from_bytes`] (a store's content
//! through `StoreContent::names` and `save_names`, which the runtime calls). The rules:
//! - a name in `PS_MAPI` stands for the MAPI property whose ID is its number (below 0x8000): it
//!   is answered, never stored, and `PS_MAPI` has no string names;
//! - any other name gets the next free ID from 0x8000 when `MAPI_CREATE` asks, and keeps it;
//!   a name that is unknown (without `MAPI_CREATE`), malformed, or beyond 0xFFFE is a
//!   `PT_ERROR` entry with ID 0 and the call answers `MAPI_W_ERRORS_RETURNED`;
//! - `GetNamesFromIDs` answers `PS_MAPI` names for IDs below 0x8000 and NULL (with
//!   `MAPI_W_ERRORS_RETURNED`) for an ID no name has.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use windows_core::{GUID, HRESULT};

use super::encoding::Reader;
use crate::alloc::builders::{Plan, invalid, utf16_len, write_utf16};
use crate::alloc::{AllocatorSet, RootBuf};
use crate::codes::MAPI_E_CORRUPT_DATA;
use crate::sync::lock;
use crate::types::{MAPINAMEID, MAPINAMEID_Kind, MNID_ID, MNID_STRING};

/// `PS_MAPI`: the names of MAPI's own properties, whose numbers are their IDs.
pub const PS_MAPI: GUID = GUID::from_values(0x0002_0328, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);
/// `PS_PUBLIC_STRINGS`: the property set for names anyone may use.
pub const PS_PUBLIC_STRINGS: GUID =
    GUID::from_values(0x0002_0329, 0, 0, [0xC0, 0, 0, 0, 0, 0, 0, 0x46]);

/// The first and last IDs of named properties.
pub const FIRST_NAMED_ID: u16 = 0x8000;
pub const LAST_NAMED_ID: u16 = 0xFFFE;

/// A property's name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PropName {
    pub set: GUID,
    pub kind: NameKind,
}

/// A name's number or string (`MNID_ID`, `MNID_STRING`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NameKind {
    Id(i32),
    String(String),
}

impl PropName {
    pub fn id(set: GUID, id: i32) -> Self {
        Self {
            set,
            kind: NameKind::Id(id),
        }
    }

    pub fn string(set: GUID, name: impl Into<String>) -> Self {
        Self {
            set,
            kind: NameKind::String(name.into()),
        }
    }

    /// A caller's `MAPINAMEID`; `None` for NULL, a NULL GUID, an unknown kind or a name that is
    /// no UTF-16.
    ///
    /// # Safety
    ///
    /// `raw` is NULL or points to a `MAPINAMEID` whose `lpguid` is NULL or readable and, for
    /// `MNID_STRING`, whose `lpwstrName` is NULL or a NUL-terminated UTF-16 string.
    pub unsafe fn from_raw(raw: *const MAPINAMEID) -> Option<Self> {
        // SAFETY: NULL or readable (caller); plain data, read unaligned.
        let name = unsafe { raw.as_ref().map(|_| raw.read_unaligned()) }?;
        // SAFETY: NULL or readable (caller).
        let set = unsafe { name.lpguid.as_ref() }.copied()?;
        let kind = match name.ulKind {
            // SAFETY: `ulKind` says which member is set.
            MNID_ID => NameKind::Id(unsafe { name.Kind.lID }),
            MNID_STRING => {
                // SAFETY: as above.
                let text = unsafe { name.Kind.lpwstrName };
                // SAFETY: NULL or NUL-terminated UTF-16 (caller).
                NameKind::String(unsafe { crate::provider::text::decode(text.cast(), true) }?)
            }
            _ => return None,
        };
        Some(Self { set, kind })
    }

    /// The ID a `PS_MAPI` name stands for: its number, if a MAPI property ID.
    fn mapi_id(&self) -> Option<u16> {
        match self.kind {
            NameKind::Id(id)
                if self.set == PS_MAPI && (1..i32::from(FIRST_NAMED_ID)).contains(&id) =>
            {
                Some(id as u16)
            }
            _ => None,
        }
    }
}

#[derive(Default)]
struct NameMap {
    ids: HashMap<PropName, u16>,
    names: BTreeMap<u16, PropName>,
}

/// A store's named properties; see the module documentation.
#[derive(Default)]
pub struct NamedProperties {
    map: Mutex<NameMap>,
}

impl NamedProperties {
    pub fn new() -> Self {
        Self::default()
    }

    /// The ID of `name`, given one if `create` and it has none; `None` when it has none, is a
    /// string in `PS_MAPI`, or no ID is left.
    pub fn id_of(&self, name: &PropName, create: bool) -> Option<u16> {
        if name.set == PS_MAPI {
            return name.mapi_id();
        }
        let mut map = lock(&self.map);
        if let Some(&id) = map.ids.get(name) {
            return Some(id);
        }
        if !create {
            return None;
        }
        let next = match map.names.last_key_value() {
            None => FIRST_NAMED_ID,
            Some((&last, _)) if last < LAST_NAMED_ID => last + 1,
            Some(_) => return None,
        };
        map.ids.insert(name.clone(), next);
        map.names.insert(next, name.clone());
        Some(next)
    }

    /// The name of property `id`: a `PS_MAPI` name below 0x8000, else the one it was given.
    pub fn name_of(&self, id: u16) -> Option<PropName> {
        if (1..FIRST_NAMED_ID).contains(&id) {
            return Some(PropName::id(PS_MAPI, i32::from(id)));
        }
        lock(&self.map).names.get(&id).cloned()
    }

    /// How many names have an ID. The map only grows (a name keeps its ID for the store's
    /// life), so a count that changed is a map that changed.
    pub fn len(&self) -> usize {
        lock(&self.map).names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every name given an ID, in ID order.
    pub fn all(&self) -> Vec<(u16, PropName)> {
        lock(&self.map)
            .names
            .iter()
            .map(|(&id, name)| (id, name.clone()))
            .collect()
    }

    /// The map as bytes, for a provider to keep with its store: per name, its ID (2 bytes),
    /// the GUID (16), the kind (1) and the number (4) or the UTF-8 string's length (4) and
    /// bytes; little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (id, name) in self.all() {
            bytes.extend_from_slice(&id.to_le_bytes());
            bytes.extend_from_slice(&name.set.to_u128().to_le_bytes());
            match &name.kind {
                NameKind::Id(n) => {
                    bytes.push(0);
                    bytes.extend_from_slice(&n.to_le_bytes());
                }
                NameKind::String(s) => {
                    bytes.push(1);
                    bytes.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    bytes.extend_from_slice(s.as_bytes());
                }
            }
        }
        bytes
    }

    /// A map read back from [`NamedProperties::to_bytes`]; `MAPI_E_CORRUPT_DATA` for bytes
    /// that are not one (truncated, an ID out of range or given twice, a name twice).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, HRESULT> {
        let mut reader = Reader::new(bytes);
        let mut map = NameMap::default();
        while !reader.is_empty() {
            let id = u16::from_le_bytes(reader.array()?);
            let set = u128::from_le_bytes(reader.array()?);
            let kind = match reader.byte()? {
                0 => NameKind::Id(i32::from_le_bytes(reader.array()?)),
                1 => {
                    let len = u32::from_le_bytes(reader.array()?);
                    let text = reader.take(len as usize)?;
                    NameKind::String(
                        String::from_utf8(text.to_vec()).map_err(|_| MAPI_E_CORRUPT_DATA)?,
                    )
                }
                _ => return Err(MAPI_E_CORRUPT_DATA),
            };
            let name = PropName {
                set: GUID::from_u128(set),
                kind,
            };
            let in_range = (FIRST_NAMED_ID..=LAST_NAMED_ID).contains(&id);
            if !in_range || name.set == PS_MAPI || map.names.contains_key(&id) {
                return Err(MAPI_E_CORRUPT_DATA);
            }
            if map.ids.insert(name.clone(), id).is_some() {
                return Err(MAPI_E_CORRUPT_DATA);
            }
            map.names.insert(id, name);
        }
        Ok(Self {
            map: Mutex::new(map),
        })
    }
}

/// The names of a `GetNamesFromIDs` result in one MAPI block: the array of `LPMAPINAMEID`
/// (NULL for `None`), then the `MAPINAMEID`s, their GUIDs and their UTF-16 strings.
pub(crate) fn names_block(
    allocators: &AllocatorSet,
    names: &[Option<PropName>],
) -> crate::com::Result<RootBuf> {
    let mut plan = Plan::default();
    let array = plan.array::<*mut MAPINAMEID>(names.len())?;
    let present: Vec<&PropName> = names.iter().flatten().collect();
    let structs = plan.array::<MAPINAMEID>(present.len())?;
    let guids = plan.array::<GUID>(present.len())?;
    let mut strings = Vec::with_capacity(present.len());
    for name in &present {
        strings.push(match &name.kind {
            NameKind::String(text) => {
                if text.contains('\0') {
                    return Err(invalid());
                }
                let (units, _) = utf16_len(text);
                Some(plan.array::<u16>(units + 1)?)
            }
            NameKind::Id(_) => None,
        });
    }
    let root = allocators.allocate(plan.size())?;
    let mut index = 0;
    for (slot, name) in names.iter().enumerate() {
        let slot_at = array + slot * size_of::<*mut MAPINAMEID>();
        let Some(name) = name else {
            root.write(slot_at, core::ptr::null_mut::<MAPINAMEID>());
            continue;
        };
        let (struct_at, guid_at) = (
            structs + index * size_of::<MAPINAMEID>(),
            guids + index * size_of::<GUID>(),
        );
        root.write(guid_at, name.set);
        let (kind, value) = match (&name.kind, strings[index]) {
            (NameKind::Id(id), _) => (MNID_ID, MAPINAMEID_Kind { lID: *id }),
            (NameKind::String(text), Some(at)) => {
                write_utf16(&root, at, text);
                let text = root.ptr_at(at).cast::<u16>();
                (MNID_STRING, MAPINAMEID_Kind { lpwstrName: text })
            }
            (NameKind::String(_), None) => unreachable!("planned above"),
        };
        root.write(
            struct_at,
            MAPINAMEID {
                lpguid: root.ptr_at(guid_at).cast(),
                ulKind: kind,
                Kind: value,
            },
        );
        root.write(slot_at, root.ptr_at(struct_at).cast::<MAPINAMEID>());
        index += 1;
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_given_once_kept_and_persisted() {
        let names = NamedProperties::new();
        let a = PropName::string(PS_PUBLIC_STRINGS, "Keywords");
        let b = PropName::id(PS_PUBLIC_STRINGS, 0x8501);
        assert_eq!(names.id_of(&a, false), None);
        assert_eq!(names.id_of(&a, true), Some(0x8000));
        assert_eq!(names.id_of(&b, true), Some(0x8001));
        assert_eq!(names.id_of(&a, true), Some(0x8000));
        assert_eq!(names.name_of(0x8001), Some(b.clone()));
        assert_eq!(names.name_of(0x0037), Some(PropName::id(PS_MAPI, 0x37)));
        assert_eq!(names.id_of(&PropName::id(PS_MAPI, 0x37), false), Some(0x37));
        assert_eq!(names.id_of(&PropName::string(PS_MAPI, "x"), true), None);
        assert_eq!(names.id_of(&PropName::id(PS_MAPI, 0x8000), true), None);

        let again = NamedProperties::from_bytes(&names.to_bytes()).unwrap();
        assert_eq!(again.all(), names.all());
        let bytes = names.to_bytes();
        // The first record ("Keywords") is 2 + 16 + 1 + 4 + 8 bytes: a cut there is a shorter
        // map, a cut anywhere else is corrupt.
        let first = 2 + 16 + 1 + 4 + "Keywords".len();
        for cut in 1..bytes.len() {
            match NamedProperties::from_bytes(&bytes[..cut]) {
                Ok(map) => assert_eq!((cut, map.all().len()), (first, 1)),
                Err(code) => assert_eq!(code, MAPI_E_CORRUPT_DATA, "cut at {cut}"),
            }
        }
        let doubled = [bytes.clone(), bytes].concat();
        assert!(NamedProperties::from_bytes(&doubled).is_err());
    }

    #[test]
    fn the_last_id_is_0xfffe() {
        let names = NamedProperties::new();
        for n in 0..(LAST_NAMED_ID - FIRST_NAMED_ID + 1) {
            assert!(
                names
                    .id_of(&PropName::id(PS_PUBLIC_STRINGS, i32::from(n)), true)
                    .is_some()
            );
        }
        assert_eq!(
            names.id_of(&PropName::id(PS_PUBLIC_STRINGS, -1), true),
            None
        );
        assert_eq!(names.all().last().unwrap().0, LAST_NAMED_ID);
    }
}
