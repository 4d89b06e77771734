//! The runtime's store and folder objects (`ContentStore`, the folder object over a
//! `MemoryContent`) driven as a client drives them, through vtable calls: the store's
//! properties, `OpenEntry`, `CompareEntryIDs`, `GetReceiveFolder`; every `IMAPIFolder` method
//! with bad input (foreign, crafted and unknown entry IDs, NULL pointers, unknown flags); the
//! tables agreeing with the objects' own properties after every change; and the notifications
//! each change sends through the support object.
#![allow(non_snake_case, clippy::undocumented_unsafe_blocks)]

use core::ffi::c_void;
use core::ptr::{null, null_mut};
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::com::{ComObject, Forward, InterfaceOut, MethodName, Object};
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::client::{self, EntryList, copy_folder, create_folder};
use mapi_spi_runtime::host::{Session, SupportOptions};
use mapi_spi_runtime::interfaces::{
    IMAPIAdviseSink, IMAPIAdviseSinkImpl, IMAPIContainer, IMAPIContainerImpl, IMAPIFolder,
    IMAPIFolderImpl, IMAPIProp, IMAPIPropImpl, IMAPISupport, IMAPISupportImpl, IMAPITable,
    IMSLogon, IMessage, IMessageImpl, IMsgStore,
};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::store::content::{
    ContentChange, Folder, Message, MessageSummary, SpecialFolder, StoreContent, StoredMessage,
};
use mapi_spi_runtime::provider::store::entry_id::{EntryIds, ObjectKind};
use mapi_spi_runtime::provider::store::memory::MemoryContent;
use mapi_spi_runtime::provider::store::{
    ContentStore, KeyBytes, LogonRequest, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderResult};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{
    ENTRYID, ENTRYLIST, LPTSTR, MAPIERROR, MAPIUID, NOTIFICATION, NOTIFKEY, SBinary, SPropProblem,
    SPropTagArray, SPropValue,
};
use mapi_spi_runtime::{AllocatorSet, GUID, HRESULT, IUnknown, Interface, mapi_object};

mod caught_panics;

const UID: MAPIUID = MAPIUID { ab: [0x42; 16] };
/// The store entry ID (and key) of the writable store; `READ_ONLY` names a read-only one.
const STORE: &[u8] = b"store";
const READ_ONLY: &[u8] = b"readonly";
/// A writable store whose content panics in the method named by [`PANIC_IN`].
const PANICKY: &[u8] = b"panicky";
/// The entry ID of a store whose content keeps folder-associated messages (and the prefix of
/// others that do).
const ASSOCIATED: &[u8] = b"associated";

struct Provider;

/// A store of a root, an IPM subtree with Inbox (holding Projects), Sent Items, Deleted Items
/// and Drafts; three messages in the Inbox (one read), one in Projects.
fn content() -> MemoryContent {
    let content = MemoryContent::new("Root");
    let root = content.root();
    let top = content.create_folder(&root, "IPM", &[]).unwrap().key;
    content
        .set_special_folder(SpecialFolder::IpmSubtree, &top)
        .unwrap();
    let class = [text(PR_CONTAINER_CLASS_W, "IPF.Note")];
    let folder = |name: &str, which: Option<SpecialFolder>| {
        let key = content.create_folder(&top, name, &class).unwrap().key;
        if let Some(which) = which {
            content.set_special_folder(which, &key).unwrap();
        }
        key
    };
    let inbox = folder("Inbox", Some(SpecialFolder::Inbox));
    folder("Sent Items", Some(SpecialFolder::SentItems));
    folder("Deleted Items", Some(SpecialFolder::DeletedItems));
    folder("Drafts", None);
    let projects = content
        .create_folder(&inbox, "Projects", &class)
        .unwrap()
        .key;
    for (subject, flags) in [("one", MSGFLAG_READ), ("two", 0), ("three", 0)] {
        content
            .save_message(&inbox, None, &mail(subject, flags))
            .unwrap();
    }
    content
        .save_message(&projects, None, &mail("plan", 0))
        .unwrap();
    content
}

fn text(tag: u32, value: &str) -> Property {
    Property::for_tag(tag, PropValue::Unicode(value.into()))
}

fn mail(subject: &str, flags: u32) -> Message {
    Message {
        props: vec![
            text(PR_SUBJECT_W, subject),
            text(PR_MESSAGE_CLASS_W, "IPM.Note"),
            Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(flags)),
        ],
        ..Message::default()
    }
}

impl StoreProvider for Provider {
    type Store = ContentStore;
    const COMPONENT: &'static str = "store_folders test";

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
        let mut props = vec![text(PR_DISPLAY_NAME_W, "Folders")];
        if request.entry_id == READ_ONLY {
            let mask = STORE_ENTRYID_UNIQUE | STORE_READONLY | STORE_UNICODE_OK;
            props.push(Property::for_tag(
                PR_STORE_SUPPORT_MASK,
                PropValue::Long(mask),
            ));
        }
        let content: Arc<dyn StoreContent> = if request.entry_id == PANICKY {
            Arc::new(Panicky(content()))
        } else if request.entry_id.starts_with(ASSOCIATED) {
            Arc::new(content().with_associated_messages())
        } else {
            Arc::new(content())
        };
        let store = ContentStore::new(request, context, UID, content, props)?;
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

/// The `StoreContent` method that panics in the `PANICKY` store, if any.
static PANIC_IN: Mutex<Option<&'static str>> = Mutex::new(None);

/// [`content`], panicking in the method [`PANIC_IN`] names: the provider code that each
/// folder, message and table method of the runtime reaches.
struct Panicky(MemoryContent);

impl Panicky {
    fn enter(&self, method: &'static str) -> &MemoryContent {
        if *PANIC_IN.lock().unwrap_or_else(|p| p.into_inner()) == Some(method) {
            panic!("{method} panics");
        }
        &self.0
    }
}

impl StoreContent for Panicky {
    fn root(&self) -> Vec<u8> {
        self.enter("root").root()
    }
    fn folder(&self, key: &[u8]) -> ProviderResult<Folder> {
        self.enter("folder").folder(key)
    }
    fn subfolders(&self, key: &[u8]) -> ProviderResult<Vec<Folder>> {
        self.enter("subfolders").subfolders(key)
    }
    fn messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>> {
        self.enter("messages").messages(folder)
    }
    fn message(&self, key: &[u8]) -> ProviderResult<StoredMessage> {
        self.enter("message").message(key)
    }
    fn special_folder(&self, which: SpecialFolder) -> Option<Vec<u8>> {
        self.enter("special_folder").special_folder(which)
    }
    fn changes(&self) -> Vec<ContentChange> {
        self.enter("changes").changes()
    }
    fn save_message(
        &self,
        folder: &[u8],
        key: Option<&[u8]>,
        message: &Message,
    ) -> ProviderResult<Vec<u8>> {
        self.enter("save_message")
            .save_message(folder, key, message)
    }
}

// ---------------------------------------------------------------------------------------------
// Calls, through the vtables, and their results read and freed as a client does.

static ONE_SESSION_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A session with the test provider and the store `id` open in it.
struct Opened {
    session: Session,
    store: IMsgStore,
    ids: EntryIds,
    _serial: MutexGuard<'static, ()>,
}

fn open(id: &[u8]) -> Opened {
    let serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let mut session = unsafe {
        Session::in_process(
            MSProviderInit,
            "store_folders.dll",
            SupportOptions::default(),
        )
    }
    .expect("MSProviderInit");
    let store = session.logon(id, 0).expect("logon").store;
    Opened {
        session,
        store,
        ids: EntryIds::new(UID, id).unwrap(),
        _serial: serial,
    }
}

impl Opened {
    /// Ends the session: the store logged off, after which the folders still held answer
    /// `MAPI_E_INVALID_OBJECT`; every reference given back, no buffer left.
    fn close(self, folders: Vec<IMAPIFolder>) {
        let Opened {
            mut session, store, ..
        } = self;
        let _ = session.close_store(store, LOGOFF_ORDERLY);
        for folder in &folders {
            assert_eq!(get_props(folder, None).0, MAPI_E_INVALID_OBJECT);
            let mut table = null_mut();
            let hr = unsafe { folder.GetHierarchyTable(0, &mut table) };
            assert_eq!(hr, MAPI_E_INVALID_OBJECT);
            let hr = unsafe { folder.EmptyFolder(0, None, 0) };
            assert_eq!(hr, MAPI_E_INVALID_OBJECT);
        }
        drop(folders);
        let report = session.shutdown();
        assert!(report.is_clean(), "{report}");
    }

    fn open_entry(&self, id: &[u8], flags: u32) -> Result<(u32, IUnknown), HRESULT> {
        open_in(&self.store, id, flags)
    }

    fn folder(&self, id: &[u8]) -> IMAPIFolder {
        folder_in(&self.store, id)
    }

    fn root(&self) -> IMAPIFolder {
        self.folder(&[])
    }

    /// The entry ID of the subfolder of `parent` named `name`.
    fn child(&self, parent: &IMAPIFolder, name: &str) -> Vec<u8> {
        let rows = rows(&hierarchy(parent, 0), &[PR_DISPLAY_NAME_W, PR_ENTRYID]);
        rows.iter()
            .find(|row| row[0].value == PropValue::Unicode(name.into()))
            .map(|row| binary(&row[1]))
            .unwrap_or_else(|| panic!("no subfolder {name}"))
    }

    fn ipm(&self) -> IMAPIFolder {
        let root = self.root();
        self.folder(&self.child(&root, "IPM"))
    }

    fn named(&self, name: &str) -> IMAPIFolder {
        self.named_in(&self.store, name)
    }

