//! [`MessageObject`]: the runtime's `IMessage`, over a [`Model`], with MAPI's transactions.
//!
//! A message object works on its own copy of the message, read whole when it opens: its
//! properties (a [`PropertyObject`], so `GetProps`, `SetProps`, streams through `OpenProperty`,
//! `CopyTo` and named properties are the property engine's), its recipients and its
//! attachments. Nothing it changes is seen by another object, a table or the store until its
//! `SaveChanges`, which writes the whole message with [`StoreContent::save_message`](crate::provider::store::content::StoreContent::save_message); `Release`
//! without `SaveChanges` discards the copy. An attachment ([`super::attach`]) works on its own
//! copy too and commits into the message's copy; an embedded message commits into its
//! attachment's.
//!
//! The runtime owns some properties and computes them, read-only to clients: the identity
//! ([`Model::message_identity`] once the message is saved; `PR_PARENT_ENTRYID` and the store's
//! before), `PR_STORE_SUPPORT_MASK`, `PR_ACCESS_LEVEL`, `PR_HASATTACH` and the
//! `MSGFLAG_HASATTACH` bit of `PR_MESSAGE_FLAGS` (from the attachments), `PR_DISPLAY_TO_W`,
//! `PR_DISPLAY_CC_W` and `PR_DISPLAY_BCC_W` (the recipients' display names of each type,
//! joined by `"; "`, saved with the message so that a contents table can show them), and
//! `PR_MESSAGE_SIZE`. Clients' writes to them are `MAPI_E_COMPUTED` problems
//! ([`super::computed`]). Computed properties are brought up to date when the recipients or
//! the attachments change and at `SaveChanges` (the `SaveChanges` page allows computed
//! properties to wait for it), not at every `SetProps` or stream write. `PR_MESSAGE_FLAGS` is writable until the first save (a new
//! message starts `MSGFLAG_UNSENT`), read-only after, as the docs describe it.
//!
//! `SaveChanges` as the `IMAPIProp::SaveChanges` page describes it:
//! - `MAPI_E_OBJECT_CHANGED` when another object saved the message since this one opened it
//!   (or last saved it), or another program changed it (a
//!   [`ContentChange::MessageModified`](crate::provider::store::content::ContentChange::MessageModified)
//!   the provider reported), unless `FORCE_SAVE`;
//! - `MAPI_E_OBJECT_DELETED` when the message is no longer in the store (deleted or moved
//!   away), `FORCE_SAVE` or not ("You cannot call SaveChanges with the FORCE_SAVE flag on an
//!   open object that has been deleted");
//! - after a failure the object stays open with all its changes (the page: "the object ...
//!   remains open, regardless of the flags"), so the client may copy it elsewhere;
//! - `KEEP_OPEN_READWRITE` keeps the object writable; `KEEP_OPEN_READONLY`, and no flag at
//!   all (which the page lets a provider treat "the same as KEEP_OPEN_READONLY"), leave it
//!   read-only: a later change answers `MAPI_E_NO_ACCESS`, as a message opened without
//!   `MAPI_MODIFY` does. With both flags, `KEEP_OPEN_READWRITE` wins (the page names no error
//!   for the pair, and staying writable loses nothing).
//!
//! `CopyTo` and `CopyProps` copy the recipients and attachments too (to an `IMessage`), as
//! `PR_MESSAGE_RECIPIENTS` and `PR_MESSAGE_ATTACHMENTS` select them; those two are listed by
//! `GetPropList` while set and open as the tables through `OpenProperty`.
//!
//! A saved message's read state is not content: `SetReadFlag` writes it to the store at once
//! ([`StoreContent::set_message_state`](crate::provider::store::content::StoreContent::set_message_state)),
//! as Outlook expects, without a `SaveChanges` and without changing the message's version; the
//! `SaveChanges` of an object that did not set it keeps the read state the store has then.

#![allow(non_snake_case)]

use core::ffi::c_void;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLockWriteGuard};
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use super::attach::{AttachCore, AttachObject};
use super::computed;
use super::notify::Event;
use super::{IDENTITY, Model};
use crate::alloc::AllocatorSet;
use crate::codes::{
    MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_INVALID_PARAMETER, MAPI_E_NO_ACCESS, MAPI_E_NO_SUPPORT,
    MAPI_E_NOT_FOUND, MAPI_E_OBJECT_CHANGED, MAPI_E_OBJECT_DELETED, S_OK,
};
use crate::com::{ComObject, Forward, InterfaceOut, MethodName, Object};
use crate::flags::{
    ATTACH_DIALOG, CLEAR_NRN_PENDING, CLEAR_READ_FLAG, CLEAR_RN_PENDING, FORCE_SAVE,
    GENERATE_RECEIPT_ONLY, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_ASSOCIATED, MAPI_BCC,
    MAPI_BEST_ACCESS, MAPI_CC, MAPI_CREATE, MAPI_DEFERRED_ERRORS, MAPI_MESSAGE, MAPI_MODIFY,
    MAPI_NOREPLACE, MAPI_SUBMITTED, MAPI_TO, MAPI_UNICODE, MODRECIP_ADD, MODRECIP_MODIFY,
    MODRECIP_REMOVE, MSGFLAG_ASSOCIATED, MSGFLAG_HASATTACH, MSGFLAG_NRN_PENDING, MSGFLAG_READ,
    MSGFLAG_RN_PENDING, MSGFLAG_UNSENT, NON_EMS_XP_SAVE, SPAMFILTER_ONSAVE, STORE_MODIFY_OK,
    SUPPRESS_RECEIPT,
};
use crate::interfaces::{
    IAttach, IMAPIProgress, IMAPIProp, IMAPIPropImpl, IMAPITable, IMessage, IMessageImpl,
};
use crate::props::object::check_flags;
use crate::props::value::{props_block, tags_from_raw};
use crate::props::{ObjectAccess, PropAccess, PropValue, Property, PropertyBag, PropertyObject};
use crate::provider::store::content::{Attachment, Message};
use crate::provider::store::entry_id::ObjectKind;
use crate::provider::{LastError, ProviderError, ProviderResult};
use crate::sync::lock;
use crate::table::TableData;
use crate::tags::*;
use crate::types::{
    ADRENTRY, ADRLIST, MAPIERROR, SPropProblemArray, SPropTagArray, SPropValue, cb_new_adrlist,
};
use mapi_spi_macros::mapi_object;

/// `MAPIERROR::lpszComponent` of the message and attachment objects' errors.
pub(super) const COMPONENT: &str = "mapi-spi message";

/// The `SaveChanges` flags of messages and attachments: the two Outlook-only ones are for the
/// PST and mean nothing here, but a client may pass them to any store.
pub(super) const SAVE_FLAGS: u32 = KEEP_OPEN_READONLY
    | KEEP_OPEN_READWRITE
    | FORCE_SAVE
    | MAPI_DEFERRED_ERRORS
    | SPAMFILTER_ONSAVE
    | NON_EMS_XP_SAVE;

/// The properties that say where a message is and what it is ([`IDENTITY`]), and its access
/// level: the runtime's, never stored.
fn identity() -> impl Iterator<Item = u32> {
    IDENTITY.into_iter().chain([PR_ACCESS_LEVEL])
}

/// The columns a new recipient table view starts with.
const RECIPIENT_COLUMNS: &[u32] = &[
    PR_ROWID,
    PR_DISPLAY_NAME_W,
    PR_RECIPIENT_TYPE,
    PR_ADDRTYPE_W,
    PR_EMAIL_ADDRESS_W,
    PR_ENTRYID,
    PR_INSTANCE_KEY,
];

/// The columns a new attachment table view starts with: the docs' required four, and what a
/// client shows of an attachment.
const ATTACHMENT_COLUMNS: &[u32] = &[
    PR_ATTACH_NUM,
    PR_INSTANCE_KEY,
    PR_RECORD_KEY,
    PR_RENDERING_POSITION,
    PR_ATTACH_METHOD,
    PR_ATTACH_FILENAME_W,
    PR_ATTACH_SIZE,
];

