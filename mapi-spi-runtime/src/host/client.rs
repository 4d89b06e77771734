//! A MAPI client's side of the calls, for tests and demos: what Outlook or MFCMAPI do with a
//! store's objects (read properties and tables, open entries, read streams, set and delete
//! properties, recipients, create, copy and delete folders and messages, attachments), made through the objects' vtables, with each
//! result decoded into owned values and its MAPI memory freed as the docs say (one
//! `MAPIFreeBuffer` per `GetProps` array, `FreeProws` for a row set). The buffers are assumed
//! to come from the native allocators, as the host's support object hands them to providers.

use core::ffi::c_void;
use core::ptr::{null, null_mut};
use std::sync::Mutex;
use windows_core::{GUID, HRESULT, IUnknown, Interface};

use crate::alloc::AllocatorSet;
use crate::codes::{MAPI_E_CALL_FAILED, MAPI_E_NOT_ENOUGH_MEMORY};
use crate::com::abi::counted_bytes;
use crate::com::{ComObject, Object};
use crate::flags::{FOLDER_GENERIC, MAPI_UNICODE};
use crate::flags::{MAPI_CREATE, MAPI_MODIFY};
use crate::flags::{
    fnevObjectCopied, fnevObjectCreated, fnevObjectDeleted, fnevObjectModified, fnevObjectMoved,
    fnevTableModified,
};
use crate::interfaces::{
    IAttach, IMAPIAdviseSink, IMAPIAdviseSinkImpl, IMAPIFolder, IMAPIProp, IMAPITable, IMessage,
    IMsgStore, IStream,
};
use crate::props::names::{NameKind, PropName};
use crate::props::value::{props_block, props_from_raw};
use crate::props::{PropValue, Property};
use crate::sync::lock;
use crate::types::{
    ADRENTRY, ADRLIST, ENTRYID, ENTRYLIST, MAPINAMEID, MAPINAMEID_Kind, MNID_ID, MNID_STRING,
    NOTIFICATION, SBinary, SPropProblem, SPropProblemArray, SPropTagArray, SPropValue, SRowSet,
    cb_new_adrlist,
};
use mapi_spi_macros::mapi_object;

/// An `SPropTagArray` of `tags`, in `u32`s (`cValues`, then the tags).
fn tag_array(tags: &[u32]) -> Vec<u32> {
    let mut array = Vec::with_capacity(tags.len() + 1);
    array.push(tags.len() as u32);
    array.extend_from_slice(tags);
    array
}

/// `GetProps` of `tags` (`None`: every property) with `flags` (`MAPI_UNICODE`, ...): the code
/// (`S_OK` or `MAPI_W_ERRORS_RETURNED`, whose `PT_ERROR` entries are in the list) and the
/// values.
pub fn get_props(
    object: &IMAPIProp,
    tags: Option<&[u32]>,
    flags: u32,
) -> Result<(HRESULT, Vec<Property>), HRESULT> {
    let mut array = tags.map(tag_array);
    let tags_ptr = array
        .as_mut()
        .map_or(null_mut(), |a| a.as_mut_ptr().cast::<SPropTagArray>());
    let (mut count, mut values) = (0u32, null_mut::<SPropValue>());
    // SAFETY: a live object, an SPropTagArray or NULL, valid out-pointers.
    let hr = unsafe { object.GetProps(tags_ptr, flags, &mut count, &mut values) };
    if hr.is_err() {
        return Err(hr);
    }
    // SAFETY: on success, `count` values the provider allocated in one MAPI buffer.
    let props = unsafe { props_from_raw(values, count) };
    // SAFETY: the one buffer GetProps returned, freed once.
    unsafe { AllocatorSet::native().free(values.cast()) };
    Ok((hr, props.map_err(|e| e.code())?))
}

