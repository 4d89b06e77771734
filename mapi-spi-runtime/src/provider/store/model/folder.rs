//! The folder object (`IMAPIFolder`, with `IMAPIContainer` and `IMAPIProp`): its properties,
//! its contents and hierarchy tables, and the changes a client makes through it (folders
//! created, copied, moved, deleted; messages copied, moved, deleted, marked read, given a
//! status), each passed to the provider's [`StoreContent`], then to the open contents tables
//! and to the advise sinks ([`super::notify`]).
//!
//! Methods that name several messages do what they can and answer
//! `MAPI_W_PARTIAL_COMPLETION` when one of them could not be done (an ID of another folder or
//! store, a message gone), as the `IMAPIFolder` pages ask of implementers; a failure of the
//! store itself on the first one is answered as it is.
//!
//! [`StoreContent`]: super::super::content::StoreContent
#![allow(non_snake_case, clippy::too_many_arguments)]

use core::ffi::c_void;
use core::mem::ManuallyDrop;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use super::Model;
use super::computed::{problem, split_delete, split_set};
use super::cross::{self, Fault};
use super::hierarchy::{is_owned, provider_props};
use super::message::{MessageObject, check_read_flag_pairs, long_in, read_flags_after};
use super::notify::Event;
use super::open::{check_flags, open_entry};
use crate::alloc::AllocatorSet;
use crate::codes::{
    MAPI_E_COLLISION, MAPI_E_FOLDER_CYCLE, MAPI_E_HAS_FOLDERS, MAPI_E_HAS_MESSAGES,
    MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_INVALID_ENTRYID, MAPI_E_INVALID_OBJECT,
    MAPI_E_INVALID_PARAMETER, MAPI_E_NO_ACCESS, MAPI_E_NO_SUPPORT, MAPI_E_NOT_FOUND,
    MAPI_W_PARTIAL_COMPLETION, S_OK,
};
use crate::com::{ComObject, Forward, InterfaceOut, MethodName, Object};
use crate::flags::*;
use crate::interfaces::{
    IMAPIContainer, IMAPIContainerImpl, IMAPIFolder, IMAPIFolderImpl, IMAPIProgress, IMAPIProp,
    IMAPIPropImpl, IMAPITable, IMessage,
};
use crate::props::object::null;
use crate::props::object::{delete_props_arg, put_problems, set_props_arg};
use crate::props::value::props_from_raw;
use crate::props::{
    ObjectAccess, ObjectOpener, PropAccess, PropValue, Property, PropertyBag, PropertyObject, Text,
};
use crate::provider::store::content::Folder;
use crate::provider::store::entry_id::ObjectKind;
use crate::provider::{LastError, ProviderError, ProviderResult, text};
use crate::sync::lock;
use crate::table::TableData;
use crate::tags::*;
use crate::types::{ENTRYLIST, LPTSTR, MAPIERROR, SPropProblemArray, SPropTagArray, SPropValue};
use mapi_spi_macros::mapi_object;

/// `MAPIERROR::lpszComponent` of a folder's errors.
const COMPONENT: &str = "mapi-spi folder";

/// A folder of an open store. Its properties are the provider's
/// ([`StoreContent::folder`](super::super::content::StoreContent::folder)) and the runtime's
/// (see [`super::hierarchy`]), read afresh at every `GetProps` and `GetPropList`, so that they
/// agree with the tables, and `PR_ACCESS_LEVEL` (`MAPI_MODIFY` when opened with `MAPI_MODIFY`
/// or `MAPI_BEST_ACCESS` on a writable store, else 0: what clients read to know whether they
/// may change the folder's contents). The changes the methods make are refused only by a
/// read-only store, whatever the access level.
///
/// The provider's properties are writable on a folder opened with write access: `SetProps`
/// and `DeleteProps` write them through
/// [`StoreContent::set_folder_props`](super::super::content::StoreContent::set_folder_props)
/// at once, as a folder's changes are made (folders are not transacted: the
/// `IMAPIProp::SaveChanges` page, "make changes permanent immediately. No call to
/// SaveChanges is required"; `SaveChanges` checks its flags and answers `S_OK`). 8-bit text
/// is kept as Unicode. A new `PR_DISPLAY_NAME_W` renames the folder (a sibling of that name
/// is `MAPI_E_COLLISION`); the name cannot be deleted or emptied. The runtime's properties
/// are computed: each is a `MAPI_E_COMPUTED` problem, and the others are still written. The
/// folder's sinks, its parent's and the store's hear `fnevObjectModified`, and the open
/// hierarchy tables change its row. A store whose folder keys are names (a Maildir's
/// directories) renames a folder under a new key, and so a new entry ID: this object then
/// names the folder by it (its `PR_ENTRYID`, `PR_RECORD_KEY` and tables follow), the old ID
/// names nothing, and the change is told as the move it is, as `CopyFolder` with
/// `FOLDER_MOVE` tells it: `fnevObjectMoved` with the old and new IDs, the parent both old and
/// new one; other objects open on the folder or its messages under the old ID answer
/// `MAPI_E_NOT_FOUND` when they touch it. On a folder opened read-only, or of a read-only
/// store, both answer `MAPI_E_NO_ACCESS`.
///
/// Left at their defaults, `MAPI_E_NO_SUPPORT`, as the pages allow: `SetSearchCriteria` and
/// `GetSearchCriteria` (no search folders), `SaveContentsSort`.
#[mapi_object(IMAPIFolder)]
pub(crate) struct FolderObject {
    model: Arc<Model>,
    key: FolderKey,
    /// `PR_ACCESS_LEVEL`.
    access_level: u32,
    props: ComObject<PropertyObject>,
    /// `props` as the interface `IMAPIProp` calls are passed to: a view of `props`'s reference,
    /// which lives as long (no count of its own to take and give back per object).
    props_interface: ManuallyDrop<IMAPIProp>,
    last_error: LastError,
}

/// An open folder's key, shared by the object and its tables' opener: a rename under a new
/// key (see `SetProps`) moves both to it at once. Read as a clone of its `Arc`, so that no
/// lock is held while a method uses it.
#[derive(Clone)]
struct FolderKey(Arc<Mutex<Arc<[u8]>>>);

impl FolderKey {
    fn new(key: &[u8]) -> Self {
        Self(Arc::new(Mutex::new(key.into())))
    }

    /// The key now.
    fn get(&self) -> Arc<[u8]> {
        lock(&self.0).clone()
    }

    fn set(&self, key: &[u8]) {
        *lock(&self.0) = key.into();
    }
}

/// The properties through which a folder's tables open too (`OpenProperty` with
/// `IID_IMAPITable`), as the `GetHierarchyTable` page asks of a container that has them.
const TABLES: [u32; 3] = [
    PR_CONTAINER_CONTENTS,
    PR_CONTAINER_HIERARCHY,
    PR_FOLDER_ASSOCIATED_CONTENTS,
];

/// The bag of a folder's properties, its access level and its tables, read-only.
fn bag_of(props: Vec<Property>, access_level: u32) -> ProviderResult<PropertyBag> {
    let mut bag = PropertyBag::with_capacity(props.len() + 1 + TABLES.len());
    let access = Property::for_tag(PR_ACCESS_LEVEL, PropValue::Long(access_level));
    let tables = TABLES.map(|tag| Property::for_tag(tag, PropValue::Object));
    for prop in props.into_iter().chain([access]).chain(tables) {
        bag.insert(prop, PropAccess::READ_ONLY)?;
    }
    bag.set_object_access(ObjectAccess::ReadOnly);
    Ok(bag)
}