/// A view of `table` whose default `columns` are text in the width `flags` asks for:
/// `MAPI_UNICODE`, or 8-bit without it (the `GetRecipientTable` and `GetAttachmentTable`
/// pages: "If the MAPI_UNICODE flag is not set, the string columns should be in ANSI format").
fn table_view(table: &TableData, columns: &[u32], flags: u32) -> ProviderResult<IMAPITable> {
    let view = table.view();
    if flags & MAPI_UNICODE == 0 {
        let mut tags = vec![columns.len() as u32];
        tags.extend(columns.iter().map(|&tag| match prop_type(tag) {
            PT_UNICODE => change_prop_type(tag, PT_STRING8),
            _ => tag,
        }));
        // SAFETY: an SPropTagArray of `columns.len()` tags, alive across the call.
        let hr = unsafe { view.SetColumns(tags.as_mut_ptr().cast(), 0) };
        hr.ok()?;
    }
    Ok(view)
}

/// The property ID of `tag`.
pub(super) fn id_of(tag: u32) -> u16 {
    prop_id(tag) as u16
}

/// `MAPI_E_INVALID_PARAMETER`, naming what is wrong.
pub(super) fn invalid(what: &str) -> ProviderError {
    ProviderError::new(MAPI_E_INVALID_PARAMETER, what.to_owned())
}

/// The answer of a write to an object that is not open for writing.
pub(super) fn read_only() -> ProviderError {
    ProviderError::new(
        MAPI_E_NO_ACCESS,
        "the object is open read-only (opened without MAPI_MODIFY, or saved without KEEP_OPEN_READWRITE)",
    )
}

/// `OpenProperty`'s `lppUnk` checked non-NULL (else `MAPI_E_INVALID_PARAMETER`) and set to
/// NULL, which a failure then leaves, as the page asks.
///
/// # Safety
///
/// `lppUnk` is NULL or writable.
pub(super) unsafe fn clear_out(lppUnk: *mut *mut c_void) -> ProviderResult<()> {
    if lppUnk.is_null() {
        return Err(invalid("OpenProperty: lppUnk is NULL"));
    }
    // SAFETY: checked non-NULL; writable (this function's contract).
    unsafe { lppUnk.write(core::ptr::null_mut()) };
    Ok(())
}

/// A property bag over `props` (what the bag refuses, such as a provider's empty multi-valued
/// property, is left out rather than failing the whole object).
pub(super) fn bag_of(props: impl IntoIterator<Item = Property>) -> PropertyBag {
    let mut bag = PropertyBag::new();
    for prop in props {
        let _ = bag.insert(prop, PropAccess::READ_WRITE);
    }
    bag
}

/// Sets a computed or identity property, read-only to clients.
pub(super) fn set_owned(bag: &mut PropertyBag, tag: u32, value: PropValue) {
    let _ = bag.insert(Property::for_tag(tag, value), PropAccess::READ_ONLY);
}

/// What `props` weigh, as `PR_MESSAGE_SIZE` and `PR_ATTACH_SIZE` estimate it: each value's
/// `SPropValue` and its data.
pub(super) fn props_size(props: &[Property]) -> usize {
    props
        .iter()
        .map(|p| size_of::<SPropValue>().saturating_add(p.value.data_size().min(u32::MAX as usize)))
        .fold(0, usize::saturating_add)
}

/// What a whole message weighs ([`props_size`] of everything in it).
pub(super) fn message_size(message: &Message) -> usize {
    let recipients = message.recipients.iter().map(|r| props_size(r));
    let attachments = message.attachments.iter().map(attachment_size);
    recipients
        .chain(attachments)
        .fold(props_size(&message.props), usize::saturating_add)
}

/// What an attachment weighs, embedded message included.
pub(super) fn attachment_size(attachment: &Attachment) -> usize {
    let embedded = attachment.embedded.as_deref().map_or(0, message_size);
    props_size(&attachment.props).saturating_add(embedded)
}

/// `usize` to a `PT_LONG` size, saturated.
pub(super) fn long_size(size: usize) -> PropValue {
    PropValue::Long(u32::try_from(size).unwrap_or(u32::MAX))
}

/// Where a message's `SaveChanges` writes.
pub(crate) enum Home {
    /// The store.
    Store,
    /// The attachment it is embedded in.
    Embedded(Arc<AttachCore>),
}

/// A message's working copy, besides its properties.
pub(crate) struct Working {
    /// The folder the message is in (empty for an embedded message).
    folder: Vec<u8>,
    /// Its key in the store: `None` until a new message is first saved, and for an embedded
    /// message.
    key: Option<Vec<u8>>,
    /// The message's [`Model::version`] when this object opened or last saved it.
    version: u64,
    /// Whether the object takes changes.
    pub(super) writable: bool,
    /// Whether the message was ever saved (`PR_MESSAGE_FLAGS` is read-only from then on).
    saved: bool,
    /// Whether it is a folder-associated message (`MSGFLAG_ASSOCIATED`): set at its creation
    /// (`CreateMessage` with `MAPI_ASSOCIATED`), kept by every save whatever the client writes.
    associated: bool,
    /// Whether this object set the read state (`SetReadFlag`): else its save keeps the
    /// store's.
    read_state_mine: bool,
    /// The recipients, each with its `PR_ROWID`.
    recipients: Vec<Vec<Property>>,
    next_row_id: u32,
    /// The attachments, by `PR_ATTACH_NUM` (which their properties do not hold).
    pub(super) attachments: BTreeMap<u32, Attachment>,
    next_attach_num: u32,
}

/// What a message object and the attachments opened from it share: the working copy.
pub(crate) struct MessageCore {
    pub(super) model: Arc<Model>,
    props: ComObject<PropertyObject>,
    /// `props` as the interface `IMAPIProp` calls are passed to.
    props_itf: IMAPIProp,
    pub(super) working: Mutex<Working>,
    recipient_table: TableData,
    pub(super) attachment_table: TableData,
    home: Home,
    last_error: LastError,
}

/// The runtime's `IMessage`; see the module documentation.
#[mapi_object(IMessage)]
pub(crate) struct MessageObject {
    core: Arc<MessageCore>,
}

/// The recipient's row as the table shows it: its properties and a `PR_INSTANCE_KEY` made of
/// its row ID.
fn recipient_row(recipient: &[Property]) -> Vec<Property> {
    let mut row = recipient.to_vec();
    if let Some(PropValue::Long(row_id)) = recipient
        .iter()
        .find(|p| p.id == id_of(PR_ROWID))
        .map(|p| &p.value)
    {
        row.retain(|p| p.id != id_of(PR_INSTANCE_KEY));
        row.push(Property::for_tag(
            PR_INSTANCE_KEY,
            PropValue::Binary(row_id.to_le_bytes().to_vec()),
        ));
    }
    row
}

/// The attachment table's row of attachment `num`: its properties but the data (a table is no
/// place for it), with `PR_ATTACH_NUM` and a `PR_INSTANCE_KEY` made of it.
pub(super) fn attachment_row(num: u32, attachment: &Attachment) -> Vec<Property> {
    let mut row: Vec<Property> = attachment
        .props
        .iter()
        .filter(|p| {
            ![
                id_of(PR_ATTACH_DATA_BIN),
                id_of(PR_ATTACH_NUM),
                id_of(PR_INSTANCE_KEY),
            ]
            .contains(&p.id)
        })
        .cloned()
        .collect();
    row.push(Property::for_tag(PR_ATTACH_NUM, PropValue::Long(num)));
    row.push(Property::for_tag(
        PR_INSTANCE_KEY,
        PropValue::Binary(num.to_le_bytes().to_vec()),
    ));
    if !row.iter().any(|p| p.id == id_of(PR_ATTACH_SIZE)) {
        row.push(Property::for_tag(
            PR_ATTACH_SIZE,
            long_size(attachment_size(attachment)),
        ));
    }
    row
}

