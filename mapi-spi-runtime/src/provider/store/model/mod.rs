//! The store object model: MAPI's store, folder, message and attachment objects, built by the
//! runtime on the property and table engines over what a provider says its store holds
//! ([`StoreContent`]).
//!
//! Every object of one open store shares one `Model`: the provider's content, the store's
//! entry IDs, its context (allocators, support object, last error), its named properties, and
//! what the runtime tracks across objects (message versions for `MAPI_E_OBJECT_CHANGED`, open
//! tables to keep current, notifications).

mod attach;
mod computed;
mod contents;
mod cross;
mod folder;
mod hierarchy;
mod message;
pub mod notify;
mod open;
mod store;

pub use store::{ContentStore, DEFAULT_SUPPORT_MASK};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use self::contents::ContentsTables;
use super::StoreRef;
use super::content::StoreContent;
use super::entry_id::EntryIds;
use crate::props::names::NamedProperties;
use crate::props::{PropValue, Property};
use crate::provider::{ProviderError, ProviderResult};
use crate::sync::lock;
use crate::table::TableData;
use crate::tags::{
    PR_ENTRYID, PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_PARENT_ENTRYID, PR_RECORD_KEY,
    PR_STORE_ENTRYID, PR_STORE_RECORD_KEY, PR_STORE_SUPPORT_MASK,
};

/// The properties that say where an object of the store is and what it is, the same for folders
/// and messages: the runtime makes them ([`Model::folder_identity`], [`Model::message_identity`]
/// and the message object's), and a provider's value for one is dropped.
const IDENTITY: [u32; 8] = [
    PR_ENTRYID,
    PR_RECORD_KEY,
    PR_INSTANCE_KEY,
    PR_PARENT_ENTRYID,
    PR_STORE_ENTRYID,
    PR_STORE_RECORD_KEY,
    PR_STORE_SUPPORT_MASK,
    PR_OBJECT_TYPE,
];

/// How many properties the runtime adds to a message's contents-table row (`contents`'
/// keys: the rest of its identity is the table's common columns): the room
/// [`MessageSummary::with_capacity`] leaves for them.
///
/// [`MessageSummary::with_capacity`]: super::content::MessageSummary::with_capacity
pub(crate) const ROW_IDENTITY_PROPS: usize = 3;

/// What every object of one open store shares.
pub(crate) struct Model {
    /// The model itself, for what must reach it later without keeping it alive (a contents
    /// table's refresh).
    me: Weak<Model>,
    pub(crate) content: Arc<dyn StoreContent>,
    pub(crate) ids: EntryIds,
    pub(crate) cx: StoreRef,
    pub(crate) names: Arc<NamedProperties>,
    /// How many names [`Model::names`] had when the content last kept the map
    /// ([`StoreContent::save_names`]); held while it keeps it, so that two writers never
    /// keep an older map after a newer one.
    names_kept: Mutex<usize>,
    /// The store's entry ID as clients see it (wrapped by the support object's
    /// `WrapStoreEntryID`): `PR_STORE_ENTRYID` of every object.
    pub(crate) store_entry_id: Vec<u8>,
    /// `PR_STORE_SUPPORT_MASK` of every object.
    pub(crate) support_mask: u32,
    /// A counter per message key, bumped by every save through the runtime: a message object
    /// remembers the value it was opened at, and its `SaveChanges` finds out whether another
    /// writer saved in between (`MAPI_E_OBJECT_CHANGED`).
    versions: Mutex<HashMap<Vec<u8>, u64>>,
    /// The connections `Advise` made through the support object, which logoff ends.
    advised: Mutex<Vec<usize>>,
    /// Held by a message's `SaveChanges` from its version check to its [`Model::saved`], so
    /// that of two writers saving at once one sees the other's save.
    pub(crate) saving: Mutex<()>,
    /// The contents tables of the folders opened so far ([`contents`]).
    contents: ContentsTables,
    /// The hierarchy tables with views open ([`hierarchy`]).
    hierarchies: hierarchy::HierarchyTables,
    /// Set when a folder is deleted or moved (through the runtime or by others), and at first:
    /// the store's special-folder properties are made again at the next read that may see
    /// them.
    folders_changed: AtomicBool,
    /// Set at the store's logoff: the objects opened from it answer `MAPI_E_INVALID_OBJECT`
    /// from then on, as the objects of a released store must.
    closed: AtomicBool,
}