/// `GetIDsFromNames` of `names` with `flags` (`MAPI_CREATE`): the code (`S_OK`, or
/// `MAPI_W_ERRORS_RETURNED` with `PT_ERROR` tags for the names that have no ID) and the tags.
pub fn ids_from_names(
    object: &IMAPIProp,
    names: &[PropName],
    flags: u32,
) -> Result<(HRESULT, Vec<u32>), HRESULT> {
    let mut sets: Vec<GUID> = names.iter().map(|name| name.set).collect();
    let mut strings: Vec<Vec<u16>> = names
        .iter()
        .map(|name| match &name.kind {
            NameKind::String(text) => text.encode_utf16().chain([0]).collect(),
            NameKind::Id(_) => Vec::new(),
        })
        .collect();
    let mut raw: Vec<MAPINAMEID> = names
        .iter()
        .zip(sets.iter_mut().zip(&mut strings))
        .map(|(name, (set, string))| match name.kind {
            NameKind::Id(id) => MAPINAMEID {
                lpguid: set,
                ulKind: MNID_ID,
                Kind: MAPINAMEID_Kind { lID: id },
            },
            NameKind::String(_) => MAPINAMEID {
                lpguid: set,
                ulKind: MNID_STRING,
                Kind: MAPINAMEID_Kind {
                    lpwstrName: string.as_mut_ptr(),
                },
            },
        })
        .collect();
    let mut pointers: Vec<*mut MAPINAMEID> = raw.iter_mut().map(|n| n as *mut _).collect();
    let mut tags = null_mut::<SPropTagArray>();
    // SAFETY: a live object, `names.len()` names that live through the call, an out-pointer.
    let hr = unsafe {
        (object.vtable().GetIDsFromNames)(
            object.as_raw(),
            names.len() as u32,
            pointers.as_mut_ptr(),
            flags,
            &mut tags,
        )
    };
    if hr.is_err() {
        return Err(hr);
    }
    // SAFETY: on success, the array the provider allocated.
    let read = unsafe { SPropTagArray::tags(tags) }.map(<[u32]>::to_vec);
    // SAFETY: the one buffer GetIDsFromNames returned, freed once.
    unsafe { AllocatorSet::native().free(tags.cast()) };
    Ok((hr, read.ok_or(MAPI_E_CALL_FAILED)?))
}

/// `SetProps` of `props`: the code and the problems (one per property the object refused).
pub fn set_props(
    object: &IMAPIProp,
    props: &[Property],
) -> Result<(HRESULT, Vec<SPropProblem>), HRESULT> {
    let allocators = AllocatorSet::native();
    let block = props_block(&allocators, props).map_err(|e| e.code())?;
    let mut problems = null_mut::<SPropProblemArray>();
    // SAFETY: a live object, `props.len()` values in `block`, a valid out-pointer.
    let hr = unsafe {
        object.SetProps(
            props.len() as u32,
            block.as_ptr().cast::<SPropValue>(),
            &mut problems,
        )
    };
    // SAFETY: what SetProps answered with, and wrote to `problems`.
    unsafe { take_problems(hr, problems) }
}

/// `DeleteProps` of `tags`: the code and the problems (one per property the object refused).
pub fn delete_props(
    object: &IMAPIProp,
    tags: &[u32],
) -> Result<(HRESULT, Vec<SPropProblem>), HRESULT> {
    let mut array = tag_array(tags);
    let mut problems = null_mut::<SPropProblemArray>();
    // SAFETY: a live object, an SPropTagArray, a valid out-pointer.
    let hr = unsafe { object.DeleteProps(array.as_mut_ptr().cast(), &mut problems) };
    // SAFETY: what DeleteProps answered with, and wrote to `problems`.
    unsafe { take_problems(hr, problems) }
}