impl FolderObject {
    /// The folder `key` of `model`'s store, as `OpenEntry` and `CreateFolder` hand it out,
    /// `writable` or not (`PR_ACCESS_LEVEL`).
    pub(super) fn open(
        model: &Arc<Model>,
        key: &[u8],
        writable: bool,
    ) -> ProviderResult<ComObject<Self>> {
        model.apply_changes();
        let folder = model.content.folder(key)?;
        let access_level = if writable { MAPI_MODIFY } else { 0 };
        let bag = bag_of(model.folder_props(folder)?, access_level)?;
        let key = FolderKey::new(key);
        let props = ComObject::new(
            PropertyObject::new(bag, *model.cx.allocators())
                .with_names(model.names.clone())
                .with_objects(table_opener(model.clone(), key.clone())),
        );
        // SAFETY: kept beside `props` in this object, whose reference it views until the
        // object goes (the view itself is never dropped).
        let props_interface = unsafe { props.interface_view::<IMAPIProp>() };
        Ok(ComObject::new(Self {
            model: model.clone(),
            key,
            access_level,
            props,
            props_interface,
            last_error: LastError::new(COMPONENT),
        }))
    }

    fn allocators(&self) -> &AllocatorSet {
        self.model.cx.allocators()
    }

    /// Reads the folder's properties again. A folder that is gone keeps what it showed last:
    /// its `GetProps` still answers, and the methods that touch it answer `MAPI_E_NOT_FOUND`.
    fn refresh(&self) {
        let fresh = self
            .model
            .content
            .folder(&self.key.get())
            .and_then(|folder| self.model.folder_props(folder))
            .and_then(|props| bag_of(props, self.access_level));
        if let Ok(bag) = fresh {
            *self.props.bag_mut() = bag;
        }
    }

    /// Whether the client may change the folder's own properties: opened with write access,
    /// of a writable store.
    fn check_modify(&self) -> ProviderResult<()> {
        if self.access_level & MAPI_MODIFY == 0 {
            return Err(ProviderError::new(
                MAPI_E_NO_ACCESS,
                "the folder is open read-only (opened without MAPI_MODIFY or MAPI_BEST_ACCESS)",
            ));
        }
        self.model.check_writable()
    }

    /// Writes the provider's properties of the folder as `change` leaves them (nothing when
    /// it changes nothing); the object and the sinks follow. A folder the provider renamed
    /// under a new key (its keys are names) is this object's from then on, and the sinks hear
    /// of it as of a move ([`Model::folder_moved`]).
    fn write_props(&self, change: impl FnOnce(&mut Vec<Property>)) -> ProviderResult<()> {
        let key = self.key.get();
        let folder = self.model.content.folder(&key)?;
        let parent = folder.parent.clone().unwrap_or_else(|| key.to_vec());
        let before: Vec<Property> = provider_props(folder.props).collect();
        let mut props = before.clone();
        change(&mut props);
        if props == before {
            return Ok(());
        }
        // The names of its named properties are kept before the properties are.
        self.model.keep_names()?;
        // What a rename may move: read before, as a move's is.
        let name =
            |props: &[Property]| props.iter().find(|p| p.tag() == PR_DISPLAY_NAME_W).cloned();
        let below = if name(&props) != name(&before) {
            subtree(&self.model, &key)?
        } else {
            Vec::new()
        };
        let written = self.model.content.set_folder_props(&key, &props)?;
        if written.key[..] == key[..] {
            self.refresh();
            self.model.folder_modified(&key);
        } else {
            self.key.set(&written.key);
            self.refresh();
            self.model
                .folder_moved(&key, &parent, &below, &written, &parent);
        }
        Ok(())
    }

    /// Runs a method's `body`: its code, a failure kept for `GetLastError`;
    /// `MAPI_E_INVALID_OBJECT` once the store is logged off.
    fn run(&self, body: impl FnOnce() -> Result<HRESULT, ProviderError>) -> HRESULT {
        if self.model.is_closed() {
            return MAPI_E_INVALID_OBJECT;
        }
        self.last_error.answer(body())
    }

    /// Message `key` is in this folder (its row is in the contents table, or in the associated
    /// one of a store that keeps folder-associated messages, which the several-message methods
    /// act on alike): its row.
    fn message_row(&self, key: &[u8]) -> ProviderResult<Vec<Property>> {
        let index = PropValue::Binary(key.to_vec());
        let folder = self.key.get();
        if let Some(row) = self.model.contents_table(&folder)?.row(&index) {
            return Ok(row);
        }
        if self.model.content.supports_associated()
            && let Some(row) = self.model.associated_contents_table(&folder)?.row(&index)
        {
            return Ok(row);
        }
        Err(ProviderError::new(
            MAPI_E_NOT_FOUND,
            "no such message in the folder",
        ))
    }

    /// The key of the message `entry_id` names, if it is in this folder.
    fn message_key<'a>(&self, entry_id: &'a [u8]) -> ProviderResult<&'a [u8]> {
        let id = self.model.ids.parse(entry_id)?;
        if id.kind != ObjectKind::Message {
            return Err(ProviderError::new(
                MAPI_E_INVALID_ENTRYID,
                "the entry ID names a folder, not a message",
            ));
        }
        self.message_row(id.key)?;
        Ok(id.key)
    }

    /// `act` on each message of this folder that `entry_ids` names, as the several-message
    /// methods go through their lists (an ID of another folder or store, or of a message gone,
    /// is not acted on): whether one was done, and whether one was not ([`completion`]).
    fn each_message(
        &self,
        entry_ids: Vec<&[u8]>,
        mut act: impl FnMut(&[u8]) -> ProviderResult<()>,
    ) -> (bool, bool) {
        let (mut done, mut failed) = (false, false);
        for entry_id in entry_ids {
            let result = self.message_key(entry_id).and_then(&mut act);
            done |= result.is_ok();
            failed |= result.is_err();
        }
        (done, failed)
    }

    /// `CopyMessages` of the messages `entry_ids` names into `dest`, a folder of another store
    /// (see the method): copies, and with `moving` the sources deleted once copied.
    fn copy_messages_out(
        &self,
        entry_ids: Vec<&[u8]>,
        dest: &IMAPIFolder,
        moving: bool,
    ) -> ProviderResult<HRESULT> {
        if moving {
            self.model.check_writable()?;
        }
        let folder = self.key.get();
        let mut refusal: Option<ProviderError> = None;
        let (mut tried, mut done) = (false, false);
        let (_, failed) = self.each_message(entry_ids, |key| {
            if let Some(refusal) = &refusal {
                return Err(refusal.clone());
            }
            let first = !tried;
            tried = true;
            match cross::copy_message(&self.model, key, dest, 0) {
                Err(Fault::Destination(error)) if first => {
                    refusal = Some(error.clone());
                    return Err(error);
                }
                result => result?,
            }
            if moving {
                self.model.delete_message(key, &folder)?;
            }
            done = true;
            Ok(())
        });
        if let (Some(refusal), false) = (refusal, done) {
            return Err(refusal);
        }
        if moving && done {
            self.model.folder_modified(&folder);
        }
        Ok(completion(failed))
    }

    /// `CopyFolder` of subfolder `source` into `dest`, a folder of another store, as `name`
    /// (see the method).
    fn copy_folder_out(
        &self,
        source: &Folder,
        dest: &IMAPIFolder,
        name: &str,
        flags: u32,
    ) -> ProviderResult<HRESULT> {
        let moving = flags & FOLDER_MOVE != 0;
        if moving {
            self.model.check_writable()?;
        }
        let recursive = moving || flags & COPY_SUBFOLDERS != 0;
        let copy = cross::copy_folder(&self.model, source, dest, name, recursive)?;
        if !moving {
            return Ok(completion(!copy.whole));
        }
        // Deleted only when all it holds now was copied: nothing is lost to a failure, or to
        // a message that arrived during the copy.
        if !(copy.whole && copy.covers(&self.model, &source.key)?) {
            return Ok(MAPI_W_PARTIAL_COMPLETION);
        }
        self.model.delete_folder(source)?;
        self.model.folder_modified(&self.key.get());
        Ok(S_OK)
    }

    /// The subfolder `entry_id` names, if it is directly in this folder.
    fn subfolder(&self, entry_id: &[u8]) -> ProviderResult<Folder> {
        let id = self.model.ids.parse(entry_id)?;
        if id.kind != ObjectKind::Folder {
            return Err(ProviderError::new(
                MAPI_E_INVALID_ENTRYID,
                "the entry ID names a message, not a folder",
            ));
        }
        let folder = self.model.content.folder(id.key)?;
        if folder.parent.as_deref() != Some(&self.key.get()[..]) {
            return Err(ProviderError::new(
                MAPI_E_NOT_FOUND,
                "the folder is not a subfolder of this one",
            ));
        }
        Ok(folder)
    }

    /// A view of `table` for an `lppTable` out-parameter.
    fn hand_out(table: TableData, lppTable: &mut InterfaceOut<'_, IMAPITable>) -> HRESULT {
        lppTable.set(table.view());
        S_OK
    }
}