impl MessageCore {
    /// A working copy of `message`, with the runtime's properties, recipients numbered and
    /// attachments numbered in order.
    fn new(model: &Arc<Model>, home: Home, working: Working, message: Message) -> Arc<Self> {
        let bag = bag_of(
            message
                .props
                .into_iter()
                .filter(|p| !not_copied(p.id) && p.value.prop_type() != PT_OBJECT),
        );
        let props = ComObject::new(
            PropertyObject::new(bag, *model.cx.allocators()).with_names(model.names.clone()),
        );
        let allocators = *model.cx.allocators();
        let recipient_table = TableData::new(PR_ROWID, RECIPIENT_COLUMNS.to_vec(), allocators)
            .expect("PT_LONG keys table rows");
        let attachment_table =
            TableData::new(PR_ATTACH_NUM, ATTACHMENT_COLUMNS.to_vec(), allocators)
                .expect("PT_LONG keys table rows");
        let mut working = working;
        for recipient in message.recipients {
            let mut recipient: Vec<Property> = recipient
                .into_iter()
                .filter(|p| p.id != id_of(PR_ROWID))
                .collect();
            recipient.push(Property::for_tag(
                PR_ROWID,
                PropValue::Long(working.next_row_id),
            ));
            working.next_row_id += 1;
            working.recipients.push(recipient);
        }
        for attachment in message.attachments {
            let num = working.next_attach_num;
            working.next_attach_num += 1;
            working.attachments.insert(num, attachment);
        }
        // Rows the engine refuses (a provider's value no QueryRows could return) are left out
        // of the table; the recipient or attachment itself is kept.
        for recipient in &working.recipients {
            let _ = recipient_table.modify_row(recipient_row(recipient));
        }
        for (&num, attachment) in &working.attachments {
            let _ = attachment_table.modify_row(attachment_row(num, attachment));
        }
        let core = Arc::new(Self {
            model: model.clone(),
            props_itf: props.to_interface(),
            props,
            working: Mutex::new(working),
            recipient_table,
            attachment_table,
            home,
            last_error: LastError::new(COMPONENT),
        });
        core.refresh(&core.working());
        core
    }

    pub(super) fn working(&self) -> MutexGuard<'_, Working> {
        lock(&self.working)
    }

    /// The runtime's properties, brought up to date with `working`: identity, access,
    /// attachments, size.
    pub(super) fn refresh(&self, working: &Working) {
        let model = &self.model;
        let identity = match (&self.home, &working.key) {
            (Home::Store, Some(key)) => model.message_identity(&working.folder, key),
            (Home::Store, None) => model
                .ids
                .mint(ObjectKind::Folder, &working.folder, false)
                .map(|parent| {
                    vec![Property::for_tag(
                        PR_PARENT_ENTRYID,
                        PropValue::Binary(parent),
                    )]
                }),
            (Home::Embedded(_), _) => None,
        };
        let mut message = self.snapshot(working);
        let mut bag = self.props.bag_mut();
        for prop in identity.unwrap_or_default() {
            let _ = bag.insert(prop, PropAccess::READ_ONLY);
        }
        for prop in model.store_common(MAPI_MESSAGE) {
            let _ = bag.insert(prop, PropAccess::READ_ONLY);
        }
        let access_level = if working.writable { MAPI_MODIFY } else { 0 };
        set_owned(&mut bag, PR_ACCESS_LEVEL, PropValue::Long(access_level));
        bag.set_object_access(if working.writable {
            ObjectAccess::ReadWrite
        } else {
            ObjectAccess::ReadOnly
        });
        let has_attachments = !working.attachments.is_empty();
        set_owned(&mut bag, PR_HASATTACH, PropValue::Boolean(has_attachments));
        for (tag, kind) in DISPLAY_LISTS {
            let names = display_list(&working.recipients, kind);
            set_owned(&mut bag, tag, PropValue::Unicode(names.into()));
        }
        // The sub-object properties, listed while set (their pages: "Service providers must
        // report it to the IMAPIProp::GetPropList method if it is set").
        for (tag, set) in [
            (PR_MESSAGE_RECIPIENTS, !working.recipients.is_empty()),
            (PR_MESSAGE_ATTACHMENTS, has_attachments),
        ] {
            if set {
                set_owned(&mut bag, tag, PropValue::Object);
            } else {
                bag.remove(id_of(tag));
            }
        }
        let flags = message_flags(&bag);
        let flags = if has_attachments {
            flags | MSGFLAG_HASATTACH
        } else {
            flags & !MSGFLAG_HASATTACH
        };
        let flags = if working.associated {
            flags | MSGFLAG_ASSOCIATED
        } else {
            flags & !MSGFLAG_ASSOCIATED
        };
        let flags_prop = Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(flags));
        let _ = bag.insert(flags_prop.clone(), working.flags_access());
        // The size counts what is saved: the flags as now, and the size itself.
        message.props.retain(|p| p.id != id_of(PR_MESSAGE_FLAGS));
        message.props.push(flags_prop);
        message
            .props
            .push(Property::for_tag(PR_MESSAGE_SIZE, PropValue::Long(0)));
        set_owned(&mut bag, PR_MESSAGE_SIZE, long_size(message_size(&message)));
    }

    /// The message as it is to be saved: its properties but the runtime's identity ones and
    /// sub-objects, its recipients without row IDs, its attachments.
    pub(super) fn snapshot(&self, working: &Working) -> Message {
        let identity: Vec<u16> = identity().map(id_of).collect();
        let props = self
            .props
            .bag()
            .iter()
            .filter(|p| !identity.contains(&p.id) && p.value.prop_type() != PT_OBJECT)
            .cloned()
            .collect();
        let recipients = working
            .recipients
            .iter()
            .map(|r| {
                r.iter()
                    .filter(|p| p.id != id_of(PR_ROWID))
                    .cloned()
                    .collect()
            })
            .collect();
        Message {
            props,
            recipients,
            attachments: working.attachments.values().cloned().collect(),
        }
    }

    /// A message object over this working copy.
    fn into_interface(self: Arc<Self>) -> IMessage {
        ComObject::new(MessageObject { core: self }).into_interface()
    }

    /// Runs a method's `body`, keeping a failure for `GetLastError`.
    fn answer(&self, body: impl FnOnce() -> ProviderResult<HRESULT>) -> HRESULT {
        self.last_error.answer(body())
    }

    /// Puts the read state the store holds for message `key` now into `message` (and this
    /// object's `PR_MESSAGE_FLAGS`): `SetReadFlag` on another object since this one opened
    /// changed it without a version, and this save must not undo it. Left as it is when the
    /// store cannot say.
    fn take_stored_read_state(&self, key: &[u8], message: &mut Message) {
        let Ok(summary) = self.model.content.message_summary(key) else {
            return;
        };
        let theirs = long_in(&summary.props, PR_MESSAGE_FLAGS) & READ_STATE;
        let flags = (long_in(&message.props, PR_MESSAGE_FLAGS) & !READ_STATE) | theirs;
        let prop = Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(flags));
        message.props.retain(|p| p.id != id_of(PR_MESSAGE_FLAGS));
        message.props.push(prop.clone());
        let _ = self.props.bag_mut().insert(prop, PropAccess::READ_ONLY);
    }

    /// `GetRecipientTable` and `GetAttachmentTable`: a view of `table` with its default
    /// `columns` through `lppTable`. `flags`: `MAPI_UNICODE` (else text columns are 8-bit),
    /// `MAPI_DEFERRED_ERRORS`.
    fn hand_out_table(
        &self,
        table: &TableData,
        columns: &[u32],
        flags: u32,
        mut lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        self.answer(|| {
            check_flags(flags, MAPI_UNICODE | MAPI_DEFERRED_ERRORS)?;
            lppTable.set(table_view(table, columns, flags)?);
            Ok(S_OK)
        })
    }

    /// `SaveChanges`: see the module documentation.
    fn save(&self, flags: u32) -> ProviderResult<HRESULT> {
        check_flags(flags, SAVE_FLAGS)?;
        // Others' changes first, so that a message another program changed or deleted since
        // this object opened it collides here. Before the lock: a sink may call back.
        self.model.apply_changes();
        let mut working = self.working();
        if !working.writable {
            return Err(read_only());
        }
        self.refresh(&working);
        let mut message = self.snapshot(&working);
        if let (Home::Store, Some(key), false) = (&self.home, &working.key, working.read_state_mine)
        {
            self.take_stored_read_state(key, &mut message);
        }
        let keep_writable = flags & KEEP_OPEN_READWRITE != 0;
        let saved = match &self.home {
            Home::Embedded(attach) => {
                attach.commit_embedded(message)?;
                None
            }
            Home::Store => {
                let model = &self.model;
                let saving = lock(&model.saving);
                let old_key = working.key.clone();
                if let Some(key) = &old_key
                    && flags & FORCE_SAVE == 0
                    && model.version(key) != working.version
                {
                    return Err(ProviderError::new(
                        MAPI_E_OBJECT_CHANGED,
                        "the message was saved by another object since this one opened it; save with FORCE_SAVE to overwrite",
                    ));
                }
                // The names of its named properties are kept before the properties are.
                model.keep_names()?;
                let new_key = model
                    .content
                    .save_message(&working.folder, old_key.as_deref(), &message)
                    .map_err(|error| match old_key {
                        Some(_) if error.code == MAPI_E_NOT_FOUND => ProviderError::new(
                            MAPI_E_OBJECT_DELETED,
                            "the message is no longer in its folder (deleted or moved since it was opened); its changes are kept in this object",
                        ),
                        _ => error,
                    })?;
                working.version = model.saved(old_key.as_deref(), &new_key);
                drop(saving);
                working.key = Some(new_key.clone());
                Some((old_key, new_key, working.folder.clone()))
            }
        };
        working.saved = true;
        working.writable = keep_writable;
        self.refresh(&working);
        drop(working);
        // Told with no lock held: a sink may call back into this object.
        if let Some((old_key, new_key, folder)) = saved {
            let model = &self.model;
            if let Some(old_key) = old_key.as_deref().filter(|old| *old != new_key) {
                model.message_removed(&folder, old_key);
            }
            model.message_changed(&folder, &new_key);
            let (kind, key, parent) = (ObjectKind::Message, &new_key[..], &folder[..]);
            model.notify(match old_key {
                None => Event::Created { kind, key, parent },
                Some(_) => Event::Modified { kind, key, parent },
            });
        }
        Ok(S_OK)
    }
}

