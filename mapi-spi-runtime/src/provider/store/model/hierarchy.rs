//! What the runtime says about a folder, the same in its hierarchy-table row and on the folder
//! object: `PR_ENTRYID`, `PR_RECORD_KEY`, `PR_INSTANCE_KEY`, `PR_PARENT_ENTRYID`, the store's
//! `PR_STORE_*`, `PR_OBJECT_TYPE`, `PR_FOLDER_TYPE`, and the counts read from the folder's
//! contents table (`PR_CONTENT_COUNT`, `PR_CONTENT_UNREAD`) and subfolders (`PR_SUBFOLDERS`);
//! and the hierarchy tables built from it.
//!
//! A hierarchy table is built at each `GetHierarchyTable`, not cached: a store's folders are
//! few (tens, rarely thousands), every row's counts change with any message of its folder, and
//! a table built from [`StoreContent`](super::super::content::StoreContent) at the call always
//! agrees with the folder objects. The cost is that an open hierarchy view is a snapshot: it
//! gets no `TABLE_ROW_*` notifications; clients hear of folder changes through the store's
//! `fnevObject*` notifications instead. The counts come from each folder's contents table, so
//! the first hierarchy table of a store lists the messages of every folder it shows, once (the
//! contents tables are kept afterwards).

use super::{IDENTITY, Model};
use crate::codes::MAPI_E_CORRUPT_DATA;
use crate::flags::{FOLDER_GENERIC, FOLDER_ROOT, MAPI_FOLDER, MSGFLAG_READ};
use crate::props::{PropValue, Property};
use crate::provider::store::content::Folder;
use crate::provider::store::entry_id::ObjectKind;
use crate::provider::{ProviderError, ProviderResult};
use crate::table::TableData;
use crate::tags::*;

/// The columns a new hierarchy view starts with: what a folder list reads.
const DEFAULT_COLUMNS: &[u32] = &[
    PR_INSTANCE_KEY,
    PR_ENTRYID,
    PR_DISPLAY_NAME_W,
    PR_CONTENT_COUNT,
    PR_CONTENT_UNREAD,
    PR_SUBFOLDERS,
    PR_FOLDER_TYPE,
    PR_CONTAINER_CLASS_W,
    PR_DEPTH,
];

/// What [`Model::folder_identity`] makes besides the [`IDENTITY`], and `PR_DEPTH`: what a
/// provider gives for them is dropped too.
const FOLDER_OWNED: &[u32] = &[
    PR_FOLDER_TYPE,
    PR_CONTENT_COUNT,
    PR_CONTENT_UNREAD,
    PR_SUBFOLDERS,
    PR_DEPTH,
];

/// Whether the runtime owns the property with `tag`'s ID.
pub(super) fn is_owned(tag: u32) -> bool {
    IDENTITY
        .iter()
        .chain(FOLDER_OWNED)
        .any(|&owned| prop_id(owned) == prop_id(tag))
}

/// `props` without the ones the runtime owns.
pub(super) fn provider_props(props: Vec<Property>) -> impl Iterator<Item = Property> {
    props.into_iter().filter(|p| !is_owned(p.tag()))
}

impl Model {
    /// The long-term entry ID of object `key`, or the provider's fault: a key no entry ID can
    /// hold (empty, or longer than [`MAX_OBJECT_KEY`](super::super::entry_id::MAX_OBJECT_KEY)).
    pub(super) fn entry_id_of(&self, kind: ObjectKind, key: &[u8]) -> ProviderResult<Vec<u8>> {
        self.ids.mint(kind, key, false).ok_or_else(|| {
            ProviderError::new(
                MAPI_E_CORRUPT_DATA,
                "the provider gave an object key that no entry ID can hold",
            )
        })
    }

