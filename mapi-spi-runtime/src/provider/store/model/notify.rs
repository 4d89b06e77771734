//! The store's notifications, as the docs ask a store to send them: a client advises on the
//! store, a folder or a message (`IMsgStore::Advise` with an entry ID, or none for the whole
//! store), the store registers the sink with the support object (`Subscribe`) under a key made
//! from what it names, and every change is passed to `Notify` under the key of each object it
//! concerns: the object itself, its parent folder (and the old parent for a move) and the
//! store. The support object filters by event mask and calls the sinks; a store never calls a
//! client's sink itself.

use windows_core::HRESULT;

use super::Model;
use crate::codes::{
    MAPI_E_INVALID_OBJECT, MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_FOUND, MAPI_E_UNKNOWN_FLAGS,
};
use crate::flags::{
    MAPI_FOLDER, MAPI_MESSAGE, MAPI_UNICODE, fnevCriticalError, fnevExtended, fnevNewMail,
    fnevObjectCopied, fnevObjectCreated, fnevObjectDeleted, fnevObjectModified, fnevObjectMoved,
    fnevSearchComplete, fnevTableModified,
};
use crate::interfaces::IMAPIAdviseSink;
use crate::provider::store::entry_id::ObjectKind;
use crate::sync::lock;
use crate::types::{
    ENTRYID, NEWMAIL_NOTIFICATION, NOTIFICATION, NOTIFICATION_info, NOTIFKEY, OBJECT_NOTIFICATION,
};

/// The events a store's `Advise` accepts.
const STORE_EVENTS: u32 = fnevCriticalError
    | fnevNewMail
    | fnevObjectCreated
    | fnevObjectDeleted
    | fnevObjectModified
    | fnevObjectMoved
    | fnevObjectCopied
    | fnevSearchComplete
    | fnevTableModified
    | fnevExtended;

/// A change made to the store, to tell the sinks advised on what it concerns. Keys are the
/// provider's object keys; `parent` is the key of the folder the object is in (for a folder:
/// its parent folder).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event<'a> {
    Created {
        kind: ObjectKind,
        key: &'a [u8],
        parent: &'a [u8],
    },
    Deleted {
        kind: ObjectKind,
        key: &'a [u8],
        parent: &'a [u8],
    },
    Modified {
        kind: ObjectKind,
        key: &'a [u8],
        parent: &'a [u8],
    },
    /// `key` in `parent` is what was `old_key` in `old_parent`.
    Moved {
        kind: ObjectKind,
        key: &'a [u8],
        parent: &'a [u8],
        old_key: &'a [u8],
        old_parent: &'a [u8],
    },
    /// `key` in `parent` is a new copy of `old_key` in `old_parent`.
    Copied {
        kind: ObjectKind,
        key: &'a [u8],
        parent: &'a [u8],
        old_key: &'a [u8],
        old_parent: &'a [u8],
    },
    /// A message arrived in `folder` (`fnevNewMail`, sent besides `Created`).
    NewMail {
        key: &'a [u8],
        folder: &'a [u8],
        /// `PR_MESSAGE_CLASS`, as UTF-16 with its terminator.
        class: &'a [u16],
        message_flags: u32,
    },
}

/// A `NOTIFKEY` holding `bytes`, in `u32`s so that its `cb` is aligned.
fn notif_key(bytes: &[u8]) -> Vec<u32> {
    let mut key = vec![0u32; 1 + bytes.len().div_ceil(4)];
    key[0] = bytes.len() as u32;
    // SAFETY: `key` has room for `bytes.len()` bytes after its first `u32` (`NOTIFKEY::ab`);
    // the regions do not overlap.
    unsafe {
        core::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            key.as_mut_ptr().add(1).cast::<u8>(),
            bytes.len(),
        );
    }
    key
}