/// `OpenProperty` of folder `key`'s [`TABLES`]: a view of the table, as its `Get...Table`
/// without flags gives it; any interface but `IMAPITable` is `MAPI_E_INTERFACE_NOT_SUPPORTED`.
fn table_opener(model: Arc<Model>, key: FolderKey) -> Arc<ObjectOpener> {
    Arc::new(move |tag, iid, _flags| {
        if *iid != IMAPITable::IID {
            return Err(MAPI_E_INTERFACE_NOT_SUPPORTED);
        }
        let key = key.get();
        let view = match tag {
            PR_CONTAINER_CONTENTS => model.contents_table(&key).map(|table| table.view()),
            PR_CONTAINER_HIERARCHY => model.hierarchy_view(&key, false),
            _ => model
                .associated_contents_table(&key)
                .map(|table| table.view()),
        };
        let view = view.map_err(|error| error.code)?;
        view.cast::<IUnknown>().map_err(|error| error.code())
    })
}

/// The entry IDs in an `ENTRYLIST` (NULL: `None`).
///
/// # Safety
///
/// `list` is NULL or an `ENTRYLIST` whose `cValues` `SBinary`s each hold `cb` readable bytes.
unsafe fn entry_list<'a>(list: *const ENTRYLIST) -> ProviderResult<Option<Vec<&'a [u8]>>> {
    // SAFETY: NULL or a readable ENTRYLIST (this function's contract).
    let Some(list) = (unsafe { list.as_ref() }) else {
        return Ok(None);
    };
    if list.cValues == 0 {
        return Ok(Some(Vec::new()));
    }
    if list.lpbin.is_null() {
        return Err(null("ENTRYLIST", "lpbin"));
    }
    // SAFETY: `cValues` SBinary entries at `lpbin` (this function's contract).
    let entries = unsafe { core::slice::from_raw_parts(list.lpbin, list.cValues as usize) };
    entries
        .iter()
        .map(|entry| {
            // SAFETY: `cb` readable bytes at `lpb` (this function's contract).
            unsafe { crate::com::abi::counted_bytes(entry.cb, entry.lpb) }
                .ok_or_else(|| null("ENTRYLIST", "an entry's lpb"))
        })
        .collect::<ProviderResult<Vec<_>>>()
        .map(Some)
}

/// Whether `lpInterface` is one a folder has (NULL: `IMAPIFolder`), as `CopyMessages` and
/// `CopyFolder` take their destination.
///
/// # Safety
///
/// `lpInterface` is NULL or a GUID.
unsafe fn check_folder_interface(lpInterface: *const GUID) -> ProviderResult<()> {
    // SAFETY: NULL or a GUID (this function's contract).
    match unsafe { lpInterface.as_ref() } {
        None => Ok(()),
        Some(iid)
            if [
                IUnknown::IID,
                IMAPIProp::IID,
                IMAPIContainer::IID,
                IMAPIFolder::IID,
            ]
            .contains(iid) =>
        {
            Ok(())
        }
        Some(_) => Err(ProviderError::new(
            MAPI_E_INTERFACE_NOT_SUPPORTED,
            "the destination's interface is not a folder's",
        )),
    }
}

/// Where a copy goes: a folder of this store (its key), or one of another store.
enum Destination {
    Here(Vec<u8>),
    /// Reached through its own vtable ([`super::cross`]).
    Foreign(IMAPIFolder),
}

/// The destination folder `lpDestFolder` (an open folder), found through its `PR_OBJECT_TYPE`
/// and `PR_ENTRYID` as any client's folder object gives them: a folder of this store by its
/// key, any other as an `IMAPIFolder`; what is no folder (no `IMAPIFolder`, or another object
/// type) is `MAPI_E_INVALID_PARAMETER`.
///
/// # Safety
///
/// `lpDestFolder` is NULL or a live interface pointer.
unsafe fn destination(model: &Model, lpDestFolder: *mut c_void) -> ProviderResult<Destination> {
    // SAFETY: NULL or a live interface pointer (this function's contract), borrowed.
    let Some(dest) = (unsafe { IUnknown::from_raw_borrowed(&lpDestFolder) }) else {
        return Err(null("Copy", "lpDestFolder"));
    };
    let not_a_folder =
        || ProviderError::new(MAPI_E_INVALID_PARAMETER, "the destination is not a folder");
    let props = dest.cast::<IMAPIProp>().map_err(|_| not_a_folder())?;
    let Some([object_type, entry_id]) = identity_of(&props, *model.cx.allocators()) else {
        return Err(not_a_folder());
    };
    let (PropValue::Long(MAPI_FOLDER), PropValue::Binary(entry_id)) = (object_type, entry_id)
    else {
        return Err(not_a_folder());
    };
    match model.ids.parse(&entry_id) {
        Ok(id) if id.kind == ObjectKind::Folder => Ok(Destination::Here(id.key.to_vec())),
        _ => cross::foreign_folder(dest).map(Destination::Foreign),
    }
}

