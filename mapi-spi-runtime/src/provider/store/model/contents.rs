//! Folder contents tables: one [`TableData`] per folder, built from the provider's
//! [`MessageSummary`]s at the folder's first `GetContentsTable` and kept for the store's life, so
//! a second open costs no listing, and kept current: every change made through the runtime
//! updates the row (the views' sinks get `TABLE_ROW_ADDED`, `..._MODIFIED`, `..._DELETED`), and
//! others' changes ([`StoreContent::changes`](super::super::content::StoreContent::changes))
//! are applied before a table is handed out.
//!
//! A folder's associated contents table (`MAPI_ASSOCIATED`: its folder-associated messages,
//! from [`StoreContent::associated_messages`](super::super::content::StoreContent::associated_messages))
//! is kept the same way, beside it; a message's row goes to one or the other by the
//! `MSGFLAG_ASSOCIATED` bit of its `PR_MESSAGE_FLAGS`.
//!
//! A row holds the summary's properties and the ones the runtime owns, which agree with the
//! message object's own: `PR_ENTRYID`, `PR_RECORD_KEY` and `PR_INSTANCE_KEY` (the index
//! column); what is the same for every message of the folder (`PR_PARENT_ENTRYID`, the store's
//! `PR_STORE_ENTRYID`, `PR_STORE_RECORD_KEY`, `PR_STORE_SUPPORT_MASK`, `PR_OBJECT_TYPE`) is the
//! table's common columns, held once for all its rows.

use std::collections::HashMap;
use std::sync::Weak;

use super::{IDENTITY, Model};
use crate::flags::{MAPI_MESSAGE, MSGFLAG_ASSOCIATED};
use crate::props::{PropValue, Property};
use crate::provider::ProviderResult;
use crate::provider::store::content::{ContentChange, MessageSummary, SpecialFolder};
use crate::provider::store::entry_id::ObjectKind;
use crate::sync::lock;
use crate::table::{SubObjects, TableData};
use crate::tags::*;

/// The columns a new contents view starts with: what Outlook's message list reads.
const DEFAULT_COLUMNS: &[u32] = &[
    PR_INSTANCE_KEY,
    PR_ENTRYID,
    PR_SUBJECT_W,
    PR_SENDER_NAME_W,
    PR_MESSAGE_DELIVERY_TIME,
    PR_MESSAGE_FLAGS,
    PR_MESSAGE_SIZE,
];

/// A contents table's rows' recipients and attachments, for `RES_SUBRESTRICTION` (a client's
/// search by recipient): read from the provider's whole message, found by the row's
/// `PR_INSTANCE_KEY` (the message's key). A message that cannot be read has none.
struct Messages(Weak<Model>);