    /// Folder `key`'s message count and unread count (messages without `MSGFLAG_READ`): from
    /// its contents table when one is open, so that they agree with what the table shows; else
    /// as the provider counts them, without building a table (a hierarchy table lists every
    /// folder, and should read no message).
    pub(super) fn folder_counts(&self, key: &[u8]) -> ProviderResult<(u32, u32)> {
        self.apply_changes();
        let Some(table) = self.open_contents_table(key) else {
            return self.content.message_counts(key);
        };
        let unread = table.count_rows(|row| match row.value(PR_MESSAGE_FLAGS) {
            Some(PropValue::Long(flags)) => flags & MSGFLAG_READ == 0,
            _ => true,
        });
        Ok((table.row_count() as u32, unread as u32))
    }

    /// The properties the runtime owns on `folder`, as its hierarchy row and the folder object
    /// show them. The root's parent is itself, as MAPI's stores answer.
    pub(super) fn folder_identity(&self, folder: &Folder) -> ProviderResult<Vec<Property>> {
        let entry_id = self.entry_id_of(ObjectKind::Folder, &folder.key)?;
        let parent = match &folder.parent {
            Some(parent) => self.entry_id_of(ObjectKind::Folder, parent)?,
            None => entry_id.clone(),
        };
        let (count, unread) = self.folder_counts(&folder.key)?;
        let has_subfolders = !self.content.subfolders(&folder.key)?.is_empty();
        let folder_type = if folder.parent.is_none() {
            FOLDER_ROOT
        } else {
            FOLDER_GENERIC
        };
        let binary = |tag, bytes: Vec<u8>| Property::for_tag(tag, PropValue::Binary(bytes));
        let long = |tag, value| Property::for_tag(tag, PropValue::Long(value));
        Ok(vec![
            binary(PR_ENTRYID, entry_id),
            binary(PR_RECORD_KEY, folder.key.clone()),
            binary(PR_INSTANCE_KEY, folder.key.clone()),
            binary(PR_PARENT_ENTRYID, parent),
            binary(PR_STORE_ENTRYID, self.store_entry_id.clone()),
            binary(PR_STORE_RECORD_KEY, self.store_record_key.clone()),
            long(PR_STORE_SUPPORT_MASK, self.support_mask),
            long(PR_OBJECT_TYPE, MAPI_FOLDER),
            long(PR_FOLDER_TYPE, folder_type),
            long(PR_CONTENT_COUNT, count),
            long(PR_CONTENT_UNREAD, unread),
            Property::for_tag(PR_SUBFOLDERS, PropValue::Boolean(has_subfolders)),
        ])
    }

    /// `folder`'s properties: the runtime's, then the provider's others.
    pub(super) fn folder_props(&self, folder: Folder) -> ProviderResult<Vec<Property>> {
        let mut props = self.folder_identity(&folder)?;
        props.extend(provider_props(folder.props));
        Ok(props)
    }

    /// The hierarchy table of folder `key`: its subfolders at `PR_DEPTH` 0, and with `deep`
    /// (`CONVENIENT_DEPTH`) their subfolders too, depth first, each below its parent.
    pub(super) fn hierarchy_table(&self, key: &[u8], deep: bool) -> ProviderResult<TableData> {
        self.apply_changes();
        let mut rows = Vec::new();
        // (folder, depth), popped in display order: children pushed in reverse.
        let mut pending: Vec<(Folder, u32)> = self
            .content
            .subfolders(key)?
            .into_iter()
            .rev()
            .map(|folder| (folder, 0))
            .collect();
        while let Some((folder, depth)) = pending.pop() {
            if deep {
                let children = self.content.subfolders(&folder.key)?;
                pending.extend(children.into_iter().rev().map(|child| (child, depth + 1)));
            }
            let mut row = self.folder_props(folder)?;
            row.push(Property::for_tag(PR_DEPTH, PropValue::Long(depth)));
            rows.push(row);
        }
        let table = TableData::new(
            PR_INSTANCE_KEY,
            DEFAULT_COLUMNS.to_vec(),
            *self.cx.allocators(),
        )?;
        table.replace_rows(rows)?;
        Ok(table)
    }
}