/// `PR_OBJECT_TYPE` and `PR_ENTRYID` of an object, read through its `GetProps`.
fn identity_of(object: &IMAPIProp, allocators: AllocatorSet) -> Option<[PropValue; 2]> {
    let mut tags = [2u32, PR_OBJECT_TYPE, PR_ENTRYID];
    let (mut count, mut values) = (0u32, core::ptr::null_mut::<SPropValue>());
    // SAFETY: a tag array of two tags, alive for the call; valid out-pointers.
    let hr = unsafe {
        object.GetProps(
            tags.as_mut_ptr().cast::<SPropTagArray>(),
            0,
            &mut count,
            &mut values,
        )
    };
    if hr != S_OK || values.is_null() {
        return None;
    }
    // SAFETY: `count` values at `values`, one block of MAPI's allocators.
    let read = unsafe { props_from_raw(values, count) };
    // SAFETY: the block is ours to free, once, after the read.
    unsafe { allocators.free(values.cast()) };
    let mut read = read.ok()?.into_iter().map(|p| p.value);
    Some([read.next()?, read.next()?])
}

/// Hands the new `object` out through `out` as the interface `lpInterface` asks for (NULL:
/// `I`), as `CreateMessage` and `CreateFolder` do; one it does not have is
/// `MAPI_E_INTERFACE_NOT_SUPPORTED`, the message naming the method and the object (`what`).
///
/// # Safety
///
/// `lpInterface` is NULL or a GUID.
unsafe fn hand_out_as<I: Interface>(
    object: &I,
    lpInterface: *const GUID,
    out: &mut InterfaceOut<'_, I>,
    what: &str,
) -> ProviderResult<HRESULT> {
    // SAFETY: NULL or a GUID (this function's contract).
    let iid = unsafe { lpInterface.as_ref() }.unwrap_or(&I::IID);
    if out.set_queried(object, iid).is_err() {
        return Err(ProviderError::new(
            MAPI_E_INTERFACE_NOT_SUPPORTED,
            format!("{what} does not have the interface asked for"),
        ));
    }
    Ok(S_OK)
}

/// What several-entry methods answer: `S_OK`, or `MAPI_W_PARTIAL_COMPLETION` when some entry
/// failed.
fn completion(failed: bool) -> HRESULT {
    if failed {
        MAPI_W_PARTIAL_COMPLETION
    } else {
        S_OK
    }
}

/// Every folder in the subtree of `key`, `key` first.
pub(super) fn subtree(model: &Model, key: &[u8]) -> ProviderResult<Vec<Folder>> {
    let mut found = vec![model.content.folder(key)?];
    let mut at = 0;
    while at < found.len() {
        let children = model.content.subfolders(&found[at].key)?;
        found.extend(children);
        at += 1;
    }
    Ok(found)
}

/// Whether `key` is `ancestor` or below it.
fn is_within(model: &Model, key: &[u8], ancestor: &[u8]) -> ProviderResult<bool> {
    let mut at = Some(key.to_vec());
    while let Some(folder) = at {
        if folder == ancestor {
            return Ok(true);
        }
        at = model.content.folder(&folder)?.parent;
    }
    Ok(false)
}

impl Model {
    /// Folder `key`'s `fnevObjectModified`, after a change to what it holds (its counts, its
    /// subfolders): what every change to a folder's messages ends with, so that a client
    /// advised on the folder reads its counts again. Its parent is read from the provider; a
    /// folder gone sends nothing.
    pub(crate) fn folder_modified(&self, key: &[u8]) {
        if let Ok(folder) = self.content.folder(key) {
            let parent = folder.parent.unwrap_or_else(|| key.to_vec());
            self.notify(Event::Modified {
                kind: ObjectKind::Folder,
                key,
                parent: &parent,
            });
        }
    }

    /// Moves message `key` from `from` to `to`: tables and notifications follow.
    fn move_message(&self, key: &[u8], from: &[u8], to: &[u8]) -> ProviderResult<()> {
        let new_key = self.content.move_message(key, to)?;
        // An object open on the message as it was cannot save over it any more.
        self.saved(Some(key), &new_key);
        self.message_removed(from, key);
        self.message_changed(to, &new_key);
        self.notify(Event::Moved {
            kind: ObjectKind::Message,
            key: &new_key,
            parent: to,
            old_key: key,
            old_parent: from,
        });
        Ok(())
    }

    /// Copies message `key` of `from` into `to` (a new message there): tables and
    /// notifications follow.
    fn copy_message(&self, key: &[u8], from: &[u8], to: &[u8]) -> ProviderResult<()> {
        let new_key = self.content.copy_message(key, to)?;
        self.saved(None, &new_key);
        self.message_changed(to, &new_key);
        self.notify(Event::Copied {
            kind: ObjectKind::Message,
            key: &new_key,
            parent: to,
            old_key: key,
            old_parent: from,
        });
        Ok(())
    }

    /// Deletes message `key` of `folder`: tables and notifications follow.
    fn delete_message(&self, key: &[u8], folder: &[u8]) -> ProviderResult<()> {
        self.content.delete_message(key)?;
        self.message_removed(folder, key);
        self.notify(Event::Deleted {
            kind: ObjectKind::Message,
            key,
            parent: folder,
        });
        Ok(())
    }

    /// Sets message `key`'s state properties: its row and its sinks follow.
    fn set_state(&self, key: &[u8], folder: &[u8], state: &[Property]) -> ProviderResult<()> {
        self.content.set_message_state(key, state)?;
        self.message_changed(folder, key);
        self.notify(Event::Modified {
            kind: ObjectKind::Message,
            key,
            parent: folder,
        });
        Ok(())
    }

    /// Folder `old_key` of `old_parent` is `moved`, below `parent`, as the provider moved or
    /// renamed it (`CopyFolder` with `FOLDER_MOVE`, or a new name for a store whose keys are
    /// names): the special folders are read again; of the folders of its subtree whose keys
    /// changed (`below`: the subtree as it was), the contents tables go (their rows name the
    /// messages by the old keys) and the open hierarchy tables follow them to their new keys;
    /// the sinks hear `fnevObjectMoved` with the old and new entry IDs and parents, and the
    /// open hierarchy tables are brought up to date.
    pub(super) fn folder_moved(
        &self,
        old_key: &[u8],
        old_parent: &[u8],
        below: &[Folder],
        moved: &Folder,
        parent: &[u8],
    ) {
        self.folders_changed();
        if moved.key != old_key {
            let now = subtree(self, &moved.key).unwrap_or_default();
            // Which folder below is which: those listed alike, name for name, before and
            // after (a move or a rename keeps the names and the order below the folder).
            let alike = below.len() == now.len()
                && below
                    .iter()
                    .zip(&now)
                    .skip(1)
                    .all(|(old, new)| display_name(old) == display_name(new));
            let mut rekeyed = vec![(old_key, &moved.key[..])];
            if alike {
                let pairs = below.iter().zip(&now).skip(1);
                rekeyed.extend(pairs.map(|(old, new)| (&old.key[..], &new.key[..])));
            }
            self.hierarchy_rekeyed(&rekeyed);
            let kept: HashSet<&[u8]> = now.iter().map(|f| &f.key[..]).collect();
            let old_keys = below.iter().map(|f| &f.key[..]).chain([old_key]);
            for gone in old_keys.filter(|&k| !kept.contains(k)) {
                self.folder_removed(gone);
            }
        }
        self.notify(Event::Moved {
            kind: ObjectKind::Folder,
            key: &moved.key,
            parent,
            old_key,
            old_parent,
        });
    }