/// The answer of `SetProps` or `DeleteProps` (`hr`) with the problems it listed, their array
/// freed.
///
/// # Safety
///
/// `problems` is NULL or, when `hr` is a success, a problem array in one MAPI buffer.
unsafe fn take_problems(
    hr: HRESULT,
    problems: *mut SPropProblemArray,
) -> Result<(HRESULT, Vec<SPropProblem>), HRESULT> {
    if hr.is_err() {
        return Err(hr);
    }
    // SAFETY: NULL or a problem array (this function's contract).
    let Some(array) = (unsafe { problems.as_ref() }) else {
        return Ok((hr, Vec::new()));
    };
    // SAFETY: `cProblem` entries follow the count (the array's layout).
    let listed =
        unsafe { core::slice::from_raw_parts(array.aProblem.as_ptr(), array.cProblem as usize) }
            .to_vec();
    // SAFETY: the one buffer the call returned, freed once, after the read.
    unsafe { AllocatorSet::native().free(problems.cast()) };
    Ok((hr, listed))
}

/// Every row of `table` with `columns`, from the first (`SetColumns`, `SeekRow` to the
/// beginning, `QueryRows` until no row is left), each row freed as `FreeProws` frees it.
pub fn query_rows(table: &IMAPITable, columns: &[u32]) -> Result<Vec<Vec<Property>>, HRESULT> {
    let mut array = tag_array(columns);
    // SAFETY: a live table and an SPropTagArray.
    HRESULT::ok(unsafe { table.SetColumns(array.as_mut_ptr().cast(), 0) })?;
    // SAFETY: a live table; NULL: the number of rows sought is not wanted.
    HRESULT::ok(unsafe { table.SeekRow(0, 0, null_mut()) })?;
    let allocators = AllocatorSet::native();
    let mut rows = Vec::new();
    loop {
        let mut set = null_mut::<SRowSet>();
        // SAFETY: a live table and a valid out-pointer.
        HRESULT::ok(unsafe { table.QueryRows(100, 0, &mut set) })?;
        let mut decoded = Ok(());
        // SAFETY: the row set QueryRows returned: each row's values one buffer, the set
        // another; all read, then freed once each.
        let fetched = unsafe {
            let fetched = SRowSet::rows(set).unwrap_or_default();
            for row in fetched {
                match props_from_raw(row.lpProps, row.cValues) {
                    Ok(props) => rows.push(props),
                    Err(error) => decoded = Err(error.code()),
                }
                allocators.free(row.lpProps.cast());
            }
            allocators.free(set.cast());
            fetched.len()
        };
        decoded?;
        if fetched == 0 {
            return Ok(rows);
        }
    }
}

/// `IMsgStore::OpenEntry` of `id` (empty: the root folder): the object type and the object, as
/// `IUnknown` (cast it to the interface its type names).
pub fn open_entry(store: &IMsgStore, id: &[u8], flags: u32) -> Result<(u32, IUnknown), HRESULT> {
    let (mut kind, mut object) = (0u32, null_mut::<c_void>());
    let entry_id = if id.is_empty() {
        null_mut()
    } else {
        id.as_ptr().cast_mut().cast::<ENTRYID>()
    };
    // SAFETY: a live store, `id.len()` readable bytes (never written: OpenEntry's ID is input),
    // valid out-pointers.
    let hr = unsafe {
        (store.vtable().OpenEntry)(
            store.as_raw(),
            id.len() as u32,
            entry_id,
            null(),
            flags,
            &mut kind,
            &mut object,
        )
    };
    HRESULT::ok(hr)?;
    // SAFETY: on success, a new reference to the object.
    Ok((kind, unsafe { IUnknown::from_raw(object) }))
}

