//! Copies and moves into a folder of another store (another provider's, or another store of
//! this one), as `IMAPIFolder::CopyMessages` and `CopyFolder` make them when the destination's
//! entry ID is not one of this store's: through the destination's own vtable, as MAPI's
//! stores do. A message is `CreateMessage` in the destination, this store's message object's
//! `CopyTo` onto it (properties with their names, recipients, attachments and embedded
//! messages) and its `SaveChanges`; a folder is `CreateFolder` there, its own properties by
//! `SetProps`, its messages so, and with `COPY_SUBFOLDERS` its subfolders the same way.
//!
//! The destination is another party's code: each of its failures is returned as its code
//! (the message naming the method that failed), every reference it handed out is released,
//! and a move deletes its source only after the destination saved the copy, so a failure
//! loses nothing.

use core::ptr::{null, null_mut};
use std::collections::HashSet;
use std::sync::Arc;

use windows_core::{IUnknown, Interface};

use super::Model;
use super::folder::{display_name, subtree};
use super::hierarchy::provider_props;
use super::message::{MessageObject, put_props};
use crate::codes::{MAPI_E_CALL_FAILED, MAPI_E_INVALID_PARAMETER};
use crate::flags::{FOLDER_GENERIC, MAPI_ASSOCIATED, MAPI_UNICODE};
use crate::interfaces::{IMAPIFolder, IMessage};
use crate::props::PropValue;
use crate::props::names::FIRST_NAMED_ID;
use crate::provider::store::content::{Folder, MessageSummary};
use crate::provider::{ProviderError, ProviderResult};
use crate::tags::{PR_COMMENT_W, PR_DISPLAY_NAME_W, prop_id};

/// Where a copy failed: on this store's side (the message could not be read) or the
/// destination's (its `CreateMessage`, `CopyTo` onto its message, `SaveChanges`).
pub(super) enum Fault {
    Source(ProviderError),
    Destination(ProviderError),
}

impl From<Fault> for ProviderError {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Source(error) | Fault::Destination(error) => error,
        }
    }
}

/// The destination's failure `code` in `method`.
fn refused(method: &str, code: windows_core::HRESULT) -> ProviderError {
    ProviderError::new(
        code,
        format!("the destination store's {method} failed (copy to another store)"),
    )
}

/// The new object an out-parameter of the destination holds after a success, as interface
/// `I`: a NULL one, or one without `I`, is the destination's failure (`MAPI_E_CALL_FAILED`),
/// and the reference is released either way.
///
/// # Safety
///
/// `raw` is NULL or a reference the caller owns, as a successful call hands one out.
unsafe fn adopt<I: Interface>(raw: *mut core::ffi::c_void, method: &str) -> ProviderResult<I> {
    if raw.is_null() {
        return Err(refused(method, MAPI_E_CALL_FAILED));
    }
    // SAFETY: a reference the caller owns (this function's contract), released when dropped.
    let unknown = unsafe { IUnknown::from_raw(raw) };
    unknown
        .cast::<I>()
        .map_err(|_| refused(method, MAPI_E_CALL_FAILED))
}

/// Copies message `key` of `model`'s store into `dest`, a folder of another store, created
/// there with `flags` (`MAPI_ASSOCIATED` for a folder-associated one): saved there when this
/// answers `Ok`, left unsaved (and released) when it fails.
pub(super) fn copy_message(
    model: &Arc<Model>,
    key: &[u8],
    dest: &IMAPIFolder,
    flags: u32,
) -> Result<(), Fault> {
    let source = MessageObject::open(model, key, 0).map_err(Fault::Source)?;
    let mut raw = null_mut();
    // SAFETY: a GUID and an out-pointer, alive across the call.
    let hr = unsafe { dest.CreateMessage(&IMessage::IID, flags, &mut raw) };
    if hr.is_err() {
        return Err(Fault::Destination(refused("CreateMessage", hr)));
    }
    // SAFETY: CreateMessage succeeded: `raw` is NULL or a reference handed to us.
    let copy: IMessage = unsafe { adopt(raw, "CreateMessage") }.map_err(Fault::Destination)?;
    let mut problems = null_mut();
    // SAFETY: no exclusions; a GUID, a live destination and an out-pointer, alive across the
    // call.
    let hr = unsafe {
        source.CopyTo(
            0,
            null(),
            null_mut(),
            0,
            None,
            &IMessage::IID,
            copy.as_raw(),
            0,
            &mut problems,
        )
    };
    // Properties the destination refused one by one are left out, as a copy leaves them.
    // SAFETY: NULL or the problem array CopyTo wrote, one block of MAPI's allocators.
    unsafe { model.cx.allocators().free(problems.cast()) };
    if hr.is_err() {
        return Err(Fault::Destination(refused(
            "IMessage::CopyTo onto its message",
            hr,
        )));
    }
    // SAFETY: a plain call on a live message.
    let hr = unsafe { copy.SaveChanges(0) };
    if hr.is_err() {
        return Err(Fault::Destination(refused("IMessage::SaveChanges", hr)));
    }
    Ok(())
}

/// What a folder copy went through: the source folders it copied and the messages it copied
/// from them (associated ones included), and whether each copy was saved.
pub(super) struct FolderCopy {
    folders: HashSet<Vec<u8>>,
    messages: HashSet<Vec<u8>>,
    /// Every property, message and subfolder copied.
    pub(super) whole: bool,
}