    /// Deletes folder `folder` with all it holds: its tables and those below go, and the
    /// sinks hear of the folder (not of each thing in it, as MAPI's stores do).
    fn delete_folder(&self, folder: &Folder) -> ProviderResult<()> {
        let below = subtree(self, &folder.key)?;
        self.content.delete_folder(&folder.key)?;
        self.folders_changed();
        for gone in &below {
            self.folder_removed(&gone.key);
        }
        let parent = folder.parent.clone().unwrap_or_default();
        self.notify(Event::Deleted {
            kind: ObjectKind::Folder,
            key: &folder.key,
            parent: &parent,
        });
        Ok(())
    }

    /// Copies `source` below `parent` as `name`, with its messages (folder-associated ones
    /// included) and, with `recursive`, its subfolders. Answers the copy's key, and whether every message and subfolder was copied.
    fn copy_folder(
        &self,
        source: &Folder,
        parent: &[u8],
        name: &str,
        recursive: bool,
    ) -> ProviderResult<(Vec<u8>, bool)> {
        let props: Vec<Property> = provider_props(source.props.clone())
            .filter(|p| p.tag() != PR_DISPLAY_NAME_W)
            .collect();
        let copy = self.content.create_folder(parent, name, &props)?;
        let mut whole = true;
        let (messages, associated) = cross::messages_of(self, &source.key)?;
        for summary in messages.into_iter().chain(associated) {
            whole &= self.content.copy_message(&summary.key, &copy.key).is_ok();
        }
        if recursive {
            for child in self.content.subfolders(&source.key)? {
                let name = display_name(&child);
                whole &= self
                    .copy_folder(&child, &copy.key, &name, true)
                    .is_ok_and(|(_, whole)| whole);
            }
        }
        Ok((copy.key, whole))
    }
}

/// A folder's `PR_DISPLAY_NAME_W` (empty without one).
pub(super) fn display_name(folder: &Folder) -> String {
    folder
        .props
        .iter()
        .find_map(|p| match (&p.value, p.tag()) {
            (PropValue::Unicode(name), PR_DISPLAY_NAME_W) => Some(name.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Whether the runtime computes the folder property `tag`: its own (see [`super::hierarchy`]),
/// `PR_ACCESS_LEVEL` and the [`TABLES`]; clients' writes to them are `MAPI_E_COMPUTED`.
fn is_computed(tag: u32) -> bool {
    is_owned(tag)
        || [PR_ACCESS_LEVEL]
            .iter()
            .chain(&TABLES)
            .any(|&computed| prop_id(computed) == prop_id(tag))
}

impl IMAPIPropImpl for FolderObject {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        if this.model.is_closed() {
            return Forward::Fail(MAPI_E_INVALID_OBJECT);
        }
        Forward::To(&this.props_interface)
    }

    /// The folder's last failure, else its properties' (`GetProps`, `SetProps`, ...).
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        if this.model.is_closed() {
            return MAPI_E_INVALID_OBJECT;
        }
        // SAFETY: the caller's out-pointer, NULL or writable.
        unsafe {
            this.last_error.get_last_error_or(
                &this.props_interface,
                hResult,
                ulFlags,
                this.allocators(),
                lppMAPIError,
            )
        }
    }

    /// The properties as they are now (counts included).
    unsafe fn GetProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        ulFlags: u32,
        lpcValues: *mut u32,
        lppPropArray: *mut *mut SPropValue,
    ) -> HRESULT {
        if this.model.is_closed() {
            return MAPI_E_INVALID_OBJECT;
        }
        this.refresh();
        // SAFETY: the caller's arguments, passed on.
        unsafe {
            this.props_interface
                .GetProps(lpPropTagArray, ulFlags, lpcValues, lppPropArray)
        }
    }

    /// See the type: the provider's properties written at once, the runtime's
    /// `MAPI_E_COMPUTED`. What the property engine refuses is refused as its `SetProps` does
    /// (the whole call for a `PT_NULL`, `PT_OBJECT` or `PT_ERROR` value, a problem for a value
    /// no `GetProps` could return); an empty name is a `MAPI_E_INVALID_PARAMETER` problem.
    unsafe fn SetProps(
        this: &Object<Self>,
        cValues: u32,
        lpPropArray: *mut SPropValue,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.run(|| {
            // SAFETY: the caller's `cValues` values.
            let props = unsafe { set_props_arg(cValues, lpPropArray) }?;
            let (rest, mut problems) = split_set(props, is_computed)?;
            this.check_modify()?;
            let mut changes = Vec::new();
            for (index, prop) in rest {
                // 8-bit text always converts to Unicode: the fallback is never taken.
                let value = prop
                    .value
                    .with_text_width(true)
                    .map_or_else(|_| prop.value.clone(), Cow::into_owned);
                if u32::from(prop.id) == prop_id(PR_DISPLAY_NAME_W)
                    && value == PropValue::Unicode(Text::default())
                {
                    problems.push(problem(index, prop.tag(), MAPI_E_INVALID_PARAMETER));
                } else {
                    changes.push(Property::new(prop.id, value));
                }
            }
            this.write_props(|props| {
                for change in changes {
                    props.retain(|p| p.id != change.id);
                    props.push(change);
                }
            })?;
            problems.sort_by_key(|p| p.ulIndex);
            // SAFETY: the caller's out-pointer, NULL or writable.
            unsafe { put_problems(this.allocators(), &problems, lppProblems) }
        })
    }

    /// See the type: the provider's properties deleted at once (one the folder does not have
    /// is no problem), the runtime's `MAPI_E_COMPUTED`, the name `MAPI_E_NO_ACCESS` (a folder
    /// keeps one).
    unsafe fn DeleteProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        this.run(|| {
            // SAFETY: the caller's tag array, NULL or `cValues` tags.
            let tags = unsafe { delete_props_arg(lpPropTagArray) }?;
            let (rest, mut problems) = split_delete(&tags, is_computed)?;
            this.check_modify()?;
            let mut deleted = Vec::new();
            for (index, tag) in rest {
                if prop_id(tag) == prop_id(PR_DISPLAY_NAME_W) {
                    problems.push(problem(index, tag, MAPI_E_NO_ACCESS));
                } else {
                    deleted.push(prop_id(tag));
                }
            }
            this.write_props(|props| props.retain(|p| !deleted.contains(&u32::from(p.id))))?;
            problems.sort_by_key(|p| p.ulIndex);
            // SAFETY: the caller's out-pointer, NULL or writable.
            unsafe { put_problems(this.allocators(), &problems, lppProblems) }
        })
    }

    /// The properties as they are now.
    unsafe fn GetPropList(
        this: &Object<Self>,
        ulFlags: u32,
        lppPropTagArray: *mut *mut SPropTagArray,
    ) -> HRESULT {
        if this.model.is_closed() {
            return MAPI_E_INVALID_OBJECT;
        }
        this.refresh();
        // SAFETY: the caller's arguments, passed on.
        unsafe { this.props_interface.GetPropList(ulFlags, lppPropTagArray) }
    }
}

