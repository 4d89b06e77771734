//! What the runtime says about a folder, the same in its hierarchy-table row and on the folder
//! object: `PR_ENTRYID`, `PR_RECORD_KEY`, `PR_INSTANCE_KEY`, `PR_PARENT_ENTRYID`, the store's
//! `PR_STORE_*` and `PR_OBJECT_TYPE` (a hierarchy table's common columns, held once for all
//! its rows), `PR_FOLDER_TYPE`, and the counts read from the folder's contents table
//! (`PR_CONTENT_COUNT`, `PR_CONTENT_UNREAD`), associated contents table
//! (`PR_ASSOC_CONTENT_COUNT`) and subfolders (`PR_SUBFOLDERS`);
//! and the hierarchy tables built from it.
//!
//! A hierarchy table is built at the first `GetHierarchyTable` of a folder (with or without
//! `CONVENIENT_DEPTH`) and kept, current, while a client has a view of it open: every change
//! the store notifies ([`Event`], whether made through the runtime or reported by the
//! provider) updates the rows it concerns, so the views' sinks get `TABLE_ROW_ADDED`,
//! `TABLE_ROW_MODIFIED` and `TABLE_ROW_DELETED`. A message's change re-reads its folder's row
//! (its counts); a folder created, deleted, moved or copied builds the tables' rows again and
//! changes those that differ, each new or moved folder placed where a new view would list it
//! (below its parent, depth first: [`TableData::insert_row_after`]), its notification's
//! `propPrior` the row before it. A table no view uses any more is dropped: the next
//! `GetHierarchyTable` builds it afresh, and the store does no work for tables nobody reads.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::notify::Event;
use super::{IDENTITY, Model};
use crate::codes::MAPI_E_CORRUPT_DATA;
use crate::flags::{FOLDER_GENERIC, FOLDER_ROOT, MAPI_FOLDER, MSGFLAG_READ};
use crate::interfaces::IMAPITable;
use crate::props::{PropValue, Property};
use crate::provider::store::content::Folder;
use crate::provider::store::entry_id::ObjectKind;
use crate::provider::{ProviderError, ProviderResult};
use crate::sync::lock;
use crate::table::{Row, TableData};
use crate::tags::*;

/// How many times a hierarchy table is built, or an update of the tables made, again when
/// other changes come in meanwhile, before it is kept as it is (a row then stays as read
/// until the next change that concerns it): under a stream of changes, or a sink that makes
/// one whenever it hears of one, the work ends.
const ATTEMPTS: usize = 8;

/// Which hierarchy table: its folder's key, and whether it is `CONVENIENT_DEPTH`'s.
type TableId = (Vec<u8>, bool);

