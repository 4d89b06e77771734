//! The runtime's message and attachment objects, reached as a client reaches them: through
//! the store (`IMsgStore::OpenEntry` of a message's entry ID, the Inbox's
//! `IMAPIFolder::CreateMessage`, its contents table for the entry IDs) of a `ContentStore` over
//! a `MemoryContent`, all through the raw vtables: create, save and reopen; transactions (a
//! second object sees nothing unsaved, two writers collide with `MAPI_E_OBJECT_CHANGED`,
//! `FORCE_SAVE` wins, `Release` discards); `KEEP_OPEN_*`; recipients and their row IDs;
//! attachments, their data as a stream, embedded messages saved into the attachment and then
//! the message; `SetReadFlag`; bad input; a message deleted under an open object
//! (`MAPI_E_OBJECT_DELETED`, nothing lost); others' changes, which the provider reports.
//! Every session ends with the host's leak report clean: each result was freed with the one
//! `MAPIFreeBuffer` (or, for rows, `FreeProws`) MAPI's rules ask for.
//!
//! What the provider stored (recipients without row IDs, attachments, embedded messages) is
//! read from the `MemoryContent` itself, which the test keeps.

use core::ffi::c_void;
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::{Session, SupportOptions, client};
use mapi_spi_runtime::interfaces::{
    IAttach, IMAPIFolder, IMAPIProp, IMAPITable, IMessage, IMsgStore, IStream,
};
use mapi_spi_runtime::props::names::{NamedProperties, PS_PUBLIC_STRINGS, PropName};
use mapi_spi_runtime::props::value::{props_block, props_from_raw};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::store::content::{
    ContentChange, Folder, Message, MessageSummary, SpecialFolder, StoreContent, StoredMessage,
};
use mapi_spi_runtime::provider::store::entry_id::EntryIds;
use mapi_spi_runtime::provider::store::memory::MemoryContent;
use mapi_spi_runtime::provider::store::{
    ContentStore, KeyBytes, LogonRequest, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderResult};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{
    ADRENTRY, ADRLIST, MAPIUID, SPropProblem, SPropProblemArray, SRowSet, cb_new_adrlist,
};
use mapi_spi_runtime::{GUID, HRESULT, IUnknown, Interface};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

const UID: MAPIUID = MAPIUID {
    ab: *b"store_messages!!",
};

/// The store's entry ID, which is its key too.
const STORE: &[u8] = b"store";

struct Provider;

/// The store's content, as the provider holds it: a `MemoryContent` with a root and an Inbox,
/// and what the tests say others changed since the runtime last asked
/// ([`StoreContent::changes`]), as a store that watches its storage reports it.
struct Content {
    memory: MemoryContent,
    changes: Mutex<Vec<ContentChange>>,
    /// How many times the runtime asked it to save what it keeps ([`StoreContent::flush`]).
    flushes: AtomicUsize,
}

/// Everything but `changes` is the `MemoryContent`'s.
impl StoreContent for Content {
    fn root(&self) -> Vec<u8> {
        self.memory.root()
    }
    fn folder(&self, key: &[u8]) -> ProviderResult<Folder> {
        self.memory.folder(key)
    }
    fn subfolders(&self, key: &[u8]) -> ProviderResult<Vec<Folder>> {
        self.memory.subfolders(key)
    }
    fn messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>> {
        self.memory.messages(folder)
    }
    fn message(&self, key: &[u8]) -> ProviderResult<StoredMessage> {
        self.memory.message(key)
    }
    fn special_folder(&self, which: SpecialFolder) -> Option<Vec<u8>> {
        self.memory.special_folder(which)
    }
    fn changes(&self) -> Vec<ContentChange> {
        core::mem::take(&mut *self.changes.lock().unwrap())
    }
    fn flush(&self) -> ProviderResult<()> {
        self.flushes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn save_message(
        &self,
        folder: &[u8],
        key: Option<&[u8]>,
        message: &Message,
    ) -> ProviderResult<Vec<u8>> {
        self.memory.save_message(folder, key, message)
    }
    fn delete_message(&self, key: &[u8]) -> ProviderResult<()> {
        self.memory.delete_message(key)
    }
    fn set_message_state(&self, key: &[u8], state: &[Property]) -> ProviderResult<()> {
        self.memory.set_message_state(key, state)
    }
    fn names(&self) -> ProviderResult<Option<Vec<u8>>> {
        Ok(KEPT_NAMES.lock().unwrap().clone())
    }
    fn save_names(&self, map: &[u8]) -> ProviderResult<()> {
        *KEPT_NAMES.lock().unwrap() = Some(map.to_vec());
        Ok(())
    }
}

/// The store's named-property map as its content keeps it between logons
/// ([`StoreContent::save_names`]), which every logon reads ([`StoreContent::names`]).
static KEPT_NAMES: Mutex<Option<Vec<u8>>> = Mutex::new(None);

/// The content of the store logged on last, which the tests look into.
static CONTENT: Mutex<Option<Arc<Content>>> = Mutex::new(None);

impl StoreProvider for Provider {
    type Store = ContentStore;
    const COMPONENT: &'static str = "store_messages";

    fn create(_: &ProviderContext) -> ProviderResult<Self> {
        Ok(Provider)
    }

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
        Ok(entry_id.into())
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: StoreRef,
    ) -> ProviderResult<StoreLogon<ContentStore>> {
        let mut uid = UID;
        // SAFETY: a live support object and a MAPIUID.
        HRESULT::ok(unsafe { request.support.SetProviderUID(&mut uid, 0) })?;
        let memory = MemoryContent::new("Root");
        let inbox = memory.create_folder(&memory.root(), "Inbox", &[])?.key;
        memory.set_special_folder(SpecialFolder::Inbox, &inbox)?;
        let content = Arc::new(Content {
            memory,
            changes: Mutex::default(),
            flushes: AtomicUsize::new(0),
        });
        *CONTENT.lock().unwrap() = Some(content.clone());
        let name = Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode("Messages".into()));
        let store = ContentStore::new(request, context, UID, content, vec![name])?;
        Ok(StoreLogon {
            store,
            spool_security: Vec::new().into(),
        })
    }

    fn spooler_logon(&self, _: &LogonRequest<'_>, _: &[u8]) -> ProviderResult<()> {
        Ok(())
    }
}

mapi_spi_runtime::ms_provider_init!(Provider);

/// The sessions count the process's native host buffers: one at a time.
static ONE_SESSION_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A session with the provider loaded, not logged on yet.
fn session() -> Session {
    // SAFETY: this file's MSProviderInit, from ms_provider_init!.
    unsafe {
        Session::in_process(
            MSProviderInit,
            "store_messages.dll",
            SupportOptions::default(),
        )
    }
    .expect("MSProviderInit")
}

/// A session with the store logged on, and its Inbox open.
struct Test {
    session: Session,
    store: Option<IMsgStore>,
    inbox: Option<IMAPIFolder>,
    _serial: MutexGuard<'static, ()>,
}

impl Test {
    fn start() -> Self {
        let serial = ONE_SESSION_AT_A_TIME
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut session = session();
        let store = session.logon(STORE, 0).expect("Logon").store;
        let inbox_id = client::receive_folder(&store, "").expect("GetReceiveFolder");
        let mut t = Test {
            session,
            store: Some(store),
            inbox: None,
            _serial: serial,
        };
        let inbox = t
            .open_entry(&inbox_id, MAPI_BEST_ACCESS)
            .expect("the Inbox");
        t.inbox = Some(inbox.cast().expect("IMAPIFolder"));
        t
    }

    fn store(&self) -> &IMsgStore {
        self.store.as_ref().expect("logged on")
    }

    fn inbox(&self) -> &IMAPIFolder {
        self.inbox.as_ref().expect("logged on")
    }

    /// The store's content, as the provider holds it.
    fn content(&self) -> Arc<Content> {
        CONTENT.lock().unwrap().clone().expect("logged on")
    }

    /// `IMsgStore::OpenEntry` of `id` with `flags`, the default interface.
    fn open_entry(&self, id: &[u8], flags: u32) -> Result<IUnknown, HRESULT> {
        client::open_entry(self.store(), id, flags).map(|(_, object)| object)
    }

    /// A new message in the Inbox (`CreateMessage`).
    fn create(&self) -> IMessage {
        let inbox = self.inbox();
        let mut raw = core::ptr::null_mut();
        // SAFETY: the default interface; an out-pointer.
        let hr = unsafe {
            (inbox.vtable().CreateMessage)(inbox.as_raw(), core::ptr::null(), 0, &mut raw)
        };
        assert_eq!(hr, S_OK, "CreateMessage");
        // SAFETY: a new reference, an IMessage.
        unsafe { IMessage::from_raw(raw) }
    }