    /// The folder `name` of the IPM subtree of `store` (this session's store, or another).
    fn named_in(&self, store: &IMsgStore, name: &str) -> IMAPIFolder {
        let root = folder_in(store, &[]);
        let ipm = folder_in(store, &self.child(&root, "IPM"));
        folder_in(store, &self.child(&ipm, name))
    }
}

/// `OpenEntry` of `id` in `store`.
fn open_in(store: &IMsgStore, id: &[u8], flags: u32) -> Result<(u32, IUnknown), HRESULT> {
    let (mut kind, mut unk) = (0u32, null_mut());
    let hr = unsafe { store.OpenEntry(id, null(), flags, &mut kind, &mut unk) };
    if hr.is_err() {
        assert!(unk.is_null());
        return Err(hr);
    }
    Ok((kind, unsafe { IUnknown::from_raw(unk) }))
}

/// Folder `id` of `store`, opened with `MAPI_BEST_ACCESS`.
fn folder_in(store: &IMsgStore, id: &[u8]) -> IMAPIFolder {
    let (kind, unk) = open_in(store, id, MAPI_BEST_ACCESS).expect("OpenEntry of a folder");
    assert_eq!(kind, MAPI_FOLDER);
    unk.cast().unwrap()
}

fn binary(prop: &Property) -> Vec<u8> {
    match &prop.value {
        PropValue::Binary(bytes) => bytes.clone(),
        other => panic!("not binary: {other:?}"),
    }
}

fn long(prop: &Property) -> u32 {
    match &prop.value {
        PropValue::Long(value) => *value,
        other => panic!("not a long: {other:?}"),
    }
}

/// `GetProps` of `tags` (all of them: `None`), MAPI_UNICODE; a failure with no values.
fn get_props(object: &IMAPIProp, tags: Option<&[u32]>) -> (HRESULT, Vec<Property>) {
    client::get_props(object, tags, MAPI_UNICODE).unwrap_or_else(|hr| (hr, Vec::new()))
}

fn prop_of(object: &IMAPIProp, tag: u32) -> Property {
    let (hr, props) = get_props(object, Some(&[tag]));
    assert_eq!(hr, S_OK, "GetProps 0x{tag:08X}");
    props.into_iter().next().unwrap()
}

fn hierarchy(folder: &IMAPIFolder, flags: u32) -> IMAPITable {
    client::hierarchy_table(folder, flags).expect("GetHierarchyTable")
}

fn contents(folder: &IMAPIFolder) -> IMAPITable {
    client::contents_table(folder, MAPI_UNICODE).expect("GetContentsTable")
}

/// Every row of `table` with `columns`, from the top.
fn rows(table: &IMAPITable, columns: &[u32]) -> Vec<Vec<Property>> {
    client::query_rows(table, columns).expect("QueryRows")
}

fn row_count(table: &IMAPITable) -> u32 {
    let mut count = 0;
    assert_eq!(unsafe { table.GetRowCount(0, &mut count) }, S_OK);
    count
}

/// The counts a folder shows: (`PR_CONTENT_COUNT`, `PR_CONTENT_UNREAD`, `PR_SUBFOLDERS`).
fn counts(folder: &IMAPIFolder) -> (u32, u32, bool) {
    let (hr, props) = get_props(
        folder,
        Some(&[PR_CONTENT_COUNT, PR_CONTENT_UNREAD, PR_SUBFOLDERS]),
    );
    assert_eq!(hr, S_OK);
    let subfolders = props[2].value == PropValue::Boolean(true);
    (long(&props[0]), long(&props[1]), subfolders)
}

/// The message entry IDs of a folder's contents table, in order.
fn message_ids(folder: &IMAPIFolder) -> Vec<Vec<u8>> {
    rows(&contents(folder), &[PR_ENTRYID])
        .iter()
        .map(|row| binary(&row[0]))
        .collect()
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}

fn entry_id(object: &IMAPIProp) -> Vec<u8> {
    binary(&prop_of(object, PR_ENTRYID))
}

// ---------------------------------------------------------------------------------------------
// The store.

#[test]
fn the_store_names_its_special_folders_and_opens_the_root_without_an_entry_id() {
    let opened = open(STORE);
    let (hr, props) = get_props(&opened.store, None);
    assert_eq!(hr, S_OK);
    let value = |tag| {
        props
            .iter()
            .find(|p| p.tag() == tag)
            .unwrap_or_else(|| panic!("0x{tag:08X}"))
            .clone()
    };
    let mask = long(&value(PR_STORE_SUPPORT_MASK));
    assert_eq!(mask & STORE_READONLY, 0);
    assert_ne!(mask & STORE_MODIFY_OK, 0);
    assert_eq!(long(&value(PR_OBJECT_TYPE)), MAPI_STORE);
    assert_eq!(value(PR_ENTRYID).value, value(PR_STORE_ENTRYID).value);
    assert_eq!(binary(&value(PR_RECORD_KEY)), STORE);
    assert_eq!(binary(&value(PR_STORE_RECORD_KEY)), STORE);
    assert_eq!(binary(&value(PR_MDB_PROVIDER)), UID.ab);
    assert_eq!(
        long(&value(PR_VALID_FOLDER_MASK)),
        FOLDER_IPM_SUBTREE_VALID
            | FOLDER_IPM_INBOX_VALID
            | FOLDER_IPM_WASTEBASKET_VALID
            | FOLDER_IPM_SENTMAIL_VALID
    );
    // No Outbox in this store: no PR_IPM_OUTBOX_ENTRYID.
    assert!(!props.iter().any(|p| p.tag() == PR_IPM_OUTBOX_ENTRYID));

    let root = opened.root();
    let root_id = entry_id(&root);
    assert_eq!(long(&prop_of(&root, PR_ACCESS_LEVEL)), MAPI_MODIFY);
    for flags in [0, MAPI_NO_CACHE | SHOW_SOFT_DELETES | MAPI_DEFERRED_ERRORS] {
        let (_, read_only) = opened.open_entry(&[], flags).unwrap();
        let read_only: IMAPIProp = read_only.cast().unwrap();
        assert_eq!(long(&prop_of(&read_only, PR_ACCESS_LEVEL)), 0);
        assert_eq!(entry_id(&read_only), root_id);
    }
    assert_eq!(long(&prop_of(&root, PR_FOLDER_TYPE)), FOLDER_ROOT);
    assert_eq!(binary(&prop_of(&root, PR_PARENT_ENTRYID)), root_id);
    assert_eq!(long(&prop_of(&root, PR_OBJECT_TYPE)), MAPI_FOLDER);
    assert_eq!(
        prop_of(&root, PR_STORE_ENTRYID).value,
        value(PR_STORE_ENTRYID).value
    );

    let ipm = opened.folder(&binary(&value(PR_IPM_SUBTREE_ENTRYID)));
    assert_eq!(long(&prop_of(&ipm, PR_FOLDER_TYPE)), FOLDER_GENERIC);
    assert_eq!(binary(&prop_of(&ipm, PR_PARENT_ENTRYID)), root_id);
    assert_eq!(
        prop_of(&ipm, PR_DISPLAY_NAME_W).value,
        PropValue::Unicode("IPM".into())
    );
    let wastebasket = opened.folder(&binary(&value(PR_IPM_WASTEBASKET_ENTRYID)));
    assert_eq!(
        prop_of(&wastebasket, PR_DISPLAY_NAME_W).value,
        PropValue::Unicode("Deleted Items".into())
    );

    // Deleted, the wastebasket is no longer named: the properties follow the content.
    let wastebasket_id = entry_id(&wastebasket);
    let hr = unsafe { ipm.DeleteFolder(&wastebasket_id, 0, None, 0) };
    assert_eq!(hr, S_OK);
    let (hr, props) = get_props(&opened.store, None);
    assert_eq!(hr, S_OK);
    assert!(!props.iter().any(|p| p.tag() == PR_IPM_WASTEBASKET_ENTRYID));
    let mask = props.iter().find(|p| p.tag() == PR_VALID_FOLDER_MASK);
    assert_eq!(
        long(mask.unwrap()),
        FOLDER_IPM_SUBTREE_VALID | FOLDER_IPM_INBOX_VALID | FOLDER_IPM_SENTMAIL_VALID
    );
    let (hr, props) = get_props(&opened.store, Some(&[PR_IPM_WASTEBASKET_ENTRYID]));
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    assert_eq!(props[0].value, PropValue::Error(MAPI_E_NOT_FOUND));
    let mut list = null_mut::<SPropTagArray>();
    assert_eq!(unsafe { opened.store.GetPropList(0, &mut list) }, S_OK);
    let tags = unsafe {
        core::slice::from_raw_parts(list.cast::<u32>().add(1), *list.cast::<u32>() as usize)
    };
    assert!(!tags.contains(&PR_IPM_WASTEBASKET_ENTRYID));
    assert!(tags.contains(&PR_IPM_SENTMAIL_ENTRYID));
    unsafe { AllocatorSet::native().free(list.cast()) };
    opened.close(vec![root, ipm, wastebasket]);
}

#[test]
fn open_entry_refuses_what_is_not_one_of_the_stores_objects() {
    let opened = open(STORE);
    let folder_id = opened.ids.mint(ObjectKind::Folder, b"f1", false).unwrap();
    // Another provider's ID, another store's, a crafted one, a key that names nothing.
    let foreign = EntryIds::new(MAPIUID { ab: [7; 16] }, STORE).unwrap();
    let foreign_id = foreign.mint(ObjectKind::Folder, b"f1", false).unwrap();
    let other_store = EntryIds::new(UID, b"other").unwrap();
    let other_id = other_store.mint(ObjectKind::Folder, b"f1", false).unwrap();
    let mut crafted = folder_id.clone();
    crafted[20] = 9; // the version byte
    let mut kind_changed = folder_id.clone();
    kind_changed[21] = 3;
    let unknown = opened
        .ids
        .mint(ObjectKind::Folder, b"no such", false)
        .unwrap();
    let cases: [(&[u8], HRESULT); 7] = [
        (&foreign_id, MAPI_E_UNKNOWN_ENTRYID),
        (b"short", MAPI_E_UNKNOWN_ENTRYID),
        (&other_id, MAPI_E_INVALID_ENTRYID),
        (&crafted, MAPI_E_INVALID_ENTRYID),
        (&kind_changed, MAPI_E_INVALID_ENTRYID),
        (&folder_id[..24], MAPI_E_INVALID_ENTRYID),
        (&unknown, MAPI_E_NOT_FOUND),
    ];
    let root = opened.root();
    for (id, expected) in cases {
        assert_eq!(opened.open_entry(id, 0).err(), Some(expected), "{id:02X?}");
        // The folder's OpenEntry answers the same.
        let (mut kind, mut unk) = (0, null_mut());
        let hr = unsafe { root.OpenEntry(id, null(), 0, &mut kind, &mut unk) };
        assert_eq!(hr, expected);
        assert!(unk.is_null());
    }
    // A short-term ID opens the same folder as the long-term one.
    let short = opened.ids.mint(ObjectKind::Folder, b"f1", true).unwrap();
    let by_short = opened.folder(&short);
    assert_eq!(entry_id(&by_short), folder_id);

    // Unknown flags, NULL out-pointers, an interface a folder has not, NULL with a count.
    assert_eq!(
        opened.open_entry(&folder_id, 0x0100_0000).err(),
        Some(MAPI_E_UNKNOWN_FLAGS)
    );
    let mut unk = null_mut();
    let hr = unsafe {
        opened
            .store
            .OpenEntry(&folder_id, null(), 0, null_mut(), &mut unk)
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let mut kind = 0;
    let hr = unsafe {
        opened
            .store
            .OpenEntry(&folder_id, null(), 0, &mut kind, null_mut())
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr = unsafe {
        opened
            .store
            .OpenEntry(&folder_id, &IMsgStore::IID, 0, &mut kind, &mut unk)
    };
    assert_eq!(hr, MAPI_E_INTERFACE_NOT_SUPPORTED);
    assert!(unk.is_null());
    let hr = unsafe {
        (opened.store.vtable().OpenEntry)(
            opened.store.as_raw(),
            8,
            null_mut(),
            null(),
            0,
            &mut kind,
            &mut unk,
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    // Every interface of a folder can be asked for.
    for iid in [
        IUnknown::IID,
        IMAPIProp::IID,
        IMAPIContainer::IID,
        IMAPIFolder::IID,
    ] {
        let hr = unsafe {
            opened
                .store
                .OpenEntry(&folder_id, &iid, 0, &mut kind, &mut unk)
        };
        assert_eq!(hr, S_OK);
        assert_eq!(kind, MAPI_FOLDER);
        drop(unsafe { IUnknown::from_raw(unk) });
    }
    opened.close(vec![root, by_short]);
}

#[test]
fn open_entry_and_create_message_hand_out_message_objects() {
    let opened = open(STORE);
    let inbox = opened.named("Inbox");
    let inbox_id = entry_id(&inbox);
    let ids = message_ids(&inbox);
    let (kind, message) = opened.open_entry(&ids[0], MAPI_BEST_ACCESS).unwrap();
    assert_eq!(kind, MAPI_MESSAGE);
    let message: IMAPIProp = message.cast().unwrap();
    assert_eq!(
        prop_of(&message, PR_SUBJECT_W).value,
        PropValue::Unicode("one".into())
    );
    assert_eq!(binary(&prop_of(&message, PR_PARENT_ENTRYID)), inbox_id);
    assert_eq!(entry_id(&message), ids[0]);
    // Through the folder too.
    let (mut kind, mut unk) = (0, null_mut());
    let hr = unsafe { inbox.OpenEntry(&ids[1], &IMAPIProp::IID, 0, &mut kind, &mut unk) };
    assert_eq!((hr, kind), (S_OK, MAPI_MESSAGE));
    drop(unsafe { IUnknown::from_raw(unk) });

    // A new message is in the folder from its first SaveChanges on.
    let view = contents(&inbox);
    let mut raw = null_mut();
    let hr = unsafe { inbox.CreateMessage(null(), 0, &mut raw) };
    assert_eq!(hr, S_OK);
    let new = unsafe { IMAPIProp::from_raw(raw) };
    let subject = wide("new");
    let mut value = SPropValue {
        ulPropTag: PR_SUBJECT_W,
        dwAlignPad: 0,
        Value: unsafe { core::mem::zeroed() },
    };
    value.Value.lpszW = subject.as_ptr().cast_mut();
    assert_eq!(unsafe { new.SetProps(1, &mut value, null_mut()) }, S_OK);
    assert_eq!(row_count(&view), 3);
    assert_eq!(unsafe { new.SaveChanges(0) }, S_OK);
    assert_eq!(row_count(&view), 4);
    assert_eq!(counts(&inbox).0, 4);
    // Bad input.
    let hr = unsafe { inbox.CreateMessage(null(), MAPI_ASSOCIATED, &mut raw) };
    assert_eq!(hr, MAPI_E_NO_SUPPORT);
    let hr = unsafe { inbox.CreateMessage(null(), 0x100, &mut raw) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let hr = unsafe { inbox.CreateMessage(null(), 0, null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr = unsafe { inbox.CreateMessage(&IMsgStore::IID, 0, &mut raw) };
    assert_eq!(hr, MAPI_E_INTERFACE_NOT_SUPPORTED);
    drop((message, new, view));
    opened.close(vec![inbox]);
}

#[test]
fn a_read_only_store_refuses_modify_access_and_every_change() {
    let opened = open(READ_ONLY);
    assert_eq!(
        opened.open_entry(&[], MAPI_MODIFY).err(),
        Some(MAPI_E_NO_ACCESS)
    );
    // Best access opens it read-only.
    let inbox = opened.named("Inbox");
    assert_eq!(long(&prop_of(&inbox, PR_ACCESS_LEVEL)), 0);
    assert_eq!(
        create_folder(&inbox, "New", 0).err(),
        Some(MAPI_E_NO_ACCESS)
    );
    let ids = message_ids(&inbox);
    let mut one = EntryList::new(&ids[..1]);
    let hr = unsafe { inbox.DeleteMessages(one.as_mut_ptr(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_NO_ACCESS);
    let hr = unsafe { inbox.SetReadFlags(null_mut(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_NO_ACCESS);
    let hr = unsafe { inbox.EmptyFolder(0, None, 0) };
    assert_eq!(hr, MAPI_E_NO_ACCESS);
    assert_eq!(message_ids(&inbox).len(), 3);
    // Folder properties are read-only too.
    let mut value = SPropValue {
        ulPropTag: PR_COMMENT_W,
        dwAlignPad: 0,
        Value: unsafe { core::mem::zeroed() },
    };
    let comment = wide("x");
    value.Value.lpszW = comment.as_ptr().cast_mut();
    let hr = unsafe { inbox.SetProps(1, &mut value, null_mut()) };
    assert_eq!(hr, MAPI_E_NO_ACCESS);
    opened.close(vec![inbox]);
}

#[test]
fn compare_entry_ids_compares_objects_not_bytes() {
    let opened = open(STORE);
    let ids = &opened.ids;
    let long = ids.mint(ObjectKind::Folder, b"f1", false).unwrap();
    let short = ids.mint(ObjectKind::Folder, b"f1", true).unwrap();
    let other = ids.mint(ObjectKind::Folder, b"f2", false).unwrap();
    let message = ids.mint(ObjectKind::Message, b"f1", false).unwrap();
    let compare = |a: &[u8], b: &[u8], flags: u32| {
        let mut result = 7;
        let hr = unsafe { opened.store.CompareEntryIDs(a, b, flags, &mut result) };
        hr.ok().map(|()| result)
    };
    assert_eq!(compare(&long, &short, 0), Ok(1));
    assert_eq!(compare(&long, &other, 0), Ok(0));
    assert_eq!(compare(&long, &message, 0), Ok(0));
    assert_eq!(
        compare(&long, b"not ours", 0).unwrap_err().code(),
        MAPI_E_UNKNOWN_ENTRYID
    );
    assert_eq!(
        compare(&long, &short, 1).unwrap_err().code(),
        MAPI_E_UNKNOWN_FLAGS
    );
    let hr = unsafe { opened.store.CompareEntryIDs(&long, &short, 0, null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    opened.close(Vec::new());
}

#[test]
fn get_receive_folder_answers_the_inbox_for_every_class() {
    let opened = open(STORE);
    let inbox_id = entry_id(&opened.named("Inbox"));
    let allocators = AllocatorSet::native();
    let receive = |class: Option<&str>, unicode: bool| -> (Vec<u8>, String) {
        let wide_class = class.map(wide);
        let ansi_class = class.map(|c| [c.as_bytes(), &[0]].concat());
        let class_ptr = match (unicode, &wide_class, &ansi_class) {
            (true, Some(w), _) => w.as_ptr().cast_mut().cast(),
            (false, _, Some(a)) => a.as_ptr().cast_mut().cast(),
            _ => null_mut(),
        };
        let flags = if unicode { MAPI_UNICODE } else { 0 };
        let (mut cb, mut id, mut explicit) = (0u32, null_mut::<ENTRYID>(), null_mut());
        let hr = unsafe {
            opened
                .store
                .GetReceiveFolder(class_ptr, flags, &mut cb, &mut id, &mut explicit)
        };
        assert_eq!(hr, S_OK);
        let bytes = unsafe { core::slice::from_raw_parts(id.cast::<u8>(), cb as usize) }.to_vec();
        let explicit_text =
            unsafe { mapi_spi_runtime::provider::text::decode(explicit, unicode) }.unwrap();
        unsafe {
            allocators.free(id.cast());
            allocators.free(explicit.cast());
        }
        (bytes, explicit_text)
    };
    for unicode in [true, false] {
        assert_eq!(receive(None, unicode), (inbox_id.clone(), String::new()));
        assert_eq!(
            receive(Some(""), unicode),
            (inbox_id.clone(), String::new())
        );
        assert_eq!(
            receive(Some("IPM"), unicode),
            (inbox_id.clone(), "IPM".into())
        );
        assert_eq!(
            receive(Some("ipm.Note.Phone"), unicode),
            (inbox_id.clone(), "IPM".into())
        );
        assert_eq!(
            receive(Some("REPORT.IPM.Note.NDR"), unicode),
            (inbox_id.clone(), String::new())
        );
    }
    // The explicit class may be left out; the entry ID may not; unknown flags.
    let (mut cb, mut id) = (0u32, null_mut::<ENTRYID>());
    let hr = unsafe {
        opened
            .store
            .GetReceiveFolder(null_mut(), 0, &mut cb, &mut id, null_mut())
    };
    assert_eq!(hr, S_OK);
    unsafe { allocators.free(id.cast()) };
    let hr = unsafe {
        opened
            .store
            .GetReceiveFolder(null_mut(), 0, null_mut(), &mut id, null_mut())
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr = unsafe {
        opened
            .store
            .GetReceiveFolder(null_mut(), 2, &mut cb, &mut id, null_mut())
    };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    opened.close(Vec::new());
}

// ---------------------------------------------------------------------------------------------
// Tables.

/// How many of [`FOLDER_COLUMNS`], the first, are an object's identity, which messages have
/// too.
const IDENTITY_COLUMNS: usize = 8;

/// The columns every hierarchy row and folder object have, from the runtime.
const FOLDER_COLUMNS: [u32; 13] = [
    PR_ENTRYID,
    PR_RECORD_KEY,
    PR_INSTANCE_KEY,
    PR_PARENT_ENTRYID,
    PR_STORE_ENTRYID,
    PR_STORE_RECORD_KEY,
    PR_STORE_SUPPORT_MASK,
    PR_OBJECT_TYPE,
    PR_FOLDER_TYPE,
    PR_CONTENT_COUNT,
    PR_CONTENT_UNREAD,
    PR_SUBFOLDERS,
    PR_DISPLAY_NAME_W,
];

/// Every hierarchy row below `folder` (deep) agrees with the folder object it names.
fn check_hierarchy_agrees(opened: &Opened, folder: &IMAPIFolder) {
    for row in rows(&hierarchy(folder, CONVENIENT_DEPTH), &FOLDER_COLUMNS) {
        let object = opened.folder(&binary(&row[0]));
        let (hr, props) = get_props(&object, Some(&FOLDER_COLUMNS));
        assert_eq!(hr, S_OK);
        assert_eq!(row, props, "the row and the folder agree");
    }
}

#[test]
fn hierarchy_tables_list_subfolders_and_agree_with_the_folders() {
    let opened = open(STORE);
    let root = opened.root();
    let names = |flags| -> Vec<(String, u32)> {
        rows(&hierarchy(&root, flags), &[PR_DISPLAY_NAME_W, PR_DEPTH])
            .into_iter()
            .map(|row| match &row[0].value {
                PropValue::Unicode(name) => (name.to_string(), long(&row[1])),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(names(0), [("IPM".to_owned(), 0)]);
    let deep: Vec<(&str, u32)> = vec![
        ("IPM", 0),
        ("Inbox", 1),
        ("Projects", 2),
        ("Sent Items", 1),
        ("Deleted Items", 1),
        ("Drafts", 1),
    ];
    let got = names(CONVENIENT_DEPTH);
    let got: Vec<(&str, u32)> = got.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    assert_eq!(got, deep);
    check_hierarchy_agrees(&opened, &root);

    let inbox = opened.named("Inbox");
    assert_eq!(counts(&inbox), (3, 2, true));
    let projects = opened.folder(&opened.child(&inbox, "Projects"));
    assert_eq!(counts(&projects), (1, 1, false));
    assert_eq!(row_count(&hierarchy(&projects, 0)), 0);

    // Bad input.
    let mut table = null_mut();
    let hr = unsafe { root.GetHierarchyTable(0x0000_0100, &mut table) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    assert!(table.is_null());
    let hr = unsafe { root.GetHierarchyTable(0, null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    opened.close(vec![root, inbox, projects]);
}

#[test]
fn contents_tables_list_the_messages_with_the_folders_identity() {
    let opened = open(STORE);
    let inbox = opened.named("Inbox");
    let inbox_id = entry_id(&inbox);
    let table = contents(&inbox);
    let found = rows(
        &table,
        &[
            PR_ENTRYID,
            PR_PARENT_ENTRYID,
            PR_SUBJECT_W,
            PR_OBJECT_TYPE,
            PR_STORE_ENTRYID,
        ],
    );
    assert_eq!(found.len(), 3);
    for (row, subject) in found.iter().zip(["one", "two", "three"]) {
        let id = binary(&row[0]);
        let parsed = opened.ids.parse(&id).unwrap();
        assert_eq!(parsed.kind, ObjectKind::Message);
        assert_eq!(binary(&row[1]), inbox_id);
        assert_eq!(row[2].value, PropValue::Unicode(subject.into()));
        assert_eq!(long(&row[3]), MAPI_MESSAGE);
        assert_eq!(row[4].value, prop_of(&inbox, PR_STORE_ENTRYID).value);
    }
    // Each row's identity (its keys, and the folder's and store's that every row shares) is
    // its message's own.
    let identity = &FOLDER_COLUMNS[..IDENTITY_COLUMNS];
    for row in rows(&table, identity) {
        let (_, message) = opened.open_entry(&binary(&row[0]), 0).unwrap();
        let (hr, props) = get_props(&message.cast().unwrap(), Some(identity));
        assert_eq!(hr, S_OK);
        assert_eq!(row, props, "the row and the message agree");
    }
    // The tables open through their properties too.
    let open_table = |tag: u32, iid: &GUID| {
        let mut table = null_mut();
        let hr = unsafe { inbox.OpenProperty(tag, iid, 0, 0, &mut table) };
        hr.ok()
            .map(|()| row_count(&unsafe { IMAPITable::from_raw(table) }))
    };
    assert_eq!(open_table(PR_CONTAINER_CONTENTS, &IMAPITable::IID), Ok(3));
    assert_eq!(open_table(PR_CONTAINER_HIERARCHY, &IMAPITable::IID), Ok(1));
    assert_eq!(
        open_table(PR_FOLDER_ASSOCIATED_CONTENTS, &IMAPITable::IID),
        Ok(0)
    );
    assert_eq!(
        open_table(PR_CONTAINER_CONTENTS, &IMAPIProp::IID)
            .unwrap_err()
            .code(),
        MAPI_E_INTERFACE_NOT_SUPPORTED
    );
    // No associated messages.
    let mut associated = null_mut();
    let hr = unsafe { inbox.GetContentsTable(MAPI_ASSOCIATED, &mut associated) };
    assert_eq!(hr, S_OK);
    assert_eq!(row_count(&unsafe { IMAPITable::from_raw(associated) }), 0);
    // Bad input.
    let mut none = null_mut();
    let hr = unsafe { inbox.GetContentsTable(0x0000_0001, &mut none) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let hr = unsafe { inbox.GetContentsTable(0, null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    drop(table);
    opened.close(vec![inbox]);
}

// ---------------------------------------------------------------------------------------------
// Folder changes.

#[test]
fn create_folder_names_comments_collides_and_opens_if_it_exists() {
    let opened = open(STORE);
    let ipm = opened.ipm();
    let view = hierarchy(&ipm, 0);
    assert_eq!(row_count(&view), 4);

    let name = wide("Archive");
    let comment = wide("Old things");
    let mut raw = null_mut();
    let hr = unsafe {
        ipm.CreateFolder(
            FOLDER_GENERIC,
            name.as_ptr().cast_mut().cast(),
            comment.as_ptr().cast_mut().cast(),
            null(),
            MAPI_UNICODE,
            &mut raw,
        )
    };
    assert_eq!(hr, S_OK);
    let archive = unsafe { IMAPIFolder::from_raw(raw) };
    assert_eq!(
        prop_of(&archive, PR_COMMENT_W).value,
        PropValue::Unicode("Old things".into())
    );
    assert_eq!(
        binary(&prop_of(&archive, PR_PARENT_ENTRYID)),
        entry_id(&ipm)
    );
    assert_eq!(counts(&archive), (0, 0, false));
    // A table built after the change shows it; the parent now counts it.
    assert_eq!(row_count(&hierarchy(&ipm, 0)), 5);
    check_hierarchy_agrees(&opened, &ipm);

    // The same name (in another case): a collision, or the folder with OPEN_IF_EXISTS.
    assert_eq!(
        create_folder(&ipm, "ARCHIVE", 0).err(),
        Some(MAPI_E_COLLISION)
    );
    // GetLastError says why.
    let mut error = null_mut::<MAPIERROR>();
    let hr = unsafe { ipm.GetLastError(MAPI_E_COLLISION, MAPI_UNICODE, &mut error) };
    assert_eq!(hr, S_OK);
    assert!(!error.is_null());
    let text = unsafe { mapi_spi_runtime::provider::text::decode((*error).lpszError, true) };
    assert!(text.unwrap().contains("ARCHIVE"));
    unsafe { AllocatorSet::native().free(error.cast()) };
    let again = create_folder(&ipm, "archive", OPEN_IF_EXISTS).unwrap();
    assert_eq!(entry_id(&again), entry_id(&archive));
    // 8-bit names.
    let mut raw = null_mut();
    let hr = unsafe {
        ipm.CreateFolder(
            FOLDER_GENERIC,
            c"Ansi".as_ptr().cast_mut().cast(),
            null_mut(),
            null(),
            0,
            &mut raw,
        )
    };
    assert_eq!(hr, S_OK);
    let ansi = unsafe { IMAPIFolder::from_raw(raw) };
    assert_eq!(
        prop_of(&ansi, PR_DISPLAY_NAME_W).value,
        PropValue::Unicode("Ansi".into())
    );

    // Bad input: folder types, names, flags, out-pointer, interface.
    let try_create = |folder_type: u32, name: *mut c_void, flags: u32, iid: *const GUID| {
        let mut raw = null_mut();
        let hr = unsafe {
            ipm.CreateFolder(
                folder_type,
                name.cast(),
                null_mut(),
                iid,
                flags | MAPI_UNICODE,
                &mut raw,
            )
        };
        if !raw.is_null() {
            drop(unsafe { IUnknown::from_raw(raw) });
        }
        hr
    };
    let new = wide("New");
    let new_ptr = new.as_ptr().cast_mut().cast();
    assert_eq!(
        try_create(FOLDER_SEARCH, new_ptr, 0, null()),
        MAPI_E_NO_SUPPORT
    );
    assert_eq!(
        try_create(FOLDER_ROOT, new_ptr, 0, null()),
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        try_create(FOLDER_GENERIC, null_mut(), 0, null()),
        MAPI_E_INVALID_PARAMETER
    );
    let empty = wide("");
    assert_eq!(
        try_create(FOLDER_GENERIC, empty.as_ptr().cast_mut().cast(), 0, null()),
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        try_create(FOLDER_GENERIC, new_ptr, 0x0000_0100, null()),
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        try_create(FOLDER_GENERIC, new_ptr, 0, &IMAPIProp::IID),
        S_OK
    );
    let hr = unsafe {
        ipm.CreateFolder(
            FOLDER_GENERIC,
            new_ptr.cast(),
            null_mut(),
            null(),
            MAPI_UNICODE,
            null_mut(),
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    drop(view);
    opened.close(vec![ipm, archive, again, ansi]);
}

/// `SetProps` of `props`: the answer and the problems, (index, tag, code) each.
fn set_props(object: &IMAPIProp, props: &[Property]) -> (HRESULT, Vec<(u32, u32, HRESULT)>) {
    problems(client::set_props(object, props))
}

/// `DeleteProps` of `tags`: the answer and the problems.
fn delete_props(object: &IMAPIProp, tags: &[u32]) -> (HRESULT, Vec<(u32, u32, HRESULT)>) {
    problems(client::delete_props(object, tags))
}

/// A `SetProps` or `DeleteProps` answer with its problems as (index, tag, code); a failure
/// with none.
fn problems(
    answer: Result<(HRESULT, Vec<SPropProblem>), HRESULT>,
) -> (HRESULT, Vec<(u32, u32, HRESULT)>) {
    match answer {
        Ok((hr, problems)) => {
            let problems = problems
                .iter()
                .map(|p| (p.ulIndex, p.ulPropTag, HRESULT(p.scode)))
                .collect();
            (hr, problems)
        }
        Err(hr) => (hr, Vec::new()),
    }
}

/// The hierarchy row of the subfolder of `parent` with `id`, with `columns`.
fn hierarchy_row(parent: &IMAPIFolder, id: &[u8], columns: &[u32]) -> Vec<Property> {
    let mut with_id = vec![PR_ENTRYID];
    with_id.extend_from_slice(columns);
    rows(&hierarchy(parent, 0), &with_id)
        .into_iter()
        .find(|row| binary(&row[0]) == id)
        .expect("the folder's row")
        .split_off(1)
}

#[test]
fn a_folders_own_properties_are_written_at_once_and_the_runtimes_are_computed() {
    let opened = open(STORE);
    let ipm = opened.ipm();
    // As Outlook does right after CreateFolder: the class and the comment.
    let notes = create_folder(&ipm, "Notes", 0).unwrap();
    let notes_id = entry_id(&notes);
    let props = [
        text(PR_CONTAINER_CLASS_W, "IPF.StickyNote"),
        Property::for_tag(PR_COMMENT_A, PropValue::String8(b"Caf\xe9".to_vec())),
        Property::for_tag(PR_CONTENT_COUNT, PropValue::Long(5)),
        Property::for_tag(PR_ENTRYID, PropValue::Binary(b"forged".to_vec())),
        Property::for_tag(PR_ACCESS_LEVEL, PropValue::Long(0)),
    ];
    let (hr, problems) = set_props(&notes, &props);
    assert_eq!(hr, S_OK);
    assert_eq!(
        problems,
        [
            (2, PR_CONTENT_COUNT, MAPI_E_COMPUTED),
            (3, PR_ENTRYID, MAPI_E_COMPUTED),
            (4, PR_ACCESS_LEVEL, MAPI_E_COMPUTED),
        ]
    );
    assert_eq!(
        prop_of(&notes, PR_CONTAINER_CLASS_W).value,
        PropValue::Unicode("IPF.StickyNote".into())
    );
    assert_eq!(
        prop_of(&notes, PR_COMMENT_W).value,
        PropValue::Unicode("Café".into()),
        "8-bit text kept as Unicode"
    );
    assert_eq!(counts(&notes), (0, 0, false));
    assert_eq!(entry_id(&notes), notes_id);
    // Not transacted: another object and the hierarchy table see it at once; SaveChanges
    // has nothing left to do.
    let other = opened.folder(&notes_id);
    assert_eq!(
        prop_of(&other, PR_CONTAINER_CLASS_W).value,
        PropValue::Unicode("IPF.StickyNote".into())
    );
    let row = hierarchy_row(&ipm, &notes_id, &[PR_CONTAINER_CLASS_W, PR_COMMENT_W]);
    assert_eq!(row[0].value, PropValue::Unicode("IPF.StickyNote".into()));
    assert_eq!(row[1].value, PropValue::Unicode("Café".into()));
    assert_eq!(unsafe { notes.SaveChanges(KEEP_OPEN_READWRITE) }, S_OK);
    assert_eq!(
        unsafe { notes.SaveChanges(0x1000_0000) },
        MAPI_E_UNKNOWN_FLAGS
    );

    // Renamed through PR_DISPLAY_NAME_W, under the collision rule of a move.
    let (hr, _) = set_props(&notes, &[text(PR_DISPLAY_NAME_W, "inbox")]);
    assert_eq!(hr, MAPI_E_COLLISION);
    let (hr, problems) = set_props(&notes, &[text(PR_DISPLAY_NAME_W, "")]);
    assert_eq!(
        (hr, problems),
        (S_OK, vec![(0, PR_DISPLAY_NAME_W, MAPI_E_INVALID_PARAMETER)])
    );
    let (hr, problems) = set_props(&notes, &[text(PR_DISPLAY_NAME_W, "Sticky")]);
    assert_eq!((hr, problems), (S_OK, vec![]));
    let row = hierarchy_row(&ipm, &notes_id, &[PR_DISPLAY_NAME_W]);
    assert_eq!(row[0].value, PropValue::Unicode("Sticky".into()));
    assert_eq!(opened.child(&ipm, "Sticky"), notes_id);

    // Deleted: the provider's go, the runtime's and the name stay.
    let (hr, problems) = delete_props(
        &notes,
        &[
            PR_COMMENT_W,
            PR_DISPLAY_NAME_W,
            PR_SUBFOLDERS,
            PR_LAST_MODIFICATION_TIME,
        ],
    );
    assert_eq!(hr, S_OK);
    assert_eq!(
        problems,
        [
            (1, PR_DISPLAY_NAME_W, MAPI_E_NO_ACCESS),
            (2, PR_SUBFOLDERS, MAPI_E_COMPUTED),
        ]
    );
    let (hr, props) = get_props(&notes, Some(&[PR_COMMENT_W, PR_DISPLAY_NAME_W]));
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    assert_eq!(props[0].value, PropValue::Error(MAPI_E_NOT_FOUND));
    assert_eq!(props[1].value, PropValue::Unicode("Sticky".into()));

    // Bad input: a whole call the engine refuses, an empty list, NULL arrays.
    let (hr, _) = set_props(&notes, &[Property::for_tag(PR_COMMENT_W, PropValue::Null)]);
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(delete_props(&notes, &[]).0, MAPI_E_INVALID_PARAMETER);
    assert_eq!(
        unsafe { notes.SetProps(1, null_mut(), null_mut()) },
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        unsafe { notes.DeleteProps(null_mut(), null_mut()) },
        MAPI_E_INVALID_PARAMETER
    );

    // Opened read-only: no write.
    let (_, unk) = opened.open_entry(&notes_id, 0).unwrap();
    let read_only: IMAPIFolder = unk.cast().unwrap();
    let class = [text(PR_CONTAINER_CLASS_W, "IPF.Note")];
    assert_eq!(set_props(&read_only, &class).0, MAPI_E_NO_ACCESS);
    assert_eq!(
        delete_props(&read_only, &[PR_CONTAINER_CLASS_W]).0,
        MAPI_E_NO_ACCESS
    );
    opened.close(vec![ipm, notes, other, read_only]);

    // A read-only store: no write, whatever the access asked.
    let opened = open(READ_ONLY);
    let root = opened.root();
    assert_eq!(set_props(&root, &class).0, MAPI_E_NO_ACCESS);
    opened.close(vec![root]);
}

#[test]
fn delete_folder_needs_the_flags_for_what_the_folder_holds() {
    let opened = open(STORE);
    let ipm = opened.ipm();
    let inbox_id = opened.child(&ipm, "Inbox");
    let inbox = opened.folder(&inbox_id);
    let projects_id = opened.child(&inbox, "Projects");
    let delete = |folder: &IMAPIFolder, id: &[u8], flags: u32| unsafe {
        folder.DeleteFolder(id, 0, None, flags)
    };
    // Inbox has a subfolder and messages; Projects (below it) has a message.
    assert_eq!(delete(&ipm, &inbox_id, 0), MAPI_E_HAS_FOLDERS);
    assert_eq!(delete(&ipm, &inbox_id, DEL_FOLDERS), MAPI_E_HAS_MESSAGES);
    assert_eq!(delete(&inbox, &projects_id, 0), MAPI_E_HAS_MESSAGES);
    // Not a subfolder of this one; a message ID; unknown flags; bad IDs.
    assert_eq!(delete(&ipm, &projects_id, DEL_MESSAGES), MAPI_E_NOT_FOUND);
    let message = message_ids(&inbox).remove(0);
    assert_eq!(delete(&inbox, &message, 0), MAPI_E_INVALID_ENTRYID);
    assert_eq!(delete(&inbox, &projects_id, 0x100), MAPI_E_UNKNOWN_FLAGS);
    assert_eq!(delete(&inbox, b"junk", 0), MAPI_E_UNKNOWN_ENTRYID);
    assert_eq!(row_count(&hierarchy(&inbox, 0)), 1);

    assert_eq!(delete(&inbox, &projects_id, DEL_MESSAGES), S_OK);
    assert_eq!(row_count(&hierarchy(&inbox, 0)), 0);
    assert!(!counts(&inbox).2);
    assert_eq!(
        opened.open_entry(&projects_id, 0).err(),
        Some(MAPI_E_NOT_FOUND)
    );
    // An empty folder needs no flag.
    let empty = create_folder(&ipm, "Empty", 0).unwrap();
    assert_eq!(delete(&ipm, &entry_id(&empty), 0), S_OK);
    assert_eq!(
        delete(&ipm, &inbox_id, DEL_FOLDERS | DEL_MESSAGES | FOLDER_DIALOG),
        S_OK
    );
    check_hierarchy_agrees(&opened, &opened.root());
    opened.close(vec![ipm, inbox, empty]);
}

#[test]
fn copy_folder_copies_or_moves_and_refuses_cycles() {
    let opened = open(STORE);
    let ipm = opened.ipm();
    let inbox_id = opened.child(&ipm, "Inbox");
    let inbox = opened.folder(&inbox_id);
    let drafts = opened.named("Drafts");

    // A copy without COPY_SUBFOLDERS: the folder and its messages.
    assert_eq!(copy_folder(&ipm, &inbox_id, &drafts, None, 0), S_OK);
    let copy = opened.folder(&opened.child(&drafts, "Inbox"));
    assert_eq!(counts(&copy), (3, 2, false));
    assert_eq!(counts(&inbox), (3, 2, true), "the source is unchanged");
    // With COPY_SUBFOLDERS, renamed: the subtree.
    assert_eq!(
        copy_folder(&ipm, &inbox_id, &drafts, Some("Deep"), COPY_SUBFOLDERS),
        S_OK
    );
    let deep = opened.folder(&opened.child(&drafts, "Deep"));
    assert_eq!(counts(&deep), (3, 2, true));
    let deep_projects = opened.folder(&opened.child(&deep, "Projects"));
    assert_eq!(counts(&deep_projects), (1, 1, false));
    // The same name again: a collision.
    assert_eq!(
        copy_folder(&ipm, &inbox_id, &drafts, Some("deep"), 0),
        MAPI_E_COLLISION
    );

    // Into itself or below: a cycle, for a copy and for a move.
    let projects = opened.folder(&opened.child(&inbox, "Projects"));
    for flags in [0, FOLDER_MOVE] {
        assert_eq!(
            copy_folder(&ipm, &inbox_id, &projects, None, flags),
            MAPI_E_FOLDER_CYCLE
        );
        assert_eq!(
            copy_folder(&ipm, &inbox_id, &inbox, None, flags),
            MAPI_E_FOLDER_CYCLE
        );
    }

    // A move keeps the folder's ID and contents.
    let projects_id = entry_id(&projects);
    assert_eq!(
        copy_folder(&inbox, &projects_id, &drafts, Some("Moved"), FOLDER_MOVE),
        S_OK
    );
    assert_eq!(opened.child(&drafts, "Moved"), projects_id);
    assert_eq!(
        binary(&prop_of(&projects, PR_PARENT_ENTRYID)),
        entry_id(&drafts)
    );
    assert_eq!(counts(&projects), (1, 1, false));
    assert!(!counts(&inbox).2);

    // Bad input: not a subfolder of the source, a destination of no folder, unknown flags,
    // a destination interface no folder has.
    assert_eq!(
        copy_folder(&ipm, &projects_id, &drafts, None, 0),
        MAPI_E_NOT_FOUND
    );
    let hr = unsafe { ipm.CopyFolder(&inbox_id, null(), null_mut(), null_mut(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr = unsafe {
        ipm.CopyFolder(
            &inbox_id,
            null(),
            opened.store.as_raw(),
            null_mut(),
            0,
            None,
            0,
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER, "the store is no folder");
    assert_eq!(
        copy_folder(&ipm, &inbox_id, &drafts, None, 0x0100_0000),
        MAPI_E_UNKNOWN_FLAGS
    );
    let hr = unsafe {
        ipm.CopyFolder(
            &inbox_id,
            &IMsgStore::IID,
            drafts.as_raw(),
            null_mut(),
            0,
            None,
            0,
        )
    };
    assert_eq!(hr, MAPI_E_INTERFACE_NOT_SUPPORTED);
    check_hierarchy_agrees(&opened, &opened.root());
    opened.close(vec![
        ipm,
        inbox,
        drafts,
        copy,
        deep,
        deep_projects,
        projects,
    ]);
}

// ---------------------------------------------------------------------------------------------
// Message changes.

#[test]
fn copy_and_move_messages_update_both_folders_and_their_open_tables() {
    let opened = open(STORE);
    let inbox = opened.named("Inbox");
    let drafts = opened.named("Drafts");
    let (inbox_view, drafts_view) = (contents(&inbox), contents(&drafts));
    let ids = message_ids(&inbox);

    let mut two = EntryList::new(&ids[1..]);
    let hr = unsafe { inbox.CopyMessages(two.as_mut_ptr(), null(), drafts.as_raw(), 0, None, 0) };
    assert_eq!(hr, S_OK);
    assert_eq!((row_count(&inbox_view), row_count(&drafts_view)), (3, 2));
    assert_eq!(counts(&drafts), (2, 2, false));
    let copies = message_ids(&drafts);
    assert!(copies.iter().all(|id| !ids.contains(id)), "new messages");
    let subjects = rows(&drafts_view, &[PR_SUBJECT_W]);
    assert_eq!(subjects[0][0].value, PropValue::Unicode("two".into()));

    let mut first = EntryList::new(&ids[..1]);
    let hr = unsafe {
        inbox.CopyMessages(
            first.as_mut_ptr(),
            &IMAPIFolder::IID,
            drafts.as_raw(),
            0,
            None,
            MESSAGE_MOVE,
        )
    };
    assert_eq!(hr, S_OK);
    assert_eq!((row_count(&inbox_view), row_count(&drafts_view)), (2, 3));
    assert_eq!(counts(&inbox), (2, 2, true));
    assert_eq!(counts(&drafts), (3, 2, false));
    assert!(
        message_ids(&drafts).contains(&ids[0]),
        "a move keeps the ID"
    );

    // A move into the folder itself changes nothing; a copy there is a new message.
    let mut last = EntryList::new(&message_ids(&inbox)[1..]);
    let hr = unsafe {
        inbox.CopyMessages(
            last.as_mut_ptr(),
            null(),
            inbox.as_raw(),
            0,
            None,
            MESSAGE_MOVE,
        )
    };
    assert_eq!(hr, S_OK);
    assert_eq!(row_count(&inbox_view), 2);
    let hr = unsafe { inbox.CopyMessages(last.as_mut_ptr(), null(), inbox.as_raw(), 0, None, 0) };
    assert_eq!(hr, S_OK);
    assert_eq!(row_count(&inbox_view), 3);
    let copy = message_ids(&inbox).pop().unwrap();
    let mut copy_list = EntryList::new(&[copy]);
    assert_eq!(
        unsafe { inbox.DeleteMessages(copy_list.as_mut_ptr(), 0, None, 0) },
        S_OK
    );

    // An ID that is not in this folder any more, one of another store, a folder's: what can be
    // done is, and the answer says not all.
    let other = EntryIds::new(UID, b"other")
        .unwrap()
        .mint(ObjectKind::Message, b"m1", false)
        .unwrap();
    let folder_id = entry_id(&drafts);
    let mut mixed = EntryList::new(&[ids[0].clone(), other, folder_id, ids[1].clone()]);
    let hr = unsafe {
        inbox.CopyMessages(
            mixed.as_mut_ptr(),
            null(),
            drafts.as_raw(),
            0,
            None,
            MESSAGE_MOVE,
        )
    };
    assert_eq!(hr, MAPI_W_PARTIAL_COMPLETION);
    assert_eq!((row_count(&inbox_view), row_count(&drafts_view)), (1, 4));

    // Bad input.
    let hr = unsafe { inbox.CopyMessages(null_mut(), null(), drafts.as_raw(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr = unsafe { inbox.CopyMessages(first.as_mut_ptr(), null(), null_mut(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr =
        unsafe { inbox.CopyMessages(first.as_mut_ptr(), null(), drafts.as_raw(), 0, None, 0x100) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let mut broken = ENTRYLIST {
        cValues: 2,
        lpbin: null_mut(),
    };
    let hr = unsafe { inbox.CopyMessages(&mut broken, null(), drafts.as_raw(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let mut null_entry = SBinary {
        cb: 8,
        lpb: null_mut(),
    };
    let mut with_null = ENTRYLIST {
        cValues: 1,
        lpbin: &mut null_entry,
    };
    let hr = unsafe { inbox.CopyMessages(&mut with_null, null(), drafts.as_raw(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    check_hierarchy_agrees(&opened, &opened.root());
    drop((inbox_view, drafts_view));
    opened.close(vec![inbox, drafts]);
}

// ---------------------------------------------------------------------------------------------
// Copies and moves to another store.

/// A destination folder of another store whose messages' `SaveChanges` fail (a disk full
/// there), or with `no_message` whose `CreateMessage` answers `S_OK` and no message (a broken
/// provider): everything else is the wrapped folder's, and the folders it creates fail the
/// same.
#[mapi_object(IMAPIFolder)]
struct FailingSaves {
    folder: IMAPIFolder,
    container: IMAPIContainer,
    props: IMAPIProp,
    no_message: bool,
}

impl FailingSaves {
    fn wrap(folder: IMAPIFolder, no_message: bool) -> IMAPIFolder {
        let (container, props) = (folder.cast().unwrap(), folder.cast().unwrap());
        ComObject::new(FailingSaves {
            folder,
            container,
            props,
            no_message,
        })
        .into_interface()
    }
}

impl IMAPIPropImpl for FailingSaves {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }
}

impl IMAPIContainerImpl for FailingSaves {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIContainer> {
        Forward::To(&this.container)
    }
}

impl IMAPIFolderImpl for FailingSaves {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIFolder> {
        Forward::To(&this.folder)
    }

    unsafe fn CreateMessage(
        this: &Object<Self>,
        _lpInterface: *const GUID,
        ulFlags: u32,
        mut lppMessage: InterfaceOut<'_, IMessage>,
    ) -> HRESULT {
        if this.no_message {
            // The slot is left NULL: a success that hands back no message.
            return S_OK;
        }
        let message = match client::create_message(&this.folder, ulFlags) {
            Ok(message) => message,
            Err(hr) => return hr,
        };
        let props = message.cast().unwrap();
        let failing: IMessage = ComObject::new(FailingSave { message, props }).into_interface();
        lppMessage.set(failing);
        S_OK
    }

    unsafe fn CreateFolder(
        this: &Object<Self>,
        ulFolderType: u32,
        lpszFolderName: LPTSTR,
        lpszFolderComment: LPTSTR,
        lpInterface: *const GUID,
        ulFlags: u32,
        mut lppFolder: InterfaceOut<'_, IMAPIFolder>,
    ) -> HRESULT {
        // The interface `lpInterface` names, taken as IUnknown and asked for the folder.
        let created = unsafe {
            client::received::<IUnknown>(|raw| {
                this.folder.CreateFolder(
                    ulFolderType,
                    lpszFolderName,
                    lpszFolderComment,
                    lpInterface,
                    ulFlags,
                    raw,
                )
            })
        };
        match created {
            Ok(created) => {
                lppFolder.set(FailingSaves::wrap(created.cast().unwrap(), this.no_message));
                S_OK
            }
            Err(hr) => hr,
        }
    }
}

/// A message whose `SaveChanges` fails with `MAPI_E_DISK_ERROR`; the rest is the wrapped one's.
#[mapi_object(IMessage)]
struct FailingSave {
    message: IMessage,
    props: IMAPIProp,
}

impl IMAPIPropImpl for FailingSave {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }

    unsafe fn SaveChanges(_: &Object<Self>, _: u32) -> HRESULT {
        MAPI_E_DISK_ERROR
    }
}

impl IMessageImpl for FailingSave {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMessage> {
        Forward::To(&this.message)
    }
}

/// An object that says it is a folder of another store (its `GetProps` are a folder's) but
/// has no `IMAPIFolder`.
#[mapi_object(IMAPIProp)]
struct PropsOnly {
    props: IMAPIProp,
}

impl IMAPIPropImpl for PropsOnly {
    fn forward(this: &Object<Self>, _: MethodName) -> Forward<'_, IMAPIProp> {
        Forward::To(&this.props)
    }
}

fn as_prop<I: Interface>(object: &I) -> IMAPIProp {
    object.cast().unwrap()
}

/// A message in `folder` with a subject, a body, a recipient and an attachment, saved: its
/// entry ID.
fn full_message(folder: &IMAPIFolder, subject: &str) -> Vec<u8> {
    let message = client::create_message(folder, 0).unwrap();
    let props = [
        text(PR_SUBJECT_W, subject),
        text(PR_BODY_W, "the body"),
        text(PR_MESSAGE_CLASS_W, "IPM.Note"),
    ];
    assert_eq!(set_props(&as_prop(&message), &props).0, S_OK);
    let ann = vec![
        text(PR_DISPLAY_NAME_W, "Ann"),
        text(PR_EMAIL_ADDRESS_W, "ann@example.com"),
        text(PR_ADDRTYPE_W, "SMTP"),
        Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO)),
    ];
    assert_eq!(client::modify_recipients(&message, 0, &[ann]), S_OK);
    let (_, attach) = client::create_attach(&message, 0).unwrap();
    let attached = [
        text(PR_ATTACH_FILENAME_W, "a.txt"),
        Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        Property::for_tag(PR_ATTACH_DATA_BIN, PropValue::Binary(b"data".to_vec())),
    ];
    assert_eq!(set_props(&as_prop(&attach), &attached).0, S_OK);
    assert_eq!(unsafe { attach.SaveChanges(0) }, S_OK);
    assert_eq!(unsafe { message.SaveChanges(KEEP_OPEN_READONLY) }, S_OK);
    entry_id(&as_prop(&message))
}

/// Checks that message `id` of `store` is [`full_message`]'s `subject`, whole.
fn check_full_message(store: &IMsgStore, id: &[u8], subject: &str) {
    let (kind, unk) = open_in(store, id, 0).expect("the copy opens");
    assert_eq!(kind, MAPI_MESSAGE);
    let message: IMessage = unk.cast().unwrap();
    let props = get_props(&as_prop(&message), Some(&[PR_SUBJECT_W, PR_BODY_W])).1;
    assert_eq!(props[0].value, PropValue::Unicode(subject.into()));
    assert_eq!(props[1].value, PropValue::Unicode("the body".into()));
    let recipients = client::recipient_table(&message, MAPI_UNICODE).unwrap();
    let recipients = rows(&recipients, &[PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W]);
    assert_eq!(recipients.len(), 1);
    assert_eq!(recipients[0][0].value, PropValue::Unicode("Ann".into()));
    assert_eq!(
        recipients[0][1].value,
        PropValue::Unicode("ann@example.com".into())
    );
    let attachments = client::attachment_table(&message, MAPI_UNICODE).unwrap();
    let attachments = rows(&attachments, &[PR_ATTACH_NUM, PR_ATTACH_FILENAME_W]);
    assert_eq!(attachments.len(), 1);
    assert_eq!(attachments[0][1].value, PropValue::Unicode("a.txt".into()));
    let attach = client::open_attach(&message, long(&attachments[0][0]), 0).unwrap();
    assert_eq!(
        prop_of(&as_prop(&attach), PR_ATTACH_DATA_BIN).value,
        PropValue::Binary(b"data".to_vec())
    );
}

/// The subjects of a folder's messages, sorted.
fn subjects(folder: &IMAPIFolder) -> Vec<String> {
    let mut subjects: Vec<String> = rows(&contents(folder), &[PR_SUBJECT_W])
        .into_iter()
        .map(|row| match &row[0].value {
            PropValue::Unicode(subject) => subject.to_string(),
            other => panic!("no subject: {other:?}"),
        })
        .collect();
    subjects.sort();
    subjects
}

/// `CopyMessages` and `CopyFolder` into a folder of another store (a second store of the
/// provider, with its own key) go through that folder's methods: the copies hold the subject,
/// body, recipients and attachment; a move deletes the source only once the copy is saved,
/// so a destination that refuses (a read-only store, a `SaveChanges` that fails) loses
/// nothing; an object that is no folder is refused.
#[test]
fn copies_and_moves_to_another_store_go_through_the_destinations_folder() {
    let mut opened = open(STORE);
    let other = opened.session.logon(b"other", 0).expect("logon").store;
    let read_only = opened.session.logon(READ_ONLY, 0).expect("logon").store;
    let inbox = opened.named("Inbox");
    let inbox_view = contents(&inbox);
    let full = full_message(&inbox, "abroad");
    let drafts = opened.named_in(&other, "Drafts");
    assert_eq!(counts(&drafts), (0, 0, false));
    // This store's sink hears what leaves it.
    let recorder = client::Recorder::new();
    let sink: IMAPIAdviseSink = recorder.to_interface();
    let mut connection = 0;
    let events = fnevObjectCreated | fnevObjectDeleted | fnevObjectMoved | fnevObjectCopied;
    let hr = unsafe {
        opened
            .store
            .Advise(&[], events, Some(&sink), &mut connection)
    };
    assert_eq!(hr, S_OK);
    let heard = || -> Vec<u32> { recorder.take().iter().map(|heard| heard.event).collect() };
    heard();

    // A copy: the destination has it whole, the source still has it.
    assert_eq!(client::copy_messages(&inbox, &[&full], &drafts, 0), S_OK);
    assert_eq!(subjects(&drafts), ["abroad"]);
    check_full_message(&other, &message_ids(&drafts)[0], "abroad");
    assert_eq!(row_count(&inbox_view), 4);
    assert_eq!(heard(), [], "nothing changed in this store");

    // A move to a destination that refuses: the read-only store's answer, the source intact.
    let readonly_drafts = opened.named_in(&read_only, "Drafts");
    assert_eq!(
        client::copy_messages(&inbox, &[&full], &readonly_drafts, MESSAGE_MOVE),
        MAPI_E_NO_ACCESS
    );
    // A destination whose SaveChanges fails: its answer, nothing saved there, nothing lost.
    let failing = FailingSaves::wrap(drafts.clone(), false);
    assert_eq!(
        client::copy_messages(&inbox, &[&full], &failing, MESSAGE_MOVE),
        MAPI_E_DISK_ERROR
    );
    // One that hands out no message: its fault, answered as a failure.
    let broken = FailingSaves::wrap(drafts.clone(), true);
    assert_eq!(
        client::copy_messages(&inbox, &[&full], &broken, MESSAGE_MOVE),
        MAPI_E_CALL_FAILED
    );
    assert_eq!(row_count(&inbox_view), 4);
    check_full_message(&opened.store, &full, "abroad");
    assert_eq!(subjects(&drafts), ["abroad"]);
    assert_eq!(heard(), []);

    // A move: the copy saved there, the source gone here; an ID that is not in the folder
    // makes it partial.
    let ids = message_ids(&inbox);
    let gone = EntryIds::new(UID, STORE)
        .unwrap()
        .mint(ObjectKind::Message, b"gone", false)
        .unwrap();
    assert_eq!(
        client::copy_messages(&inbox, &[&full, &gone], &drafts, MESSAGE_MOVE),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(row_count(&inbox_view), 3);
    assert_eq!(heard(), [fnevObjectDeleted], "the source, deleted here");
    assert!(!message_ids(&inbox).contains(&full));
    assert_eq!(subjects(&drafts), ["abroad", "abroad"]);
    assert_eq!(counts(&inbox).0, 3);
    assert_eq!(ids.len(), 4);

    // Not a folder: the other store itself, an object with a folder's properties and no
    // IMAPIFolder.
    let first = &message_ids(&inbox)[..1];
    let hr = unsafe {
        let mut list = EntryList::new(first);
        inbox.CopyMessages(list.as_mut_ptr(), null(), other.as_raw(), 0, None, 0)
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let props_only: IMAPIProp = ComObject::new(PropsOnly {
        props: as_prop(&drafts),
    })
    .into_interface();
    let hr = unsafe {
        let mut list = EntryList::new(first);
        inbox.CopyMessages(list.as_mut_ptr(), null(), props_only.as_raw(), 0, None, 0)
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);

    // CopyFolder with COPY_SUBFOLDERS: the folder, its messages and its subfolders.
    let ipm = opened.ipm();
    let inbox_id = entry_id(&as_prop(&inbox));
    assert_eq!(
        copy_folder(&ipm, &inbox_id, &drafts, None, COPY_SUBFOLDERS),
        S_OK
    );
    let copy = folder_in(&other, &opened.child(&drafts, "Inbox"));
    assert_eq!(subjects(&copy), subjects(&inbox));
    let projects_copy = folder_in(&other, &opened.child(&copy, "Projects"));
    assert_eq!(subjects(&projects_copy), ["plan"]);
    // Again: the destination's collision.
    assert_eq!(
        copy_folder(&ipm, &inbox_id, &drafts, None, 0),
        MAPI_E_COLLISION
    );

    // A move whose messages the destination cannot save: partial, the source stays whole.
    let projects_id = opened.child(&inbox, "Projects");
    assert_eq!(
        copy_folder(&inbox, &projects_id, &failing, Some("Failed"), FOLDER_MOVE),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(opened.child(&inbox, "Projects"), projects_id);
    assert_eq!(subjects(&opened.folder(&projects_id)), ["plan"]);
    assert_eq!(heard(), []);
    // A move that succeeds: the folder is there, and gone here.
    assert_eq!(
        copy_folder(&inbox, &projects_id, &drafts, Some("Moved"), FOLDER_MOVE),
        S_OK
    );
    let moved = folder_in(&other, &opened.child(&drafts, "Moved"));
    assert_eq!(subjects(&moved), ["plan"]);
    assert!(!counts(&inbox).2, "the Inbox has no subfolder left");
    assert_eq!(heard(), [fnevObjectDeleted]);
    assert_eq!(
        open_in(&opened.store, &projects_id, 0).err(),
        Some(MAPI_E_NOT_FOUND)
    );
    check_hierarchy_agrees(&opened, &opened.root());

    assert_eq!(unsafe { opened.store.Unadvise(connection) }, S_OK);
    drop((inbox_view, failing, broken, props_only, sink));
    drop((drafts, readonly_drafts, copy, projects_copy, moved));
    assert_eq!(opened.session.close_store(other, LOGOFF_ORDERLY), S_OK);
    assert_eq!(opened.session.close_store(read_only, LOGOFF_ORDERLY), S_OK);
    opened.close(vec![inbox, ipm]);
}

/// A folder copied or moved to another store, or copied in its own, takes its
/// folder-associated messages along; a destination store that keeps none cannot take a move
/// whole: the source stays, with them.
#[test]
fn a_folder_copied_to_another_store_takes_its_associated_messages_or_is_not_moved() {
    let mut opened = open(ASSOCIATED);
    let keeps = opened.session.logon(b"associated-too", 0).unwrap().store;
    let keeps_none = opened.session.logon(STORE, 0).unwrap().store;
    let inbox = opened.named("Inbox");
    let projects_id = opened.child(&inbox, "Projects");
    let projects = opened.folder(&projects_id);
    let view = client::create_message(&projects, MAPI_ASSOCIATED).unwrap();
    assert_eq!(unsafe { view.SaveChanges(0) }, S_OK);
    let associated = |folder: &IMAPIFolder| long(&prop_of(folder, PR_ASSOC_CONTENT_COUNT));
    assert_eq!(associated(&projects), 1);
    let (drafts, plain_drafts) = (
        opened.named_in(&keeps, "Drafts"),
        opened.named_in(&keeps_none, "Drafts"),
    );

    assert_eq!(copy_folder(&inbox, &projects_id, &drafts, None, 0), S_OK);
    let copy = folder_in(&keeps, &opened.child(&drafts, "Projects"));
    assert_eq!((counts(&copy).0, associated(&copy)), (1, 1));
    let here = opened.named("Drafts");
    assert_eq!(copy_folder(&inbox, &projects_id, &here, None, 0), S_OK);
    let copy_here = opened.folder(&opened.child(&here, "Projects"));
    assert_eq!((counts(&copy_here).0, associated(&copy_here)), (1, 1));

    assert_eq!(
        copy_folder(&inbox, &projects_id, &plain_drafts, None, FOLDER_MOVE),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(opened.child(&inbox, "Projects"), projects_id, "not moved");
    assert_eq!((counts(&projects).0, associated(&projects)), (1, 1));

    assert_eq!(
        copy_folder(&inbox, &projects_id, &drafts, Some("Moved"), FOLDER_MOVE),
        S_OK
    );
    let moved = folder_in(&keeps, &opened.child(&drafts, "Moved"));
    assert_eq!((counts(&moved).0, associated(&moved)), (1, 1));
    assert_eq!(
        open_in(&opened.store, &projects_id, 0).err(),
        Some(MAPI_E_NOT_FOUND)
    );

    drop((
        view,
        projects,
        drafts,
        plain_drafts,
        copy,
        moved,
        here,
        copy_here,
    ));
    assert_eq!(opened.session.close_store(keeps, LOGOFF_ORDERLY), S_OK);
    assert_eq!(opened.session.close_store(keeps_none, LOGOFF_ORDERLY), S_OK);
    opened.close(vec![inbox]);
}

#[test]
fn delete_messages_and_empty_folder_remove_what_they_name() {
    let opened = open(STORE);
    let inbox = opened.named("Inbox");
    let view = contents(&inbox);
    let ids = message_ids(&inbox);
    let mut first = EntryList::new(&ids[..1]);
    assert_eq!(
        unsafe { inbox.DeleteMessages(first.as_mut_ptr(), 0, None, 0) },
        S_OK
    );
    assert_eq!(row_count(&view), 2);
    assert_eq!(counts(&inbox), (2, 2, true));
    // Again: not there any more.
    assert_eq!(
        unsafe { inbox.DeleteMessages(first.as_mut_ptr(), 0, None, 0) },
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(
        unsafe { inbox.DeleteMessages(null_mut(), 0, None, 0) },
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        unsafe { inbox.DeleteMessages(first.as_mut_ptr(), 0, None, 0x4) },
        MAPI_E_UNKNOWN_FLAGS
    );

    assert_eq!(
        unsafe { inbox.EmptyFolder(0, None, 0x1) },
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(unsafe { inbox.EmptyFolder(0, None, DEL_ASSOCIATED) }, S_OK);
    assert_eq!(row_count(&view), 0);
    assert_eq!(counts(&inbox), (0, 0, false));
    assert_eq!(row_count(&hierarchy(&inbox, 0)), 0);
    check_hierarchy_agrees(&opened, &opened.root());
    drop(view);
    opened.close(vec![inbox]);
}

/// In a store that keeps them, `CreateMessage` with `MAPI_ASSOCIATED` makes a folder-associated
/// message (`MSGFLAG_ASSOCIATED`, whatever flags the client writes), listed in the folder's
/// associated contents table only, counted in no `PR_CONTENT_COUNT`; it opens by its entry ID,
/// and `EmptyFolder` removes it only with `DEL_ASSOCIATED`.
#[test]
fn associated_messages_have_their_own_table_and_count_in_no_other() {
    let opened = open(ASSOCIATED);
    let inbox = opened.named("Inbox");
    let before = counts(&inbox);
    let view = contents(&inbox);
    let listed = row_count(&view);
    let mut raw = null_mut();
    let hr = unsafe { inbox.GetContentsTable(MAPI_ASSOCIATED | MAPI_UNICODE, &mut raw) };
    assert_eq!(hr, S_OK);
    let associated = unsafe { IMAPITable::from_raw(raw) };
    assert_eq!(row_count(&associated), 0);

    let hr = unsafe { inbox.CreateMessage(null(), MAPI_ASSOCIATED, &mut raw) };
    assert_eq!(hr, S_OK);
    let view_message = unsafe { IMAPIProp::from_raw(raw) };
    assert_eq!(
        long(&prop_of(&view_message, PR_MESSAGE_FLAGS)) & MSGFLAG_ASSOCIATED,
        MSGFLAG_ASSOCIATED
    );
    let class = "IPM.Microsoft.FolderDesign.NamedView";
    let written = [
        Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(0)),
        text(PR_MESSAGE_CLASS_W, class),
    ];
    assert_eq!(set_props(&view_message, &written).0, S_OK);
    assert_eq!(unsafe { view_message.SaveChanges(0) }, S_OK);
    assert_eq!(row_count(&associated), 1);
    assert_eq!(row_count(&view), listed);
    assert_eq!(counts(&inbox), before);
    let id = binary(&rows(&associated, &[PR_ENTRYID])[0][0]);
    let (kind, reopened) = opened.open_entry(&id, 0).unwrap();
    assert_eq!(kind, MAPI_MESSAGE);
    let reopened: IMAPIProp = reopened.cast().unwrap();
    assert_ne!(
        long(&prop_of(&reopened, PR_MESSAGE_FLAGS)) & MSGFLAG_ASSOCIATED,
        0
    );
    assert_eq!(
        prop_of(&reopened, PR_MESSAGE_CLASS_W).value,
        PropValue::Unicode(class.into())
    );

    // Emptied without DEL_ASSOCIATED, the folder keeps it; with it, not.
    assert_eq!(unsafe { inbox.EmptyFolder(0, None, 0) }, S_OK);
    assert_eq!((row_count(&view), row_count(&associated)), (0, 1));
    assert_eq!(unsafe { inbox.EmptyFolder(0, None, DEL_ASSOCIATED) }, S_OK);
    assert_eq!(row_count(&associated), 0);

    // DeleteMessages takes an associated message by its entry ID, as a normal one.
    let hr = unsafe { inbox.CreateMessage(null(), MAPI_ASSOCIATED, &mut raw) };
    assert_eq!(hr, S_OK);
    let another = unsafe { IMAPIProp::from_raw(raw) };
    assert_eq!(unsafe { another.SaveChanges(0) }, S_OK);
    let id = binary(&rows(&associated, &[PR_ENTRYID])[0][0]);
    let mut list = EntryList::new(&[id]);
    assert_eq!(
        unsafe { inbox.DeleteMessages(list.as_mut_ptr(), 0, None, 0) },
        S_OK
    );
    assert_eq!(row_count(&associated), 0);
    assert_eq!(long(&prop_of(&inbox, PR_ASSOC_CONTENT_COUNT)), 0);
    drop((view, associated, view_message, reopened, another));
    opened.close(vec![inbox]);
}

/// `PR_ASSOC_CONTENT_COUNT` of folder `id`: on the object, and in its row of `view` (an open
/// hierarchy view of its parent).
fn associated_counts(folder: &IMAPIFolder, view: &IMAPITable, id: &[u8]) -> (u32, u32) {
    let row = rows(view, &[PR_ENTRYID, PR_ASSOC_CONTENT_COUNT])
        .into_iter()
        .find(|row| binary(&row[0]) == id)
        .expect("the folder's row");
    (
        long(&prop_of(folder, PR_ASSOC_CONTENT_COUNT)),
        long(&row[1]),
    )
}

/// `PR_ASSOC_CONTENT_COUNT` counts a folder's associated messages, the same on the folder
/// object and in its hierarchy row (an open view's, kept current, and a table built afresh),
/// after each create and delete, and no other count changes with it; it is 0 in a store that
/// keeps none.
#[test]
fn the_associated_content_count_follows_creates_and_deletes_on_the_folder_and_its_row() {
    let mut opened = open(ASSOCIATED);
    let ipm = opened.ipm();
    let inbox_id = opened.child(&ipm, "Inbox");
    let inbox = opened.folder(&inbox_id);
    let view = hierarchy(&ipm, 0);
    let create = |flags: u32| {
        let message = client::create_message(&inbox, flags).unwrap();
        assert_eq!(unsafe { message.SaveChanges(0) }, S_OK);
    };
    let mut counted = counts(&inbox);
    assert_eq!(associated_counts(&inbox, &view, &inbox_id), (0, 0));
    create(MAPI_ASSOCIATED);
    create(MAPI_ASSOCIATED);
    assert_eq!(associated_counts(&inbox, &view, &inbox_id), (2, 2));
    assert_eq!(
        counts(&inbox),
        counted,
        "associated messages are not contents"
    );
    // A normal message is not counted.
    create(0);
    assert_eq!(associated_counts(&inbox, &view, &inbox_id), (2, 2));
    counted.0 += 1;
    counted.1 += 1;
    assert_eq!(counts(&inbox), counted);
    // Emptied without DEL_ASSOCIATED, the folder keeps them; with it, they are gone.
    assert_eq!(unsafe { inbox.EmptyFolder(0, None, 0) }, S_OK);
    assert_eq!(associated_counts(&inbox, &view, &inbox_id), (2, 2));
    create(MAPI_ASSOCIATED);
    assert_eq!(associated_counts(&inbox, &view, &inbox_id), (3, 3));
    assert_eq!(unsafe { inbox.EmptyFolder(0, None, DEL_ASSOCIATED) }, S_OK);
    assert_eq!(associated_counts(&inbox, &view, &inbox_id), (0, 0));
    assert_eq!(counts(&inbox), (0, 0, false));
    drop(view);
    // A table built afresh agrees too, and the count is computed: not the client's to write.
    create(MAPI_ASSOCIATED);
    let row = hierarchy_row(&ipm, &inbox_id, &[PR_ASSOC_CONTENT_COUNT]);
    assert_eq!(long(&row[0]), 1);
    assert_eq!(long(&prop_of(&inbox, PR_ASSOC_CONTENT_COUNT)), 1);
    let written = [Property::for_tag(
        PR_ASSOC_CONTENT_COUNT,
        PropValue::Long(9),
    )];
    let (hr, problems) = set_props(&inbox, &written);
    assert_eq!(hr, S_OK);
    assert_eq!(problems, [(0, PR_ASSOC_CONTENT_COUNT, MAPI_E_COMPUTED)]);

    // A store that keeps no associated messages counts none.
    let plain = opened.session.logon(STORE, 0).expect("logon").store;
    let plain_inbox = opened.named_in(&plain, "Inbox");
    assert_eq!(long(&prop_of(&plain_inbox, PR_ASSOC_CONTENT_COUNT)), 0);
    drop(plain_inbox);
    assert_eq!(opened.session.close_store(plain, LOGOFF_ORDERLY), S_OK);
    opened.close(vec![inbox, ipm]);
}

#[test]
fn read_flags_and_message_status_change_the_rows_and_the_counts() {
    let opened = open(STORE);
    let inbox = opened.named("Inbox");
    let view = contents(&inbox);
    let ids = message_ids(&inbox);
    let flags_of = |at: usize| long(&rows(&view, &[PR_MESSAGE_FLAGS])[at][0]);

    assert_eq!(unsafe { inbox.SetReadFlags(null_mut(), 0, None, 0) }, S_OK);
    assert_eq!(counts(&inbox).1, 0);
    assert_ne!(flags_of(1) & MSGFLAG_READ, 0);
    let mut second = EntryList::new(&ids[1..2]);
    let hr = unsafe { inbox.SetReadFlags(second.as_mut_ptr(), 0, None, CLEAR_READ_FLAG) };
    assert_eq!(hr, S_OK);
    assert_eq!(counts(&inbox).1, 1);
    assert_eq!(flags_of(1) & MSGFLAG_READ, 0);
    // SUPPRESS_RECEIPT marks read; GENERATE_RECEIPT_ONLY leaves the flag.
    let hr = unsafe { inbox.SetReadFlags(second.as_mut_ptr(), 0, None, GENERATE_RECEIPT_ONLY) };
    assert_eq!(hr, S_OK);
    assert_eq!(counts(&inbox).1, 1);
    let hr = unsafe { inbox.SetReadFlags(second.as_mut_ptr(), 0, None, SUPPRESS_RECEIPT) };
    assert_eq!(hr, S_OK);
    assert_eq!(counts(&inbox).1, 0);
    // The pages' incompatible pairs, unknown flags, an ID of no message here.
    for flags in [
        CLEAR_READ_FLAG | SUPPRESS_RECEIPT,
        CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY,
    ] {
        let hr = unsafe { inbox.SetReadFlags(second.as_mut_ptr(), 0, None, flags) };
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    }
    let hr = unsafe { inbox.SetReadFlags(second.as_mut_ptr(), 0, None, 0x100) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let mut foreign = EntryList::new(&[b"not an id".to_vec()]);
    let hr = unsafe { inbox.SetReadFlags(foreign.as_mut_ptr(), 0, None, 0) };
    assert_eq!(hr, MAPI_W_PARTIAL_COMPLETION);

    // Message status: set under a mask, read back, the old value returned.
    let status = |id: &[u8]| {
        let mut status = 7;
        let hr = unsafe { inbox.GetMessageStatus(id, 0, &mut status) };
        hr.ok().map(|()| status)
    };
    assert_eq!(status(&ids[0]), Ok(0));
    let mut old = 9;
    let hr = unsafe {
        inbox.SetMessageStatus(
            &ids[0],
            MSGSTATUS_TAGGED | MSGSTATUS_HIDDEN,
            MSGSTATUS_TAGGED,
            &mut old,
        )
    };
    assert_eq!((hr, old), (S_OK, 0));
    assert_eq!(status(&ids[0]), Ok(MSGSTATUS_TAGGED));
    let hr = unsafe { inbox.SetMessageStatus(&ids[0], MSGSTATUS_DELMARKED, !0, null_mut()) };
    assert_eq!(hr, S_OK);
    assert_eq!(status(&ids[0]), Ok(MSGSTATUS_DELMARKED));
    assert_eq!(
        long(&rows(&view, &[PR_MSG_STATUS])[0][0]),
        MSGSTATUS_DELMARKED
    );
    // Bad input.
    let mut status_out = 0;
    assert_eq!(
        unsafe { inbox.GetMessageStatus(&ids[0], 1, &mut status_out) },
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        unsafe { inbox.GetMessageStatus(&ids[0], 0, null_mut()) },
        MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(&entry_id(&inbox)).unwrap_err().code(),
        MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(status(b"junk").unwrap_err().code(), MAPI_E_UNKNOWN_ENTRYID);
    let drafts = opened.named("Drafts");
    assert_eq!(
        unsafe { drafts.GetMessageStatus(&ids[0], 0, &mut status_out) },
        MAPI_E_NOT_FOUND
    );
    drop(view);
    opened.close(vec![inbox, drafts]);
}

// ---------------------------------------------------------------------------------------------
// Notifications, through a support object of the test's own that records `Subscribe` and
// `Notify` (the host's support object has no Subscribe/Notify yet: once it has, these can run
// through `Session` too).

/// One `Notify` call: the key, the event, and the entry IDs of the object notification.
#[derive(Debug, Clone, PartialEq)]
struct Notified {
    key: Vec<u8>,
    event: u32,
    entry_id: Vec<u8>,
    parent_id: Vec<u8>,
    old_id: Vec<u8>,
    object_type: u32,
}

#[mapi_object(IMAPISupport)]
struct RecordingSupport {
    subscribed: Mutex<Vec<(Vec<u8>, u32)>>,
    notified: Mutex<Vec<Notified>>,
}

unsafe fn key_bytes(key: *const NOTIFKEY) -> Vec<u8> {
    let cb = unsafe { (*key).cb } as usize;
    unsafe { core::slice::from_raw_parts((*key).ab.as_ptr(), cb) }.to_vec()
}

unsafe fn id_bytes(cb: u32, id: *const ENTRYID) -> Vec<u8> {
    if id.is_null() {
        return Vec::new();
    }
    unsafe { core::slice::from_raw_parts(id.cast::<u8>(), cb as usize) }.to_vec()
}

impl IMAPISupportImpl for RecordingSupport {
    unsafe fn SetProviderUID(_: &Object<Self>, _: *mut MAPIUID, _: u32) -> HRESULT {
        S_OK
    }

    unsafe fn Subscribe(
        this: &Object<Self>,
        lpKey: *mut NOTIFKEY,
        ulEventMask: u32,
        _: u32,
        _: Option<&IMAPIAdviseSink>,
        lpulConnection: *mut usize,
    ) -> HRESULT {
        let mut subscribed = this.subscribed.lock().unwrap();
        subscribed.push((unsafe { key_bytes(lpKey) }, ulEventMask));
        unsafe { lpulConnection.write(subscribed.len()) };
        S_OK
    }

    unsafe fn Unsubscribe(this: &Object<Self>, ulConnection: usize) -> HRESULT {
        let subscribed = this.subscribed.lock().unwrap();
        if ulConnection == 0 || ulConnection > subscribed.len() {
            return MAPI_E_NOT_FOUND;
        }
        S_OK
    }

    unsafe fn Notify(
        this: &Object<Self>,
        lpKey: *mut NOTIFKEY,
        cNotification: u32,
        lpNotifications: *mut NOTIFICATION,
        _: *mut u32,
    ) -> HRESULT {
        for i in 0..cNotification as usize {
            let n = unsafe { &*lpNotifications.add(i) };
            let obj = unsafe { n.info.obj };
            this.notified.lock().unwrap().push(Notified {
                key: unsafe { key_bytes(lpKey) },
                event: n.ulEventType,
                entry_id: unsafe { id_bytes(obj.cbEntryID, obj.lpEntryID) },
                parent_id: unsafe { id_bytes(obj.cbParentID, obj.lpParentID) },
                old_id: unsafe { id_bytes(obj.cbOldID, obj.lpOldID) },
                object_type: obj.ulObjType,
            });
        }
        S_OK
    }
}

#[mapi_object(IMAPIAdviseSink)]
struct Sink;

impl IMAPIAdviseSinkImpl for Sink {
    unsafe fn OnNotify(_: &Object<Self>, _: u32, _: *mut NOTIFICATION) -> u32 {
        0
    }
}

/// The store logged on with the recording support object, without the host's session.
fn open_recording() -> (
    ComObject<RecordingSupport>,
    IMsgStore,
    IMSLogon,
    Session,
    MutexGuard<'static, ()>,
) {
    let serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let session = unsafe {
        Session::in_process(
            MSProviderInit,
            "store_folders.dll",
            SupportOptions::default(),
        )
    }
    .expect("MSProviderInit");
    let support = ComObject::new(RecordingSupport {
        subscribed: Mutex::default(),
        notified: Mutex::default(),
    });
    let support_interface: IMAPISupport = support.to_interface();
    let (mut logon, mut store) = (null_mut(), null_mut());
    let hr = unsafe {
        (session.provider().vtable().Logon)(
            session.provider().as_raw(),
            support_interface.as_raw(),
            0,
            null_mut(),
            STORE.len() as u32,
            STORE.as_ptr().cast_mut().cast(),
            0,
            null(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut logon,
            &mut store,
        )
    };
    assert_eq!(hr, S_OK);
    let (store, logon) = unsafe { (IMsgStore::from_raw(store), IMSLogon::from_raw(logon)) };
    (support, store, logon, session, serial)
}

#[test]
fn advise_subscribes_and_every_change_notifies_the_object_its_folder_and_the_store() {
    let (support, store, logon, session, _serial) = open_recording();
    let ids = EntryIds::new(UID, STORE).unwrap();
    let sink: IMAPIAdviseSink = ComObject::new(Sink).into_interface();

    // Advise on the store (no ID) and on a folder by its short-term ID: keys are the store's
    // own ID and the folder's long-term ID.
    let mut connection = 0;
    let hr = unsafe { store.Advise(&[], fnevObjectCreated, Some(&sink), &mut connection) };
    assert_eq!(hr, S_OK);
    let short = ids.mint(ObjectKind::Folder, b"f2", true).unwrap();
    let long_id = ids.mint(ObjectKind::Folder, b"f2", false).unwrap();
    let hr = unsafe {
        store.Advise(
            &short,
            fnevObjectModified | fnevObjectDeleted,
            Some(&sink),
            &mut connection,
        )
    };
    assert_eq!(hr, S_OK);
    assert_eq!(
        *support.subscribed.lock().unwrap(),
        [
            (STORE.to_vec(), fnevObjectCreated),
            (long_id.clone(), fnevObjectModified | fnevObjectDeleted)
        ]
    );
    assert_eq!(unsafe { store.Unadvise(connection) }, S_OK);
    // Bad input: no sink, no out-pointer, no event or an unknown one, a foreign ID.
    let hr = unsafe { store.Advise(&[], fnevObjectCreated, None, &mut connection) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr = unsafe { store.Advise(&[], fnevObjectCreated, Some(&sink), null_mut()) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let hr = unsafe { store.Advise(&[], 0, Some(&sink), &mut connection) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let hr = unsafe { store.Advise(&[], fnevStatusObjectModified, Some(&sink), &mut connection) };
    assert_eq!(hr, MAPI_E_UNKNOWN_FLAGS);
    let hr = unsafe { store.Advise(b"junk", fnevObjectCreated, Some(&sink), &mut connection) };
    assert_eq!(hr, MAPI_E_UNKNOWN_ENTRYID);

    // The Inbox (f2) of the IPM subtree (f1): a new subfolder, then a message moved out.
    let (mut kind, mut unk) = (0, null_mut());
    let hr = unsafe { store.OpenEntry(&long_id, null(), MAPI_MODIFY, &mut kind, &mut unk) };
    assert_eq!(hr, S_OK);
    let inbox: IMAPIFolder = unsafe { IMAPIFolder::from_raw(unk) };
    let taken = || core::mem::take(&mut *support.notified.lock().unwrap());
    let created = create_folder(&inbox, "New", 0).unwrap();
    let new_id = entry_id(&created);
    let seen = taken();
    let events: Vec<(u32, &[u8])> = seen.iter().map(|n| (n.event, &n.key[..])).collect();
    assert_eq!(
        events,
        [
            // Created: to the folder itself, its parent, the store.
            (fnevObjectCreated, &new_id[..]),
            (fnevObjectCreated, &long_id[..]),
            (fnevObjectCreated, STORE),
            // The Inbox's own modification (a subfolder more): itself, its parent, the store.
            (fnevObjectModified, &long_id[..]),
            (
                fnevObjectModified,
                &ids.mint(ObjectKind::Folder, b"f1", false).unwrap()[..]
            ),
            (fnevObjectModified, STORE),
        ]
    );
    assert_eq!(seen[0].entry_id, new_id);
    assert_eq!(seen[0].parent_id, long_id);
    assert_eq!(seen[0].object_type, MAPI_FOLDER);

    let drafts_id = ids.mint(ObjectKind::Folder, b"f5", false).unwrap();
    let hr = unsafe { store.OpenEntry(&drafts_id, null(), 0, &mut kind, &mut unk) };
    assert_eq!(hr, S_OK);
    let drafts: IMAPIFolder = unsafe { IMAPIFolder::from_raw(unk) };
    let message = message_ids(&inbox).remove(0);
    let mut one = EntryList::new(std::slice::from_ref(&message));
    let hr = unsafe {
        inbox.CopyMessages(
            one.as_mut_ptr(),
            null(),
            drafts.as_raw(),
            0,
            None,
            MESSAGE_MOVE,
        )
    };
    assert_eq!(hr, S_OK);
    let seen = taken();
    let moved: Vec<&Notified> = seen.iter().filter(|n| n.event == fnevObjectMoved).collect();
    // The message, its new folder, its old folder, the store.
    let keys: Vec<&[u8]> = moved.iter().map(|n| &n.key[..]).collect();
    assert_eq!(keys, [&message[..], &drafts_id, &long_id, STORE]);
    assert_eq!(moved[0].entry_id, message);
    assert_eq!(moved[0].old_id, message);
    assert_eq!(moved[0].parent_id, drafts_id);
    assert_eq!(moved[0].object_type, MAPI_MESSAGE);
    let modified: Vec<&[u8]> = seen
        .iter()
        .filter(|n| n.event == fnevObjectModified && n.object_type == MAPI_FOLDER)
        .map(|n| &n.entry_id[..])
        .collect();
    assert!(modified.contains(&&long_id[..]) && modified.contains(&&drafts_id[..]));

    // A folder's own properties changed: fnevObjectModified for it (to it, its parent, the
    // store).
    let (hr, _) = set_props(&created, &[text(PR_CONTAINER_CLASS_W, "IPF.Task")]);
    assert_eq!(hr, S_OK);
    let modified: Vec<(Vec<u8>, Vec<u8>)> = taken()
        .into_iter()
        .filter(|n| n.event == fnevObjectModified)
        .map(|n| (n.key, n.entry_id))
        .collect();
    assert_eq!(
        modified,
        [
            (new_id.clone(), new_id.clone()),
            (long_id.clone(), new_id.clone()),
            (STORE.to_vec(), new_id.clone()),
        ]
    );

    // Deleting a folder: one fnevObjectDeleted for it (to it, its parent, the store).
    let hr = unsafe { inbox.DeleteFolder(&new_id, 0, None, 0) };
    assert_eq!(hr, S_OK);
    let deleted: Vec<Notified> = taken()
        .into_iter()
        .filter(|n| n.event == fnevObjectDeleted)
        .collect();
    assert_eq!(deleted.len(), 3);
    assert!(deleted.iter().all(|n| n.entry_id == new_id));

    drop((inbox, drafts, created, sink));
    drop(store);
    let mut flags = 0;
    let _ = unsafe { logon.Logoff(&mut flags) };
    drop(logon);
    let report = session.shutdown();
    assert!(report.is_clean(), "{report}");
}

// ---------------------------------------------------------------------------------------------
// Open hierarchy views follow the folders.

/// A sink advised on `view`'s table notifications.
fn table_sink(view: &IMAPITable) -> ComObject<client::Recorder> {
    let sink = client::Recorder::new();
    client::advise_table(view, &sink.to_interface()).expect("Advise");
    sink
}

/// The table events `sink` heard since the last call, each with its row's `PR_INSTANCE_KEY`.
fn heard(sink: &client::Recorder) -> Vec<(u32, Vec<u8>)> {
    sink.take_rows()
        .into_iter()
        .map(|(event, index)| match index {
            Some(PropValue::Binary(key)) => (event, key),
            other => panic!("no instance key: {other:?}"),
        })
        .collect()
}

/// The (display name, depth, content count, unread count) of every row of `view`, sorted.
fn folder_list(view: &IMAPITable) -> Vec<(String, u32, u32, u32)> {
    let columns = [
        PR_DISPLAY_NAME_W,
        PR_DEPTH,
        PR_CONTENT_COUNT,
        PR_CONTENT_UNREAD,
    ];
    let mut list: Vec<_> = rows(view, &columns)
        .iter()
        .map(|row| match &row[0].value {
            PropValue::Unicode(name) => (
                name.to_string(),
                long(&row[1]),
                long(&row[2]),
                long(&row[3]),
            ),
            other => panic!("no name: {other:?}"),
        })
        .collect();
    list.sort();
    list
}

#[test]
fn open_hierarchy_views_follow_folders_and_counts_with_row_notifications() {
    let opened = open(STORE);
    let ipm = opened.ipm();
    let inbox = opened.named("Inbox");
    let drafts = opened.named("Drafts");
    let deep = hierarchy(&ipm, CONVENIENT_DEPTH | MAPI_UNICODE);
    let below_inbox = hierarchy(&inbox, MAPI_UNICODE);
    let (deep_sink, inbox_sink) = (table_sink(&deep), table_sink(&below_inbox));
    let fresh = |folder: &IMAPIFolder| folder_list(&hierarchy(folder, CONVENIENT_DEPTH));
    let key_of = |folder: &IMAPIFolder| binary(&prop_of(folder, PR_INSTANCE_KEY));
    let inbox_key = key_of(&inbox);

    // Created below the Inbox: a row added in both views.
    let created = create_folder(&inbox, "Neu", 0).unwrap();
    let key = key_of(&created);
    assert!(heard(&deep_sink).contains(&(TABLE_ROW_ADDED, key.clone())));
    assert_eq!(heard(&inbox_sink), [(TABLE_ROW_ADDED, key.clone())]);
    assert!(folder_list(&deep).contains(&("Neu".into(), 1, 0, 0)));
    assert_eq!(folder_list(&deep), fresh(&ipm), "as a new table lists them");

    // A message saved in it: its row's counts change, and only its row.
    let message = client::create_message(&created, 0).unwrap();
    let subject = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("Hallo".into()));
    assert_eq!(client::set_props(&message, &[subject]).unwrap().0, S_OK);
    assert_eq!(unsafe { message.SaveChanges(0) }, S_OK);
    drop(message);
    assert_eq!(heard(&deep_sink), [(TABLE_ROW_MODIFIED, key.clone())]);
    assert_eq!(heard(&inbox_sink), [(TABLE_ROW_MODIFIED, key.clone())]);
    assert!(folder_list(&deep).contains(&("Neu".into(), 1, 1, 1)));
    // Read: the unread count.
    assert_eq!(client::set_read_flags(&created, None, 0), S_OK);
    assert_eq!(heard(&inbox_sink), [(TABLE_ROW_MODIFIED, key.clone())]);
    assert!(folder_list(&below_inbox).contains(&("Neu".into(), 0, 1, 0)));
    // The Inbox's messages read: its row in the deep view, nothing below it.
    assert_eq!(client::set_read_flags(&inbox, None, 0), S_OK);
    assert!(heard(&deep_sink).contains(&(TABLE_ROW_MODIFIED, inbox_key.clone())));
    assert!(heard(&inbox_sink).is_empty());

    // Renamed: its row changes.
    let name = Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode("Umbenannt".into()));
    assert_eq!(client::set_props(&created, &[name]).unwrap().0, S_OK);
    assert!(heard(&inbox_sink).contains(&(TABLE_ROW_MODIFIED, key.clone())));
    assert!(folder_list(&below_inbox).contains(&("Umbenannt".into(), 0, 1, 0)));
    drop(heard(&deep_sink));

    // Moved into Drafts: gone from the Inbox's view; in the deep one below Drafts.
    let created_id = entry_id(&created);
    assert_eq!(
        copy_folder(&inbox, &created_id, &drafts, None, FOLDER_MOVE),
        S_OK
    );
    assert!(heard(&inbox_sink).contains(&(TABLE_ROW_DELETED, key.clone())));
    assert!(!folder_list(&below_inbox).iter().any(|f| f.0 == "Umbenannt"));
    assert!(!heard(&deep_sink).is_empty());
    assert!(folder_list(&deep).contains(&("Umbenannt".into(), 1, 1, 0)));
    assert_eq!(folder_list(&deep), fresh(&ipm));

    // Deleted: its row goes from the deep view too.
    let moved_id = opened.child(&drafts, "Umbenannt");
    let moved_key = binary(&prop_of(&opened.folder(&moved_id), PR_INSTANCE_KEY));
    let hr = unsafe { drafts.DeleteFolder(&moved_id, 0, None, DEL_MESSAGES) };
    assert_eq!(hr, S_OK);
    assert!(heard(&deep_sink).contains(&(TABLE_ROW_DELETED, moved_key)));
    assert_eq!(folder_list(&deep), fresh(&ipm));

    // A view released, its table is no longer kept current: a new one lists what is there.
    drop((below_inbox, inbox_sink));
    let again = create_folder(&inbox, "Später", 0).unwrap();
    assert!(
        folder_list(&hierarchy(&inbox, 0))
            .iter()
            .any(|f| f.0 == "Später")
    );
    drop((deep, deep_sink));
    opened.close(vec![ipm, inbox, drafts, created, again]);
}

/// Every row of `view` in its order: (instance key, display name, depth).
fn in_order(view: &IMAPITable) -> Vec<(Vec<u8>, String, u32)> {
    rows(view, &[PR_INSTANCE_KEY, PR_DISPLAY_NAME_W, PR_DEPTH])
        .iter()
        .map(|row| match &row[1].value {
            PropValue::Unicode(name) => (binary(&row[0]), name.to_string(), long(&row[2])),
            other => panic!("no name: {other:?}"),
        })
        .collect()
}

/// `keys`, a view's rows in order, changed as the table notifications `sink` heard say: each
/// row deleted, or (added or modified) put right after its `propPrior`.
fn replay_heard(keys: &mut Vec<Vec<u8>>, sink: &client::Recorder) {
    let key = |prop: Option<Property>| match prop.map(|p| p.value) {
        Some(PropValue::Binary(key)) => Some(key),
        Some(PropValue::Null) => None,
        other => panic!("not an instance key: {other:?}"),
    };
    for heard in sink.take().into_iter().filter_map(|heard| heard.table) {
        let index = key(heard.index).expect("a row's index");
        keys.retain(|k| *k != index);
        match heard.event {
            TABLE_ROW_DELETED => {}
            TABLE_ROW_ADDED | TABLE_ROW_MODIFIED => {
                let at = key(heard.prior).map_or(0, |prior| {
                    keys.iter()
                        .position(|k| *k == prior)
                        .expect("the prior row is shown")
                        + 1
                });
                keys.insert(at, index);
            }
            other => panic!("table event {other}"),
        }
    }
}

/// The IPM subtree, its Inbox and Drafts, and a deep view of the subtree with a sink advised.
fn watched(
    opened: &Opened,
) -> (
    IMAPIFolder,
    IMAPIFolder,
    IMAPIFolder,
    IMAPITable,
    ComObject<client::Recorder>,
) {
    let ipm = opened.ipm();
    let inbox = opened.named("Inbox");
    let drafts = opened.named("Drafts");
    let deep = hierarchy(&ipm, CONVENIENT_DEPTH | MAPI_UNICODE);
    let sink = table_sink(&deep);
    (ipm, inbox, drafts, deep, sink)
}

#[test]
fn an_open_deep_hierarchy_view_lists_new_and_moved_folders_where_a_new_view_does() {
    let opened = open(STORE);
    let (ipm, inbox, drafts, deep, sink) = watched(&opened);
    let mut told: Vec<Vec<u8>> = in_order(&deep).into_iter().map(|row| row.0).collect();
    // The open view, row for row, is what a new view lists, and what its notifications told.
    let agrees = |told: &mut Vec<Vec<u8>>| {
        replay_heard(told, &sink);
        let open = in_order(&deep);
        assert_eq!(
            open,
            in_order(&hierarchy(&ipm, CONVENIENT_DEPTH | MAPI_UNICODE))
        );
        let keys: Vec<Vec<u8>> = open.iter().map(|row| row.0.clone()).collect();
        assert_eq!(*told, keys, "the notifications' propPrior");
        open.into_iter()
            .map(|row| (row.1, row.2))
            .collect::<Vec<_>>()
    };
    let names = |list: &[(&str, u32)]| -> Vec<(String, u32)> {
        list.iter()
            .map(|(name, depth)| (name.to_string(), *depth))
            .collect()
    };

    // Below the Inbox, after its Projects: not at the end of the view.
    let created = create_folder(&inbox, "Neu", 0).unwrap();
    let nested = create_folder(&created, "Tief", 0).unwrap();
    assert_eq!(
        agrees(&mut told),
        names(&[
            ("Inbox", 0),
            ("Projects", 1),
            ("Neu", 1),
            ("Tief", 2),
            ("Sent Items", 0),
            ("Deleted Items", 0),
            ("Drafts", 0),
        ])
    );
    // Moved with its subfolder under Drafts, and Projects to the top.
    let created_id = entry_id(&created);
    assert_eq!(
        copy_folder(&inbox, &created_id, &drafts, None, FOLDER_MOVE),
        S_OK
    );
    let projects_id = opened.child(&inbox, "Projects");
    assert_eq!(
        copy_folder(&inbox, &projects_id, &ipm, None, FOLDER_MOVE),
        S_OK
    );
    assert_eq!(
        agrees(&mut told),
        names(&[
            ("Inbox", 0),
            ("Sent Items", 0),
            ("Deleted Items", 0),
            ("Drafts", 0),
            ("Neu", 1),
            ("Tief", 2),
            ("Projects", 0),
        ])
    );
    drop((deep, sink));
    opened.close(vec![ipm, inbox, drafts, created, nested]);
}

#[test]
fn an_open_hierarchy_view_agrees_with_a_new_one_after_concurrent_writers() {
    let opened = open(STORE);
    let (ipm, inbox, drafts, deep, sink) = watched(&opened);
    // Counts read from contents tables, as a client with both open sees them.
    let views = [contents(&inbox), contents(&drafts)];

    std::thread::scope(|scope| {
        for writer in 0..4 {
            let folder = if writer % 2 == 0 { &inbox } else { &drafts };
            scope.spawn(move || {
                for n in 0..10 {
                    let message = client::create_message(folder, 0).unwrap();
                    let subject = format!("{writer}/{n}");
                    let props = [Property::for_tag(
                        PR_SUBJECT_W,
                        PropValue::Unicode(subject.into()),
                    )];
                    assert_eq!(client::set_props(&message, &props).unwrap().0, S_OK);
                    assert_eq!(unsafe { message.SaveChanges(0) }, S_OK);
                    let read = if n % 2 == 0 { 0 } else { CLEAR_READ_FLAG };
                    assert_eq!(client::set_read_flags(folder, None, read), S_OK);
                }
            });
        }
    });
    assert_eq!(
        folder_list(&deep),
        folder_list(&hierarchy(&ipm, CONVENIENT_DEPTH)),
        "no row keeps an older count"
    );
    assert!(!heard(&sink).is_empty());
    drop((views, deep, sink));
    opened.close(vec![ipm, inbox, drafts]);
}

#[test]
fn a_panic_in_the_providers_content_fails_the_call_it_reached_and_the_store_goes_on() {
    let opened = open(PANICKY);
    let inbox = opened.named("Inbox");
    let inbox_id = entry_id(&inbox);
    let message_id = message_ids(&inbox).remove(0);
    let view = contents(&inbox);
    // `boundary`: the vtable method whose guard catches it.
    let panicking = |method: &'static str, boundary: &str, call: &dyn Fn() -> HRESULT| {
        *PANIC_IN.lock().unwrap() = Some(method);
        let (hr, caught) = caught_panics::catching(call);
        *PANIC_IN.lock().unwrap() = None;
        assert!(hr.is_err(), "{method}: {hr:?}");
        assert_eq!(caught, [format!("{boundary}: {method} panics")]);
        // The same call works once the provider does.
        assert_eq!(call(), S_OK, "{method} again");
    };
    /// A call's code, whatever it hands out dropped.
    fn code<T>(result: Result<T, HRESULT>) -> HRESULT {
        result.err().unwrap_or(S_OK)
    }
    panicking("folder", "IMsgStore::OpenEntry", &|| {
        code(opened.open_entry(&inbox_id, MAPI_BEST_ACCESS))
    });
    panicking("message", "IMsgStore::OpenEntry", &|| {
        code(opened.open_entry(&message_id, MAPI_BEST_ACCESS))
    });
    panicking("subfolders", "IMAPIContainer::GetHierarchyTable", &|| {
        code(client::hierarchy_table(&inbox, 0))
    });
    // A folder's contents table is built once: a folder without one reads the listing.
    let drafts = opened.named("Drafts");
    panicking("messages", "IMAPIContainer::GetContentsTable", &|| {
        code(client::contents_table(&drafts, 0))
    });
    // An open view asks the provider for others' changes before it answers.
    panicking("changes", "IMAPITable::GetRowCount", &|| {
        let mut count = 0;
        unsafe { view.GetRowCount(0, &mut count) }
    });
    panicking("save_message", "IMAPIProp::SaveChanges", &|| {
        let new = client::create_message(&inbox, 0).expect("CreateMessage");
        unsafe { new.SaveChanges(0) }
    });
    assert_eq!(
        counts(&inbox).0,
        4,
        "the one save that worked, nothing else"
    );
    drop(view);
    opened.close(vec![inbox, drafts]);
}