/// The whole of property `tag` through a stream (`OpenProperty` with `IID_IStream`, then `Read`
/// to its end): what a client does with a body too large for `GetProps`.
pub fn read_stream(object: &IMAPIProp, tag: u32) -> Result<Vec<u8>, HRESULT> {
    let stream: IStream = open_property(object, tag, 0)?;
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let mut read = 0u32;
        // SAFETY: `chunk` writable for its length, a valid out-pointer.
        let hr = unsafe { stream.Read(chunk.as_mut_ptr().cast(), chunk.len() as u32, &mut read) };
        HRESULT::ok(hr)?;
        if read == 0 {
            return Ok(bytes);
        }
        let read = (read as usize).min(chunk.len());
        bytes
            .try_reserve(read)
            .map_err(|_| MAPI_E_NOT_ENOUGH_MEMORY)?;
        bytes.extend_from_slice(&chunk[..read]);
    }
}

/// `IMessage::ModifyRecipients` with one `ADRENTRY` per row of `recipients` (`MODRECIP_ADD`,
/// `MODRECIP_MODIFY` or `MODRECIP_REMOVE` in `flags`).
pub fn modify_recipients(message: &IMessage, flags: u32, recipients: &[Vec<Property>]) -> HRESULT {
    let allocators = AllocatorSet::native();
    let blocks = match recipients
        .iter()
        .map(|row| props_block(&allocators, row))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(blocks) => blocks,
        Err(error) => return error.code(),
    };
    // In `u64`s: an ADRLIST holds pointers, so it is 8-aligned on 64-bit.
    let mut list = vec![0u64; cb_new_adrlist(recipients.len().max(1)).div_ceil(8)];
    let adrlist = list.as_mut_ptr().cast::<ADRLIST>();
    // SAFETY: `list` has room for an ADRLIST of `recipients.len()` entries and is aligned for
    // it; every entry points into a block alive across the call.
    unsafe {
        (*adrlist).cEntries = recipients.len() as u32;
        let first = core::ptr::addr_of_mut!((*adrlist).aEntries).cast::<ADRENTRY>();
        for (i, (row, block)) in recipients.iter().zip(&blocks).enumerate() {
            first.add(i).write(ADRENTRY {
                ulReserved1: 0,
                cValues: row.len() as u32,
                rgPropVals: block.as_ptr().cast(),
            });
        }
        message.ModifyRecipients(flags, adrlist)
    }
}

/// An `ENTRYLIST` naming copies of entry IDs, alive (and its IDs unwritten) as long as the
/// value: what `CopyMessages`, `DeleteMessages` and `SetReadFlags` take.
pub struct EntryList {
    _ids: Vec<Vec<u8>>,
    _binaries: Vec<SBinary>,
    list: ENTRYLIST,
}

impl EntryList {
    /// The list of `ids`, in order.
    pub fn new<I: AsRef<[u8]>>(ids: &[I]) -> EntryList {
        let ids: Vec<Vec<u8>> = ids.iter().map(|id| id.as_ref().to_vec()).collect();
        // The IDs' heap buffers do not move when `ids` itself moves into the value.
        let mut binaries: Vec<SBinary> = ids
            .iter()
            .map(|id| SBinary {
                cb: id.len() as u32,
                lpb: id.as_ptr().cast_mut(),
            })
            .collect();
        let list = ENTRYLIST {
            cValues: binaries.len() as u32,
            lpbin: binaries.as_mut_ptr(),
        };
        EntryList {
            _ids: ids,
            _binaries: binaries,
            list,
        }
    }

    /// The `ENTRYLIST`, for a call (which reads it and writes nothing).
    pub fn as_mut_ptr(&mut self) -> *mut ENTRYLIST {
        &mut self.list
    }
}

/// `IMAPIFolder::DeleteMessages` of the messages `ids` names, without progress.
pub fn delete_messages(folder: &IMAPIFolder, ids: &[&[u8]], flags: u32) -> HRESULT {
    let mut list = EntryList::new(ids);
    // SAFETY: a live folder and an ENTRYLIST alive across the call.
    unsafe { folder.DeleteMessages(list.as_mut_ptr(), 0, None, flags) }
}