impl MessageObject {
    /// `OpenEntry` of message `key`: read whole from the store. Writable with `MAPI_MODIFY`, or
    /// with `MAPI_BEST_ACCESS` when the store's support mask has `STORE_MODIFY_OK`; other
    /// flags are the caller's to check. `MAPI_E_NO_ACCESS` for `MAPI_MODIFY` on a store
    /// without `STORE_MODIFY_OK`; the provider's error (`MAPI_E_NOT_FOUND`, ...) when it cannot
    /// read the message.
    pub(crate) fn open(model: &Arc<Model>, key: &[u8], flags: u32) -> ProviderResult<IMessage> {
        let modify_ok = model.support_mask & STORE_MODIFY_OK != 0;
        if flags & MAPI_MODIFY != 0 && !modify_ok {
            return Err(ProviderError::new(
                MAPI_E_NO_ACCESS,
                "the store is read-only: messages open without MAPI_MODIFY",
            ));
        }
        let writable = flags & MAPI_MODIFY != 0 || (flags & MAPI_BEST_ACCESS != 0 && modify_ok);
        // Others' changes before the version: one reported but not yet applied would
        // otherwise count as made after this object read the message.
        model.apply_changes();
        // The version before the content: a save in between then makes this object's
        // SaveChanges answer MAPI_E_OBJECT_CHANGED, never overwrite a save it did not see.
        let version = model.version(key);
        let stored = model.content.message(key)?;
        let working = Working {
            folder: stored.folder,
            key: Some(key.to_vec()),
            version,
            writable,
            saved: true,
            associated: long_in(&stored.message.props, PR_MESSAGE_FLAGS) & MSGFLAG_ASSOCIATED != 0,
            ..Working::empty()
        };
        Ok(MessageCore::new(model, Home::Store, working, stored.message).into_interface())
    }

    /// `IMAPIFolder::CreateMessage` in `folder`: a new, writable message, `MSGFLAG_UNSENT`
    /// (and `MSGFLAG_ASSOCIATED` with `MAPI_ASSOCIATED`: a folder-associated message), which
    /// exists in the store from its first `SaveChanges` on. `flags` are the caller's to check.
    pub(crate) fn create(model: &Arc<Model>, folder: &[u8], flags: u32) -> IMessage {
        let associated = flags & MAPI_ASSOCIATED != 0;
        let working = Working {
            folder: folder.to_vec(),
            writable: true,
            associated,
            ..Working::empty()
        };
        let mut message = new_message();
        if associated {
            message.props = vec![Property::for_tag(
                PR_MESSAGE_FLAGS,
                PropValue::Long(MSGFLAG_UNSENT | MSGFLAG_ASSOCIATED),
            )];
        }
        MessageCore::new(model, Home::Store, working, message).into_interface()
    }

    /// The embedded message of `attach`: `message` (`None`: a new one), whose `SaveChanges`
    /// commits into the attachment.
    pub(super) fn embedded(
        attach: &Arc<AttachCore>,
        message: Option<Message>,
        writable: bool,
    ) -> IMessage {
        let working = Working {
            writable,
            saved: message.is_some(),
            ..Working::empty()
        };
        let message = message.unwrap_or_else(new_message);
        let model = attach.parent.model.clone();
        MessageCore::new(&model, Home::Embedded(attach.clone()), working, message).into_interface()
    }
}

/// The `PR_MESSAGE_FLAGS` bits `SetReadFlag` changes.
const READ_STATE: u32 = MSGFLAG_READ | MSGFLAG_RN_PENDING | MSGFLAG_NRN_PENDING;

/// The `PT_LONG` property `tag` among `props` (0 without): a message's `PR_MESSAGE_FLAGS` or
/// `PR_MSG_STATUS`.
pub(super) fn long_in(props: &[Property], tag: u32) -> u32 {
    props
        .iter()
        .find_map(|p| match p.value {
            PropValue::Long(value) if p.id == id_of(tag) => Some(value),
            _ => None,
        })
        .unwrap_or(0)
}

/// `MAPI_E_INVALID_PARAMETER` for the `flags` of `SetReadFlag` and `SetReadFlags` (`method`)
/// that their pages name as such: `CLEAR_READ_FLAG` with `SUPPRESS_RECEIPT` or
/// `GENERATE_RECEIPT_ONLY`.
pub(super) fn check_read_flag_pairs(method: &str, flags: u32) -> ProviderResult<()> {
    if flags & CLEAR_READ_FLAG != 0 && flags & (SUPPRESS_RECEIPT | GENERATE_RECEIPT_ONLY) != 0 {
        return Err(invalid(&format!(
            "{method}: CLEAR_READ_FLAG goes with neither SUPPRESS_RECEIPT nor GENERATE_RECEIPT_ONLY"
        )));
    }
    Ok(())
}

/// The `PR_MESSAGE_FLAGS` that `SetReadFlag` and `SetReadFlags` with `flags` make of `old`:
/// `MSGFLAG_READ` set, or cleared with `CLEAR_READ_FLAG`, or left with
/// `GENERATE_RECEIPT_ONLY`; `CLEAR_RN_PENDING` and `CLEAR_NRN_PENDING` clear those bits, and
/// `SUPPRESS_RECEIPT` clears `MSGFLAG_RN_PENDING` (the store never sends a read report).
pub(super) fn read_flags_after(old: u32, flags: u32) -> u32 {
    let mut new = old;
    if flags & CLEAR_READ_FLAG != 0 {
        new &= !MSGFLAG_READ;
    } else if flags & GENERATE_RECEIPT_ONLY == 0 {
        new |= MSGFLAG_READ;
    }
    // No read report is ever sent: one suppressed is no longer pending.
    if flags & (CLEAR_RN_PENDING | SUPPRESS_RECEIPT) != 0 {
        new &= !MSGFLAG_RN_PENDING;
    }
    if flags & CLEAR_NRN_PENDING != 0 {
        new &= !MSGFLAG_NRN_PENDING;
    }
    new
}

/// A new message: unsent.
fn new_message() -> Message {
    Message {
        props: vec![Property::for_tag(
            PR_MESSAGE_FLAGS,
            PropValue::Long(MSGFLAG_UNSENT),
        )],
        ..Message::default()
    }
}

/// The `PR_MESSAGE_FLAGS` in `bag` (0 without).
fn message_flags(bag: &PropertyBag) -> u32 {
    match bag.get(id_of(PR_MESSAGE_FLAGS)) {
        Some(PropValue::Long(flags)) => *flags,
        _ => 0,
    }
}

impl Working {
    /// The client's access to `PR_MESSAGE_FLAGS`: writable until the message is first saved.
    fn flags_access(&self) -> PropAccess {
        if self.saved {
            PropAccess::READ_ONLY
        } else {
            PropAccess::READ_WRITE
        }
    }

    fn empty() -> Self {
        Self {
            folder: Vec::new(),
            key: None,
            version: 0,
            writable: false,
            saved: false,
            associated: false,
            read_state_mine: false,
            recipients: Vec::new(),
            next_row_id: 0,
            attachments: BTreeMap::new(),
            next_attach_num: 0,
        }
    }
}