impl SubObjects for Messages {
    fn sub_rows(&self, row: &[Property], object: u32) -> Vec<Vec<Property>> {
        let key = row.iter().find_map(|p| match (u32::from(p.id), &p.value) {
            (id, PropValue::Binary(key)) if id == prop_id(PR_INSTANCE_KEY) => Some(key),
            _ => None,
        });
        let (Some(model), Some(key)) = (self.0.upgrade(), key) else {
            return Vec::new();
        };
        let Ok(stored) = model.content.message(key) else {
            return Vec::new();
        };
        match object {
            PR_MESSAGE_RECIPIENTS => stored.message.recipients,
            PR_MESSAGE_ATTACHMENTS => stored
                .message
                .attachments
                .into_iter()
                .map(|attachment| attachment.props)
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The open folders' contents tables, by folder key: their messages', and their
/// folder-associated messages' (`MAPI_ASSOCIATED`).
#[derive(Default)]
pub(crate) struct ContentsTables {
    tables: std::sync::Mutex<HashMap<Vec<u8>, TableData>>,
    associated: std::sync::Mutex<HashMap<Vec<u8>, TableData>>,
}

impl ContentsTables {
    fn of(&self, associated: bool) -> &std::sync::Mutex<HashMap<Vec<u8>, TableData>> {
        if associated {
            &self.associated
        } else {
            &self.tables
        }
    }
}

impl Model {
    /// The properties the runtime owns on message `key` in `folder` besides the store's
    /// ([`Model::store_common`]), in ascending ID order, as the message object shows them:
    /// `PR_PARENT_ENTRYID` and its keys (`None`: a key no entry ID can hold).
    pub(crate) fn message_identity(&self, folder: &[u8], key: &[u8]) -> Option<Vec<Property>> {
        let parent = self.ids.mint(ObjectKind::Folder, folder, false)?;
        let mut identity = vec![Property::for_tag(
            PR_PARENT_ENTRYID,
            PropValue::Binary(parent),
        )];
        identity.extend(self.message_keys(key.to_vec())?);
        Some(identity)
    }

    /// What each row of a contents table holds of message `key`'s identity, in ascending ID
    /// order: `PR_INSTANCE_KEY`, `PR_RECORD_KEY` and `PR_ENTRYID`.
    fn message_keys(&self, key: Vec<u8>) -> Option<[Property; super::ROW_IDENTITY_PROPS]> {
        let entry_id = self.ids.mint(ObjectKind::Message, &key, false)?;
        Some([
            Property::for_tag(PR_INSTANCE_KEY, PropValue::Binary(key.clone())),
            Property::for_tag(PR_RECORD_KEY, PropValue::Binary(key)),
            Property::for_tag(PR_ENTRYID, PropValue::Binary(entry_id)),
        ])
    }

    /// The contents-table row of `summary`: its properties, its keys replacing any the
    /// provider gave for them, and none the runtime owns (the table's common columns show
    /// those). Allocated once, at its full size: a folder's first open builds thousands. The
    /// keys are merged in by ID, the provider's properties kept in their order: a summary in
    /// ID order makes a row in ID order, which the table takes without sorting it.
    fn message_row(&self, summary: MessageSummary) -> Option<Vec<Property>> {
        let MessageSummary {
            key,
            props: mut row,
        } = summary;
        let identity = self.message_keys(key)?;
        row.retain(|p| !IDENTITY.iter().any(|&tag| prop_id(tag) == u32::from(p.id)));
        // Merged in place, from the back, into room made at the end: the provider's vector
        // becomes the row, not copied when it has that room (MessageSummary::with_capacity).
        let mut provided = row.len();
        row.resize_with(provided + identity.len(), || {
            Property::new(0, PropValue::Null)
        });
        let mut end = row.len();
        for owned in identity.into_iter().rev() {
            while provided > 0 && row[provided - 1].id > owned.id {
                provided -= 1;
                end -= 1;
                row.swap(provided, end);
            }
            end -= 1;
            row[end] = owned;
        }
        Some(row)
    }

    /// The contents table of `folder` if it was built already (no listing made here).
    pub(crate) fn open_contents_table(&self, folder: &[u8]) -> Option<TableData> {
        self.open_table(folder, false)
    }

    /// The contents table of `folder`, or with `associated` its associated contents table, if
    /// it was built already.
    pub(super) fn open_table(&self, folder: &[u8], associated: bool) -> Option<TableData> {
        lock(self.contents.of(associated)).get(folder).cloned()
    }

    /// The contents table of `folder`: built at the first call, current at every call.
    pub(crate) fn contents_table(&self, folder: &[u8]) -> ProviderResult<TableData> {
        self.table_of(folder, false)
    }

    /// The associated contents table of `folder` (`GetContentsTable` with `MAPI_ASSOCIATED`):
    /// its folder-associated messages, kept as its contents table is; empty for a store that
    /// keeps none ([`StoreContent::supports_associated`]).
    ///
    /// [`StoreContent::supports_associated`]: crate::provider::store::content::StoreContent::supports_associated
    pub(crate) fn associated_contents_table(&self, folder: &[u8]) -> ProviderResult<TableData> {
        self.table_of(folder, true)
    }

    /// [`Self::contents_table`], or with `associated` [`Self::associated_contents_table`].
    fn table_of(&self, folder: &[u8], associated: bool) -> ProviderResult<TableData> {
        self.apply_changes();
        if let Some(table) = self.open_table(folder, associated) {
            return Ok(table);
        }
        // Listed without the lock: a listing may take long, and a concurrent first open of the
        // same folder only costs a second listing (the first table in wins).
        let summaries = if associated {
            self.content.associated_messages(folder)?
        } else {
            self.content.messages(folder)?
        };
        let (summaries, common): (_, Vec<Property>) =
            match self.ids.mint(ObjectKind::Folder, folder, false) {
                Some(parent) => (
                    summaries,
                    std::iter::once(Property::for_tag(
                        PR_PARENT_ENTRYID,
                        PropValue::Binary(parent),
                    ))
                    .chain(self.store_common(MAPI_MESSAGE))
                    .collect(),
                ),
                // A key no entry ID can hold: no message of it can be shown.
                None => (Vec::new(), Vec::new()),
            };
        let table = TableData::new_with_common(
            PR_INSTANCE_KEY,
            DEFAULT_COLUMNS.to_vec(),
            common,
            *self.cx.allocators(),
        )?;
        let table = self
            .refreshed_on_read(table)
            .with_sub_objects(Messages(self.me.clone()));
        // Each row made as the table takes it: built, checked and placed while in cache.
        table.replace_rows(
            summaries
                .into_iter()
                .filter_map(|summary| self.message_row(summary)),
        )?;
        Ok(lock(self.contents.of(associated))
            .entry(folder.to_vec())
            .or_insert(table)
            .clone())
    }

    /// Message `key` in `folder` was created or changed (by the runtime or by another program):
    /// its row, re-read from the provider, replaces the old one in the folder's table, if the
    /// table is open (its associated contents table for a message with `MSGFLAG_ASSOCIATED`).
    /// A message that cannot be read any more loses its row.
    pub(crate) fn message_changed(&self, folder: &[u8], key: &[u8]) {
        let tables = [false, true].map(|associated| self.open_table(folder, associated));
        if tables.iter().all(Option::is_none) {
            return;
        }
        let summary = self.content.message_summary(key).ok();
        let associated = summary.as_ref().is_some_and(|summary| {
            super::message::long_in(&summary.props, PR_MESSAGE_FLAGS) & MSGFLAG_ASSOCIATED != 0
        });
        let row = summary.and_then(|summary| self.message_row(summary));
        let index = PropValue::Binary(key.to_vec());
        for (table, of_associated) in tables.into_iter().zip([false, true]) {
            let Some(table) = table else {
                continue;
            };
            match &row {
                // A row the engine refuses (a value no QueryRows could return) is the
                // provider's fault: the message is then left out rather than shown wrong.
                Some(row) if of_associated == associated => {
                    if table.modify_row(row.clone()).is_err() {
                        let _ = table.delete_row(&index);
                    }
                }
                _ => {
                    let _ = table.delete_row(&index);
                }
            }
        }
    }

    /// Message `key` left `folder` (deleted, or moved away): its row goes, if the table is open.
    pub(crate) fn message_removed(&self, folder: &[u8], key: &[u8]) {
        for associated in [false, true] {
            if let Some(table) = self.open_table(folder, associated) {
                // Not there: the table was built after the message left; nothing to do.
                let _ = table.delete_row(&PropValue::Binary(key.to_vec()));
            }
        }
    }

    /// Folder `key` is gone (deleted, or moved under a new key): its tables go too.
    pub(crate) fn folder_removed(&self, key: &[u8]) {
        for associated in [false, true] {
            lock(self.contents.of(associated)).remove(key);
        }
    }

    /// `fnevNewMail` for a message another program delivered, when it arrived in the store's
    /// Inbox (where `GetReceiveFolder` sends new mail): its class and flags from the provider's
    /// summary.
    fn new_mail(&self, folder: &[u8], key: &[u8]) {
        if self.content.special_folder(SpecialFolder::Inbox).as_deref() != Some(folder) {
            return;
        }
        let Ok(summary) = self.content.message_summary(key) else {
            return;
        };
        let value = |tag: u32| {
            summary
                .props
                .iter()
                .find(|p| u32::from(p.id) == prop_id(tag))
                .map(|p| &p.value)
        };
        let class = match value(PR_MESSAGE_CLASS_W) {
            Some(PropValue::Unicode(class)) => class.as_str(),
            _ => "IPM.Note",
        };
        let message_flags = match value(PR_MESSAGE_FLAGS) {
            Some(PropValue::Long(flags)) => *flags,
            _ => 0,
        };
        let class: Vec<u16> = class.encode_utf16().chain([0]).collect();
        self.notify(super::notify::Event::NewMail {
            key,
            folder,
            class: &class,
            message_flags,
        });
    }

    /// Applies the provider's report of others' changes to the open tables and tells the sinks
    /// ([`super::notify`]): each object's event, then `fnevObjectModified` once for each
    /// folder whose messages changed (its counts), as a change made through the runtime ends.
    pub(crate) fn apply_changes(&self) {
        let mut folders: Vec<Vec<u8>> = Vec::new();
        for change in self.content.changes() {
            if let ContentChange::MessageAdded { folder, .. }
            | ContentChange::MessageModified { folder, .. }
            | ContentChange::MessageDeleted { folder, .. } = &change
                && !folders.contains(folder)
            {
                folders.push(folder.clone());
            }
            match change {
                ContentChange::MessageAdded { folder, key } => {
                    self.message_changed(&folder, &key);
                    self.notify(super::notify::Event::Created {
                        kind: ObjectKind::Message,
                        key: &key,
                        parent: &folder,
                    });
                    self.new_mail(&folder, &key);
                }
                ContentChange::MessageModified { folder, key } => {
                    // A new version, as a save through the runtime makes: an object opened
                    // before the change cannot save over it unseen (MAPI_E_OBJECT_CHANGED).
                    self.saved(Some(&key), &key);
                    self.message_changed(&folder, &key);
                    self.notify(super::notify::Event::Modified {
                        kind: ObjectKind::Message,
                        key: &key,
                        parent: &folder,
                    });
                }
                ContentChange::MessageDeleted { folder, key } => {
                    self.message_removed(&folder, &key);
                    self.notify(super::notify::Event::Deleted {
                        kind: ObjectKind::Message,
                        key: &key,
                        parent: &folder,
                    });
                }
                ContentChange::FolderAdded { parent, key } => {
                    self.folders_changed();
                    self.notify(super::notify::Event::Created {
                        kind: ObjectKind::Folder,
                        key: &key,
                        parent: &parent,
                    });
                }
                ContentChange::FolderDeleted { parent, key } => {
                    self.folders_changed();
                    self.folder_removed(&key);
                    self.notify(super::notify::Event::Deleted {
                        kind: ObjectKind::Folder,
                        key: &key,
                        parent: &parent,
                    });
                }
            }
        }
        for folder in folders {
            self.folder_modified(&folder);
        }
    }
}