impl Model {
    /// The model of a store opened with `cx`: its content, entry IDs, identity and named
    /// properties (as the content kept them: [`StoreContent::names`]).
    pub(crate) fn new(
        cx: StoreRef,
        content: Arc<dyn StoreContent>,
        names: NamedProperties,
        ids: EntryIds,
        store_entry_id: Vec<u8>,
        support_mask: u32,
    ) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            content,
            ids,
            cx,
            names_kept: Mutex::new(names.len()),
            names: Arc::new(names),
            store_entry_id,
            support_mask,
            versions: Mutex::default(),
            advised: Mutex::default(),
            saving: Mutex::default(),
            contents: ContentsTables::default(),
            hierarchies: hierarchy::HierarchyTables::default(),
            // Set: the store's special-folder properties are made at their first read.
            folders_changed: AtomicBool::new(true),
            closed: AtomicBool::new(false),
        })
    }

    /// The named properties the content keeps ([`StoreContent::names`]); an empty map when it
    /// keeps none, `MAPI_E_CORRUPT_DATA` when what it kept is no map.
    pub(crate) fn kept_names(content: &dyn StoreContent) -> ProviderResult<NamedProperties> {
        match content.names()? {
            None => Ok(NamedProperties::new()),
            Some(bytes) => NamedProperties::from_bytes(&bytes).map_err(|code| {
                ProviderError::new(code, "the store's named-property map is damaged")
            }),
        }
    }

    /// Has the content keep the named-property map if it grew since it last did
    /// ([`StoreContent::save_names`]): before a write that may hold named properties.
    pub(crate) fn keep_names(&self) -> ProviderResult<()> {
        let mut kept = lock(&self.names_kept);
        let now = self.names.len();
        if now != *kept {
            self.content.save_names(&self.names.to_bytes())?;
            *kept = now;
        }
        Ok(())
    }

    /// The store is logged off: its objects are invalid from now on.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// A folder was deleted or moved: it may have been a special one.
    pub(crate) fn folders_changed(&self) {
        self.folders_changed.store(true, Ordering::Release);
    }

    /// Whether a folder was deleted or moved since the last call (the first call: true).
    pub(crate) fn take_folders_changed(&self) -> bool {
        self.folders_changed.swap(false, Ordering::AcqRel)
    }

    /// Whether the store is logged off.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// `table` with the provider's report of others' changes applied before each of its
    /// views' reads ([`TableData::with_refresh`]): others' changes reach an open view at its
    /// next read, not only at the next open.
    pub(super) fn refreshed_on_read(&self, table: TableData) -> TableData {
        let model = self.me.clone();
        table.with_refresh(move || {
            if let Some(model) = model.upgrade() {
                model.apply_changes();
            }
        })
    }

    /// What every object of the store of type `object_type` (`MAPI_FOLDER`, `MAPI_MESSAGE`)
    /// shows of the store, in ascending ID order: `PR_STORE_RECORD_KEY`, `PR_STORE_ENTRYID`,
    /// `PR_OBJECT_TYPE` and `PR_STORE_SUPPORT_MASK`. The objects' own properties and their
    /// tables' common columns, so that both always agree.
    pub(crate) fn store_common(&self, object_type: u32) -> [Property; 4] {
        let binary = |tag, bytes: &[u8]| Property::for_tag(tag, PropValue::Binary(bytes.to_vec()));
        [
            // The store's `PR_RECORD_KEY`: its key, which the context holds (no copy per logon).
            binary(PR_STORE_RECORD_KEY, self.cx.store_key()),
            binary(PR_STORE_ENTRYID, &self.store_entry_id),
            Property::for_tag(PR_OBJECT_TYPE, PropValue::Long(object_type)),
            Property::for_tag(PR_STORE_SUPPORT_MASK, PropValue::Long(self.support_mask)),
        ]
    }

    /// The version message `key` is at now (0 until its first save through the runtime).
    pub(crate) fn version(&self, key: &[u8]) -> u64 {
        lock(&self.versions).get(key).copied().unwrap_or(0)
    }

    /// Records a save of message `key` (now stored under `new_key`, which may differ) and
    /// answers its new version.
    pub(crate) fn saved(&self, key: Option<&[u8]>, new_key: &[u8]) -> u64 {
        let mut versions = lock(&self.versions);
        let next = key.and_then(|key| versions.remove(key)).unwrap_or(0) + 1;
        versions.insert(new_key.to_vec(), next);
        next
    }
}
