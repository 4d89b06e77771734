//! `OpenEntry`, the same on the store and on every folder: an entry ID of this store to the
//! folder or message object it names, with the access and the interface asked for; and the
//! argument checks the store's and the folders' methods share.
#![allow(non_snake_case)]

use core::ffi::c_void;
use std::sync::Arc;
use windows_core::{GUID, IUnknown, Interface};

use super::Model;
use super::folder::FolderObject;
use super::message::MessageObject;
use crate::codes::{
    E_NOINTERFACE, MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_NO_ACCESS, MAPI_E_UNKNOWN_FLAGS,
};
use crate::flags::{
    MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS, MAPI_FOLDER, MAPI_MESSAGE, MAPI_MODIFY, MAPI_NO_CACHE,
    SHOW_SOFT_DELETES, STORE_READONLY,
};
use crate::interfaces::{IMAPIFolder, IMessage};
use crate::props::object::null;
use crate::provider::ProviderError;
use crate::provider::store::entry_id::ObjectKind;

/// The flags `OpenEntry` takes (`IMsgStore::OpenEntry`, `IMAPIContainer::OpenEntry`).
/// `SHOW_SOFT_DELETES` and `MAPI_NO_CACHE` are accepted: nothing is ever soft-deleted or cached
/// here, so they change nothing. The reference doc (§6.1) lists only `MAPI_MODIFY`,
/// `MAPI_DEFERRED_ERRORS` and `MAPI_BEST_ACCESS`, and mingw-w64's `mapidefs.h` has neither of
/// the other two; the Outlook pages list them and Outlook passes them, so the pages are
/// followed (their values are Outlook's header's, see [`crate::flags`]).
const OPEN_FLAGS: u32 =
    MAPI_BEST_ACCESS | MAPI_MODIFY | MAPI_DEFERRED_ERRORS | SHOW_SOFT_DELETES | MAPI_NO_CACHE;

/// `ulFlags` with no bit outside `allowed`, or `MAPI_E_UNKNOWN_FLAGS`.
pub(super) fn check_flags(method: &str, flags: u32, allowed: u32) -> Result<(), ProviderError> {
    match flags & !allowed {
        0 => Ok(()),
        unknown => Err(ProviderError::new(
            MAPI_E_UNKNOWN_FLAGS,
            format!("{method}: unknown flags 0x{unknown:08X}"),
        )),
    }
}

impl Model {
    /// Whether the store takes writes: `MAPI_E_NO_ACCESS` for a `STORE_READONLY` one.
    pub(super) fn check_writable(&self) -> Result<(), ProviderError> {
        if self.support_mask & STORE_READONLY != 0 {
            return Err(ProviderError::new(
                MAPI_E_NO_ACCESS,
                "the store is read-only",
            ));
        }
        Ok(())
    }
}

/// `OpenEntry(lpEntryID, lpInterface, ulFlags, lpulObjType, lppUnk)` on `model`'s store: no
/// entry ID opens the root folder; a folder or message ID of this store opens that object.
/// IDs that are not this store's are refused as [`EntryIds::parse`] refuses them
/// (`MAPI_E_UNKNOWN_ENTRYID`, `MAPI_E_INVALID_ENTRYID`); a key the provider no longer knows is
/// its answer (`MAPI_E_NOT_FOUND`). `MAPI_MODIFY` on a read-only store is `MAPI_E_NO_ACCESS`
/// (`MAPI_BEST_ACCESS` gives what the store allows); an interface the object does not have is
/// `MAPI_E_INTERFACE_NOT_SUPPORTED`.
///
/// [`EntryIds::parse`]: super::super::entry_id::EntryIds::parse
///
/// # Safety
///
/// `lpInterface` is NULL or a GUID; `lpulObjType` and `lppUnk` are NULL or writable.
pub(super) unsafe fn open_entry(
    model: &Arc<Model>,
    lpEntryID: &[u8],
    lpInterface: *const GUID,
    ulFlags: u32,
    lpulObjType: *mut u32,
    lppUnk: *mut *mut c_void,
) -> Result<(), ProviderError> {
    if lpulObjType.is_null() || lppUnk.is_null() {
        return Err(null("OpenEntry", "lpulObjType or lppUnk"));
    }
    check_flags("OpenEntry", ulFlags, OPEN_FLAGS)?;
    if ulFlags & MAPI_MODIFY != 0 {
        model.check_writable()?;
    }
    let writable =
        ulFlags & (MAPI_MODIFY | MAPI_BEST_ACCESS) != 0 && model.check_writable().is_ok();
    // SAFETY: NULL or a GUID (this function's contract).
    let asked = unsafe { lpInterface.as_ref() };
    let (object_type, object, default_iid): (u32, IUnknown, GUID) = if lpEntryID.is_empty() {
        let root = model.content.root();
        let folder = FolderObject::open(model, &root, writable)?;
        (MAPI_FOLDER, folder.into_interface(), IMAPIFolder::IID)
    } else {
        let id = model.ids.parse(lpEntryID)?;
        match id.kind {
            ObjectKind::Folder => {
                let folder = FolderObject::open(model, id.key, writable)?;
                (MAPI_FOLDER, folder.into_interface(), IMAPIFolder::IID)
            }
            ObjectKind::Message => (
                MAPI_MESSAGE,
                open_message(model, id.key, ulFlags)?,
                IMessage::IID,
            ),
        }
    };
    let iid = asked.copied().unwrap_or(default_iid);
    let mut interface = core::ptr::null_mut();
    // SAFETY: a live object; `interface` is writable.
    match unsafe { object.query(&iid, &mut interface) } {
        hr if hr.is_ok() => {
            // SAFETY: both checked non-NULL above; the new reference is the caller's.
            unsafe {
                lpulObjType.write(object_type);
                lppUnk.write(interface);
            }
            Ok(())
        }
        E_NOINTERFACE => Err(ProviderError::new(
            MAPI_E_INTERFACE_NOT_SUPPORTED,
            "OpenEntry: the object does not have the interface asked for",
        )),
        hr => Err(hr.into()),
    }
}

/// The message object `key` names, opened with `flags` (`MessageObject::open`).
fn open_message(model: &Arc<Model>, key: &[u8], flags: u32) -> Result<IUnknown, ProviderError> {
    let message = MessageObject::open(model, key, flags)?;
    Ok(message.cast::<IUnknown>()?)
}