/// Reads `lpMods`: its recipients, each `None` for a NULL entry (no properties), with
/// `PT_ERROR` values left out as the docs ask; `MAPI_E_INVALID_PARAMETER` for a NULL list, an
/// entry with values and no array, `PT_NULL` (which the docs call an error), `PT_OBJECT`, or a
/// value no table could show.
///
/// # Safety
///
/// `lpMods` is NULL or an `ADRLIST` with `cEntries` entries, each with `cValues` readable
/// `SPropValue`s at `rgPropVals`.
unsafe fn read_adrlist(lpMods: *const ADRLIST) -> ProviderResult<Vec<Option<Vec<Property>>>> {
    if lpMods.is_null() {
        return Err(invalid("ModifyRecipients: lpMods is NULL"));
    }
    // SAFETY: non-NULL, and an ADRLIST (the caller's contract); read unaligned, as a caller's
    // structure may be.
    let count = unsafe { core::ptr::addr_of!((*lpMods).cEntries).read_unaligned() };
    // SAFETY: as above; the entries follow the count, `cEntries` of them.
    let entries = unsafe { core::ptr::addr_of!((*lpMods).aEntries).cast::<ADRENTRY>() };
    (0..count as usize)
        .map(|i| {
            // SAFETY: entry `i` of `cEntries` (the caller's contract).
            let entry = unsafe { entries.add(i).read_unaligned() };
            if entry.cValues == 0 {
                return Ok(None);
            }
            if entry.rgPropVals.is_null() {
                return Err(invalid(
                    "ModifyRecipients: an entry has values and a NULL array",
                ));
            }
            // SAFETY: `cValues` SPropValues at `rgPropVals` (the caller's contract).
            let props =
                unsafe { crate::props::value::props_from_raw(entry.rgPropVals, entry.cValues) }?;
            let mut kept = Vec::with_capacity(props.len());
            for prop in props {
                match prop.value {
                    PropValue::Error(_) => {}
                    PropValue::Null | PropValue::Object => {
                        return Err(invalid(
                            "ModifyRecipients: a recipient has a PT_NULL or PT_OBJECT value",
                        ));
                    }
                    _ if !prop.value.is_storable() => {
                        return Err(invalid(
                            "ModifyRecipients: a recipient has a value no table could show",
                        ));
                    }
                    _ => kept.push(prop),
                }
            }
            Ok(Some(kept))
        })
        .collect()
}

/// The `PR_ROWID` of a recipient entry.
fn row_id(recipient: &[Property]) -> Option<u32> {
    recipient.iter().find_map(|p| match p.value {
        PropValue::Long(id) if p.id == id_of(PR_ROWID) => Some(id),
        _ => None,
    })
}

impl MessageCore {
    /// `ModifyRecipients` on the working copy, whole or nothing.
    fn modify_recipients(
        &self,
        flags: u32,
        entries: Vec<Option<Vec<Property>>>,
    ) -> ProviderResult<()> {
        let mut working = self.working();
        if !working.writable {
            return Err(read_only());
        }
        let entries = entries.into_iter().flatten();
        let without_row_id = |mut r: Vec<Property>| {
            r.retain(|p| p.id != id_of(PR_ROWID));
            r
        };
        let mut recipients = working.recipients.clone();
        let mut next = working.next_row_id;
        let mut number = |mut r: Vec<Property>| {
            r.push(Property::for_tag(PR_ROWID, PropValue::Long(next)));
            next += 1;
            r
        };
        match flags {
            // Replaces the list; the docs ask for no PR_ROWID, so one given is ignored.
            0 => recipients = entries.map(without_row_id).map(&mut number).collect(),
            MODRECIP_ADD => recipients.extend(entries.map(without_row_id).map(&mut number)),
            MODRECIP_MODIFY | MODRECIP_REMOVE => {
                for entry in entries {
                    let id = row_id(&entry)
                        .ok_or_else(|| invalid("ModifyRecipients: an entry has no PR_ROWID"))?;
                    let at = recipients
                        .iter()
                        .position(|r| row_id(r) == Some(id))
                        .ok_or_else(|| {
                            ProviderError::new(
                                MAPI_E_NOT_FOUND,
                                format!("ModifyRecipients: no recipient has PR_ROWID {id}"),
                            )
                        })?;
                    if flags == MODRECIP_REMOVE {
                        recipients.remove(at);
                    } else {
                        let mut replaced = without_row_id(entry);
                        replaced.push(Property::for_tag(PR_ROWID, PropValue::Long(id)));
                        recipients[at] = replaced;
                    }
                }
            }
            _ => {
                return Err(invalid(
                    "ModifyRecipients: at most one of MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE",
                ));
            }
        }
        working.next_row_id = next;
        working.recipients = recipients;
        let rows = working.recipients.iter().map(|r| recipient_row(r));
        self.recipient_table.replace_rows(rows)?;
        // The display lists follow the recipients at once: clients read them back to show.
        self.refresh(&working);
        Ok(())
    }

    /// `SetReadFlag`: the new `PR_MESSAGE_FLAGS`, in the working copy and, for a saved message
    /// of the store, in the store at once.
    fn set_read_flag(&self, flags: u32) -> ProviderResult<()> {
        check_flags(
            flags,
            SUPPRESS_RECEIPT
                | CLEAR_READ_FLAG
                | MAPI_DEFERRED_ERRORS
                | GENERATE_RECEIPT_ONLY
                | CLEAR_RN_PENDING
                | CLEAR_NRN_PENDING,
        )?;
        check_read_flag_pairs("SetReadFlag", flags)?;
        let mut working = self.working();
        let old = message_flags(&self.props.bag());
        let new = read_flags_after(old, flags);
        let prop = Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(new));
        let stored = match (&self.home, &working.key) {
            (Home::Store, Some(key)) => Some((key.clone(), working.folder.clone())),
            _ => None,
        };
        if let Some((key, _)) = &stored {
            self.model
                .content
                .set_message_state(key, core::slice::from_ref(&prop))
                .map_err(|error| match error.code {
                    MAPI_E_NOT_FOUND => ProviderError::new(
                        MAPI_E_OBJECT_DELETED,
                        "the message is no longer in the store",
                    ),
                    _ => error,
                })?;
        }
        let _ = self.props.bag_mut().insert(prop, working.flags_access());
        working.read_state_mine = true;
        drop(working);
        if let Some((key, folder)) = stored.filter(|_| new != old) {
            self.model.message_changed(&folder, &key);
            self.model.notify(Event::Modified {
                kind: ObjectKind::Message,
                key: &key,
                parent: &folder,
            });
        }
        Ok(())
    }
}

/// `ulFlags` of `OpenAttach`.
const OPEN_ATTACH_FLAGS: u32 = MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS;

/// Whether `iid` (NULL: the default) asks for an interface an attachment has.
///
/// # Safety
///
/// `iid` is NULL or a GUID.
unsafe fn attach_interface(iid: *const GUID) -> ProviderResult<()> {
    // SAFETY: NULL or a GUID (the caller's contract).
    match unsafe { iid.as_ref() } {
        None => Ok(()),
        Some(iid) if [IAttach::IID, IMAPIProp::IID, IUnknown::IID].contains(iid) => Ok(()),
        Some(_) => Err(ProviderError::new(
            MAPI_E_INTERFACE_NOT_SUPPORTED,
            "an attachment is IAttach",
        )),
    }
}