/// `IMAPIFolder::CopyMessages` of the messages `ids` names into `to` (`MESSAGE_MOVE` in
/// `flags`: a move), without progress.
pub fn copy_messages(from: &IMAPIFolder, ids: &[&[u8]], to: &IMAPIFolder, flags: u32) -> HRESULT {
    let mut list = EntryList::new(ids);
    // SAFETY: live folders, an ENTRYLIST alive across the call, the destination's interface.
    unsafe {
        from.CopyMessages(
            list.as_mut_ptr(),
            &IMAPIFolder::IID,
            to.as_raw(),
            0,
            None,
            flags,
        )
    }
}

/// `IMAPIFolder::SetReadFlags` of the messages `ids` names (`None`: every message of the
/// folder), without progress.
pub fn set_read_flags(folder: &IMAPIFolder, ids: Option<&[&[u8]]>, flags: u32) -> HRESULT {
    let mut list = ids.map(EntryList::new);
    let list_ptr = list.as_mut().map_or(null_mut(), EntryList::as_mut_ptr);
    // SAFETY: a live folder and NULL or an ENTRYLIST alive across the call.
    unsafe { folder.SetReadFlags(list_ptr, 0, None, flags) }
}

/// `IMAPIFolder::GetMessageStatus` of the message `id` names.
pub fn message_status(folder: &IMAPIFolder, id: &[u8]) -> Result<u32, HRESULT> {
    let mut status = 0;
    // SAFETY: a live folder, an ID read only, a valid out-pointer.
    HRESULT::ok(unsafe { folder.GetMessageStatus(id, 0, &mut status) })?;
    Ok(status)
}

/// `IMAPIFolder::SetMessageStatus` of the message `id` names: its bits under `mask` become
/// those of `status`; answers the status it had.
pub fn set_message_status(
    folder: &IMAPIFolder,
    id: &[u8],
    status: u32,
    mask: u32,
) -> Result<u32, HRESULT> {
    let mut old = 0;
    // SAFETY: a live folder, an ID read only, a valid out-pointer.
    HRESULT::ok(unsafe { folder.SetMessageStatus(id, status, mask, &mut old) })?;
    Ok(old)
}

/// `IMAPIFolder::CreateFolder` of a generic folder named `name` (MAPI_UNICODE is added to
/// `flags`).
pub fn create_folder(parent: &IMAPIFolder, name: &str, flags: u32) -> Result<IMAPIFolder, HRESULT> {
    let name = wide(name);
    // SAFETY: a live folder, a NUL-terminated UTF-16 name (MAPI_UNICODE), no comment, the
    // default interface, which CreateFolder hands out.
    unsafe {
        received(|raw| {
            parent.CreateFolder(
                FOLDER_GENERIC,
                name.as_ptr().cast_mut().cast(),
                null_mut(),
                null(),
                flags | MAPI_UNICODE,
                raw,
            )
        })
    }
}

/// `IMAPIFolder::CopyFolder` of the subfolder `id` names into `to`, named `new_name` (`None`:
/// its own name), without progress (MAPI_UNICODE is added to `flags`; `FOLDER_MOVE`: a move).
pub fn copy_folder(
    from: &IMAPIFolder,
    id: &[u8],
    to: &IMAPIFolder,
    new_name: Option<&str>,
    flags: u32,
) -> HRESULT {
    let name = new_name.map(wide);
    let name_ptr = name
        .as_ref()
        .map_or(null_mut(), |n| n.as_ptr().cast_mut().cast());
    // SAFETY: live folders, an ID read only, NULL or a NUL-terminated UTF-16 name.
    unsafe {
        from.CopyFolder(
            id,
            null(),
            to.as_raw(),
            name_ptr,
            0,
            None,
            flags | MAPI_UNICODE,
        )
    }
}