impl IMAPIContainerImpl for FolderObject {
    /// A view of the folder's contents table ([`Model::contents_table`]); with
    /// `MAPI_ASSOCIATED`, of its associated contents table
    /// ([`Model::associated_contents_table`]: empty in a store that keeps no associated
    /// messages).
    unsafe fn GetContentsTable(
        this: &Object<Self>,
        ulFlags: u32,
        mut lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        this.run(|| {
            let allowed = MAPI_ASSOCIATED | MAPI_DEFERRED_ERRORS | MAPI_UNICODE | SHOW_SOFT_DELETES;
            check_flags("GetContentsTable", ulFlags, allowed)?;
            let table = if ulFlags & MAPI_ASSOCIATED != 0 {
                this.model.associated_contents_table(&this.key.get())?
            } else {
                this.model.contents_table(&this.key.get())?
            };
            Ok(FolderObject::hand_out(table, &mut lppTable))
        })
    }

    /// A view of the subfolders, kept current while open (see [`super::hierarchy`]); with
    /// `CONVENIENT_DEPTH`, of the whole subtree, depth first, `PR_DEPTH` 0 for the children.
    unsafe fn GetHierarchyTable(
        this: &Object<Self>,
        ulFlags: u32,
        mut lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        this.run(|| {
            let allowed =
                CONVENIENT_DEPTH | MAPI_DEFERRED_ERRORS | MAPI_UNICODE | SHOW_SOFT_DELETES;
            check_flags("GetHierarchyTable", ulFlags, allowed)?;
            let view = this
                .model
                .hierarchy_view(&this.key.get(), ulFlags & CONVENIENT_DEPTH != 0)?;
            lppTable.set(view);
            Ok(S_OK)
        })
    }

    /// As the store's `OpenEntry`: any folder or message of the store, not only this folder's.
    unsafe fn OpenEntry(
        this: &Object<Self>,
        lpEntryID: &[u8],
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulObjType: *mut u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        this.run(|| {
            // SAFETY: the caller's arguments, passed on under the same contract.
            unsafe {
                open_entry(
                    &this.model,
                    lpEntryID,
                    lpInterface,
                    ulFlags,
                    lpulObjType,
                    lppUnk,
                )
            }
            .map(|()| S_OK)
        })
    }
}

impl IMAPIFolderImpl for FolderObject {
    /// A new message in this folder (`MessageObject::create`), stored at its first
    /// `SaveChanges`; with `MAPI_ASSOCIATED`, a folder-associated one, or `MAPI_E_NO_SUPPORT`
    /// from a store that keeps none ([`StoreContent::supports_associated`]); a read-only store
    /// answers `MAPI_E_NO_ACCESS`.
    ///
    /// [`StoreContent::supports_associated`]: crate::provider::store::content::StoreContent::supports_associated
    unsafe fn CreateMessage(
        this: &Object<Self>,
        lpInterface: *const GUID,
        ulFlags: u32,
        mut lppMessage: InterfaceOut<'_, IMessage>,
    ) -> HRESULT {
        this.run(|| {
            check_flags(
                "CreateMessage",
                ulFlags,
                MAPI_ASSOCIATED | MAPI_DEFERRED_ERRORS,
            )?;
            if ulFlags & MAPI_ASSOCIATED != 0 && !this.model.content.supports_associated() {
                return Err(ProviderError::new(
                    MAPI_E_NO_SUPPORT,
                    "the store keeps no associated messages",
                ));
            }
            this.model.check_writable()?;
            let message = MessageObject::create(&this.model, &this.key.get(), ulFlags);
            // SAFETY: the caller's interface, NULL or a GUID.
            unsafe {
                hand_out_as(
                    &message,
                    lpInterface,
                    &mut lppMessage,
                    "CreateMessage: a message",
                )
            }
        })
    }