    /// The message `id` names, opened with `flags`.
    fn open(&self, id: &[u8], flags: u32) -> IMessage {
        let message = self.open_entry(id, flags).expect("OpenEntry of a message");
        message.cast().expect("IMessage")
    }

    /// A message saved in the Inbox with `subject`; its entry ID.
    fn stored(&self, subject_text: &str) -> Vec<u8> {
        let message = self.create();
        assert_eq!(set(&message, &[subject(subject_text)]), (S_OK, vec![]));
        assert_eq!(save(&message, 0), S_OK);
        match one(&message, PR_ENTRYID) {
            Some(PropValue::Binary(id)) => id,
            other => panic!("no entry ID after the save: {other:?}"),
        }
    }

    /// The subject the store holds for `id`, as a new object opened on it reads it (`None`:
    /// no such message).
    fn stored_subject(&self, id: &[u8]) -> Option<String> {
        let message: IMessage = self.open_entry(id, 0).ok()?.cast().ok()?;
        text(&message, PR_SUBJECT_W)
    }

    /// What the provider stored for the message `id` names.
    fn stored_message(&self, id: &[u8]) -> ProviderResult<Message> {
        Ok(self.content().memory.message(&key_of(id))?.message)
    }

    /// Another program changes the message `id` names: its subject in the store becomes
    /// `subject`, and the provider reports the change.
    fn changed_by_another(&self, id: &[u8], subject_text: &str) {
        let content = self.content();
        let key = key_of(id);
        let mut stored = content.memory.message(&key).unwrap();
        stored.message.props.retain(|p| p.tag() != PR_SUBJECT_W);
        stored.message.props.push(subject(subject_text));
        let saved = content
            .memory
            .save_message(&stored.folder, Some(&key), &stored.message)
            .unwrap();
        assert_eq!(saved, key);
        let change = ContentChange::MessageModified {
            folder: stored.folder,
            key,
        };
        content.changes.lock().unwrap().push(change);
    }

    /// `stale`, open on the message `id` names since before the save that stored `theirs` as
    /// its subject, collides: with `mine` set, its save answers `MAPI_E_OBJECT_CHANGED` and
    /// writes nothing, the object keeps its change, and `FORCE_SAVE` writes it.
    fn collides_then_forces(&self, id: &[u8], stale: &IMessage, theirs: &str, mine: &str) {
        assert_eq!(set(stale, &[subject(mine)]).0, S_OK);
        assert_eq!(save(stale, KEEP_OPEN_READWRITE), MAPI_E_OBJECT_CHANGED);
        assert_eq!(
            self.stored_subject(id).as_deref(),
            Some(theirs),
            "nothing written over the save it did not see"
        );
        assert_eq!(
            text(stale, PR_SUBJECT_W).as_deref(),
            Some(mine),
            "the object keeps its changes"
        );
        assert_eq!(save(stale, FORCE_SAVE | KEEP_OPEN_READWRITE), S_OK);
        assert_eq!(
            self.stored_subject(id).as_deref(),
            Some(mine),
            "FORCE_SAVE wins"
        );
    }

    /// Another program deletes the message `id` names, and the provider reports it.
    fn deleted_by_another(&self, id: &[u8]) {
        let content = self.content();
        let key = key_of(id);
        let folder = content.memory.message(&key).unwrap().folder;
        content.memory.delete_message(&key).unwrap();
        let change = ContentChange::MessageDeleted { folder, key };
        content.changes.lock().unwrap().push(change);
    }

    /// Deletes the message `id` names, as another client would (`DeleteMessages`).
    fn delete(&self, id: &[u8]) {
        let hr = client::delete_messages(self.inbox(), &[id], 0);
        assert_eq!(hr, S_OK, "DeleteMessages");
    }

    /// A view of the Inbox's contents table.
    fn contents(&self) -> IMAPITable {
        let inbox = self.inbox();
        let mut raw = core::ptr::null_mut();
        // SAFETY: an out-pointer.
        let hr = unsafe {
            (inbox.vtable().base__.GetContentsTable)(inbox.as_raw(), MAPI_UNICODE, &mut raw)
        };
        assert_eq!(hr, S_OK, "GetContentsTable");
        // SAFETY: a new reference.
        unsafe { IMAPITable::from_raw(raw) }
    }

    /// The entry IDs of the Inbox's messages, as its contents table lists them.
    fn ids(&self) -> Vec<Vec<u8>> {
        rows(&self.contents())
            .iter()
            .map(|row| match value_in(row, PR_ENTRYID) {
                Some(PropValue::Binary(id)) => id.clone(),
                other => panic!("a row without an entry ID: {other:?}"),
            })
            .collect()
    }

    /// Everything released, the store logged off, the session shut down: nothing leaked.
    fn finish(mut self) {
        drop(self.inbox.take());
        let store = self.store.take().expect("logged on");
        assert_eq!(self.session.close_store(store, LOGOFF_ORDERLY), S_OK);
        CONTENT.lock().unwrap().take();
        let report = self.session.shutdown();
        assert!(report.is_clean(), "{report}");
    }
}

/// The key the provider gave the message `id` names.
fn key_of(id: &[u8]) -> Vec<u8> {
    let ids = EntryIds::new(UID, STORE).unwrap();
    ids.parse(id)
        .expect("an entry ID of the store")
        .key
        .to_vec()
}

/// The row of `table` (a contents table) whose `PR_ENTRYID` is `id`.
fn row_of(table: &IMAPITable, id: &[u8]) -> Vec<Property> {
    rows(table)
        .into_iter()
        .find(|row| value_in(row, PR_ENTRYID) == Some(&PropValue::Binary(id.to_vec())))
        .expect("the message's row")
}

fn prop_of(object: &impl Interface) -> IMAPIProp {
    object.cast().expect("IMAPIProp")
}

/// `GetProps` of `tags`: each value, `None` for an error.
fn get(object: &impl Interface, tags: &[u32]) -> Vec<Option<PropValue>> {
    let (_, props) = client::get_props(&prop_of(object), Some(tags), MAPI_UNICODE)
        .unwrap_or_else(|hr| panic!("GetProps: {hr:?}"));
    props
        .into_iter()
        .map(|p| match p.value {
            PropValue::Error(_) => None,
            value => Some(value),
        })
        .collect()
}

fn one(object: &impl Interface, tag: u32) -> Option<PropValue> {
    get(object, &[tag]).remove(0)
}

fn text(object: &impl Interface, tag: u32) -> Option<String> {
    match one(object, tag) {
        Some(PropValue::Unicode(text)) => Some(text.into_string()),
        None => None,
        other => panic!("not text: {other:?}"),
    }
}

fn long(object: &impl Interface, tag: u32) -> u32 {
    match one(object, tag) {
        Some(PropValue::Long(value)) => value,
        other => panic!("not a long: {other:?}"),
    }
}

/// `SetProps`: the call's answer and the code of each per-property problem it reported.
fn set(object: &impl Interface, props: &[Property]) -> (HRESULT, Vec<HRESULT>) {
    problem_codes(client::set_props(&prop_of(object), props))
}

/// `DeleteProps`: the call's answer and the code of each per-property problem it reported.
fn delete(object: &impl Interface, tags: &[u32]) -> (HRESULT, Vec<HRESULT>) {
    problem_codes(client::delete_props(&prop_of(object), tags))
}

/// A `SetProps` or `DeleteProps` answer with the codes of its problems; a failure with none.
fn problem_codes(answer: Result<(HRESULT, Vec<SPropProblem>), HRESULT>) -> (HRESULT, Vec<HRESULT>) {
    match answer {
        Ok((hr, problems)) => (hr, problems.iter().map(|p| HRESULT(p.scode)).collect()),
        Err(hr) => (hr, Vec::new()),
    }
}

fn subject(value: &str) -> Property {
    Property::for_tag(PR_SUBJECT_W, PropValue::Unicode(value.into()))
}

fn save(object: &impl Interface, flags: u32) -> HRESULT {
    let prop = prop_of(object);
    // SAFETY: a plain call.
    unsafe { (prop.vtable().SaveChanges)(prop.as_raw(), flags) }
}