/// Calls a method that hands out a new object through an interface out-parameter (`raw`, the
/// slot `call` passes it), and takes that object as `I`: what every helper here that wraps such
/// a method does, for the calls it does not wrap.
///
/// # Safety
///
/// On success, `call`'s method must have written a counted pointer to an `I` into the slot.
pub unsafe fn received<I: Interface>(
    call: impl FnOnce(*mut *mut c_void) -> HRESULT,
) -> Result<I, HRESULT> {
    let mut raw = null_mut::<c_void>();
    HRESULT::ok(call(&mut raw))?;
    // SAFETY: on success, a new reference to an `I` (this function's contract).
    Ok(unsafe { I::from_raw(raw) })
}

/// `IMAPIFolder::GetHierarchyTable` with `flags` (`CONVENIENT_DEPTH`, `MAPI_UNICODE`, ...).
pub fn hierarchy_table(folder: &IMAPIFolder, flags: u32) -> Result<IMAPITable, HRESULT> {
    // SAFETY: a live folder; GetHierarchyTable hands out an IMAPITable.
    unsafe { received(|raw| folder.GetHierarchyTable(flags, raw)) }
}

/// `IMAPIFolder::GetContentsTable` with `flags` (`MAPI_UNICODE`, `MAPI_ASSOCIATED`, ...).
pub fn contents_table(folder: &IMAPIFolder, flags: u32) -> Result<IMAPITable, HRESULT> {
    // SAFETY: a live folder; GetContentsTable hands out an IMAPITable.
    unsafe { received(|raw| folder.GetContentsTable(flags, raw)) }
}

/// `IMAPIFolder::CreateMessage` with `flags` (`MAPI_ASSOCIATED`, ...).
pub fn create_message(folder: &IMAPIFolder, flags: u32) -> Result<IMessage, HRESULT> {
    // SAFETY: a live folder; CreateMessage hands out the default interface, IMessage.
    unsafe { received(|raw| folder.CreateMessage(null(), flags, raw)) }
}

/// `IMessage::CreateAttach`: the new attachment's number and the attachment.
pub fn create_attach(message: &IMessage, flags: u32) -> Result<(u32, IAttach), HRESULT> {
    let mut num = 0u32;
    // SAFETY: a live message, a valid number out-pointer; CreateAttach hands out the default
    // interface, IAttach.
    let attach = unsafe { received(|raw| message.CreateAttach(null(), flags, &mut num, raw)) }?;
    Ok((num, attach))
}

/// `IMessage::GetRecipientTable` with `flags` (`MAPI_UNICODE`).
pub fn recipient_table(message: &IMessage, flags: u32) -> Result<IMAPITable, HRESULT> {
    // SAFETY: a live message; GetRecipientTable hands out an IMAPITable.
    unsafe { received(|raw| message.GetRecipientTable(flags, raw)) }
}

/// `IMessage::GetAttachmentTable` with `flags` (`MAPI_UNICODE`).
pub fn attachment_table(message: &IMessage, flags: u32) -> Result<IMAPITable, HRESULT> {
    // SAFETY: a live message; GetAttachmentTable hands out an IMAPITable.
    unsafe { received(|raw| message.GetAttachmentTable(flags, raw)) }
}

/// `IMessage::OpenAttach` of attachment `num` with `flags` (`MAPI_MODIFY`, ...).
pub fn open_attach(message: &IMessage, num: u32, flags: u32) -> Result<IAttach, HRESULT> {
    // SAFETY: a live message; OpenAttach hands out the default interface, IAttach.
    unsafe { received(|raw| message.OpenAttach(num, null(), flags, raw)) }
}

/// `OpenProperty` of `tag` as interface `I` (`IMessage` for an attachment's
/// `PR_ATTACH_DATA_OBJ`, `IMAPITable`, ...) with `flags` (`MAPI_CREATE`, `MAPI_MODIFY`).
pub fn open_property<I: Interface>(object: &IMAPIProp, tag: u32, flags: u32) -> Result<I, HRESULT> {
    // SAFETY: a live object; OpenProperty hands out the interface asked for, `I`.
    unsafe { received(|raw| object.OpenProperty(tag, &I::IID, 0, flags, raw)) }
}