impl IMAPIPropImpl for MessageObject {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.core.props_itf)
    }

    /// The last failure of the message's own methods when `hResult` is its code, else the
    /// property object's (`GetProps`, `SetProps`, ...).
    unsafe fn GetLastError(
        this: &Object<Self>,
        hResult: HRESULT,
        ulFlags: u32,
        lppMAPIError: *mut *mut MAPIERROR,
    ) -> HRESULT {
        let core = &this.core;
        let allocators = core.model.cx.allocators();
        // SAFETY: the caller's out-pointer, NULL or writable.
        unsafe {
            core.last_error.get_last_error_or(
                &core.props_itf,
                hResult,
                ulFlags,
                allocators,
                lppMAPIError,
            )
        }
    }

    /// The property engine's `SetProps` on the working copy, but each of the runtime's
    /// properties (identity and computed, see the module documentation) is a
    /// `MAPI_E_COMPUTED` problem, whether the object holds it yet or not.
    unsafe fn SetProps(
        this: &Object<Self>,
        cValues: u32,
        lpPropArray: *mut SPropValue,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let core = &this.core;
        // SAFETY: the caller's arguments, under SetProps's contract.
        core.answer(|| unsafe { computed::set_props(&**core, cValues, lpPropArray, lppProblems) })
    }

    /// The property engine's `DeleteProps` on the working copy, but each of the runtime's
    /// properties is a `MAPI_E_COMPUTED` problem.
    unsafe fn DeleteProps(
        this: &Object<Self>,
        lpPropTagArray: *mut SPropTagArray,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let core = &this.core;
        // SAFETY: the caller's arguments, under DeleteProps's contract.
        core.answer(|| unsafe { computed::delete_props(&**core, lpPropTagArray, lppProblems) })
    }

    /// See the module documentation.
    unsafe fn SaveChanges(this: &Object<Self>, ulFlags: u32) -> HRESULT {
        this.core.answer(|| this.core.save(ulFlags))
    }

    /// `PR_MESSAGE_RECIPIENTS` and `PR_MESSAGE_ATTACHMENTS` with `IID_IMAPITable`: the
    /// recipient and attachment tables (`ulInterfaceOptions`: `MAPI_UNICODE`), as their pages
    /// allow; every other property as the property object opens it (streams).
    unsafe fn OpenProperty(
        this: &Object<Self>,
        ulPropTag: u32,
        lpiid: *const GUID,
        ulInterfaceOptions: u32,
        ulFlags: u32,
        lppUnk: *mut *mut c_void,
    ) -> HRESULT {
        let core = &this.core;
        let table = match ulPropTag {
            PR_MESSAGE_RECIPIENTS => (&core.recipient_table, RECIPIENT_COLUMNS),
            PR_MESSAGE_ATTACHMENTS => (&core.attachment_table, ATTACHMENT_COLUMNS),
            _ => {
                // SAFETY: the caller's arguments, passed on under the same contract.
                return unsafe {
                    core.props_itf.OpenProperty(
                        ulPropTag,
                        lpiid,
                        ulInterfaceOptions,
                        ulFlags,
                        lppUnk,
                    )
                };
            }
        };
        core.answer(|| {
            // SAFETY: the caller's out-pointer, NULL or writable.
            unsafe { clear_out(lppUnk) }?;
            // SAFETY: NULL or a GUID (the caller's contract).
            match unsafe { lpiid.as_ref() } {
                None => return Err(invalid("OpenProperty: lpiid is NULL")),
                Some(iid) if *iid == IMAPITable::IID || *iid == IUnknown::IID => {}
                Some(_) => {
                    return Err(ProviderError::new(
                        MAPI_E_INTERFACE_NOT_SUPPORTED,
                        "a message's sub-object tables open as IMAPITable",
                    ));
                }
            }
            check_flags(ulFlags, MAPI_DEFERRED_ERRORS | MAPI_BEST_ACCESS)?;
            let view = table_view(table.0, table.1, ulInterfaceOptions & MAPI_UNICODE)?;
            // SAFETY: checked non-NULL; the new reference is the caller's.
            unsafe { lppUnk.write(view.into_raw()) };
            Ok(S_OK)
        })
    }

    /// The properties as the property object copies them (the runtime's identity and computed
    /// ones left out: the destination has its own), then, to an `IMessage` destination, the
    /// recipients and attachments (embedded messages included) unless `PR_MESSAGE_RECIPIENTS`
    /// / `PR_MESSAGE_ATTACHMENTS` is excluded, or `IID_IMessage` is in `rgiidExclude`. The
    /// destination's recipients are replaced (with `MAPI_NOREPLACE` added to); sub-objects
    /// are copied even with `MAPI_MOVE`.
    unsafe fn CopyTo(
        this: &Object<Self>,
        ciidExclude: u32,
        rgiidExclude: *const GUID,
        lpExcludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let core = &this.core;
        // SAFETY: NULL or the caller's tag array.
        let excluded = unsafe { tags_from_raw(lpExcludeProps) };
        if excluded.as_ref().is_some_and(Vec::is_empty) {
            return core.answer(|| Err(invalid("CopyTo: lpExcludeProps has no tags")));
        }
        let excluded = excluded.unwrap_or_default();
        let iids = if rgiidExclude.is_null() || ciidExclude == 0 {
            &[][..]
        } else {
            // SAFETY: `ciidExclude` GUIDs at `rgiidExclude` (the caller's contract).
            unsafe { core::slice::from_raw_parts(rgiidExclude, ciidExclude as usize) }
        };
        let mut tags = vec![0u32];
        tags.extend(excluded.iter().copied());
        tags.extend(identity().chain(COMPUTED));
        tags[0] = tags.len() as u32 - 1;
        // SAFETY: the caller's arguments, with an exclude list that lives across the call.
        let hr = unsafe {
            core.props_itf.CopyTo(
                ciidExclude,
                rgiidExclude,
                tags.as_mut_ptr().cast(),
                ulUIParam,
                lpProgress,
                lpInterface,
                lpDestObj,
                ulFlags,
                lppProblems,
            )
        };
        let whole = iids.contains(&IMessage::IID) || iids.contains(&IMAPIProp::IID);
        let is_excluded = |tag: u32| whole || excluded.iter().any(|&t| prop_id(t) == prop_id(tag));
        let which = SubObjects {
            recipients: !is_excluded(PR_MESSAGE_RECIPIENTS),
            attachments: !is_excluded(PR_MESSAGE_ATTACHMENTS),
        };
        // SAFETY: the caller's interface and destination, checked by the property object.
        unsafe {
            finish_copy(
                this,
                hr,
                which,
                lpInterface,
                lpDestObj,
                ulFlags,
                lppProblems,
            )
        }
    }

    /// The included properties as the property object copies them, and, to an `IMessage`
    /// destination, the recipients and attachments when `PR_MESSAGE_RECIPIENTS` /
    /// `PR_MESSAGE_ATTACHMENTS` is included (as `CopyTo` copies them).
    unsafe fn CopyProps(
        this: &Object<Self>,
        lpIncludeProps: *mut SPropTagArray,
        ulUIParam: usize,
        lpProgress: Option<&IMAPIProgress>,
        lpInterface: *const GUID,
        lpDestObj: *mut c_void,
        ulFlags: u32,
        lppProblems: *mut *mut SPropProblemArray,
    ) -> HRESULT {
        let core = &this.core;
        // SAFETY: NULL or the caller's tag array.
        let included = unsafe { tags_from_raw(lpIncludeProps) }.unwrap_or_default();
        // SAFETY: the caller's arguments, passed on under the same contract.
        let hr = unsafe {
            core.props_itf.CopyProps(
                lpIncludeProps,
                ulUIParam,
                lpProgress,
                lpInterface,
                lpDestObj,
                ulFlags,
                lppProblems,
            )
        };
        let is_included = |tag: u32| included.iter().any(|&t| prop_id(t) == prop_id(tag));
        let which = SubObjects {
            recipients: is_included(PR_MESSAGE_RECIPIENTS),
            attachments: is_included(PR_MESSAGE_ATTACHMENTS),
        };
        // SAFETY: the caller's interface and destination, checked by the property object.
        unsafe {
            finish_copy(
                this,
                hr,
                which,
                lpInterface,
                lpDestObj,
                ulFlags,
                lppProblems,
            )
        }
    }
}

/// What a message's `CopyTo` leaves to the destination besides its identity: the computed
/// properties.
const COMPUTED: [u32; 5] = [
    PR_HASATTACH,
    PR_MESSAGE_SIZE,
    PR_DISPLAY_TO_W,
    PR_DISPLAY_CC_W,
    PR_DISPLAY_BCC_W,
];

/// The display lists a message computes from its recipients, each with the recipient type it
/// lists.
const DISPLAY_LISTS: [(u32, u32); 3] = [
    (PR_DISPLAY_TO_W, MAPI_TO),
    (PR_DISPLAY_CC_W, MAPI_CC),
    (PR_DISPLAY_BCC_W, MAPI_BCC),
];