/// `OpenProperty` of `iid` on `tag`.
fn open_property(
    object: &impl Interface,
    tag: u32,
    iid: &GUID,
    flags: u32,
) -> Result<IUnknown, HRESULT> {
    let prop = prop_of(object);
    let mut raw = core::ptr::NonNull::<c_void>::dangling().as_ptr();
    // SAFETY: a GUID, an out-pointer.
    let hr = unsafe { (prop.vtable().OpenProperty)(prop.as_raw(), tag, iid, 0, flags, &mut raw) };
    if hr.is_err() {
        assert!(raw.is_null(), "a failed OpenProperty leaves NULL");
        return Err(hr);
    }
    // SAFETY: a new reference.
    Ok(unsafe { IUnknown::from_raw(raw) })
}

/// Writes `bytes` as the whole of `tag` through a stream, committed.
fn write_stream(object: &impl Interface, tag: u32, bytes: &[u8]) {
    client::write_stream(&prop_of(object), tag, bytes).expect("the stream write");
}

fn read_stream(object: &impl Interface, tag: u32) -> Vec<u8> {
    client::read_stream(&prop_of(object), tag).expect("the stream read")
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// All rows of a table from the top (`QueryRows`), freed as `FreeProws` frees them.
fn rows(table: &IMAPITable) -> Vec<Vec<Property>> {
    // SAFETY: no bookmark out-pointer asked for.
    let hr = unsafe { (table.vtable().SeekRow)(table.as_raw(), 0, 0, core::ptr::null_mut()) };
    assert_eq!(hr, S_OK, "SeekRow to the beginning");
    let mut set = core::ptr::null_mut::<SRowSet>();
    // SAFETY: an out-pointer.
    let hr = unsafe { (table.vtable().QueryRows)(table.as_raw(), 100, 0, &mut set) };
    assert_eq!(hr, S_OK);
    let allocators = AllocatorSet::native();
    // SAFETY: a row set of the native allocator: each row's values, then the set, freed once.
    unsafe {
        let read = SRowSet::rows(set)
            .unwrap()
            .iter()
            .map(|row| {
                let props = props_from_raw(row.lpProps, row.cValues).unwrap();
                allocators.free(row.lpProps.cast());
                props
            })
            .collect();
        allocators.free(set.cast());
        read
    }
}

fn value_in(row: &[Property], tag: u32) -> Option<&PropValue> {
    row.iter()
        .find(|p| p.tag() == tag)
        .map(|p| &p.value)
        .filter(|v| !matches!(v, PropValue::Error(_)))
}

fn recipient_table(message: &IMessage) -> IMAPITable {
    client::recipient_table(message, MAPI_UNICODE).expect("GetRecipientTable")
}

fn attachment_table(message: &IMessage) -> IMAPITable {
    client::attachment_table(message, MAPI_UNICODE).expect("GetAttachmentTable")
}

/// `ModifyRecipients` with `entries` (`None`: a NULL entry) in an ADRLIST of the caller's.
fn modify_recipients(message: &IMessage, flags: u32, entries: &[Option<Vec<Property>>]) -> HRESULT {
    let blocks: Vec<Option<mapi_spi_runtime::RootBuf>> = entries
        .iter()
        .map(|e| {
            e.as_ref()
                .map(|props| props_block(&AllocatorSet::native(), props).unwrap())
        })
        .collect();
    let mut list = vec![0u64; cb_new_adrlist(entries.len().max(1)).div_ceil(8)];
    let adrlist = list.as_mut_ptr().cast::<ADRLIST>();
    // SAFETY: `list` has room for an ADRLIST of `entries.len()` entries, 8-aligned.
    unsafe {
        (*adrlist).cEntries = entries.len() as u32;
        let first = core::ptr::addr_of_mut!((*adrlist).aEntries).cast::<ADRENTRY>();
        for (i, (entry, block)) in entries.iter().zip(&blocks).enumerate() {
            first.add(i).write(ADRENTRY {
                ulReserved1: 0,
                cValues: entry.as_ref().map_or(0, |e| e.len() as u32),
                rgPropVals: block
                    .as_ref()
                    .map_or(core::ptr::null_mut(), |b| b.as_ptr().cast()),
            });
        }
        (message.vtable().ModifyRecipients)(message.as_raw(), flags, adrlist)
    }
}

fn recipient(name: &str, kind: u32) -> Vec<Property> {
    vec![
        Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode(name.into())),
        Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(kind)),
        Property::for_tag(
            PR_EMAIL_ADDRESS_W,
            PropValue::Unicode(format!("{name}@example.org").into()),
        ),
        Property::for_tag(PR_ADDRTYPE_W, PropValue::Unicode("SMTP".into())),
    ]
}

fn with_row_id(mut props: Vec<Property>, id: u32) -> Vec<Property> {
    props.push(Property::for_tag(PR_ROWID, PropValue::Long(id)));
    props
}

/// Each row's (`PR_ROWID`, `PR_DISPLAY_NAME_W`).
fn recipients_of(message: &IMessage) -> Vec<(u32, String)> {
    rows(&recipient_table(message))
        .iter()
        .map(|row| {
            let id = match value_in(row, PR_ROWID) {
                Some(PropValue::Long(id)) => *id,
                other => panic!("no row ID: {other:?}"),
            };
            let name = match value_in(row, PR_DISPLAY_NAME_W) {
                Some(PropValue::Unicode(name)) => name.to_string(),
                other => panic!("no name: {other:?}"),
            };
            (id, name)
        })
        .collect()
}

fn create_attach(message: &IMessage) -> (u32, IAttach) {
    client::create_attach(message, 0).expect("CreateAttach")
}

fn open_attach(
    message: &IMessage,
    num: u32,
    iid: *const GUID,
    flags: u32,
) -> Result<IAttach, HRESULT> {
    let mut raw = core::ptr::null_mut();
    // SAFETY: NULL or a GUID, an out-pointer.
    let hr = unsafe { (message.vtable().OpenAttach)(message.as_raw(), num, iid, flags, &mut raw) };
    if hr.is_err() {
        assert!(raw.is_null());
        return Err(hr);
    }
    // SAFETY: a new reference.
    Ok(unsafe { IAttach::from_raw(raw) })
}

fn delete_attach(message: &IMessage, num: u32, flags: u32) -> HRESULT {
    // SAFETY: a plain call (no progress object).
    unsafe {
        (message.vtable().DeleteAttach)(message.as_raw(), num, 0, core::ptr::null_mut(), flags)
    }
}

fn set_read_flag(message: &IMessage, flags: u32) -> HRESULT {
    // SAFETY: a plain call.
    unsafe { (message.vtable().SetReadFlag)(message.as_raw(), flags) }
}

#[test]
fn a_new_message_is_saved_whole_and_reopens_as_saved() {
    let t = Test::start();
    let contents = t.contents();
    let message = t.create();
    assert_eq!(long(&message, PR_MESSAGE_FLAGS), MSGFLAG_UNSENT);
    assert_eq!(long(&message, PR_OBJECT_TYPE), MAPI_MESSAGE);
    assert_eq!(long(&message, PR_ACCESS_LEVEL), MAPI_MODIFY);
    assert_eq!(
        one(&message, PR_ENTRYID),
        None,
        "no entry ID before the first save"
    );
    assert!(one(&message, PR_PARENT_ENTRYID).is_some());
    assert_eq!(set(&message, &[subject("Grüße")]), (S_OK, vec![]));
    write_stream(&message, PR_BODY_W, &utf16("The body, by stream."));
    write_stream(&message, PR_HTML, b"<p>The body</p>");
    // PR_MESSAGE_FLAGS is the client's until the first save.
    let flags = Property::for_tag(
        PR_MESSAGE_FLAGS,
        PropValue::Long(MSGFLAG_UNSENT | MSGFLAG_READ),
    );
    assert_eq!(set(&message, core::slice::from_ref(&flags)), (S_OK, vec![]));
    assert!(
        t.ids().is_empty(),
        "nothing in the store before SaveChanges"
    );

    assert_eq!(save(&message, KEEP_OPEN_READWRITE), S_OK);
    let ids = t.ids();
    assert_eq!(ids.len(), 1);
    let id = ids[0].clone();
    assert_eq!(
        one(&message, PR_ENTRYID),
        Some(PropValue::Binary(id.clone()))
    );
    assert_eq!(
        rows(&contents).len(),
        1,
        "the open contents table shows the new message"
    );
    assert_eq!(
        set(&message, &[flags]),
        (S_OK, vec![MAPI_E_NO_ACCESS]),
        "PR_MESSAGE_FLAGS is read-only once saved"
    );
    assert!(matches!(one(&message, PR_MESSAGE_SIZE), Some(PropValue::Long(size)) if size > 20));
    drop(message);

    let reopened = t.open(&id, 0);
    assert_eq!(text(&reopened, PR_SUBJECT_W).as_deref(), Some("Grüße"));
    assert_eq!(
        read_stream(&reopened, PR_BODY_W),
        utf16("The body, by stream.")
    );
    assert_eq!(read_stream(&reopened, PR_HTML), b"<p>The body</p>");
    assert_eq!(
        long(&reopened, PR_MESSAGE_FLAGS),
        MSGFLAG_UNSENT | MSGFLAG_READ
    );
    assert_eq!(
        one(&reopened, PR_HASATTACH),
        Some(PropValue::Boolean(false))
    );
    assert_eq!(long(&reopened, PR_ACCESS_LEVEL), 0);
    drop((reopened, contents));
    t.finish();
}