/// Writes `bytes` as the whole of property `tag` through a stream (`OpenProperty` with
/// `MAPI_CREATE | MAPI_MODIFY`, `Write`, `Commit`): what a client does with a large body or an
/// attachment's data.
pub fn write_stream(object: &IMAPIProp, tag: u32, bytes: &[u8]) -> Result<(), HRESULT> {
    let stream: IStream = open_property(object, tag, MAPI_CREATE | MAPI_MODIFY)?;
    let mut written = 0u32;
    // SAFETY: `bytes` readable for its length, a valid out-pointer.
    HRESULT::ok(unsafe { stream.Write(bytes.as_ptr().cast(), bytes.len() as u32, &mut written) })?;
    if written as usize != bytes.len() {
        return Err(crate::codes::MAPI_E_CALL_FAILED);
    }
    // SAFETY: a live stream.
    Ok(HRESULT::ok(unsafe { stream.Commit(0) })?)
}

/// One notification a [`Recorder`] heard: its event type (`fnevObjectCreated`,
/// `fnevTableModified`, ...), for a table notification what it says of the row, and for an
/// object notification the entry IDs it names.
#[derive(Clone, Debug, PartialEq)]
pub struct Heard {
    pub event: u32,
    pub table: Option<TableHeard>,
    pub object: Option<ObjectHeard>,
}

/// What an object notification (`fnevObjectCreated`, `...Deleted`, `...Modified`,
/// `...Moved`, `...Copied`) names: the object's entry ID and its parent's, and for a move or
/// a copy the old ones (empty when not given). A NULL pointer with a count reads as empty.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectHeard {
    pub object_type: u32,
    pub entry_id: Vec<u8>,
    pub parent_id: Vec<u8>,
    pub old_id: Vec<u8>,
    pub old_parent_id: Vec<u8>,
}

/// What a table notification says: its table event (`TABLE_ROW_ADDED`, ...), the index value
/// of the row it names and of the row before it (`propPrior`: `PR_NULL` when first; `None`
/// when the value cannot be read) and the row.
#[derive(Clone, Debug, PartialEq)]
pub struct TableHeard {
    pub event: u32,
    pub index: Option<Property>,
    pub prior: Option<Property>,
    pub row: Vec<Property>,
}

/// A client's advise sink that keeps what it hears, decoded into owned values, for a test to
/// read: give `ComObject::to_interface()` to `Advise`, then [`Recorder::take`].
#[mapi_object(IMAPIAdviseSink)]
pub struct Recorder {
    heard: Mutex<Vec<Heard>>,
}

impl Recorder {
    /// A sink that has heard nothing yet.
    pub fn new() -> ComObject<Recorder> {
        ComObject::new(Recorder {
            heard: Mutex::new(Vec::new()),
        })
    }

    /// What it heard since the last call, in order.
    pub fn take(&self) -> Vec<Heard> {
        core::mem::take(&mut *lock(&self.heard))
    }

    /// The table events it heard since the last call, each with the row's index value.
    pub fn take_rows(&self) -> Vec<(u32, Option<PropValue>)> {
        self.take()
            .into_iter()
            .filter_map(|heard| heard.table)
            .map(|table| (table.event, table.index.map(|index| index.value)))
            .collect()
    }
}