/// The hierarchy tables with views open, by folder key and depth (`CONVENIENT_DEPTH` or not).
#[derive(Default)]
pub(crate) struct HierarchyTables {
    tables: Mutex<HashMap<TableId, TableData>>,
    /// Bumped at every change to what hierarchy rows show, before the tables are updated: a
    /// table built or a row read meanwhile is built or read again, so that none keeps what
    /// was true before the change.
    changes: AtomicU64,
}

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
    PR_ASSOC_CONTENT_COUNT,
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

    /// Folder `key`'s number of folder-associated messages: from its associated contents table
    /// when one is open, else as the provider lists them; 0 without asking a store that keeps
    /// none ([`StoreContent::supports_associated`]).
    ///
    /// [`StoreContent::supports_associated`]: crate::provider::store::content::StoreContent::supports_associated
    fn associated_count(&self, key: &[u8]) -> ProviderResult<u32> {
        if !self.content.supports_associated() {
            return Ok(0);
        }
        match self.open_table(key, true) {
            Some(table) => Ok(table.row_count() as u32),
            None => Ok(self.content.associated_messages(key)?.len() as u32),
        }
    }

    /// The counts of folder `key` as its row and the object show them: `PR_CONTENT_COUNT`,
    /// `PR_CONTENT_UNREAD` ([`Self::folder_counts`]), `PR_ASSOC_CONTENT_COUNT`.
    fn count_props(&self, key: &[u8]) -> ProviderResult<[Property; 3]> {
        let (count, unread) = self.folder_counts(key)?;
        let associated = self.associated_count(key)?;
        let long = |tag, value| Property::for_tag(tag, PropValue::Long(value));
        Ok([
            long(PR_CONTENT_COUNT, count),
            long(PR_CONTENT_UNREAD, unread),
            long(PR_ASSOC_CONTENT_COUNT, associated),
        ])
    }

    /// The properties the runtime owns on `folder` besides the store's
    /// ([`Model::store_common`], a hierarchy table's common columns), as its hierarchy row and
    /// the folder object show them. The root's parent is itself, as MAPI's stores answer.
    fn folder_identity(&self, folder: &Folder) -> ProviderResult<Vec<Property>> {
        let entry_id = self.entry_id_of(ObjectKind::Folder, &folder.key)?;
        let parent = match &folder.parent {
            Some(parent) => self.entry_id_of(ObjectKind::Folder, parent)?,
            None => entry_id.clone(),
        };
        let counts = self.count_props(&folder.key)?;
        let has_subfolders = !self.content.subfolders(&folder.key)?.is_empty();
        let folder_type = if folder.parent.is_none() {
            FOLDER_ROOT
        } else {
            FOLDER_GENERIC
        };
        let binary = |tag, bytes: Vec<u8>| Property::for_tag(tag, PropValue::Binary(bytes));
        let long = |tag, value| Property::for_tag(tag, PropValue::Long(value));
        let mut props = vec![
            binary(PR_ENTRYID, entry_id),
            binary(PR_RECORD_KEY, folder.key.clone()),
            binary(PR_INSTANCE_KEY, folder.key.clone()),
            binary(PR_PARENT_ENTRYID, parent),
            long(PR_FOLDER_TYPE, folder_type),
            Property::for_tag(PR_SUBFOLDERS, PropValue::Boolean(has_subfolders)),
        ];
        props.extend(counts);
        Ok(props)
    }

    /// `folder`'s properties: the runtime's, then the provider's others.
    pub(super) fn folder_props(&self, folder: Folder) -> ProviderResult<Vec<Property>> {
        let mut props = self.folder_own(folder)?;
        props.extend(self.store_common(MAPI_FOLDER));
        Ok(props)
    }

    /// `folder`'s properties but the store's: what its hierarchy rows hold.
    fn folder_own(&self, folder: Folder) -> ProviderResult<Vec<Property>> {
        let mut props = self.folder_identity(&folder)?;
        props.extend(provider_props(folder.props));
        Ok(props)
    }

    /// The rows of folder `key`'s hierarchy table: its subfolders at `PR_DEPTH` 0, and with
    /// `deep` (`CONVENIENT_DEPTH`) their subfolders too, depth first, each below its parent.
    fn hierarchy_rows(&self, key: &[u8], deep: bool) -> ProviderResult<Vec<Vec<Property>>> {
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
            rows.push(self.folder_row(folder, depth)?);
        }
        Ok(rows)
    }

    /// `folder`'s hierarchy row, at `depth`.
    fn folder_row(&self, folder: Folder, depth: u32) -> ProviderResult<Vec<Property>> {
        let mut row = self.folder_own(folder)?;
        row.push(Property::for_tag(PR_DEPTH, PropValue::Long(depth)));
        Ok(row)
    }

    /// A view of folder `key`'s hierarchy table (with `deep`: `CONVENIENT_DEPTH`), kept
    /// current while a view of it is open (see the module documentation).
    pub(super) fn hierarchy_view(&self, key: &[u8], deep: bool) -> ProviderResult<IMAPITable> {
        self.apply_changes();
        let id = (key.to_vec(), deep);
        let hierarchies = &self.hierarchies;
        let mut attempts = 0;
        loop {
            attempts += 1;
            {
                let mut tables = lock(&hierarchies.tables);
                tables.retain(|_, table| table.has_views());
                if let Some(table) = tables.get(&id) {
                    return Ok(table.view());
                }
            }
            // Built without the lock: reading the folders may report others' changes, whose
            // notifications update the tables under it.
            let seen = hierarchies.changes.load(Ordering::Acquire);
            let table = self.refreshed_on_read(TableData::new_with_common(
                PR_INSTANCE_KEY,
                DEFAULT_COLUMNS.to_vec(),
                self.store_common(MAPI_FOLDER).into(),
                *self.cx.allocators(),
            )?);
            table.replace_rows(self.hierarchy_rows(key, deep)?)?;
            let mut tables = lock(&hierarchies.tables);
            if hierarchies.changes.load(Ordering::Acquire) != seen && attempts < ATTEMPTS {
                continue;
            }
            // The view is made under the lock: a table is never dropped between its caching
            // and its first view.
            return Ok(tables.entry(id).or_insert(table).view());
        }
    }

    /// Brings the open hierarchy tables up to date with `event`, which the store notifies.
    pub(super) fn hierarchy_event(&self, event: &Event<'_>) {
        let (kind, key, parent, old_parent) = match *event {
            Event::Created { kind, key, parent }
            | Event::Deleted { kind, key, parent }
            | Event::Modified { kind, key, parent } => (kind, key, parent, None),
            Event::Moved {
                kind,
                key,
                parent,
                old_parent,
                ..
            }
            | Event::Copied {
                kind,
                key,
                parent,
                old_parent,
                ..
            } => (kind, key, parent, Some(old_parent)),
            Event::NewMail { .. } => return,
        };
        match (kind, event) {
            // Its own properties or counts: its row.
            (ObjectKind::Folder, Event::Modified { .. }) => self.folder_rows_changed(&[key]),
            // Where folders are: every row may have moved.
            (ObjectKind::Folder, _) => self.hierarchy_reload(),
            // A message: its folders' counts, and nothing else of their rows.
            (ObjectKind::Message, _) => match old_parent {
                Some(old_parent) => self.folder_counts_changed(&[parent, old_parent]),
                None => self.folder_counts_changed(&[parent]),
            },
        }
    }

    /// The hierarchy tables with views open (the others are dropped), after a change was
    /// counted: what to update, each with its folder key and depth, and the change count.
    fn tables_to_update(&self) -> (Vec<(TableId, TableData)>, u64) {
        let hierarchies = &self.hierarchies;
        let seen = hierarchies.changes.fetch_add(1, Ordering::AcqRel) + 1;
        let mut tables = lock(&hierarchies.tables);
        tables.retain(|_, table| table.has_views());
        let open = tables
            .iter()
            .map(|(id, table)| (id.clone(), table.clone()))
            .collect();
        (open, seen)
    }

    /// Runs `update` on the open hierarchy tables until no other change came in while it ran
    /// (at most [`ATTEMPTS`] times): of two changes updating at once, the one that read first
    /// reads again, so that its write, if it lands last, does not keep the older state.
    fn update_hierarchies(&self, update: impl Fn(&[(TableId, TableData)])) {
        let (tables, mut seen) = self.tables_to_update();
        if tables.is_empty() {
            return;
        }
        for _ in 0..ATTEMPTS {
            update(&tables);
            let now = self.hierarchies.changes.load(Ordering::Acquire);
            if now == seen {
                return;
            }
            seen = now;
        }
    }

    /// Folders `keys` changed (their properties or their counts): their rows in the open
    /// hierarchy tables are read again, and changed where they differ.
    fn folder_rows_changed(&self, keys: &[&[u8]]) {
        self.update_hierarchies(|tables| {
            for &key in keys {
                let index = PropValue::Binary(key.to_vec());
                // Read at most once per depth: the same folder in several tables.
                let mut fresh: HashMap<u32, Option<Vec<Property>>> = HashMap::new();
                for (_, table) in tables {
                    let Some(old) = table.row(&index) else {
                        continue;
                    };
                    let depth = match old.iter().find(|p| p.tag() == PR_DEPTH) {
                        Some(Property {
                            value: PropValue::Long(depth),
                            ..
                        }) => *depth,
                        _ => 0,
                    };
                    let row = fresh.entry(depth).or_insert_with(|| {
                        let folder = self.content.folder(key).ok()?;
                        self.folder_row(folder, depth).ok()
                    });
                    // A folder that cannot be read is gone: its deletion's event removes it.
                    if let Some(row) = row.as_ref().filter(|row| as_stored(row) != old) {
                        // A row the engine refuses stays as it was.
                        let _ = table.modify_row(row.clone());
                    }
                }
            }
        });
    }

    /// The messages of folders `keys` changed: their rows' counts ([`Self::count_props`]) in
    /// the open hierarchy tables are read again (from their contents tables when open, so a
    /// message event costs no listing), and changed where they differ.
    fn folder_counts_changed(&self, keys: &[&[u8]]) {
        self.update_hierarchies(|tables| {
            for &key in keys {
                let index = PropValue::Binary(key.to_vec());
                let mut counts = None;
                for (_, table) in tables {
                    let Some(mut row) = table.row(&index) else {
                        continue;
                    };
                    // A folder whose counts cannot be read is gone: its deletion's event
                    // removes it.
                    let Ok(counts) = counts.get_or_insert_with(|| self.count_props(key)) else {
                        break;
                    };
                    let before = row.clone();
                    for prop in &mut row {
                        if let Some(count) = counts.iter().find(|c| c.tag() == prop.tag()) {
                            prop.value = count.value.clone();
                        }
                    }
                    if row != before {
                        let _ = table.modify_row(row);
                    }
                }
            }
        });
    }

    /// Folders the provider moved or renamed under new keys (`(old, new)` each): their open
    /// hierarchy tables are theirs under the new keys, so that the next update lists their
    /// subfolders (under the old key, a table has none left to show) and a client's open
    /// view of them goes on following them.
    pub(super) fn hierarchy_rekeyed(&self, keys: &[(&[u8], &[u8])]) {
        let mut tables = lock(&self.hierarchies.tables);
        for &(old, new) in keys {
            for deep in [false, true] {
                if let Some(table) = tables.remove(&(old.to_vec(), deep)) {
                    tables.insert((new.to_vec(), deep), table);
                }
            }
        }
    }

    /// Folders were created, deleted, moved or copied: every open hierarchy table's rows are
    /// built again, and the rows that differ deleted, changed or added.
    fn hierarchy_reload(&self) {
        self.update_hierarchies(|tables| {
            for ((key, deep), table) in tables {
                // Its folder gone, a table has no subfolders left to show.
                let rows = self.hierarchy_rows(key, *deep).unwrap_or_default();
                sync_rows(table, rows);
            }
        });
    }
}