#[test]
fn changes_are_private_until_saved_and_two_writers_collide() {
    let t = Test::start();
    let id = t.stored("Original");
    let a = t.open(&id, MAPI_MODIFY);
    let b = t.open(&id, MAPI_MODIFY);
    assert_eq!(set(&a, &[subject("A")]).0, S_OK);
    assert_eq!(
        text(&b, PR_SUBJECT_W).as_deref(),
        Some("Original"),
        "B sees nothing of A's"
    );
    assert_eq!(t.stored_subject(&id).as_deref(), Some("Original"));
    assert_eq!(save(&a, KEEP_OPEN_READWRITE), S_OK);
    assert_eq!(t.stored_subject(&id).as_deref(), Some("A"));

    t.collides_then_forces(&id, &b, "A", "B");

    // Now A is the stale one.
    assert_eq!(set(&a, &[subject("A again")]).0, S_OK);
    assert_eq!(save(&a, 0), MAPI_E_OBJECT_CHANGED);
    // A third object opened now sees B's; one released unsaved leaves nothing.
    let c = t.open(&id, MAPI_MODIFY);
    assert_eq!(text(&c, PR_SUBJECT_W).as_deref(), Some("B"));
    assert_eq!(set(&c, &[subject("discarded")]).0, S_OK);
    drop(c);
    assert_eq!(t.stored_subject(&id).as_deref(), Some("B"));
    drop((a, b));
    t.finish();
}

#[test]
fn keep_open_flags_and_read_only_messages() {
    let t = Test::start();
    let message = t.create();
    assert_eq!(save(&message, KEEP_OPEN_READWRITE), S_OK);
    assert_eq!(set(&message, &[subject("still writable")]).0, S_OK);
    assert_eq!(save(&message, KEEP_OPEN_READONLY), S_OK);
    assert_eq!(set(&message, &[subject("no")]).0, MAPI_E_NO_ACCESS);
    assert_eq!(save(&message, KEEP_OPEN_READWRITE), MAPI_E_NO_ACCESS);
    assert_eq!(
        text(&message, PR_SUBJECT_W).as_deref(),
        Some("still writable")
    );
    assert_eq!(long(&message, PR_ACCESS_LEVEL), 0);

    // No flag: the object is done with, read-only from then on.
    let other = t.create();
    assert_eq!(save(&other, 0), S_OK);
    assert_eq!(set(&other, &[subject("no")]).0, MAPI_E_NO_ACCESS);
    assert_eq!(save(&other, 0x4000_0000), MAPI_E_UNKNOWN_FLAGS);

    // Opened without MAPI_MODIFY: every write is refused.
    let id = t.ids()[0].clone();
    let read_only = t.open(&id, 0);
    assert_eq!(set(&read_only, &[subject("no")]).0, MAPI_E_NO_ACCESS);
    assert_eq!(save(&read_only, KEEP_OPEN_READWRITE), MAPI_E_NO_ACCESS);
    assert_eq!(
        open_property(
            &read_only,
            PR_BODY_W,
            &IStream::IID,
            MAPI_MODIFY | MAPI_CREATE
        )
        .err(),
        Some(MAPI_E_NO_ACCESS)
    );
    assert_eq!(
        modify_recipients(&read_only, MODRECIP_ADD, &[Some(recipient("x", MAPI_TO))]),
        MAPI_E_NO_ACCESS
    );
    let (mut num, mut raw) = (0u32, core::ptr::null_mut());
    // SAFETY: out-pointers.
    let hr = unsafe {
        (read_only.vtable().CreateAttach)(
            read_only.as_raw(),
            core::ptr::null(),
            0,
            &mut num,
            &mut raw,
        )
    };
    assert_eq!(hr, MAPI_E_NO_ACCESS);
    assert_eq!(
        open_attach(&read_only, 0, core::ptr::null(), MAPI_MODIFY).err(),
        Some(MAPI_E_NOT_FOUND)
    );
    // MAPI_BEST_ACCESS on a writable store gives write access.
    let best = t.open(&id, MAPI_BEST_ACCESS);
    assert_eq!(long(&best, PR_ACCESS_LEVEL), MAPI_MODIFY);
    drop((message, other, read_only, best));
    t.finish();
}

#[test]
fn recipients_are_added_modified_and_removed_by_row_id() {
    let t = Test::start();
    let message = t.create();
    let entries = [
        Some(recipient("ann", MAPI_TO)),
        None,
        Some(recipient("bob", MAPI_CC)),
    ];
    assert_eq!(modify_recipients(&message, MODRECIP_ADD, &entries), S_OK);
    assert_eq!(
        recipients_of(&message),
        [(0, "ann".into()), (1, "bob".into())]
    );

    let changed = with_row_id(recipient("bobby", MAPI_BCC), 1);
    assert_eq!(
        modify_recipients(&message, MODRECIP_MODIFY, &[Some(changed)]),
        S_OK
    );
    assert_eq!(
        recipients_of(&message),
        [(0, "ann".into()), (1, "bobby".into())]
    );
    let removed = vec![Property::for_tag(PR_ROWID, PropValue::Long(0))];
    assert_eq!(
        modify_recipients(&message, MODRECIP_REMOVE, &[Some(removed)]),
        S_OK
    );
    assert_eq!(recipients_of(&message), [(1, "bobby".into())]);
    // A row ID given with MODRECIP_ADD is ignored; new ones are never reused.
    let given = with_row_id(recipient("cy", MAPI_TO), 1);
    assert_eq!(
        modify_recipients(&message, MODRECIP_ADD, &[Some(given)]),
        S_OK
    );
    assert_eq!(
        recipients_of(&message),
        [(1, "bobby".into()), (2, "cy".into())]
    );

    // Bad input changes nothing.
    let before = recipients_of(&message);
    // SAFETY: a NULL list, which the method refuses.
    let hr = unsafe {
        (message.vtable().ModifyRecipients)(message.as_raw(), MODRECIP_ADD, core::ptr::null_mut())
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let bad = [
        (
            MODRECIP_MODIFY,
            Some(recipient("no row id", MAPI_TO)),
            MAPI_E_INVALID_PARAMETER,
        ),
        (
            MODRECIP_REMOVE,
            Some(with_row_id(vec![], 42)),
            MAPI_E_NOT_FOUND,
        ),
        (
            MODRECIP_ADD | MODRECIP_REMOVE,
            Some(recipient("x", MAPI_TO)),
            MAPI_E_INVALID_PARAMETER,
        ),
        (0x100, Some(recipient("x", MAPI_TO)), MAPI_E_UNKNOWN_FLAGS),
        (
            MODRECIP_ADD,
            Some(vec![Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Null)]),
            MAPI_E_INVALID_PARAMETER,
        ),
    ];
    for (flags, entry, expected) in bad {
        assert_eq!(
            modify_recipients(&message, flags, &[entry]),
            expected,
            "flags 0x{flags:X}"
        );
    }
    assert_eq!(recipients_of(&message), before);

    // No flag replaces the whole list.
    assert_eq!(
        modify_recipients(&message, 0, &[Some(recipient("dee", MAPI_TO))]),
        S_OK
    );
    assert_eq!(recipients_of(&message), [(3, "dee".into())]);

    assert_eq!(save(&message, 0), S_OK);
    let id = t.ids()[0].clone();
    let stored = t.stored_message(&id).unwrap();
    assert_eq!(stored.recipients.len(), 1);
    assert!(
        stored.recipients[0].iter().all(|p| p.tag() != PR_ROWID),
        "row IDs are not stored"
    );
    let reopened = t.open(&id, 0);
    assert_eq!(recipients_of(&reopened), [(0, "dee".into())]);
    drop((message, reopened));
    t.finish();
}