impl IMAPIAdviseSinkImpl for Recorder {
    unsafe fn OnNotify(this: &Object<Self>, count: u32, notifications: *mut NOTIFICATION) -> u32 {
        let mut heard = Vec::with_capacity(count as usize);
        for i in 0..count as usize {
            // SAFETY: `count` notifications, valid for the call (the caller's contract).
            let notification = unsafe { &*notifications.add(i) };
            let table = (notification.ulEventType == fnevTableModified).then(|| {
                // SAFETY: a table notification's union member; its values are the sender's,
                // valid for the call.
                unsafe {
                    let tab = notification.info.tab;
                    TableHeard {
                        event: tab.ulTableEvent,
                        index: Property::from_raw(&tab.propIndex).ok(),
                        prior: Property::from_raw(&tab.propPrior).ok(),
                        row: props_from_raw(tab.row.lpProps, tab.row.cValues).unwrap_or_default(),
                    }
                }
            });
            let object_events = fnevObjectCreated
                | fnevObjectDeleted
                | fnevObjectModified
                | fnevObjectMoved
                | fnevObjectCopied;
            let object = (notification.ulEventType & object_events != 0).then(|| {
                // SAFETY: an object notification's union member, its IDs `cb` readable bytes
                // each (the sender's, valid for the call).
                unsafe {
                    let obj = notification.info.obj;
                    let id = |cb: u32, lp: *mut ENTRYID| {
                        counted_bytes(cb, lp.cast::<u8>().cast_const())
                            .unwrap_or_default()
                            .to_vec()
                    };
                    ObjectHeard {
                        object_type: obj.ulObjType,
                        entry_id: id(obj.cbEntryID, obj.lpEntryID),
                        parent_id: id(obj.cbParentID, obj.lpParentID),
                        old_id: id(obj.cbOldID, obj.lpOldID),
                        old_parent_id: id(obj.cbOldParentID, obj.lpOldParentID),
                    }
                }
            });
            heard.push(Heard {
                event: notification.ulEventType,
                table,
                object,
            });
        }
        lock(&this.heard).extend(heard);
        0
    }
}

/// `IMAPITable::Advise` of `sink` for the table's notifications: the connection.
pub fn advise_table(table: &IMAPITable, sink: &IMAPIAdviseSink) -> Result<usize, HRESULT> {
    let mut connection = 0;
    // SAFETY: a live table, a live sink, a valid out-pointer.
    HRESULT::ok(unsafe { table.Advise(fnevTableModified, Some(sink), &mut connection) })?;
    Ok(connection)
}

/// `SaveChanges(flags)` of every object in `writers` at once, each on a thread of its own,
/// released together: what two clients saving one message do. The answers, in order.
pub fn save_at_once(writers: &[IMAPIProp], flags: u32) -> Vec<HRESULT> {
    let barrier = std::sync::Barrier::new(writers.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = writers
            .iter()
            .map(|writer| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    // SAFETY: a live object.
                    unsafe { writer.SaveChanges(flags) }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or(crate::codes::MAPI_E_CALL_FAILED))
            .collect()
    })
}

/// `text` as a NUL-terminated UTF-16 string, what MAPI_UNICODE names are.
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

/// The entry ID of the folder where messages of `class` arrive (`GetReceiveFolder`), freed
/// with its explicit class.
pub fn receive_folder(store: &IMsgStore, class: &str) -> Result<Vec<u8>, HRESULT> {
    let mut class = wide(class);
    let (mut cb, mut id, mut explicit) = (0u32, null_mut::<ENTRYID>(), null_mut::<u16>());
    // SAFETY: a live store, a NUL-terminated UTF-16 class (MAPI_UNICODE), valid out-pointers.
    HRESULT::ok(unsafe {
        store.GetReceiveFolder(
            class.as_mut_ptr().cast(),
            MAPI_UNICODE,
            &mut cb,
            &mut id,
            core::ptr::addr_of_mut!(explicit).cast(),
        )
    })?;
    let allocators = AllocatorSet::native();
    // SAFETY: on success, `cb` bytes at `id` in one MAPI buffer, and the class in another;
    // each freed once.
    unsafe {
        let bytes = core::slice::from_raw_parts(id.cast::<u8>(), cb as usize).to_vec();
        allocators.free(id.cast());
        if !explicit.is_null() {
            allocators.free(explicit.cast());
        }
        Ok(bytes)
    }
}