impl Model {
    /// The notification key of the object an (unwrapped) entry ID names, or of the whole store
    /// for an empty ID: its long-term entry ID, so that an advise on any form of an object's ID
    /// (short- or long-term) hears the same events. IDs that are not this store's are refused as
    /// [`super::super::entry_id::EntryIds::parse`] refuses them.
    fn key_of(&self, entry_id: &[u8]) -> Result<Vec<u8>, HRESULT> {
        if entry_id.is_empty() {
            return Ok(self.cx.entry_id().to_vec());
        }
        let id = self.ids.parse(entry_id)?;
        self.ids
            .mint(id.kind, id.key, false)
            .ok_or(MAPI_E_INVALID_PARAMETER)
    }

    /// `Advise` on the store (`entry_id` empty), a folder or a message: registers `sink` with
    /// the support object and answers the connection number.
    pub(crate) fn advise(
        &self,
        entry_id: &[u8],
        event_mask: u32,
        sink: &IMAPIAdviseSink,
    ) -> Result<usize, HRESULT> {
        if event_mask == 0 || event_mask & !STORE_EVENTS != 0 {
            return Err(MAPI_E_UNKNOWN_FLAGS);
        }
        let key = notif_key(&self.key_of(entry_id)?);
        let support = self.cx.support().ok_or(MAPI_E_INVALID_OBJECT)?;
        let mut connection = 0usize;
        // SAFETY: `key` is a NOTIFKEY that lives across the call (the support object copies
        // it); `connection` is writable.
        HRESULT::ok(unsafe {
            support.Subscribe(
                key.as_ptr().cast::<NOTIFKEY>().cast_mut(),
                event_mask,
                0,
                Some(sink),
                &mut connection,
            )
        })?;
        lock(&self.advised).push(connection);
        Ok(connection)
    }

    /// `Unadvise` of a connection this store's `Advise` made (`MAPI_E_NOT_FOUND` for any
    /// other: a client cannot end another store's subscriptions through this one).
    pub(crate) fn unadvise(&self, connection: usize) -> Result<(), HRESULT> {
        {
            let mut advised = lock(&self.advised);
            let at = advised
                .iter()
                .position(|&c| c == connection)
                .ok_or(MAPI_E_NOT_FOUND)?;
            advised.remove(at);
        }
        let support = self.cx.support().ok_or(MAPI_E_INVALID_OBJECT)?;
        // SAFETY: a plain call on the store's live support object.
        HRESULT::ok(unsafe { support.Unsubscribe(connection) }).map_err(Into::into)
    }

    /// At logoff: ends every subscription the store's clients left, so that the support
    /// object releases their sinks.
    pub(crate) fn unadvise_all(&self) {
        let connections = core::mem::take(&mut *lock(&self.advised));
        let Some(support) = self.cx.support() else {
            return;
        };
        for connection in connections {
            // SAFETY: a plain call on the store's live support object. A connection MAPI no
            // longer knows changes nothing.
            let _ = unsafe { support.Unsubscribe(connection) };
        }
    }