#[test]
fn attachments_are_created_written_by_stream_and_deleted() {
    let t = Test::start();
    let message = t.create();
    let table = attachment_table(&message);
    let (num, attach) = create_attach(&message);
    assert_eq!(num, 0);
    assert_eq!(long(&attach, PR_ATTACH_NUM), 0);
    assert_eq!(long(&attach, PR_OBJECT_TYPE), MAPI_ATTACH);
    let props = [
        Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        Property::for_tag(PR_ATTACH_FILENAME_W, PropValue::Unicode("data.bin".into())),
    ];
    assert_eq!(set(&attach, &props), (S_OK, vec![]));
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    write_stream(&attach, PR_ATTACH_DATA_BIN, &data);
    assert!(
        rows(&table).is_empty(),
        "not in the message before the attachment's SaveChanges"
    );
    assert_eq!(one(&message, PR_HASATTACH), Some(PropValue::Boolean(false)));

    assert_eq!(save(&attach, KEEP_OPEN_READWRITE), S_OK);
    let shown = rows(&table);
    assert_eq!(shown.len(), 1);
    assert_eq!(
        value_in(&shown[0], PR_ATTACH_NUM),
        Some(&PropValue::Long(0))
    );
    assert_eq!(
        value_in(&shown[0], PR_ATTACH_FILENAME_W),
        Some(&PropValue::Unicode("data.bin".into()))
    );
    assert_eq!(one(&message, PR_HASATTACH), Some(PropValue::Boolean(true)));
    assert_eq!(
        long(&message, PR_MESSAGE_FLAGS) & MSGFLAG_HASATTACH,
        MSGFLAG_HASATTACH
    );
    assert!(long(&attach, PR_ATTACH_SIZE) >= 5000);
    assert!(
        t.ids().is_empty(),
        "the store sees it with the message only"
    );
    drop(attach);
    assert_eq!(save(&message, KEEP_OPEN_READWRITE), S_OK);
    let id = t.ids()[0].clone();
    assert_eq!(t.stored_message(&id).unwrap().attachments.len(), 1);

    let reopened = t.open(&id, MAPI_MODIFY);
    let attach = open_attach(&reopened, 0, core::ptr::null(), 0).unwrap();
    assert_eq!(read_stream(&attach, PR_ATTACH_DATA_BIN), data);
    assert!(matches!(one(&attach, PR_RECORD_KEY), Some(PropValue::Binary(k)) if !k.is_empty()));
    assert_eq!(
        set(&attach, &props).0,
        MAPI_E_NO_ACCESS,
        "opened without MAPI_MODIFY"
    );
    drop(attach);

    // Bad numbers, flags, pointers and interfaces.
    assert_eq!(
        open_attach(&reopened, 7, core::ptr::null(), 0).err(),
        Some(MAPI_E_NOT_FOUND)
    );
    assert_eq!(
        open_attach(&reopened, 0, core::ptr::null(), 0x100).err(),
        Some(MAPI_E_UNKNOWN_FLAGS)
    );
    assert_eq!(
        open_attach(&reopened, 0, &IMessage::IID, 0).err(),
        Some(MAPI_E_INTERFACE_NOT_SUPPORTED)
    );
    // SAFETY: a NULL out-pointer, which the method refuses.
    let hr = unsafe {
        (reopened.vtable().OpenAttach)(
            reopened.as_raw(),
            0,
            core::ptr::null(),
            0,
            core::ptr::null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    // SAFETY: NULL out-pointers, which the method refuses.
    let hr = unsafe {
        (reopened.vtable().CreateAttach)(
            reopened.as_raw(),
            core::ptr::null(),
            0,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    // SAFETY: a NULL out-pointer.
    let hr = unsafe {
        (reopened.vtable().GetAttachmentTable)(reopened.as_raw(), 0, core::ptr::null_mut())
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(delete_attach(&reopened, 7, 0), MAPI_E_NOT_FOUND);
    assert_eq!(delete_attach(&reopened, 0, 0x100), MAPI_E_UNKNOWN_FLAGS);

    // Without MAPI_UNICODE the text columns are 8-bit.
    let mut raw = core::ptr::null_mut();
    // SAFETY: an out-pointer.
    let hr = unsafe { (reopened.vtable().GetAttachmentTable)(reopened.as_raw(), 0, &mut raw) };
    assert_eq!(hr, S_OK);
    // SAFETY: a new reference.
    let narrow = rows(&unsafe { IMAPITable::from_raw(raw) });
    assert_eq!(
        value_in(&narrow[0], PR_ATTACH_FILENAME_A),
        Some(&PropValue::String8(b"data.bin".to_vec()))
    );

    // An attachment open while it is deleted cannot be saved back.
    let stale = open_attach(&reopened, 0, core::ptr::null(), MAPI_MODIFY).unwrap();
    assert_eq!(delete_attach(&reopened, 0, ATTACH_DIALOG), S_OK);
    assert_eq!(save(&stale, 0), MAPI_E_OBJECT_DELETED);
    drop(stale);
    assert!(rows(&attachment_table(&reopened)).is_empty());
    assert_eq!(
        one(&reopened, PR_HASATTACH),
        Some(PropValue::Boolean(false))
    );
    assert_eq!(t.stored_message(&id).unwrap().attachments.len(), 1);
    assert_eq!(save(&reopened, 0), S_OK);
    assert!(t.stored_message(&id).unwrap().attachments.is_empty());
    drop((message, table, reopened));
    t.finish();
}

#[test]
fn an_attachments_computed_properties_are_computed_problems_as_a_messages_are() {
    let t = Test::start();
    let message = t.create();
    let (num, attach) = create_attach(&message);
    let name = Property::for_tag(PR_ATTACH_FILENAME_W, PropValue::Unicode("a.txt".into()));
    assert_eq!(set(&attach, std::slice::from_ref(&name)), (S_OK, vec![]));
    assert_eq!(save(&attach, KEEP_OPEN_READWRITE), S_OK);
    let record_key = one(&attach, PR_RECORD_KEY);
    let size = long(&attach, PR_ATTACH_SIZE);

    // Each of the runtime's properties is a problem of its own; the others are set.
    let forged = [
        Property::for_tag(PR_ATTACH_NUM, PropValue::Long(num + 5)),
        Property::for_tag(PR_ATTACH_SIZE, PropValue::Long(1)),
        Property::for_tag(PR_RECORD_KEY, PropValue::Binary(b"forged".to_vec())),
        Property::for_tag(PR_OBJECT_TYPE, PropValue::Long(MAPI_MESSAGE)),
        Property::for_tag(PR_ACCESS_LEVEL, PropValue::Long(0)),
        Property::for_tag(
            PR_ATTACH_LONG_FILENAME_W,
            PropValue::Unicode("long.txt".into()),
        ),
    ];
    assert_eq!(
        set(&attach, &forged),
        (S_OK, vec![MAPI_E_COMPUTED; 5]),
        "computed: read-only, the others set"
    );
    assert_eq!(
        text(&attach, PR_ATTACH_LONG_FILENAME_W).as_deref(),
        Some("long.txt")
    );
    assert_eq!(
        delete(
            &attach,
            &[
                PR_ATTACH_NUM,
                PR_ATTACH_FILENAME_W,
                PR_RECORD_KEY,
                PR_ATTACH_SIZE
            ]
        ),
        (S_OK, vec![MAPI_E_COMPUTED; 3])
    );
    assert_eq!(text(&attach, PR_ATTACH_FILENAME_W), None);
    // Unchanged, of whatever type the client named them.
    assert_eq!(long(&attach, PR_ATTACH_NUM), num);
    assert_eq!(long(&attach, PR_OBJECT_TYPE), MAPI_ATTACH);
    assert_eq!(long(&attach, PR_ACCESS_LEVEL), MAPI_MODIFY);
    assert_eq!(one(&attach, PR_RECORD_KEY), record_key);
    assert_eq!(long(&attach, PR_ATTACH_SIZE), size);
    let typed = [Property::for_tag(
        change_prop_type(PR_ATTACH_NUM, PT_UNICODE),
        PropValue::Unicode("7".into()),
    )];
    assert_eq!(set(&attach, &typed), (S_OK, vec![MAPI_E_COMPUTED]));

    // Read-only, the whole call is refused, as a message's is.
    assert_eq!(save(&attach, KEEP_OPEN_READONLY), S_OK);
    assert_eq!(set(&attach, &forged).0, MAPI_E_NO_ACCESS);
    assert_eq!(delete(&attach, &[PR_ATTACH_NUM]).0, MAPI_E_NO_ACCESS);
    // Bad input: an empty tag list, a NULL value array.
    let (num, fresh) = create_attach(&message);
    assert_eq!(delete(&fresh, &[]).0, MAPI_E_INVALID_PARAMETER);
    let prop = prop_of(&fresh);
    // SAFETY: a live attachment; one value announced, none given (the call must refuse it).
    let hr = unsafe {
        (prop.vtable().SetProps)(
            prop.as_raw(),
            1,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(long(&fresh, PR_ATTACH_NUM), num);
    drop((attach, fresh, message));
    t.finish();
}

#[test]
fn an_embedded_message_is_saved_into_its_attachment_then_the_message() {
    let t = Test::start();
    let message = t.create();
    let (_, attach) = create_attach(&message);
    assert_eq!(
        open_property(&attach, PR_ATTACH_DATA_OBJ, &IMessage::IID, 0).err(),
        Some(MAPI_E_NOT_FOUND),
        "no embedded message yet"
    );
    let embedded: IMessage = open_property(
        &attach,
        PR_ATTACH_DATA_OBJ,
        &IMessage::IID,
        MAPI_CREATE | MAPI_MODIFY,
    )
    .unwrap()
    .cast()
    .unwrap();
    assert_eq!(set(&embedded, &[subject("Inner")]).0, S_OK);
    assert_eq!(
        modify_recipients(&embedded, MODRECIP_ADD, &[Some(recipient("in", MAPI_TO))]),
        S_OK
    );
    assert_eq!(
        one(&embedded, PR_ENTRYID),
        None,
        "an embedded message has no entry ID"
    );
    assert_eq!(save(&embedded, KEEP_OPEN_READWRITE), S_OK);
    assert_eq!(save(&attach, 0), S_OK);
    assert_eq!(save(&message, 0), S_OK);

    let id = t.ids()[0].clone();
    let stored = t.stored_message(&id).unwrap();
    let attachment = &stored.attachments[0];
    assert!(attachment
        .props
        .iter()
        .any(|p| p.tag() == PR_ATTACH_METHOD && p.value == PropValue::Long(ATTACH_EMBEDDED_MSG)));
    let inner = attachment
        .embedded
        .as_ref()
        .expect("the embedded message is stored");
    assert!(inner.props.contains(&subject("Inner")));
    assert_eq!(inner.recipients.len(), 1);

    let reopened = t.open(&id, 0);
    let attach = open_attach(&reopened, 0, &IAttach::IID, 0).unwrap();
    let embedded: IMessage = open_property(&attach, PR_ATTACH_DATA_OBJ, &IMessage::IID, 0)
        .unwrap()
        .cast()
        .unwrap();
    assert_eq!(text(&embedded, PR_SUBJECT_W).as_deref(), Some("Inner"));
    assert_eq!(recipients_of(&embedded), [(0, "in".into())]);
    assert_eq!(
        open_property(&attach, PR_ATTACH_DATA_OBJ, &IMessage::IID, MAPI_MODIFY).err(),
        Some(MAPI_E_NO_ACCESS)
    );
    assert_eq!(
        open_property(&attach, PR_ATTACH_DATA_OBJ, &IStream::IID, 0).err(),
        Some(MAPI_E_INTERFACE_NOT_SUPPORTED)
    );
    drop((message, embedded, attach, reopened));
    t.finish();
}

#[test]
fn a_message_deleted_under_an_open_object_keeps_its_changes() {
    let t = Test::start();
    let message = t.create();
    let (_, attach) = create_attach(&message);
    assert_eq!(save(&attach, 0), S_OK);
    assert_eq!(save(&message, 0), S_OK);
    let id = t.ids()[0].clone();

    let open = t.open(&id, MAPI_MODIFY);
    assert_eq!(set(&open, &[subject("mine")]).0, S_OK);
    t.delete(&id);
    assert_eq!(save(&open, KEEP_OPEN_READWRITE), MAPI_E_OBJECT_DELETED);
    assert_eq!(save(&open, FORCE_SAVE), MAPI_E_OBJECT_DELETED);
    assert_eq!(
        text(&open, PR_SUBJECT_W).as_deref(),
        Some("mine"),
        "nothing lost"
    );
    assert!(
        open_attach(&open, 0, core::ptr::null(), 0).is_ok(),
        "served from the object's copy"
    );
    assert_eq!(set_read_flag(&open, 0), MAPI_E_OBJECT_DELETED);
    assert!(t.ids().is_empty(), "and nothing written");

    // GetLastError says why, in one block.
    let mut error = core::ptr::null_mut();
    // SAFETY: an out-pointer; the block freed once.
    unsafe {
        let hr = (open.vtable().base__.GetLastError)(
            open.as_raw(),
            MAPI_E_OBJECT_DELETED,
            0,
            &mut error,
        );
        assert_eq!(hr, S_OK);
        assert!(!error.is_null());
        AllocatorSet::native().free(error.cast());
    }
    drop((message, open));
    t.finish();
}

#[test]
fn set_read_flag_writes_read_state_at_once_without_a_version() {
    let t = Test::start();
    let id = t.stored("Unread");
    let writer = t.open(&id, MAPI_MODIFY);
    let reader = t.open(&id, 0);
    let stored_flags = |t: &Test| {
        t.stored_message(&id)
            .unwrap()
            .props
            .iter()
            .find_map(|p| match p.value {
                PropValue::Long(flags) if p.tag() == PR_MESSAGE_FLAGS => Some(flags),
                _ => None,
            })
            .unwrap_or(0)
    };
    let contents = t.contents();
    assert_eq!(set_read_flag(&reader, 0), S_OK);
    assert_eq!(
        stored_flags(&t) & MSGFLAG_READ,
        MSGFLAG_READ,
        "in the store at once"
    );
    let row = row_of(&contents, &id);
    assert!(
        matches!(value_in(&row, PR_MESSAGE_FLAGS), Some(PropValue::Long(f)) if f & MSGFLAG_READ != 0),
        "and in the contents table"
    );
    assert_eq!(long(&reader, PR_MESSAGE_FLAGS) & MSGFLAG_READ, MSGFLAG_READ);
    assert_eq!(set_read_flag(&reader, CLEAR_READ_FLAG), S_OK);
    assert_eq!(stored_flags(&t) & MSGFLAG_READ, 0);
    assert_eq!(
        set_read_flag(&reader, CLEAR_READ_FLAG | SUPPRESS_RECEIPT),
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        set_read_flag(&reader, CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY),
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(set_read_flag(&reader, 0x1000), MAPI_E_UNKNOWN_FLAGS);
    // Read state is no content change: the other writer saves without a collision.
    assert_eq!(set(&writer, &[subject("Edited")]).0, S_OK);
    assert_eq!(save(&writer, KEEP_OPEN_READWRITE), S_OK);
    assert_eq!(
        stored_flags(&t) & MSGFLAG_READ,
        0,
        "the writer keeps the store's read state"
    );
    assert_eq!(set_read_flag(&reader, 0), S_OK);
    assert_eq!(set(&writer, &[subject("Edited")]).0, S_OK);
    assert_eq!(save(&writer, 0), S_OK);
    assert_eq!(
        stored_flags(&t) & MSGFLAG_READ,
        MSGFLAG_READ,
        "the writer's save keeps it read"
    );
    let row = row_of(&contents, &id);
    assert_eq!(
        value_in(&row, PR_SUBJECT_W),
        Some(&PropValue::Unicode("Edited".into())),
        "a save changes the contents table's row"
    );
    drop(contents);

    // A new message's read flag waits for its SaveChanges.
    let new = t.create();
    assert_eq!(set_read_flag(&new, 0), S_OK);
    assert_eq!(long(&new, PR_MESSAGE_FLAGS), MSGFLAG_UNSENT | MSGFLAG_READ);
    // SAFETY: a plain call.
    assert_eq!(
        unsafe { (new.vtable().SubmitMessage)(new.as_raw(), 0) },
        MAPI_E_NO_SUPPORT
    );
    // SAFETY: a NULL out-pointer, which the method refuses.
    let hr = unsafe { (new.vtable().GetRecipientTable)(new.as_raw(), 0, core::ptr::null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let mut table = core::ptr::null_mut();
    // SAFETY: an out-pointer.
    let hr = unsafe { (new.vtable().GetRecipientTable)(new.as_raw(), 0x100, &mut table) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    drop((writer, reader, new));
    t.finish();
}

#[test]
fn of_two_writers_saving_at_once_exactly_one_wins() {
    let t = Test::start();
    let id = t.stored("Original");
    for round in 0..20 {
        let writers: Vec<IMAPIProp> = (0..2)
            .map(|i| {
                let writer = t.open(&id, MAPI_MODIFY);
                assert_eq!(set(&writer, &[subject(&format!("{round}/{i}"))]).0, S_OK);
                prop_of(&writer)
            })
            .collect();
        let answers = client::save_at_once(&writers, KEEP_OPEN_READWRITE);
        let won: Vec<usize> = (0..2).filter(|&i| answers[i] == S_OK).collect();
        assert_eq!(won.len(), 1, "round {round}: {answers:?}");
        assert_eq!(answers[1 - won[0]], MAPI_E_OBJECT_CHANGED);
        let winner = format!("{round}/{}", won[0]);
        assert_eq!(t.stored_subject(&id), Some(winner));
    }
    t.finish();
}

/// `CopyTo` (`include`: `None`) or `CopyProps` (`Some(tags)`) from `source` to `dest`, as
/// `IMessage`; the problems freed with one `MAPIFreeBuffer`.
fn copy(source: &IMessage, dest: &IMessage, exclude: &[u32], include: Option<&[u32]>) -> HRESULT {
    let mut problems = core::ptr::null_mut::<SPropProblemArray>();
    let prop = prop_of(source);
    let mut tags = vec![exclude.len() as u32];
    tags.extend_from_slice(exclude);
    let list = if exclude.is_empty() {
        core::ptr::null_mut()
    } else {
        tags.as_mut_ptr().cast()
    };
    // SAFETY: tag arrays alive across the calls, a live destination, an out-pointer; the
    // problems freed once.
    unsafe {
        let hr = match include {
            None => (prop.vtable().CopyTo)(
                prop.as_raw(),
                0,
                core::ptr::null(),
                list,
                0,
                core::ptr::null_mut(),
                &IMessage::IID,
                dest.as_raw(),
                0,
                &mut problems,
            ),
            Some(include) => {
                let mut tags = vec![include.len() as u32];
                tags.extend_from_slice(include);
                (prop.vtable().CopyProps)(
                    prop.as_raw(),
                    tags.as_mut_ptr().cast(),
                    0,
                    core::ptr::null_mut(),
                    &IMessage::IID,
                    dest.as_raw(),
                    0,
                    &mut problems,
                )
            }
        };
        AllocatorSet::native().free(problems.cast());
        hr
    }
}

#[test]
fn copy_to_takes_recipients_attachments_and_embedded_messages_along() {
    let t = Test::start();
    let source = t.create();
    assert_eq!(set(&source, &[subject("Copied")]).0, S_OK);
    let two = [
        Some(recipient("ann", MAPI_TO)),
        Some(recipient("bob", MAPI_CC)),
    ];
    assert_eq!(modify_recipients(&source, MODRECIP_ADD, &two), S_OK);
    let (_, attach) = create_attach(&source);
    write_stream(&attach, PR_ATTACH_DATA_BIN, b"attached bytes");
    assert_eq!(save(&attach, 0), S_OK);
    let (_, outer) = create_attach(&source);
    let inner: IMessage = open_property(
        &outer,
        PR_ATTACH_DATA_OBJ,
        &IMessage::IID,
        MAPI_CREATE | MAPI_MODIFY,
    )
    .unwrap()
    .cast()
    .unwrap();
    assert_eq!(set(&inner, &[subject("Inner")]).0, S_OK);
    assert_eq!(save(&inner, 0), S_OK);
    assert_eq!(save(&outer, 0), S_OK);
    drop((attach, inner, outer));

    // The sub-objects are listed, and open as tables.
    let prop = prop_of(&source);
    let mut list = core::ptr::null_mut();
    // SAFETY: an out-pointer; the list freed once.
    let tags = unsafe {
        assert_eq!(
            (prop.vtable().GetPropList)(prop.as_raw(), MAPI_UNICODE, &mut list),
            S_OK
        );
        let tags = mapi_spi_runtime::props::value::tags_from_raw(list).unwrap();
        AllocatorSet::native().free(list.cast());
        tags
    };
    assert!(tags.contains(&PR_MESSAGE_RECIPIENTS) && tags.contains(&PR_MESSAGE_ATTACHMENTS));
    let table: IMAPITable = open_property(&source, PR_MESSAGE_RECIPIENTS, &IMAPITable::IID, 0)
        .unwrap()
        .cast()
        .unwrap();
    assert_eq!(rows(&table).len(), 2);
    drop(table);

    let whole = t.create();
    assert_eq!(copy(&source, &whole, &[], None), S_OK);
    assert_eq!(text(&whole, PR_SUBJECT_W).as_deref(), Some("Copied"));
    assert_eq!(
        recipients_of(&whole),
        [(0, "ann".into()), (1, "bob".into())]
    );
    let attachments = rows(&attachment_table(&whole));
    assert_eq!(attachments.len(), 2);
    let first = open_attach(&whole, 0, core::ptr::null(), 0).unwrap();
    assert_eq!(read_stream(&first, PR_ATTACH_DATA_BIN), b"attached bytes");
    let second = open_attach(&whole, 1, core::ptr::null(), 0).unwrap();
    let embedded: IMessage = open_property(&second, PR_ATTACH_DATA_OBJ, &IMessage::IID, 0)
        .unwrap()
        .cast()
        .unwrap();
    assert_eq!(text(&embedded, PR_SUBJECT_W).as_deref(), Some("Inner"));
    assert_eq!(save(&whole, 0), S_OK);
    drop((first, second, embedded));

    let without = t.create();
    assert_eq!(
        copy(&source, &without, &[PR_MESSAGE_ATTACHMENTS], None),
        S_OK
    );
    assert!(rows(&attachment_table(&without)).is_empty());
    assert_eq!(recipients_of(&without).len(), 2);
    let only = t.create();
    let include = [PR_SUBJECT_W, PR_MESSAGE_RECIPIENTS];
    assert_eq!(copy(&source, &only, &[], Some(&include)), S_OK);
    assert_eq!(text(&only, PR_SUBJECT_W).as_deref(), Some("Copied"));
    assert_eq!(recipients_of(&only).len(), 2);
    assert!(rows(&attachment_table(&only)).is_empty());
    // A copy onto itself changes nothing.
    assert_eq!(copy(&source, &source, &[], None), S_OK);
    assert_eq!(rows(&attachment_table(&source)).len(), 2);
    drop((source, whole, without, only));
    t.finish();
}

/// The content saves what it keeps ([`StoreContent::flush`]) once the store is logged off.
#[test]
fn the_content_is_flushed_at_logoff() {
    let t = Test::start();
    let content = t.content();
    assert_eq!(content.flushes.load(Ordering::SeqCst), 0);
    t.finish();
    assert_eq!(content.flushes.load(Ordering::SeqCst), 1, "at logoff");
}

/// The content saves what it keeps at a fast shutdown, which logs nothing off. The references
/// the provider keeps after `DoFastShutdown` (its support object's allocator: releasing it would
/// call MAPI) are left, as in `fast_shutdown.rs`; `.ci/asan` suppresses this test's leak by name.
#[test]
fn the_content_is_flushed_at_a_fast_shutdown() {
    let mut t = Test::start();
    let content = t.content();
    drop(t.inbox.take());
    let store = t.store.take().expect("logged on");
    CONTENT.lock().unwrap().take();
    let Test {
        session, _serial, ..
    } = t;
    // The exiting client's reference, released after DoFastShutdown: the host's release closes
    // the store, whose logoff flushes again (an exiting Outlook releases nothing), so two
    // flushes: DoFastShutdown's, then the logoff's.
    let report = session.fast_shutdown(vec![store]);
    assert_eq!(
        content.flushes.load(Ordering::SeqCst),
        2,
        "at fast shutdown, then at the logoff"
    );
    assert_eq!(report.calls_after_fast_shutdown, 0, "{report}");
    assert!(report.is_clean(), "{report}");
}

#[test]
fn others_changes_collide_with_an_open_object_and_others_deletes_end_it() {
    let t = Test::start();
    let id = t.stored("Original");
    let before = t.open(&id, MAPI_MODIFY);
    t.changed_by_another(&id, "Theirs");
    // Opened after the change was reported, before the runtime heard of it: up to date.
    let after = t.open(&id, MAPI_MODIFY);
    assert_eq!(text(&after, PR_SUBJECT_W).as_deref(), Some("Theirs"));
    t.collides_then_forces(&id, &before, "Theirs", "Mine");
    assert_eq!(set(&after, &[subject("After")]).0, S_OK);
    assert_eq!(
        save(&after, KEEP_OPEN_READWRITE),
        MAPI_E_OBJECT_CHANGED,
        "the forced save is a change it did not see"
    );

    // Deleted by another program: no save brings the message back.
    let open = t.open(&id, MAPI_MODIFY);
    t.deleted_by_another(&id);
    assert_eq!(set(&open, &[subject("Lost?")]).0, S_OK);
    assert_eq!(save(&open, KEEP_OPEN_READWRITE), MAPI_E_OBJECT_DELETED);
    assert_eq!(save(&open, FORCE_SAVE), MAPI_E_OBJECT_DELETED);
    assert_eq!(text(&open, PR_SUBJECT_W).as_deref(), Some("Lost?"));
    assert!(t.ids().is_empty(), "and nothing written");
    assert_eq!(t.stored_subject(&id), None);
    drop((before, after, open));
    t.finish();
}

#[test]
fn display_lists_follow_the_recipients_and_are_saved_with_the_message() {
    let t = Test::start();
    let message = t.create();
    let lists = |m: &IMessage| {
        [PR_DISPLAY_TO_W, PR_DISPLAY_CC_W, PR_DISPLAY_BCC_W].map(|tag| text(m, tag).unwrap())
    };
    assert_eq!(lists(&message), ["", "", ""], "no recipients, empty lists");
    let mut ansi = recipient("", MAPI_CC);
    ansi[0] = Property::for_tag(PR_DISPLAY_NAME_A, PropValue::String8(b"Ren\xe9".to_vec()));
    let entries = [
        Some(recipient("Ann", MAPI_TO)),
        Some(recipient("Bob", MAPI_TO | MAPI_SUBMITTED)),
        Some(ansi),
        Some(recipient("Dee", MAPI_BCC)),
        // No name: its address shows.
        Some(vec![
            Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO)),
            text_prop(PR_EMAIL_ADDRESS_W, "eve@example.org"),
        ]),
        // Neither: left out.
        Some(vec![Property::for_tag(
            PR_RECIPIENT_TYPE,
            PropValue::Long(MAPI_BCC),
        )]),
    ];
    assert_eq!(modify_recipients(&message, 0, &entries), S_OK);
    assert_eq!(
        lists(&message),
        ["Ann; Bob; eve@example.org", "René", "Dee"]
    );
    let forged = [
        text_prop(PR_DISPLAY_TO_W, "Mallory"),
        subject("Hello"),
        Property::for_tag(PR_ENTRYID, PropValue::Binary(b"forged".to_vec())),
    ];
    assert_eq!(
        set(&message, &forged),
        (S_OK, vec![MAPI_E_COMPUTED, MAPI_E_COMPUTED]),
        "computed: read-only, the others set"
    );
    assert_eq!(text(&message, PR_SUBJECT_W).as_deref(), Some("Hello"));
    assert_eq!(one(&message, PR_ENTRYID), None, "not before the first save");
    assert_eq!(
        delete(&message, &[PR_DISPLAY_CC_W, PR_SUBJECT_W]),
        (S_OK, vec![MAPI_E_COMPUTED])
    );
    assert_eq!(text(&message, PR_SUBJECT_W), None);
    assert_eq!(
        text(&message, PR_DISPLAY_TO_W).as_deref(),
        Some("Ann; Bob; eve@example.org")
    );

    assert_eq!(save(&message, KEEP_OPEN_READWRITE), S_OK);
    let id = t.ids()[0].clone();
    let stored = t.stored_message(&id).unwrap();
    let stored_to = stored.props.iter().find(|p| p.tag() == PR_DISPLAY_TO_W);
    assert_eq!(
        stored_to.map(|p| &p.value),
        Some(&PropValue::Unicode("Ann; Bob; eve@example.org".into())),
        "saved with the message, for the contents table"
    );
    let removed = [Some(with_row_id(Vec::new(), 0))];
    assert_eq!(modify_recipients(&message, MODRECIP_REMOVE, &removed), S_OK);
    assert_eq!(lists(&message), ["Bob; eve@example.org", "René", "Dee"]);
    drop(message);
    let reopened = t.open(&id, 0);
    assert_eq!(
        lists(&reopened),
        ["Ann; Bob; eve@example.org", "René", "Dee"],
        "as saved"
    );
    drop(reopened);
    t.finish();
}

fn text_prop(tag: u32, value: &str) -> Property {
    Property::for_tag(tag, PropValue::Unicode(value.into()))
}

#[test]
fn a_special_folder_another_program_deleted_is_no_longer_named_by_the_store() {
    let t = Test::start();
    assert_eq!(
        long(t.store(), PR_VALID_FOLDER_MASK),
        FOLDER_IPM_INBOX_VALID
    );
    let content = t.content();
    let inbox = content.memory.special_folder(SpecialFolder::Inbox).unwrap();
    let parent = content.memory.root();
    content.memory.delete_folder(&inbox).unwrap();
    let change = ContentChange::FolderDeleted { parent, key: inbox };
    content.changes.lock().unwrap().push(change);
    assert_eq!(long(t.store(), PR_VALID_FOLDER_MASK), 0);
    t.finish();
}

#[test]
fn an_attachment_describes_its_last_failure_in_either_width() {
    use mapi_spi_runtime::provider::text::decode;
    let t = Test::start();
    let message = t.create();
    let (_, attach) = create_attach(&message);
    assert_eq!(
        open_property(&attach, PR_ATTACH_DATA_OBJ, &IMessage::IID, 0).err(),
        Some(MAPI_E_NOT_FOUND)
    );
    let slot = attach.vtable().base__.GetLastError;
    for (flags, unicode) in [(0, false), (MAPI_UNICODE, true)] {
        let mut error = core::ptr::null_mut();
        // SAFETY: an out-pointer; the block read in the width asked for, then freed once.
        unsafe {
            let hr = slot(attach.as_raw(), MAPI_E_NOT_FOUND, flags, &mut error);
            assert_eq!(hr, S_OK);
            assert!(!error.is_null());
            let text = decode((*error).lpszError, unicode);
            let component = decode((*error).lpszComponent, unicode);
            AllocatorSet::native().free(error.cast());
            assert_eq!(
                text.as_deref(),
                Some("the attachment has no embedded message")
            );
            assert_eq!(component.as_deref(), Some("mapi-spi message"));
        }
    }
    drop((attach, message));
    t.finish();
}

#[test]
fn named_properties_keep_their_ids_from_one_logon_to_the_next_and_a_damaged_map_fails_logon() {
    let name = PropName::string(PS_PUBLIC_STRINGS, "KeptAcrossLogons");
    let t = Test::start();
    *KEPT_NAMES.lock().unwrap() = None;
    let message = t.create();
    let (hr, tags) =
        client::ids_from_names(&prop_of(&message), std::slice::from_ref(&name), MAPI_CREATE)
            .expect("GetIDsFromNames");
    assert_eq!(hr, S_OK);
    let tag = change_prop_type(tags[0], PT_BINARY);
    // Mapped, not yet kept: nothing saved holds it.
    assert_eq!(*KEPT_NAMES.lock().unwrap(), None);
    let value = Property::for_tag(tag, PropValue::Binary(vec![1, 2, 3]));
    assert_eq!(set(&message, &[value]), (S_OK, vec![]));
    assert_eq!(save(&message, 0), S_OK);
    // Kept by the save, before the logoff.
    let kept = KEPT_NAMES
        .lock()
        .unwrap()
        .clone()
        .expect("kept at the save");
    let map = NamedProperties::from_bytes(&kept).unwrap();
    assert_eq!(map.id_of(&name, false), Some(prop_id(tag) as u16));
    drop(message);
    t.finish();

    // The next logon knows the name, at the same ID.
    let t = Test::start();
    let store = prop_of(t.store());
    let (hr, again) = client::ids_from_names(&store, &[name], 0).unwrap();
    assert_eq!((hr, again), (S_OK, tags));
    drop(store);
    t.finish();

    // A map that is no map fails the logon, which leaves nothing behind.
    let serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    *KEPT_NAMES.lock().unwrap() = Some(kept[..kept.len() - 1].to_vec());
    let mut session = session();
    assert_eq!(session.logon(STORE, 0).err(), Some(MAPI_E_CORRUPT_DATA));
    *KEPT_NAMES.lock().unwrap() = None;
    CONTENT.lock().unwrap().take();
    assert!(session.shutdown().is_clean());
    drop(serial);
}