impl FolderCopy {
    /// Whether folder `key`'s subtree now holds nothing the copy did not take: a move deletes
    /// the source only then, so a message delivered (or a folder made) meanwhile is not lost.
    pub(super) fn covers(&self, model: &Model, key: &[u8]) -> ProviderResult<bool> {
        for folder in subtree(model, key)? {
            if !self.folders.contains(&folder.key) {
                return Ok(false);
            }
            let (messages, associated) = messages_of(model, &folder.key)?;
            if !messages
                .iter()
                .chain(&associated)
                .all(|m| self.messages.contains(&m.key))
            {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Folder `key`'s messages and folder-associated messages (none from a store that keeps
/// none): what a copy of the folder copies.
pub(super) fn messages_of(
    model: &Model,
    key: &[u8],
) -> ProviderResult<(Vec<MessageSummary>, Vec<MessageSummary>)> {
    let associated = if model.content.supports_associated() {
        model.content.associated_messages(key)?
    } else {
        Vec::new()
    };
    Ok((model.content.messages(key)?, associated))
}

/// Copies folder `source` of `model`'s store into `dest`, a folder of another store, named
/// `name`: its properties, its messages and folder-associated messages (a destination that
/// keeps none leaves the copy partial), and with `recursive` its subfolders. The folder's own
/// creation failing is the answer (`MAPI_E_COLLISION` for a sibling of that name, as the
/// destination says); what fails after it leaves the copy partial ([`FolderCopy::whole`]).
pub(super) fn copy_folder(
    model: &Arc<Model>,
    source: &Folder,
    dest: &IMAPIFolder,
    name: &str,
    recursive: bool,
) -> ProviderResult<FolderCopy> {
    // The subtree as it is before anything is created: a destination that is this store under
    // another name (a second entry ID of the same files) cannot make the copy copy itself.
    let within: HashSet<Vec<u8>> = if recursive {
        subtree(model, &source.key)?
            .into_iter()
            .map(|f| f.key)
            .collect()
    } else {
        HashSet::from([source.key.clone()])
    };
    let mut copy = FolderCopy {
        folders: HashSet::new(),
        messages: HashSet::new(),
        whole: true,
    };
    copy_folder_within(model, source, dest, name, &within, &mut copy)?;
    Ok(copy)
}

/// [`copy_folder`], recursing into the subfolders whose keys are in `within`; what it copies
/// is added to `copy`.
fn copy_folder_within(
    model: &Arc<Model>,
    source: &Folder,
    dest: &IMAPIFolder,
    name: &str,
    within: &HashSet<Vec<u8>>,
    copy: &mut FolderCopy,
) -> ProviderResult<()> {
    let wide = |text: &str| text.encode_utf16().chain([0]).collect::<Vec<u16>>();
    let mut name = wide(name);
    let props: Vec<_> = provider_props(source.props.clone()).collect();
    let mut comment = props.iter().find_map(|p| match &p.value {
        PropValue::Unicode(text) if p.tag() == PR_COMMENT_W => Some(wide(text)),
        _ => None,
    });
    let comment_ptr = comment.as_mut().map_or(null_mut(), |c| c.as_mut_ptr());
    let mut raw = null_mut();
    // SAFETY: NUL-terminated UTF-16 strings (MAPI_UNICODE), a GUID and an out-pointer, alive
    // across the call.
    let hr = unsafe {
        dest.CreateFolder(
            FOLDER_GENERIC,
            name.as_mut_ptr().cast(),
            comment_ptr.cast(),
            &IMAPIFolder::IID,
            MAPI_UNICODE,
            &mut raw,
        )
    };
    if hr.is_err() {
        return Err(refused("CreateFolder", hr));
    }
    // SAFETY: CreateFolder succeeded: `raw` is NULL or a reference handed to us.
    let created: IMAPIFolder = unsafe { adopt(raw, "CreateFolder") }?;
    copy.folders.insert(source.key.clone());
    // Named properties are left out: their IDs name nothing in another store's map.
    let rest: Vec<_> = props
        .into_iter()
        .filter(|p| {
            ![prop_id(PR_DISPLAY_NAME_W), prop_id(PR_COMMENT_W)].contains(&u32::from(p.id))
                && p.id < FIRST_NAMED_ID
        })
        .collect();
    copy.whole &= put_props(&created, &rest, model.cx.allocators()).is_ok();
    let (messages, associated) = messages_of(model, &source.key)?;
    let messages = messages.into_iter().map(|m| (m, 0));
    for (summary, flags) in messages.chain(associated.into_iter().map(|m| (m, MAPI_ASSOCIATED))) {
        if copy_message(model, &summary.key, &created, flags).is_ok() {
            copy.messages.insert(summary.key);
        } else {
            copy.whole = false;
        }
    }
    for child in model.content.subfolders(&source.key)? {
        if within.contains(&child.key) {
            let copied =
                copy_folder_within(model, &child, &created, &display_name(&child), within, copy);
            copy.whole &= copied.is_ok();
        }
    }
    Ok(())
}

/// The destination `dest` of a copy, not a folder of this store: as an `IMAPIFolder`, or
/// `MAPI_E_INVALID_PARAMETER` when it has no such interface.
pub(super) fn foreign_folder(dest: &IUnknown) -> ProviderResult<IMAPIFolder> {
    dest.cast::<IMAPIFolder>().map_err(|_| {
        ProviderError::new(
            MAPI_E_INVALID_PARAMETER,
            "the destination (of another store) is not an IMAPIFolder",
        )
    })
}