    /// Tells the sinks advised on what `event` concerns: the object, its parent folder (and old
    /// parent), and the whole store. Nothing is sent once the store is logged off (no support
    /// object); a sink's failure is the client's and changes nothing here.
    pub(crate) fn notify(&self, event: Event<'_>) {
        // Open hierarchy views follow every change a sink hears of, advised or not.
        self.hierarchy_event(&event);
        let Some(support) = self.cx.support() else {
            return;
        };
        let folder_id = |key: &[u8]| self.ids.mint(ObjectKind::Folder, key, false);
        let (event_type, kind, key, parent, old) = match event {
            Event::Created { kind, key, parent } => (fnevObjectCreated, kind, key, parent, None),
            Event::Deleted { kind, key, parent } => (fnevObjectDeleted, kind, key, parent, None),
            Event::Modified { kind, key, parent } => (fnevObjectModified, kind, key, parent, None),
            Event::Moved {
                kind,
                key,
                parent,
                old_key,
                old_parent,
            } => (
                fnevObjectMoved,
                kind,
                key,
                parent,
                Some((old_key, old_parent)),
            ),
            Event::Copied {
                kind,
                key,
                parent,
                old_key,
                old_parent,
            } => (
                fnevObjectCopied,
                kind,
                key,
                parent,
                Some((old_key, old_parent)),
            ),
            Event::NewMail {
                key,
                folder,
                class,
                message_flags,
            } => {
                let (Some(mut id), Some(mut parent_id)) = (
                    self.ids.mint(ObjectKind::Message, key, false),
                    folder_id(folder),
                ) else {
                    return;
                };
                let mut class = class.to_vec();
                let info = NOTIFICATION_info {
                    newmail: NEWMAIL_NOTIFICATION {
                        cbEntryID: id.len() as u32,
                        lpEntryID: id.as_mut_ptr().cast::<ENTRYID>(),
                        cbParentID: parent_id.len() as u32,
                        lpParentID: parent_id.as_mut_ptr().cast::<ENTRYID>(),
                        ulFlags: MAPI_UNICODE,
                        lpszMessageClass: class.as_mut_ptr().cast(),
                        ulMessageFlags: message_flags,
                    },
                };
                let keys = [parent_id.clone(), self.cx.entry_id().to_vec()];
                send(&support, fnevNewMail, info, &keys);
                return;
            }
        };
        let object_type = match kind {
            ObjectKind::Folder => MAPI_FOLDER,
            ObjectKind::Message => MAPI_MESSAGE,
        };
        let (Some(mut id), Some(mut parent_id)) =
            (self.ids.mint(kind, key, false), folder_id(parent))
        else {
            return;
        };
        let (mut old_id, mut old_parent_id) = match old {
            Some((old_key, old_parent)) => (
                self.ids.mint(kind, old_key, false).unwrap_or_default(),
                folder_id(old_parent).unwrap_or_default(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let counted = |bytes: &mut Vec<u8>| -> (u32, *mut ENTRYID) {
            if bytes.is_empty() {
                (0, core::ptr::null_mut())
            } else {
                (bytes.len() as u32, bytes.as_mut_ptr().cast())
            }
        };
        let (cb_id, lp_id) = counted(&mut id);
        let (cb_parent, lp_parent) = counted(&mut parent_id);
        let (cb_old, lp_old) = counted(&mut old_id);
        let (cb_old_parent, lp_old_parent) = counted(&mut old_parent_id);
        let info = NOTIFICATION_info {
            obj: OBJECT_NOTIFICATION {
                cbEntryID: cb_id,
                lpEntryID: lp_id,
                ulObjType: object_type,
                cbParentID: cb_parent,
                lpParentID: lp_parent,
                cbOldID: cb_old,
                lpOldID: lp_old,
                cbOldParentID: cb_old_parent,
                lpOldParentID: lp_old_parent,
                lpPropTagArray: core::ptr::null_mut(),
            },
        };
        let mut keys = vec![id.clone(), parent_id.clone()];
        if !old_id.is_empty() && old_id != id {
            keys.push(old_id.clone());
        }
        if !old_parent_id.is_empty() && old_parent_id != parent_id {
            keys.push(old_parent_id.clone());
        }
        keys.push(self.cx.entry_id().to_vec());
        send(&support, event_type, info, &keys);
    }
}

/// One `Notify` of the event per key. The pointers in `info` stay valid across the calls (the
/// caller's buffers); the support object copies what it keeps.
fn send(
    support: &crate::interfaces::IMAPISupport,
    event_type: u32,
    info: NOTIFICATION_info,
    keys: &[Vec<u8>],
) {
    for key in keys {
        let mut key = notif_key(key);
        let mut notification = NOTIFICATION {
            ulEventType: event_type,
            ulAlignPad: 0,
            info,
        };
        let mut flags = 0u32;
        // SAFETY: `key` is a NOTIFKEY and `notification` one NOTIFICATION whose pointers point
        // into buffers the caller keeps alive across this call; `flags` is writable.
        let _ = unsafe {
            support.Notify(
                key.as_mut_ptr().cast::<NOTIFKEY>(),
                1,
                &mut notification,
                &mut flags,
            )
        };
    }
}