/// The display names of the recipients of type `kind`, in order, joined by `"; "` as MAPI's
/// stores join them (`PR_DISPLAY_TO` and its kin): a recipient without a name shows its
/// address, one with neither is left out. `MAPI_SUBMITTED` is a state bit on the type, not a
/// type of its own.
fn display_list(recipients: &[Vec<Property>], kind: u32) -> String {
    // The recipient's text property `tag`, in either width, if not empty.
    let text = |recipient: &[Property], tag: u32| {
        recipient
            .iter()
            .find_map(|p| match &p.value {
                _ if p.id != id_of(tag) => None,
                PropValue::Unicode(text) => Some(text.to_string()),
                PropValue::String8(text) => Some(crate::props::ansi::decode(text)),
                _ => None,
            })
            .filter(|text| !text.is_empty())
    };
    let of_kind = |recipient: &&Vec<Property>| {
        recipient.iter().any(|p| {
            p.id == id_of(PR_RECIPIENT_TYPE)
                && matches!(p.value, PropValue::Long(t) if t & !MAPI_SUBMITTED == kind)
        })
    };
    recipients
        .iter()
        .filter(of_kind)
        .filter_map(|r| text(r, PR_DISPLAY_NAME_W).or_else(|| text(r, PR_EMAIL_ADDRESS_W)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether property `id` is the runtime's to set (a provider's value for it is replaced; a
/// copy leaves it to the destination).
fn not_copied(id: u16) -> bool {
    identity().chain(COMPUTED).any(|tag| id_of(tag) == id)
}

/// The sub-objects a message's copy takes besides its properties.
struct SubObjects {
    recipients: bool,
    attachments: bool,
}

/// The end of `CopyTo` and `CopyProps` once the property object copied the properties
/// (answering `hr`): the sub-objects `which` names, to an `IMessage` destination other than
/// this message. On their failure the problems already returned are freed (a failed call
/// returns none).
///
/// # Safety
///
/// `lpInterface` is NULL or a GUID, `lpDestObj` NULL or a live interface pointer,
/// `lppProblems` NULL or writable (holding what the property object wrote).
unsafe fn finish_copy(
    this: &Object<MessageObject>,
    hr: HRESULT,
    which: SubObjects,
    lpInterface: *const GUID,
    lpDestObj: *mut c_void,
    flags: u32,
    lppProblems: *mut *mut SPropProblemArray,
) -> HRESULT {
    if hr.is_err() || !(which.recipients || which.attachments) {
        return hr;
    }
    // SAFETY: checked by the property object, which answered a success: a GUID.
    if unsafe { lpInterface.as_ref() } != Some(&IMessage::IID) {
        return hr;
    }
    // SAFETY: a live interface pointer (the caller's contract), borrowed for the call.
    let Some(dest) = (unsafe { IUnknown::from_raw_borrowed(&lpDestObj) }) else {
        return hr;
    };
    let Ok(itself) = this.to_interface::<IMessage>().cast::<IUnknown>() else {
        return hr;
    };
    let Ok(dest) = dest.cast::<IMessage>() else {
        return hr;
    };
    if dest.cast::<IUnknown>().ok().as_ref() == Some(&itself) {
        return hr;
    }
    let core = &this.core;
    let message = core.snapshot(&core.working());
    let allocators = *core.model.cx.allocators();
    let recipient_flags = if flags & MAPI_NOREPLACE != 0 {
        MODRECIP_ADD
    } else {
        0
    };
    let copied = (|| {
        if which.recipients {
            put_recipients(&dest, &message.recipients, recipient_flags, &allocators)?;
        }
        if which.attachments {
            for attachment in &message.attachments {
                put_attachment(&dest, attachment, &allocators)?;
            }
        }
        Ok::<(), HRESULT>(())
    })();
    match copied {
        Ok(()) => hr,
        Err(code) => {
            if !lppProblems.is_null() {
                // SAFETY: writable, holding NULL or the problems the property object wrote,
                // in one block of the allocators; freed once.
                unsafe {
                    allocators.free(lppProblems.read().cast());
                    lppProblems.write(core::ptr::null_mut());
                }
            }
            core.last_error.fail(ProviderError::new(
                code,
                "CopyTo: the destination refused the message's recipients or attachments",
            ))
        }
    }
}

/// `ModifyRecipients(flags)` of `recipients` on `dest`, in an `ADRLIST` of MAPI memory whose
/// every entry is its own block, as the page asks of callers.
fn put_recipients(
    dest: &IMessage,
    recipients: &[Vec<Property>],
    flags: u32,
    allocators: &AllocatorSet,
) -> Result<(), HRESULT> {
    if recipients.is_empty() && flags != 0 {
        return Ok(());
    }
    let list = allocators
        .allocate(cb_new_adrlist(recipients.len().max(1)))
        .map_err(|e| e.code())?;
    let entries = core::mem::offset_of!(ADRLIST, aEntries);
    list.write(0, recipients.len() as u32);
    // Kept until the call returns; freed when dropped.
    let mut blocks = Vec::with_capacity(recipients.len());
    for (i, recipient) in recipients.iter().enumerate() {
        let block = props_block(allocators, recipient).map_err(|e| e.code())?;
        let entry = ADRENTRY {
            ulReserved1: 0,
            cValues: recipient.len() as u32,
            rgPropVals: block.as_ptr().cast(),
        };
        list.write(entries + i * size_of::<ADRENTRY>(), entry);
        blocks.push(block);
    }
    // SAFETY: an ADRLIST of `recipients.len()` entries, alive across the call.
    let hr = unsafe { dest.ModifyRecipients(flags, list.as_ptr().cast()) };
    for (i, block) in blocks.iter().enumerate() {
        // SAFETY: entry `i` of the list, which the callee may have given a new array to
        // (the page's rule); that one is freed here, ours when `blocks` drops.
        unsafe {
            let entry = list
                .ptr_at(entries + i * size_of::<ADRENTRY>())
                .cast::<ADRENTRY>()
                .read_unaligned();
            if entry.rgPropVals.cast::<u8>() != block.as_ptr() {
                allocators.free(entry.rgPropVals.cast());
            }
        }
    }
    hr.ok().map_err(|e| e.code())
}

/// `SetProps` of `props` (sub-objects and the destination's own left out) on `dest`; what
/// the destination refuses property by property it keeps to itself, as a copy's problems.
pub(super) fn put_props(
    dest: &IMAPIProp,
    props: &[Property],
    allocators: &AllocatorSet,
) -> Result<(), HRESULT> {
    let props: Vec<&Property> = props
        .iter()
        .filter(|p| {
            p.value.prop_type() != PT_OBJECT && !not_copied(p.id) && p.id != id_of(PR_ATTACH_NUM)
        })
        .collect();
    if props.is_empty() {
        return Ok(());
    }
    let block = props_block(allocators, props.iter().copied()).map_err(|e| e.code())?;
    // SAFETY: `props.len()` values in one block, alive across the call; no problems asked.
    let hr = unsafe {
        dest.SetProps(
            props.len() as u32,
            block.as_ptr().cast(),
            core::ptr::null_mut(),
        )
    };
    hr.ok().map_err(|e| e.code())
}

/// A new attachment on `dest` copied from `attachment` (embedded message included), saved
/// into `dest`.
fn put_attachment(
    dest: &IMessage,
    attachment: &Attachment,
    allocators: &AllocatorSet,
) -> Result<(), HRESULT> {
    let (mut num, mut raw) = (0u32, core::ptr::null_mut());
    // SAFETY: out-pointers.
    unsafe { dest.CreateAttach(core::ptr::null(), 0, &mut num, &mut raw) }
        .ok()
        .map_err(|e| e.code())?;
    // SAFETY: CreateAttach succeeded: a new reference.
    let attach = unsafe { IAttach::from_raw(raw) };
    put_props(&attach, &attachment.props, allocators)?;
    if let Some(embedded) = &attachment.embedded {
        let mut raw = core::ptr::null_mut();
        // SAFETY: a GUID and an out-pointer.
        unsafe {
            attach.OpenProperty(
                PR_ATTACH_DATA_OBJ,
                &IMessage::IID,
                0,
                MAPI_CREATE | MAPI_MODIFY,
                &mut raw,
            )
        }
        .ok()
        .map_err(|e| e.code())?;
        // SAFETY: OpenProperty succeeded: a new reference, of the interface asked for.
        let inner = unsafe { IMessage::from_raw(raw) };
        put_props(&inner, &embedded.props, allocators)?;
        if !embedded.recipients.is_empty() {
            put_recipients(&inner, &embedded.recipients, 0, allocators)?;
        }
        for attachment in &embedded.attachments {
            put_attachment(&inner, attachment, allocators)?;
        }
        // SAFETY: a plain call.
        unsafe { inner.SaveChanges(0) }.ok().map_err(|e| e.code())?;
    }
    // SAFETY: a plain call.
    unsafe { attach.SaveChanges(0) }.ok().map_err(|e| e.code())
}

impl IMessageImpl for MessageObject {
    /// The working copy's attachments (those saved with their own `SaveChanges`), indexed by
    /// `PR_ATTACH_NUM`. `ulFlags`: `MAPI_UNICODE` (else text columns are 8-bit),
    /// `MAPI_DEFERRED_ERRORS`.
    unsafe fn GetAttachmentTable(
        this: &Object<Self>,
        ulFlags: u32,
        lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        let core = &this.core;
        core.hand_out_table(
            &core.attachment_table,
            ATTACHMENT_COLUMNS,
            ulFlags,
            lppTable,
        )
    }

    /// Attachment `ulAttachmentNum` of the working copy: read-only unless `MAPI_MODIFY` (or
    /// `MAPI_BEST_ACCESS` on a writable message); `MAPI_E_NOT_FOUND` for a number no
    /// attachment has, `MAPI_E_NO_ACCESS` for `MAPI_MODIFY` on a read-only message,
    /// `MAPI_E_INTERFACE_NOT_SUPPORTED` for an interface other than `IAttach` (or its bases).
    /// Served from the working copy: a message deleted from the store meanwhile still opens
    /// its attachments.
    unsafe fn OpenAttach(
        this: &Object<Self>,
        ulAttachmentNum: u32,
        lpInterface: *const GUID,
        ulFlags: u32,
        mut lppAttach: InterfaceOut<'_, IAttach>,
    ) -> HRESULT {
        let core = &this.core;
        core.answer(|| {
            check_flags(ulFlags, OPEN_ATTACH_FLAGS)?;
            // SAFETY: NULL or a GUID (the caller's contract).
            unsafe { attach_interface(lpInterface) }?;
            let working = core.working();
            let attachment = working
                .attachments
                .get(&ulAttachmentNum)
                .cloned()
                .ok_or_else(|| {
                    ProviderError::new(
                        MAPI_E_NOT_FOUND,
                        format!("the message has no attachment {ulAttachmentNum}"),
                    )
                })?;
            if ulFlags & MAPI_MODIFY != 0 && !working.writable {
                return Err(read_only());
            }
            let writable = working.writable && ulFlags & (MAPI_MODIFY | MAPI_BEST_ACCESS) != 0;
            drop(working);
            lppAttach.set(AttachObject::open(
                core,
                ulAttachmentNum,
                attachment,
                writable,
                false,
            ));
            Ok(S_OK)
        })
    }

    /// A new attachment, writable, numbered after every attachment the message has had; it
    /// joins the working copy at its own `SaveChanges`. `ulFlags`: `MAPI_DEFERRED_ERRORS`.
    unsafe fn CreateAttach(
        this: &Object<Self>,
        lpInterface: *const GUID,
        ulFlags: u32,
        lpulAttachmentNum: *mut u32,
        mut lppAttach: InterfaceOut<'_, IAttach>,
    ) -> HRESULT {
        let core = &this.core;
        core.answer(|| {
            check_flags(ulFlags, MAPI_DEFERRED_ERRORS)?;
            if lpulAttachmentNum.is_null() {
                return Err(invalid("CreateAttach: lpulAttachmentNum is NULL"));
            }
            // SAFETY: NULL or a GUID (the caller's contract).
            unsafe { attach_interface(lpInterface) }?;
            let mut working = core.working();
            if !working.writable {
                return Err(read_only());
            }
            let num = working.next_attach_num;
            working.next_attach_num += 1;
            drop(working);
            let attach = AttachObject::open(core, num, Attachment::default(), true, true);
            // SAFETY: checked non-NULL.
            unsafe { lpulAttachmentNum.write(num) };
            lppAttach.set(attach);
            Ok(S_OK)
        })
    }

    /// Removes attachment `ulAttachmentNum` from the working copy (from the store at the
    /// message's `SaveChanges`). `ATTACH_DIALOG` is accepted and shows nothing (the removal
    /// is immediate). `MAPI_E_NOT_FOUND` for a number no saved attachment has.
    unsafe fn DeleteAttach(
        this: &Object<Self>,
        ulAttachmentNum: u32,
        _ulUIParam: usize,
        _lpProgress: Option<&IMAPIProgress>,
        ulFlags: u32,
    ) -> HRESULT {
        let core = &this.core;
        core.answer(|| {
            check_flags(ulFlags, ATTACH_DIALOG)?;
            let mut working = core.working();
            if !working.writable {
                return Err(read_only());
            }
            if working.attachments.remove(&ulAttachmentNum).is_none() {
                return Err(ProviderError::new(
                    MAPI_E_NOT_FOUND,
                    format!("the message has no attachment {ulAttachmentNum}"),
                ));
            }
            let _ = core
                .attachment_table
                .delete_row(&PropValue::Long(ulAttachmentNum));
            core.refresh(&working);
            Ok(S_OK)
        })
    }

    /// The working copy's recipients, indexed by `PR_ROWID`. `ulFlags`: `MAPI_UNICODE` (else
    /// text columns are 8-bit), `MAPI_DEFERRED_ERRORS`.
    unsafe fn GetRecipientTable(
        this: &Object<Self>,
        ulFlags: u32,
        lppTable: InterfaceOut<'_, IMAPITable>,
    ) -> HRESULT {
        let core = &this.core;
        core.hand_out_table(&core.recipient_table, RECIPIENT_COLUMNS, ulFlags, lppTable)
    }

    /// As the page describes: no flag replaces the list, `MODRECIP_ADD` adds (new row IDs,
    /// never reused by this object; a `PR_ROWID` given is ignored), `MODRECIP_MODIFY` replaces
    /// and `MODRECIP_REMOVE` removes the recipients whose `PR_ROWID` the entries give
    /// (`MAPI_E_INVALID_PARAMETER` for an entry without one, `MAPI_E_NOT_FOUND` for a row ID
    /// no recipient has). NULL entries are skipped, `PT_ERROR` values left out; a bad list
    /// ([`read_adrlist`]) is `MAPI_E_INVALID_PARAMETER`; more than one flag
    /// `MAPI_E_INVALID_PARAMETER`. Whole or nothing.
    unsafe fn ModifyRecipients(this: &Object<Self>, ulFlags: u32, lpMods: *mut ADRLIST) -> HRESULT {
        let core = &this.core;
        core.answer(|| {
            check_flags(ulFlags, MODRECIP_ADD | MODRECIP_MODIFY | MODRECIP_REMOVE)?;
            // SAFETY: the caller's ADRLIST, NULL or valid.
            let entries = unsafe { read_adrlist(lpMods) }?;
            core.modify_recipients(ulFlags, entries)?;
            Ok(S_OK)
        })
    }

    /// `MAPI_E_NO_SUPPORT`: submission goes through the spooler (`IMAPISupport::PrepareSubmit`,
    /// `ExpandRecips`, `SpoolerNotify`, the outgoing queue), which the runtime does not do yet.
    unsafe fn SubmitMessage(this: &Object<Self>, ulFlags: u32) -> HRESULT {
        let _ = ulFlags;
        this.core.last_error.fail(ProviderError::new(
            MAPI_E_NO_SUPPORT,
            "the store does not submit messages",
        ))
    }

    /// Sets (or with `CLEAR_READ_FLAG` clears) `MSGFLAG_READ`, and clears
    /// `MSGFLAG_RN_PENDING` / `MSGFLAG_NRN_PENDING` as asked; `GENERATE_RECEIPT_ONLY` leaves
    /// the read flag alone. The store sends no read reports, so `SUPPRESS_RECEIPT` is always
    /// honoured. A saved message's state goes to the store at once; a new one's waits for its
    /// `SaveChanges`. Allowed on a message open read-only (read state is not content).
    /// `MAPI_E_INVALID_PARAMETER` for the combinations the page names; `MAPI_E_OBJECT_DELETED`
    /// when the message is no longer in the store.
    unsafe fn SetReadFlag(this: &Object<Self>, ulFlags: u32) -> HRESULT {
        this.core
            .answer(|| this.core.set_read_flag(ulFlags).map(|()| S_OK))
    }
}

impl computed::SharedBag for MessageCore {
    fn is_computed(tag: u32) -> bool {
        not_copied(id_of(tag))
    }

    fn writable(&self) -> bool {
        self.working().writable
    }

    fn allocators(&self) -> &AllocatorSet {
        self.model.cx.allocators()
    }

    fn bag_mut(&self) -> RwLockWriteGuard<'_, PropertyBag> {
        self.props.bag_mut()
    }
}