/// `row` as a table keeps it (and answers it from [`TableData::rows`]): one value per ID, by
/// ID; what a row read from the table is compared with.
fn as_stored(row: &[Property]) -> Vec<Property> {
    Row::new(0, row.to_vec()).props().to_vec()
}

/// Makes `table`'s rows `rows`, in that order, changing only what differs: rows no longer there
/// deleted, then, in order, each new row placed after the one before it
/// ([`TableData::insert_row_after`]), each row elsewhere moved there, each changed row
/// modified. An open view without a sort order then lists the rows as a new one would.
fn sync_rows(table: &TableData, rows: Vec<Vec<Property>>) {
    let index = |row: &[Property]| {
        row.iter()
            .find(|p| p.tag() == PR_INSTANCE_KEY)
            .and_then(|p| match &p.value {
                PropValue::Binary(key) => Some(key.clone()),
                _ => None,
            })
    };
    let fresh: Vec<(Vec<u8>, Vec<Property>)> = rows
        .into_iter()
        .filter_map(|row| Some((index(&row)?, row)))
        .collect();
    let wanted: std::collections::HashSet<&[u8]> =
        fresh.iter().map(|(key, _)| key.as_slice()).collect();
    // The table's rows, in its order, as they are changed.
    let mut order: Vec<Vec<u8>> = Vec::new();
    let mut old: HashMap<Vec<u8>, Vec<Property>> = HashMap::new();
    for row in table.rows() {
        let Some(key) = index(&row) else { continue };
        if wanted.contains(key.as_slice()) {
            order.push(key.clone());
            old.insert(key, row);
        } else {
            let _ = table.delete_row(&PropValue::Binary(key));
        }
    }
    let mut prior: Option<&[u8]> = None;
    for (key, row) in &fresh {
        let at = order.iter().position(|k| k == key);
        let placed = at.is_some_and(|at| at.checked_sub(1).map(|p| order[p].as_slice()) == prior);
        let same = old.get(key) == Some(&as_stored(row));
        // A row the engine refuses stays out (or as it was).
        let done = match (placed, same) {
            (true, true) => true,
            (true, false) => table.modify_row(row.clone()).is_ok(),
            (false, _) => {
                let after = prior.map(|p| PropValue::Binary(p.to_vec()));
                table.insert_row_after(row.clone(), after.as_ref()).is_ok()
            }
        };
        if !placed && done {
            if let Some(at) = at {
                order.remove(at);
            }
            let to = prior.map_or(0, |p| {
                order.iter().position(|k| k == p).map_or(0, |p| p + 1)
            });
            order.insert(to, key.clone());
        }
        if order.contains(key) {
            prior = Some(key);
        }
    }
}