    /// Copies or moves (`MESSAGE_MOVE`) the messages of this folder in `lpMsgList` into the
    /// open folder `lpDestFolder`. A copy is a new message with the source's content; in this
    /// store a move keeps the message's key. Into another store's folder each message is
    /// created, copied and saved through that folder's own methods ([`super::cross`]), and a
    /// move deletes the source once the copy is saved; the destination refusing the first
    /// message it is given ends the call with its answer (a read-only store's
    /// `MAPI_E_NO_ACCESS`, ...), a later failure leaves that message where it is and makes the
    /// answer `MAPI_W_PARTIAL_COMPLETION`. A destination that is no `IMAPIFolder` is
    /// `MAPI_E_INVALID_PARAMETER`. `MESSAGE_DIALOG` and `MAPI_DECLINE_OK` are accepted (no
    /// progress is shown; nothing is declined).
    unsafe fn CopyMessages(
        this: &Object<Self>,
        lpMsgList: *mut ENTRYLIST,
        lpInterface: *const GUID,
        lpDestFolder: *mut c_void,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT {
        this.run(|| {
            let allowed = MESSAGE_MOVE | MESSAGE_DIALOG | MAPI_DECLINE_OK;
            check_flags("CopyMessages", ulFlags, allowed)?;
            // SAFETY: the caller's ENTRYLIST, NULL or readable.
            let Some(list) = (unsafe { entry_list(lpMsgList) })? else {
                return Err(null("CopyMessages", "lpMsgList"));
            };
            // SAFETY: the caller's interface, NULL or a GUID.
            unsafe { check_folder_interface(lpInterface) }?;
            let moving = ulFlags & MESSAGE_MOVE != 0;
            // SAFETY: the caller's destination, NULL or a live interface pointer.
            let dest = match unsafe { destination(&this.model, lpDestFolder) }? {
                Destination::Here(key) => key,
                Destination::Foreign(dest) => return this.copy_messages_out(list, &dest, moving),
            };
            this.model.check_writable()?;
            let folder = this.key.get();
            // A move into the folder itself leaves everything where it is.
            let in_place = moving && dest[..] == folder[..];
            let (done, failed) = this.each_message(list, |key| {
                if in_place {
                    Ok(())
                } else if moving {
                    this.model.move_message(key, &folder, &dest)
                } else {
                    this.model.copy_message(key, &folder, &dest)
                }
            });
            if done && !in_place {
                if moving {
                    this.model.folder_modified(&folder);
                }
                this.model.folder_modified(&dest);
            }
            Ok(completion(failed))
        })
    }

    /// Deletes the messages of this folder in `lpMsgList`. `MESSAGE_DIALOG` and
    /// `DELETE_HARD_DELETE` are accepted (every delete is for good).
    unsafe fn DeleteMessages(
        this: &Object<Self>,
        lpMsgList: *mut ENTRYLIST,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT {
        this.run(|| {
            check_flags(
                "DeleteMessages",
                ulFlags,
                MESSAGE_DIALOG | DELETE_HARD_DELETE,
            )?;
            // SAFETY: the caller's ENTRYLIST, NULL or readable.
            let Some(list) = (unsafe { entry_list(lpMsgList) })? else {
                return Err(null("DeleteMessages", "lpMsgList"));
            };
            this.model.check_writable()?;
            let folder = this.key.get();
            let (done, failed) =
                this.each_message(list, |key| this.model.delete_message(key, &folder));
            if done {
                this.model.folder_modified(&folder);
            }
            Ok(completion(failed))
        })
    }

    /// Creates a subfolder (`FOLDER_GENERIC` only: `FOLDER_SEARCH` is `MAPI_E_NO_SUPPORT`,
    /// anything else `MAPI_E_INVALID_PARAMETER`) named `lpszFolderName` with the comment
    /// `lpszFolderComment` (`PR_COMMENT_W`), both in the width `MAPI_UNICODE` says. A sibling
    /// of that name already there is `MAPI_E_COLLISION`, or with `OPEN_IF_EXISTS` the folder
    /// opened.
    unsafe fn CreateFolder(
        this: &Object<Self>,
        ulFolderType: u32,
        lpszFolderName: LPTSTR,
        lpszFolderComment: LPTSTR,
        lpInterface: *const GUID,
        ulFlags: u32,
        mut lppFolder: InterfaceOut<'_, IMAPIFolder>,
    ) -> HRESULT {
        this.run(|| {
            let allowed = MAPI_DEFERRED_ERRORS | MAPI_UNICODE | OPEN_IF_EXISTS;
            check_flags("CreateFolder", ulFlags, allowed)?;
            match ulFolderType {
                FOLDER_GENERIC => {}
                FOLDER_SEARCH => {
                    return Err(ProviderError::new(
                        MAPI_E_NO_SUPPORT,
                        "search folders are not supported",
                    ));
                }
                _ => {
                    return Err(ProviderError::new(
                        MAPI_E_INVALID_PARAMETER,
                        format!("CreateFolder: folder type {ulFolderType} is not one"),
                    ));
                }
            }
            let unicode = ulFlags & MAPI_UNICODE != 0;
            // SAFETY: the caller's strings, NULL or NUL-terminated in the width `unicode` says.
            let (name, comment) = unsafe {
                (
                    text::decode(lpszFolderName, unicode),
                    text::decode(lpszFolderComment, unicode),
                )
            };
            let name = name.ok_or_else(|| null("CreateFolder", "lpszFolderName"))?;
            if name.is_empty() {
                return Err(ProviderError::new(
                    MAPI_E_INVALID_PARAMETER,
                    "CreateFolder: the folder name is empty",
                ));
            }
            this.model.check_writable()?;
            let props: Vec<Property> = comment
                .into_iter()
                .map(|comment| Property::for_tag(PR_COMMENT_W, PropValue::Unicode(comment.into())))
                .collect();
            let parent = this.key.get();
            let key = match this.model.content.create_folder(&parent, &name, &props) {
                Ok(folder) => {
                    this.model.notify(Event::Created {
                        kind: ObjectKind::Folder,
                        key: &folder.key,
                        parent: &parent,
                    });
                    this.model.folder_modified(&parent);
                    folder.key
                }
                Err(error) if error.code == MAPI_E_COLLISION && ulFlags & OPEN_IF_EXISTS != 0 => {
                    let existing = this
                        .model
                        .content
                        .subfolders(&parent)?
                        .into_iter()
                        .find(|f| display_name(f).to_lowercase() == name.to_lowercase());
                    existing.ok_or(error)?.key
                }
                Err(error) => return Err(error),
            };
            let folder: IMAPIFolder = FolderObject::open(&this.model, &key, true)?.into_interface();
            // SAFETY: the caller's interface, NULL or a GUID.
            unsafe {
                hand_out_as(
                    &folder,
                    lpInterface,
                    &mut lppFolder,
                    "CreateFolder: a folder",
                )
            }
        })
    }

    /// Copies or moves (`FOLDER_MOVE`) the subfolder `lpEntryID` into the open folder
    /// `lpDestFolder`, named `lpszNewFolderName` (NULL: its own name). A copy is a new folder
    /// with copies of the messages, and with `COPY_SUBFOLDERS` of the subfolders too; a move
    /// takes everything. Into the folder itself or below it is `MAPI_E_FOLDER_CYCLE`; a
    /// sibling of that name there, `MAPI_E_COLLISION`. Into another store's folder the copy
    /// is made through that folder's own methods ([`super::cross`]: its `CreateFolder`
    /// failing is the answer, a collision included; folder-associated messages are copied
    /// too), and a move is a whole copy, the source deleted only when every message and
    /// subfolder it holds was copied: otherwise (a failure, or a message that arrived
    /// meanwhile) the source stays and the answer is `MAPI_W_PARTIAL_COMPLETION`. A
    /// destination that is no `IMAPIFolder` is `MAPI_E_INVALID_PARAMETER`.
    unsafe fn CopyFolder(
        this: &Object<Self>,
        lpEntryID: &[u8],
        lpInterface: *const GUID,
        lpDestFolder: *mut c_void,
        lpszNewFolderName: LPTSTR,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT {
        this.run(|| {
            let allowed =
                COPY_SUBFOLDERS | FOLDER_DIALOG | FOLDER_MOVE | MAPI_DECLINE_OK | MAPI_UNICODE;
            check_flags("CopyFolder", ulFlags, allowed)?;
            // SAFETY: the caller's interface, NULL or a GUID.
            unsafe { check_folder_interface(lpInterface) }?;
            let source = this.subfolder(lpEntryID)?;
            // This folder's key, which `subfolder` found to be `source`'s parent.
            let here = source.parent.clone().unwrap_or_default();
            // SAFETY: the caller's destination, NULL or a live interface pointer.
            let dest = unsafe { destination(&this.model, lpDestFolder) }?;
            // SAFETY: the caller's string, NULL or NUL-terminated in the width the flags say.
            let new_name = unsafe { text::decode(lpszNewFolderName, ulFlags & MAPI_UNICODE != 0) };
            let dest = match dest {
                Destination::Here(key) => key,
                Destination::Foreign(dest) => {
                    let name = new_name.unwrap_or_else(|| display_name(&source));
                    return this.copy_folder_out(&source, &dest, &name, ulFlags);
                }
            };
            this.model.check_writable()?;
            if is_within(&this.model, &dest, &source.key)? {
                return Err(ProviderError::new(
                    MAPI_E_FOLDER_CYCLE,
                    "CopyFolder: the destination is the folder or below it",
                ));
            }
            let model = &this.model;
            let whole = if ulFlags & FOLDER_MOVE != 0 {
                let below = subtree(model, &source.key)?;
                let moved = model
                    .content
                    .move_folder(&source.key, &dest, new_name.as_deref())?;
                model.folder_moved(&source.key, &here, &below, &moved, &dest);
                model.folder_modified(&here);
                true
            } else {
                let name = new_name.unwrap_or_else(|| display_name(&source));
                let recursive = ulFlags & COPY_SUBFOLDERS != 0;
                let (copy, whole) = model.copy_folder(&source, &dest, &name, recursive)?;
                model.notify(Event::Copied {
                    kind: ObjectKind::Folder,
                    key: &copy,
                    parent: &dest,
                    old_key: &source.key,
                    old_parent: &here,
                });
                whole
            };
            model.folder_modified(&dest);
            Ok(completion(!whole))
        })
    }

    /// Deletes the subfolder `lpEntryID`: a folder with subfolders needs `DEL_FOLDERS`
    /// (else `MAPI_E_HAS_FOLDERS`), one with messages anywhere in it `DEL_MESSAGES` (else
    /// `MAPI_E_HAS_MESSAGES`); nothing is deleted then. `FOLDER_DIALOG` and
    /// `DELETE_HARD_DELETE` are accepted.
    unsafe fn DeleteFolder(
        this: &Object<Self>,
        lpEntryID: &[u8],
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT {
        this.run(|| {
            let allowed = DEL_FOLDERS | DEL_MESSAGES | FOLDER_DIALOG | DELETE_HARD_DELETE;
            check_flags("DeleteFolder", ulFlags, allowed)?;
            let folder = this.subfolder(lpEntryID)?;
            this.model.check_writable()?;
            let below = subtree(&this.model, &folder.key)?;
            if below.len() > 1 && ulFlags & DEL_FOLDERS == 0 {
                return Err(ProviderError::new(
                    MAPI_E_HAS_FOLDERS,
                    "the folder has subfolders and DEL_FOLDERS is not set",
                ));
            }
            if ulFlags & DEL_MESSAGES == 0 {
                for each in &below {
                    if this.model.folder_counts(&each.key)?.0 > 0 {
                        return Err(ProviderError::new(
                            MAPI_E_HAS_MESSAGES,
                            "the folder holds messages and DEL_MESSAGES is not set",
                        ));
                    }
                }
            }
            this.model.delete_folder(&folder)?;
            this.model.folder_modified(&this.key.get());
            Ok(S_OK)
        })
    }

    /// Marks the messages in `lpMsgList` (NULL: all the folder's) read, or unread with
    /// `CLEAR_READ_FLAG`; `CLEAR_RN_PENDING` and `CLEAR_NRN_PENDING` clear those bits of
    /// `PR_MESSAGE_FLAGS`, `GENERATE_RECEIPT_ONLY` leaves the read flag as it is. The store
    /// sends no read reports, so `SUPPRESS_RECEIPT` has nothing to suppress beyond clearing
    /// `MSGFLAG_RN_PENDING`. `CLEAR_READ_FLAG` with `SUPPRESS_RECEIPT` or
    /// `GENERATE_RECEIPT_ONLY` is `MAPI_E_INVALID_PARAMETER`, as the page lists.
    unsafe fn SetReadFlags(
        this: &Object<Self>,
        lpMsgList: *mut ENTRYLIST,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT {
        this.run(|| {
            let allowed = SUPPRESS_RECEIPT
                | CLEAR_READ_FLAG
                | GENERATE_RECEIPT_ONLY
                | CLEAR_RN_PENDING
                | CLEAR_NRN_PENDING
                | MAPI_DEFERRED_ERRORS
                | MESSAGE_DIALOG;
            check_flags("SetReadFlags", ulFlags, allowed)?;
            check_read_flag_pairs("SetReadFlags", ulFlags)?;
            // SAFETY: the caller's ENTRYLIST, NULL or readable.
            let list = unsafe { entry_list(lpMsgList) }?;
            this.model.check_writable()?;
            let folder = this.key.get();
            let keys: Vec<ProviderResult<Vec<u8>>> = match list {
                Some(list) => list
                    .into_iter()
                    .map(|id| this.message_key(id).map(<[u8]>::to_vec))
                    .collect(),
                // The contents table's messages, which `message_row` reads: a provider's
                // listing may already hold a message another writer is saving, whose row is
                // not there yet.
                None => this
                    .model
                    .contents_table(&folder)?
                    .rows()
                    .into_iter()
                    .filter_map(|row| {
                        row.into_iter().find_map(|p| match (p.tag(), p.value) {
                            (PR_INSTANCE_KEY, PropValue::Binary(key)) => Some(Ok(key)),
                            _ => None,
                        })
                    })
                    .collect(),
            };
            let (mut changed, mut failed) = (false, false);
            for key in keys {
                let result = key.and_then(|key| {
                    let old = long_in(&this.message_row(&key)?, PR_MESSAGE_FLAGS);
                    let new = read_flags_after(old, ulFlags);
                    if new != old {
                        let state = [Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(new))];
                        this.model.set_state(&key, &folder, &state)?;
                        changed = true;
                    }
                    Ok(())
                });
                failed |= result.is_err();
            }
            if changed {
                this.model.folder_modified(&folder);
            }
            Ok(completion(failed))
        })
    }

    /// `PR_MSG_STATUS` of the message `lpEntryID` of this folder (0 when it has none).
    /// `ulFlags` is reserved: anything but 0 is `MAPI_E_UNKNOWN_FLAGS`.
    unsafe fn GetMessageStatus(
        this: &Object<Self>,
        lpEntryID: &[u8],
        ulFlags: u32,
        lpulMessageStatus: *mut u32,
    ) -> HRESULT {
        this.run(|| {
            if lpulMessageStatus.is_null() {
                return Err(null("GetMessageStatus", "lpulMessageStatus"));
            }
            check_flags("GetMessageStatus", ulFlags, 0)?;
            let key = this.message_key(lpEntryID)?;
            let status = long_in(&this.message_row(key)?, PR_MSG_STATUS);
            // SAFETY: checked non-NULL.
            unsafe { lpulMessageStatus.write(status) };
            Ok(S_OK)
        })
    }

    /// Sets the bits of `ulNewStatusMask` in the message's `PR_MSG_STATUS` to those of
    /// `ulNewStatus`, through the provider's `set_message_state`; the old status goes to
    /// `lpulOldStatus` when it is not NULL.
    unsafe fn SetMessageStatus(
        this: &Object<Self>,
        lpEntryID: &[u8],
        ulNewStatus: u32,
        ulNewStatusMask: u32,
        lpulOldStatus: *mut u32,
    ) -> HRESULT {
        this.run(|| {
            let key = this.message_key(lpEntryID)?;
            this.model.check_writable()?;
            let old = long_in(&this.message_row(key)?, PR_MSG_STATUS);
            let new = (old & !ulNewStatusMask) | (ulNewStatus & ulNewStatusMask);
            if new != old {
                let state = [Property::for_tag(PR_MSG_STATUS, PropValue::Long(new))];
                this.model.set_state(key, &this.key.get(), &state)?;
            }
            if !lpulOldStatus.is_null() {
                // SAFETY: checked non-NULL; the caller's out-pointer.
                unsafe { lpulOldStatus.write(old) };
            }
            Ok(S_OK)
        })
    }

    /// Deletes every message and subfolder of the folder, keeping the folder; with
    /// `DEL_ASSOCIATED` its folder-associated messages too (without it they stay, as the
    /// docs have it). `FOLDER_DIALOG` and `DELETE_HARD_DELETE` are accepted.
    unsafe fn EmptyFolder(
        this: &Object<Self>,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT {
        this.run(|| {
            let allowed = DEL_ASSOCIATED | FOLDER_DIALOG | DELETE_HARD_DELETE;
            check_flags("EmptyFolder", ulFlags, allowed)?;
            this.model.check_writable()?;
            let model = &this.model;
            let folder = this.key.get();
            let mut failed = false;
            let mut messages = model.content.messages(&folder)?;
            if ulFlags & DEL_ASSOCIATED != 0 {
                messages.extend(model.content.associated_messages(&folder)?);
            }
            for summary in messages {
                failed |= model.delete_message(&summary.key, &folder).is_err();
            }
            for subfolder in model.content.subfolders(&folder)? {
                failed |= model.delete_folder(&subfolder).is_err();
            }
            model.folder_modified(&folder);
            Ok(completion(failed))
        })
    }
}
