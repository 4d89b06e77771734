//! The Maildir store as MAPI clients reach it: logged on in-process through a configured
//! profile, every call through the objects' vtables, on a copy of the fixture Maildir. What a
//! client does shows on disk (a saved message is a file, a move a rename, a delete no file),
//! and what another program does on disk shows to the client (a delivery is a new row with
//! `fnevObjectCreated` and `fnevNewMail`, a vanished file an `MAPI_E_OBJECT_DELETED` save).
#![allow(non_snake_case)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use maildir_store::maildir::{self, ScratchMaildir};
use maildir_store::sidecar::{ASSOCIATED_FILE, NAMES_FILE, PROPS_FILE};
use maildir_store::{MSProviderInit, SERVICE, ServiceEntry};
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::client::{
    EntryList, Recorder, advise_table, attachment_table, contents_table, copy_folder,
    copy_messages, create_attach, create_folder, create_message, delete_messages, get_props,
    hierarchy_table, ids_from_names, message_status, modify_recipients, open_attach, open_entry,
    open_property, query_rows, read_stream, receive_folder, recipient_table, save_at_once,
    set_message_status, set_props, set_read_flags, write_stream,
};
use mapi_spi_runtime::host::service::call_service_entry;
use mapi_spi_runtime::host::{OpenedStore, Profile, Session, SupportOptions};
use mapi_spi_runtime::interfaces::{
    IMAPIAdviseSink, IMAPIFolder, IMAPIProp, IMAPITable, IMessage, IMsgStore,
};
use mapi_spi_runtime::props::names::{PS_PUBLIC_STRINGS, PropName};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{SContentRestriction, SRestriction, SSubRestriction};
use mapi_spi_runtime::{GUID, Interface};

const PATH: u32 = 0x6600_001F;

/// A copy of the fixture Maildir for test `name`, removed when dropped.
fn scratch(name: &str) -> ScratchMaildir {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture/Maildir");
    ScratchMaildir::copy_of(&fixture, &format!("through-mapi-{name}")).unwrap()
}

/// The leak report counts the process's host buffers: one session at a time.
static ONE_SESSION_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A session logged on to the Maildir at `path`, through a profile configured with it.
fn logon(path: &Path) -> (Session, OpenedStore) {
    let profile = Profile::new(AllocatorSet::native());
    let service = profile.add_service(&SERVICE);
    let section = service.provider(MAPI_STORE_PROVIDER).unwrap();
    let props = [Property::for_tag(
        PATH,
        PropValue::Unicode(path.to_str().unwrap().into()),
    )];
    // SAFETY: ServiceEntry is the crate's MSGSERVICEENTRY.
    let configured = unsafe {
        call_service_entry(
            ServiceEntry,
            &profile,
            &service,
            MSG_SERVICE_CONFIGURE,
            0,
            &props,
            AllocatorSet::native(),
            &Default::default(),
        )
    };
    assert_eq!(configured.code, S_OK);
    // SAFETY: the crate's MSProviderInit.
    let mut session = unsafe {
        Session::in_process(
            MSProviderInit,
            "maildir_store.dll",
            SupportOptions::default(),
        )
    }
    .expect("MSProviderInit")
    .with_profile(&profile, section);
    let opened = session
        .logon(&[], MDB_WRITE | MDB_NO_DIALOG)
        .expect("logon");
    (session, opened)
}

/// A test's session on its own copy of the fixture (see [`scratch`] and [`logon`]), one at a
/// time.
struct Fixture {
    store: IMsgStore,
    opened: OpenedStore,
    session: Session,
    maildir: ScratchMaildir,
    _serial: MutexGuard<'static, ()>,
}

impl Fixture {
    fn start(name: &str) -> Fixture {
        let serial = ONE_SESSION_AT_A_TIME
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let maildir = scratch(name);
        let (session, opened) = logon(&maildir);
        Fixture {
            store: opened.store.clone(),
            opened,
            session,
            maildir,
            _serial: serial,
        }
    }

    /// Closes the store and shuts the session down, checking that nothing leaked (every
    /// object the test opened is released first).
    fn finish(self) {
        let Fixture {
            store,
            opened,
            mut session,
            maildir,
            _serial,
        } = self;
        drop(store);
        assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
        assert!(session.shutdown().is_clean());
        drop(maildir);
    }
}

fn open<I: Interface>(store: &IMsgStore, id: &[u8], flags: u32) -> I {
    let (_, object) = open_entry(store, id, flags).expect("OpenEntry");
    object.cast().expect("the interface")
}

fn contents(folder: &IMAPIFolder) -> IMAPITable {
    contents_table(folder, MAPI_UNICODE).expect("GetContentsTable")
}

fn binary(row: &[Property], tag: u32) -> Vec<u8> {
    match row.iter().find(|p| p.tag() == tag).map(|p| &p.value) {
        Some(PropValue::Binary(bytes)) => bytes.clone(),
        other => panic!("no binary 0x{tag:08X}: {other:?}"),
    }
}

fn text(row: &[Property], tag: u32) -> String {
    match row.iter().find(|p| p.tag() == tag).map(|p| &p.value) {
        Some(PropValue::Unicode(text)) => text.to_string(),
        other => panic!("no text 0x{tag:08X}: {other:?}"),
    }
}

/// The message files of a Maildir folder directory (`new/` and `cur/`).
fn files(folder: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(folder.join(sub)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().is_some_and(|n| n != ".keep"))
        .collect();
    found.sort();
    found
}

/// The folder named `name` in the store's hierarchy (whole depth), with its entry ID.
fn folder_id(store: &IMsgStore, name: &str) -> Vec<u8> {
    let row = folder_rows(store)
        .into_iter()
        .find(|row| text(row, PR_DISPLAY_NAME_W) == name)
        .unwrap_or_else(|| panic!("no folder {name}"));
    binary(&row, PR_ENTRYID)
}

/// Every folder of the store (the root's hierarchy, whole depth): entry ID, display name and
/// depth.
fn folder_rows(store: &IMsgStore) -> Vec<Vec<Property>> {
    let root: IMAPIFolder = open(store, &[], 0);
    let table = hierarchy_table(&root, CONVENIENT_DEPTH | MAPI_UNICODE).expect("hierarchy");
    query_rows(&table, &[PR_ENTRYID, PR_DISPLAY_NAME_W, PR_DEPTH]).unwrap()
}

/// The display names of every folder of the store.
fn folder_names(store: &IMsgStore) -> Vec<String> {
    folder_rows(store)
        .iter()
        .map(|row| text(row, PR_DISPLAY_NAME_W))
        .collect()
}

/// Every directory and file below `root`, relative to it, with a file's bytes (a directory
/// has none): the whole Maildir, to show that a refused call changed nothing on disk.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                found.insert(relative, None);
                pending.push(path);
            } else {
                found.insert(relative, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    found
}

/// The entries of `snapshot` below the top-level directory `dir` (`.Archive`: `.Archive/cur`,
/// ..., not `.Archive.2023`).
fn below<'a>(
    snapshot: &'a BTreeMap<PathBuf, Option<Vec<u8>>>,
    dir: &'a str,
) -> impl Iterator<Item = (&'a PathBuf, &'a Option<Vec<u8>>)> {
    snapshot
        .iter()
        .filter(move |(path, _)| path.starts_with(dir))
}

/// The entry IDs of a folder's messages, in the contents table's order.
fn message_ids(folder: &IMAPIFolder) -> Vec<Vec<u8>> {
    query_rows(&contents(folder), &[PR_ENTRYID])
        .unwrap()
        .iter()
        .map(|row| binary(row, PR_ENTRYID))
        .collect()
}

/// The unique file name a message's entry ID names (its key ends with `/` and that name).
fn unique_of(id: &[u8]) -> String {
    let at = id.iter().rposition(|&b| b == b'/').expect("a message key");
    String::from_utf8(id[at + 1..].to_vec()).unwrap()
}

/// The message file of `unique` in folder directory `folder`: `None` when there is none,
/// else its info flags (`None` in `new/`, which has no info).
fn info_flags(folder: &Path, unique: &str) -> Option<Option<String>> {
    files(folder).into_iter().find_map(|path| {
        let name = path.file_name()?.to_str()?.to_owned();
        let (found, flags) = maildir::split_file_name(&name);
        (found == unique).then(|| flags.map(str::to_owned))
    })
}

/// Delivers `mail` into Maildir folder directory `folder` as another program does: written in
/// `tmp/`, renamed into `new/` as `unique`.
fn deliver(folder: &Path, unique: &str, mail: &str) {
    let tmp = folder.join("tmp").join(unique);
    std::fs::write(&tmp, mail).unwrap();
    std::fs::rename(&tmp, folder.join("new").join(unique)).unwrap();
}

/// The entry ID of an open object.
fn entry_id(object: &IMAPIProp) -> Vec<u8> {
    let (_, props) = get_props(object, Some(&[PR_ENTRYID]), 0).unwrap();
    binary(&props, PR_ENTRYID)
}

/// Whether `dir` is a whole Maildir++ folder: `cur`, `new`, `tmp` and the `maildirfolder`
/// marker.
fn is_maildir_folder(dir: &Path) -> bool {
    ["cur", "new", "tmp"]
        .iter()
        .all(|sub| dir.join(sub).is_dir())
        && dir.join("maildirfolder").is_file()
}

#[test]
fn a_delivery_by_another_program_is_a_new_row_with_new_mail() {
    let t = Fixture::start("delivery");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, 0);
    let view = contents(&inbox);
    let before = query_rows(&view, &[PR_SUBJECT_W]).unwrap().len();

    let recorder = Recorder::new();
    let sink: IMAPIAdviseSink = recorder.to_interface();
    let mut connection = 0;
    // SAFETY: a live store, the Inbox's ID, a live sink, a valid out-pointer.
    let hr = unsafe {
        store.Advise(
            &inbox_id,
            fnevObjectCreated | fnevNewMail,
            Some(&sink),
            &mut connection,
        )
    };
    assert_eq!(hr, S_OK);

    // Another program delivers, the Maildir way: written in tmp/, renamed into new/.
    let mail = "From: Postfix <postfix@example.org>\r\nTo: me@example.org\r\n\
                Subject: =?UTF-8?Q?Zustellung_f=C3=BCr_dich?=\r\n\
                Message-ID: <delivery.1@example.org>\r\n\r\nDelivered by another program.\r\n";
    deliver(maildir, "1800000000.M1P1.elsewhere", mail);

    // The open view's next query finds it; the sink hears of it.
    let rows = query_rows(&view, &[PR_SUBJECT_W]).unwrap();
    assert_eq!(rows.len(), before + 1);
    assert!(
        rows.iter()
            .any(|row| text(row, PR_SUBJECT_W) == "Zustellung für dich"),
        "{rows:?}"
    );
    let events: Vec<u32> = recorder.take().iter().map(|heard| heard.event).collect();
    assert!(events.contains(&fnevObjectCreated), "{events:?}");
    assert!(events.contains(&fnevNewMail), "{events:?}");

    // SAFETY: a live store; its own connection.
    assert_eq!(unsafe { store.Unadvise(connection) }, S_OK);
    drop((view, inbox, sink));
    t.finish();
}

#[test]
fn a_saved_message_is_a_file_a_move_a_rename_a_delete_no_file() {
    let t = Fixture::start("writes");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, MAPI_MODIFY);
    let inbox_files = files(maildir);

    let message = create_message(&inbox, 0).unwrap();
    let subject = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("Über Maildir".into()));
    let body = Property::for_tag(PR_BODY_W, PropValue::Unicode("Saved through MAPI.".into()));
    assert_eq!(set_props(&message, &[subject, body]).unwrap().0, S_OK);
    // Nothing on disk before SaveChanges.
    assert_eq!(files(maildir), inbox_files);
    // SAFETY: a live message.
    assert_eq!(unsafe { message.SaveChanges(KEEP_OPEN_READWRITE) }, S_OK);
    let saved: Vec<PathBuf> = files(maildir)
        .into_iter()
        .filter(|path| !inbox_files.contains(path))
        .collect();
    assert_eq!(saved.len(), 1, "one new file");
    let written = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(written.contains("Subject:"), "{written}");
    assert!(written.contains("Saved through MAPI."), "{written}");
    let id = entry_id(&message);
    drop(message);

    // Moved into Archive: the file moves into .Archive/cur/.
    let archive_id = folder_id(store, "Archive");
    let archive: IMAPIFolder = open(store, &archive_id, MAPI_MODIFY);
    assert_eq!(copy_messages(&inbox, &[&id], &archive, MESSAGE_MOVE), S_OK);
    assert_eq!(files(maildir), inbox_files);
    let archived = files(&maildir.join(".Archive"));
    assert_eq!(archived.len(), 1);
    assert_eq!(
        std::fs::read_to_string(&archived[0]).unwrap(),
        written,
        "a move is a rename: the same bytes"
    );

    // Deleted from Archive: no file is left.
    let rows = query_rows(&contents(&archive), &[PR_ENTRYID]).unwrap();
    let moved_id = binary(&rows[0], PR_ENTRYID);
    assert_eq!(delete_messages(&archive, &[&moved_id], 0), S_OK);
    assert!(files(&maildir.join(".Archive")).is_empty());

    drop((inbox, archive));
    t.finish();
}

#[test]
fn crafted_entry_ids_reach_nothing_and_a_vanished_file_loses_nothing() {
    let t = Fixture::start("crafted");
    let (maildir, store) = (&t.maildir, &t.store);
    let before: Vec<PathBuf> = files(maildir);

    // Another provider's ID, a truncated one, one of ours with its object key rewritten to
    // climb out of the Maildir: none opens anything, and nothing on disk changes.
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let mut foreign = inbox_id.clone();
    foreign[4] ^= 0xFF;
    assert_eq!(
        open_entry(store, &foreign, 0).err(),
        Some(MAPI_E_UNKNOWN_ENTRYID)
    );
    assert_eq!(
        open_entry(store, &inbox_id[..inbox_id.len() / 2], 0).err(),
        Some(MAPI_E_INVALID_ENTRYID)
    );
    let inbox: IMAPIFolder = open(store, &inbox_id, MAPI_MODIFY);
    let rows = query_rows(&contents(&inbox), &[PR_ENTRYID]).unwrap();
    let message_id = binary(&rows[0], PR_ENTRYID);
    for climb in [&b"/../../etc/passwd"[..], b"\\..\\..\\x", b"/"] {
        let mut crafted = message_id.clone();
        let at = crafted.len() - 1;
        crafted.truncate(at);
        crafted.extend_from_slice(climb);
        let refused = open_entry(store, &crafted, 0).err();
        assert!(
            matches!(refused, Some(MAPI_E_NOT_FOUND | MAPI_E_INVALID_ENTRYID)),
            "{refused:?}"
        );
    }
    assert_eq!(files(maildir), before);

    // A message opened for writing whose file another program deletes: its save answers
    // MAPI_E_OBJECT_DELETED and writes nothing back; the object keeps its changes.
    let message: IMessage = open(store, &message_id, MAPI_MODIFY);
    let (_, props) = get_props(&message, Some(&[PR_INTERNET_MESSAGE_ID_W]), MAPI_UNICODE).unwrap();
    let header = text(&props, PR_INTERNET_MESSAGE_ID_W);
    let victim = files(maildir)
        .into_iter()
        .find(|path| {
            std::fs::read(path).is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(&header))
        })
        .expect("the message's file");
    std::fs::remove_file(&victim).unwrap();
    let renamed = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("changed".into()));
    assert_eq!(set_props(&message, &[renamed]).unwrap().0, S_OK);
    // SAFETY: a live message.
    assert_eq!(unsafe { message.SaveChanges(0) }, MAPI_E_OBJECT_DELETED);
    let after = files(maildir);
    let expected: Vec<PathBuf> = before.into_iter().filter(|path| *path != victim).collect();
    assert_eq!(
        after, expected,
        "nothing written back, nothing else touched"
    );
    let (_, props) = get_props(&message, Some(&[PR_SUBJECT_W]), MAPI_UNICODE).unwrap();
    assert_eq!(
        text(&props, PR_SUBJECT_W),
        "changed",
        "the object keeps its changes"
    );

    drop((message, inbox));
    t.finish();
}

#[test]
fn a_folder_outlook_creates_is_a_maildir_folder_and_keeps_its_class() {
    let t = Fixture::start("folders");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, MAPI_MODIFY);

    // What Outlook does: CreateFolder, then SetProps of the new folder's class.
    let created = create_folder(&inbox, "Projekte", 0).unwrap();
    let made: Vec<String> = std::fs::read_dir(maildir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with("Projekte"))
        .collect();
    assert_eq!(made.len(), 1, "one Maildir++ directory");
    for sub in ["cur", "new", "tmp"] {
        assert!(maildir.join(&made[0]).join(sub).is_dir());
    }
    let class = Property::for_tag(PR_CONTAINER_CLASS_W, PropValue::Unicode("IPF.Note".into()));
    let (hr, problems) = set_props(&created, &[class]).unwrap();
    assert_eq!((hr, problems.len()), (S_OK, 0));
    // Other properties go to the folder's sidecar file, beside its cur/ and new/.
    let comment = Property::for_tag(PR_COMMENT_W, PropValue::Unicode("notes".into()));
    let (hr, problems) = set_props(&created, &[comment]).unwrap();
    assert_eq!((hr, problems.len()), (S_OK, 0));
    assert!(maildir.join(&made[0]).join(PROPS_FILE).is_file());
    let (_, props) = get_props(
        &created,
        Some(&[PR_DISPLAY_NAME_W, PR_CONTAINER_CLASS_W, PR_COMMENT_W]),
        MAPI_UNICODE,
    )
    .unwrap();
    assert_eq!(text(&props, PR_DISPLAY_NAME_W), "Projekte");
    assert_eq!(text(&props, PR_CONTAINER_CLASS_W), "IPF.Note");
    assert_eq!(text(&props, PR_COMMENT_W), "notes");

    drop((created, inbox));
    t.finish();
}

/// `name` as a folder's new `PR_DISPLAY_NAME_W`.
fn new_name(name: &str) -> Property {
    Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode(name.into()))
}

/// `snapshot` with every entry below the top-level directories `from` and `from.*` moved to
/// `to` and `to.*`: what renaming folder `from` with its subtree does to the Maildir.
fn renamed_in(
    snapshot: &BTreeMap<PathBuf, Option<Vec<u8>>>,
    from: &str,
    to: &str,
) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    snapshot
        .iter()
        .map(|(path, bytes)| {
            let mut parts = path.components();
            let top = parts.next().unwrap().as_os_str().to_str().unwrap();
            let top = match top.strip_prefix(from) {
                Some(rest) if rest.is_empty() || rest.starts_with('.') => format!("{to}{rest}"),
                _ => top.to_owned(),
            };
            (Path::new(&top).join(parts.as_path()), bytes.clone())
        })
        .collect()
}

#[test]
fn an_outlook_rename_renames_the_folders_directories_and_names_it_by_a_new_id() {
    let t = Fixture::start("rename");
    let (maildir, store) = (&t.maildir, &t.store);
    let recorder = Recorder::new();
    let sink: IMAPIAdviseSink = recorder.to_interface();
    let mut connection = 0;
    // SAFETY: a live store, no entry ID (the whole store), a live sink, a valid out-pointer.
    let hr = unsafe {
        store.Advise(
            &[],
            fnevObjectMoved | fnevObjectModified,
            Some(&sink),
            &mut connection,
        )
    };
    assert_eq!(hr, S_OK);
    let ipm_id = {
        let (_, props) = get_props(store, Some(&[PR_IPM_SUBTREE_ENTRYID]), 0).unwrap();
        binary(&props, PR_IPM_SUBTREE_ENTRYID)
    };
    let ipm: IMAPIFolder = open(store, &ipm_id, MAPI_MODIFY);
    let view = hierarchy_table(&ipm, MAPI_UNICODE).expect("hierarchy");
    let (archive_id, year_id) = (folder_id(store, "Archive"), folder_id(store, "2023"));
    let year: IMAPIFolder = open(store, &year_id, 0);
    let year_messages = message_ids(&year).len();
    assert_eq!(year_messages, 1);
    let archive: IMAPIFolder = open(store, &archive_id, MAPI_MODIFY);
    // Outlook keeps a hierarchy view open on each folder it shows expanded.
    let archive_view = hierarchy_table(&archive, MAPI_UNICODE).expect("hierarchy");
    let before = snapshot(maildir);

    // What Outlook does: SetProps of the name on the open folder (here with a comment too).
    let comment = Property::for_tag(PR_COMMENT_W, PropValue::Unicode("alt".into()));
    let (hr, problems) = set_props(&archive, &[new_name("Ablage Ü"), comment]).unwrap();
    assert_eq!((hr, problems.len()), (S_OK, 0));
    // The directories renamed, the subfolder's with them, the name in modified UTF-7; every
    // file kept, the comment in the sidecar file under the new name.
    let dir = ".Ablage &ANw-";
    assert!(!maildir.join(".Archive").exists());
    assert!(!maildir.join(".Archive.2023").exists());
    assert!(is_maildir_folder(&maildir.join(dir)));
    assert!(is_maildir_folder(&maildir.join(format!("{dir}.2023"))));
    let mut after = snapshot(maildir);
    assert!(after.remove(&Path::new(dir).join(PROPS_FILE)).is_some());
    assert_eq!(after, renamed_in(&before, ".Archive", dir));
    // The same object: the new name, a new entry ID, the comment.
    let (_, props) = get_props(
        &archive,
        Some(&[PR_DISPLAY_NAME_W, PR_ENTRYID, PR_COMMENT_W]),
        MAPI_UNICODE,
    )
    .unwrap();
    assert_eq!(text(&props, PR_DISPLAY_NAME_W), "Ablage Ü");
    assert_eq!(text(&props, PR_COMMENT_W), "alt");
    let new_id = binary(&props, PR_ENTRYID);
    assert_ne!(new_id, archive_id);
    // Its tables are the renamed folder's: a new view, and the one open before.
    let columns = [PR_DISPLAY_NAME_W, PR_ENTRYID];
    let children = query_rows(&hierarchy_table(&archive, MAPI_UNICODE).unwrap(), &columns);
    let children = children.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(text(&children[0], PR_DISPLAY_NAME_W), "2023");
    let new_year_id = binary(&children[0], PR_ENTRYID);
    assert_ne!(new_year_id, year_id);
    assert_eq!(query_rows(&archive_view, &columns).unwrap(), children);
    // The sinks hear a move: new and old IDs, the same parent.
    let moved: Vec<_> = recorder
        .take()
        .into_iter()
        .filter(|heard| heard.event == fnevObjectMoved)
        .filter_map(|heard| heard.object)
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].object_type, MAPI_FOLDER);
    assert_eq!(moved[0].entry_id, new_id);
    assert_eq!(moved[0].old_id, archive_id);
    assert_eq!(moved[0].parent_id, ipm_id);
    assert_eq!(moved[0].old_parent_id, ipm_id);
    // The new IDs open the folders, their messages and subfolders; the old ones name nothing.
    let reopened: IMAPIFolder = open(store, &new_id, 0);
    assert_eq!(entry_id(&reopened.cast().unwrap()), new_id);
    let new_year: IMAPIFolder = open(store, &new_year_id, 0);
    let ids = message_ids(&new_year);
    assert_eq!(ids.len(), year_messages);
    let message: IMessage = open(store, &ids[0], 0);
    let (_, props) = get_props(&message.cast().unwrap(), Some(&[PR_SUBJECT_W]), 0).unwrap();
    assert!(matches!(props[0].value, PropValue::Unicode(_)));
    for old in [&archive_id, &year_id] {
        assert_eq!(open_entry(store, old, 0).err(), Some(MAPI_E_NOT_FOUND));
    }
    // Every hierarchy view shows the new name, the open one too.
    let names = folder_names(store);
    assert!(names.iter().any(|n| n == "Ablage Ü"));
    assert!(!names.iter().any(|n| n == "Archive"));
    let rows = query_rows(&view, &[PR_DISPLAY_NAME_W, PR_ENTRYID]).unwrap();
    assert!(
        rows.iter()
            .any(|row| text(row, PR_DISPLAY_NAME_W) == "Ablage Ü"
                && binary(row, PR_ENTRYID) == new_id)
    );

    // Refused, nothing changed on disk: a sibling's name (case-insensitive, the Inbox's
    // too), a name that is no Maildir folder name, the folders whose places are fixed, and a
    // directory rename the file system refuses (a directory not a Maildir folder there).
    std::fs::create_dir_all(maildir.join(".Neu").join("junk")).unwrap();
    let before = snapshot(maildir);
    for (name, error) in [
        ("drafts", MAPI_E_COLLISION),
        ("INBOX", MAPI_E_COLLISION),
        ("a.b", MAPI_E_INVALID_PARAMETER),
        ("..", MAPI_E_INVALID_PARAMETER),
        ("a/b", MAPI_E_INVALID_PARAMETER),
        ("a\\b", MAPI_E_INVALID_PARAMETER),
        ("tab\tname", MAPI_E_INVALID_PARAMETER),
        ("Neu", MAPI_E_DISK_ERROR),
    ] {
        assert_eq!(
            set_props(&archive, &[new_name(name)]).err(),
            Some(error),
            "{name}"
        );
    }
    let inbox: IMAPIFolder = open(
        store,
        &receive_folder(store, "IPM.Note").unwrap(),
        MAPI_MODIFY,
    );
    let root: IMAPIFolder = open(store, &[], MAPI_MODIFY);
    for fixed in [&inbox, &ipm, &root] {
        let fixed: IMAPIProp = fixed.cast().unwrap();
        assert_eq!(
            set_props(&fixed, &[new_name("Other")]).err(),
            Some(MAPI_E_NO_ACCESS)
        );
    }
    // An empty name is the runtime's problem entry, for every store.
    let (hr, problems) = set_props(&archive, &[new_name("")]).unwrap();
    assert_eq!(hr, S_OK);
    assert_eq!(
        problems.iter().map(|p| p.scode).collect::<Vec<_>>(),
        [MAPI_E_INVALID_PARAMETER.0]
    );
    assert_eq!(snapshot(maildir), before);
    assert_eq!(entry_id(&archive.cast().unwrap()), new_id);

    // Renamed back: the directories as they were, the folder under its first ID again.
    let (hr, _) = set_props(&archive, &[new_name("Archive")]).unwrap();
    assert_eq!(hr, S_OK);
    assert_eq!(entry_id(&archive.cast().unwrap()), archive_id);
    assert!(is_maildir_folder(&maildir.join(".Archive.2023")));
    assert_eq!(files(&maildir.join(".Archive.2023")).len(), year_messages);

    // SAFETY: a live store; its own connection.
    assert_eq!(unsafe { store.Unadvise(connection) }, S_OK);
    drop((view, archive_view, ipm, year, archive, reopened, new_year));
    drop((message, inbox, root, sink));
    t.finish();
}

#[test]
fn a_search_by_recipient_finds_the_messages_sent_to_them() {
    let t = Fixture::start("search");
    let store = &t.store;
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, 0);
    let view = contents(&inbox);

    // RES_SUBRESTRICTION(PR_MESSAGE_RECIPIENTS, RES_CONTENT(substring, ignore case,
    // PR_EMAIL_ADDRESS_W, "HR@EXAMPLE")): the messages with such a recipient.
    let allocators = AllocatorSet::native();
    let wanted = Property::for_tag(PR_EMAIL_ADDRESS_W, PropValue::Unicode("HR@EXAMPLE".into()));
    let value = mapi_spi_runtime::props::value::props_block(&allocators, [&wanted]).unwrap();
    // SAFETY: all-zero restrictions are valid (a type and a union of integers and pointers).
    let (mut inner, mut outer): (SRestriction, SRestriction) =
        unsafe { (core::mem::zeroed(), core::mem::zeroed()) };
    inner.rt = RES_CONTENT;
    inner.res.resContent = SContentRestriction {
        ulFuzzyLevel: FL_SUBSTRING | FL_IGNORECASE,
        ulPropTag: PR_EMAIL_ADDRESS_W,
        lpProp: value.as_ptr().cast(),
    };
    outer.rt = RES_SUBRESTRICTION;
    outer.res.resSub = SSubRestriction {
        ulSubObject: PR_MESSAGE_RECIPIENTS,
        lpRes: &mut inner,
    };
    // SAFETY: a live view and a restriction whose parts outlive the call.
    assert_eq!(unsafe { view.Restrict(&mut outer, 0) }, S_OK);
    let found: Vec<String> = query_rows(&view, &[PR_SUBJECT_W])
        .unwrap()
        .iter()
        .map(|row| text(row, PR_SUBJECT_W))
        .collect();
    assert_eq!(found, ["Application"]);

    drop((view, inbox, value));
    t.finish();
}

#[test]
fn folders_are_created_and_deleted_as_directories_only_with_the_flags_they_need() {
    let t = Fixture::start("create-delete");
    let (maildir, store) = (&t.maildir, &t.store);
    let archive: IMAPIFolder = open(store, &folder_id(store, "Archive"), MAPI_MODIFY);

    // A folder below Archive, one below that with a message.
    let alt = create_folder(&archive, "Alt", 0).unwrap();
    assert!(is_maildir_folder(&maildir.join(".Archive.Alt")));
    let alt_id = entry_id(&alt);
    let sub = create_folder(&alt, "Sub", 0).unwrap();
    assert!(is_maildir_folder(&maildir.join(".Archive.Alt.Sub")));
    let message = create_message(&sub, 0).unwrap();
    let subject = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("kept".into()));
    assert_eq!(set_props(&message, &[subject]).unwrap().0, S_OK);
    // SAFETY: a live message.
    assert_eq!(unsafe { message.SaveChanges(0) }, S_OK);
    let message_id = message_ids(&sub).remove(0);
    drop((message, sub, alt));
    assert_eq!(files(&maildir.join(".Archive.Alt.Sub")).len(), 1);

    // A name taken (in any case) collides; OPEN_IF_EXISTS opens the folder there.
    assert_eq!(
        create_folder(&archive, "alt", 0).err(),
        Some(MAPI_E_COLLISION)
    );
    let again = create_folder(&archive, "Alt", OPEN_IF_EXISTS).unwrap();
    assert_eq!(entry_id(&again), alt_id);
    drop(again);

    // Refused: a folder with subfolders without DEL_FOLDERS, with messages without
    // DEL_MESSAGES, unknown flags, a folder that is not a subfolder of this one, a message.
    let before = snapshot(maildir);
    // SAFETY: a live folder; the IDs are read only.
    let delete = |id: &[u8], flags: u32| unsafe { archive.DeleteFolder(id, 0, None, flags) };
    assert_eq!(delete(&alt_id, 0), MAPI_E_HAS_FOLDERS);
    assert_eq!(delete(&alt_id, DEL_FOLDERS), MAPI_E_HAS_MESSAGES);
    assert_eq!(
        delete(&alt_id, DEL_FOLDERS | DEL_MESSAGES | 0x8000),
        MAPI_E_UNKNOWN_FLAGS
    );
    let rust_id = folder_id(store, "Rust");
    assert_eq!(
        delete(&rust_id, DEL_FOLDERS | DEL_MESSAGES),
        MAPI_E_NOT_FOUND
    );
    assert_eq!(
        delete(&message_id, DEL_FOLDERS | DEL_MESSAGES),
        MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(
        snapshot(maildir),
        before,
        "a refused delete changes nothing"
    );

    // With both flags: the folder, its subfolder and its message are gone, nothing else.
    assert_eq!(delete(&alt_id, DEL_FOLDERS | DEL_MESSAGES), S_OK);
    let after = snapshot(maildir);
    let mut expected = before.clone();
    expected.retain(|path, _| {
        !path.starts_with(".Archive.Alt") && !path.starts_with(".Archive.Alt.Sub")
    });
    assert_eq!(after, expected);
    assert!(!folder_names(store).iter().any(|n| n == "Alt" || n == "Sub"));
    assert_eq!(open_entry(store, &alt_id, 0).err(), Some(MAPI_E_NOT_FOUND));

    // An empty folder needs no flag.
    let empty = create_folder(&archive, "Leer", 0).unwrap();
    let empty_id = entry_id(&empty);
    drop(empty);
    assert!(is_maildir_folder(&maildir.join(".Archive.Leer")));
    assert_eq!(delete(&empty_id, 0), S_OK);
    assert!(!maildir.join(".Archive.Leer").exists());
    assert_eq!(snapshot(maildir), expected);

    drop(archive);
    t.finish();
}

#[test]
fn copy_folder_copies_and_moves_directories_with_modified_utf7_names() {
    let t = Fixture::start("copy-folder");
    let (maildir, store) = (&t.maildir, &t.store);
    let archive_id = folder_id(store, "Archive");
    let archive: IMAPIFolder = open(store, &archive_id, MAPI_MODIFY);
    let projects: IMAPIFolder = open(store, &folder_id(store, "Projects"), MAPI_MODIFY);
    let trash: IMAPIFolder = open(store, &folder_id(store, "Trash"), MAPI_MODIFY);
    let ipm_id = {
        let (_, props) = get_props(store, Some(&[PR_IPM_SUBTREE_ENTRYID]), 0).unwrap();
        binary(&props, PR_IPM_SUBTREE_ENTRYID)
    };
    let ipm: IMAPIFolder = open(store, &ipm_id, MAPI_MODIFY);
    let before = snapshot(maildir);

    // A copy of 2023 below Projects (which has no directory of its own), renamed "Ältere
    // Ablage": a Maildir++ directory of that name in modified UTF-7, the message's bytes
    // copied; the source stays.
    let year_id = folder_id(store, "2023");
    assert_eq!(
        copy_folder(&archive, &year_id, &projects, Some("Ältere Ablage"), 0),
        S_OK
    );
    let copy_dir = maildir.join(".Projects.&AMQ-ltere Ablage");
    assert!(is_maildir_folder(&copy_dir));
    let copied = files(&copy_dir);
    assert_eq!(copied.len(), 1);
    let original = files(&maildir.join(".Archive.2023"));
    assert_eq!(
        std::fs::read(&copied[0]).unwrap(),
        std::fs::read(&original[0]).unwrap()
    );
    assert!(folder_names(store).iter().any(|n| n == "Ältere Ablage"));
    let mut expected = before.clone();
    expected.extend(
        below(&snapshot(maildir), ".Projects.&AMQ-ltere Ablage")
            .map(|(p, b)| (p.clone(), b.clone())),
    );
    assert_eq!(
        snapshot(maildir),
        expected,
        "the source and the rest unchanged"
    );

    // With COPY_SUBFOLDERS: Archive and 2023 below Trash.
    assert_eq!(
        copy_folder(&ipm, &archive_id, &trash, None, COPY_SUBFOLDERS),
        S_OK
    );
    assert!(is_maildir_folder(&maildir.join(".Trash.Archive")));
    assert!(is_maildir_folder(&maildir.join(".Trash.Archive.2023")));
    assert_eq!(files(&maildir.join(".Trash.Archive.2023")).len(), 1);

    // A move of "Entwürfe" into Archive: one rename, the directory's name still encoded.
    let drafts_id = folder_id(store, "Entwürfe");
    assert_eq!(
        copy_folder(&ipm, &drafts_id, &archive, None, FOLDER_MOVE),
        S_OK
    );
    assert!(!maildir.join(".Entw&APw-rfe").exists());
    assert!(is_maildir_folder(&maildir.join(".Archive.Entw&APw-rfe")));
    let moved = folder_rows(store)
        .into_iter()
        .find(|row| text(row, PR_DISPLAY_NAME_W) == "Entwürfe")
        .expect("listed where it went");
    assert_eq!(
        moved.iter().find(|p| p.tag() == PR_DEPTH).map(|p| &p.value),
        Some(&PropValue::Long(2)),
        "below Archive"
    );

    // Refused, nothing changed: into itself or below, a name taken, unknown flags.
    let before = snapshot(maildir);
    let archive_self: IMAPIFolder = open(store, &archive_id, MAPI_MODIFY);
    assert_eq!(
        copy_folder(&ipm, &archive_id, &archive_self, None, FOLDER_MOVE),
        MAPI_E_FOLDER_CYCLE
    );
    assert_eq!(
        copy_folder(&archive, &year_id, &ipm, Some("archive"), FOLDER_MOVE),
        MAPI_E_COLLISION
    );
    assert_eq!(
        copy_folder(&archive, &year_id, &ipm, None, FOLDER_MOVE | 0x8000),
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(snapshot(maildir), before);

    drop((archive, archive_self, projects, trash, ipm));
    t.finish();
}

#[test]
fn an_open_deep_hierarchy_view_lists_new_and_moved_folders_where_a_new_view_does() {
    let t = Fixture::start("open-hierarchy");
    let store = &t.store;
    let root: IMAPIFolder = open(store, &[], 0);
    let view = hierarchy_table(&root, CONVENIENT_DEPTH | MAPI_UNICODE).expect("hierarchy");
    let columns = [PR_INSTANCE_KEY, PR_DISPLAY_NAME_W, PR_DEPTH];
    // The open view, row for row, as a new one lists the folders (depth first).
    let agrees = || {
        let open = query_rows(&view, &columns).unwrap();
        let fresh = hierarchy_table(&root, CONVENIENT_DEPTH | MAPI_UNICODE).expect("hierarchy");
        assert_eq!(open, query_rows(&fresh, &columns).unwrap());
        open.iter()
            .map(|row| text(row, PR_DISPLAY_NAME_W))
            .collect::<Vec<_>>()
    };
    let archive: IMAPIFolder = open(store, &folder_id(store, "Archive"), MAPI_MODIFY);
    let created = create_folder(&archive, "Neu", 0).unwrap();
    let names = agrees();
    let at = |name: &str| names.iter().position(|n| n == name).unwrap();
    assert_eq!(at("Neu"), at("2023") + 1, "below Archive, after its 2023");
    // Moved (a Maildir folder renamed: a new key) with its place in the tree.
    let ipm_id = {
        let (_, props) = get_props(store, Some(&[PR_IPM_SUBTREE_ENTRYID]), 0).unwrap();
        binary(&props, PR_IPM_SUBTREE_ENTRYID)
    };
    let ipm: IMAPIFolder = open(store, &ipm_id, MAPI_MODIFY);
    let drafts_id = folder_id(store, "Entwürfe");
    assert_eq!(
        copy_folder(&ipm, &drafts_id, &archive, None, FOLDER_MOVE),
        S_OK
    );
    let names = agrees();
    // Archive, its subfolders (the moved one between the two it joined), then its sibling.
    let around = ["Archive", "2023", "Entwürfe", "Neu", "Drafts"];
    let at = names.iter().position(|n| n == "Archive").unwrap();
    assert_eq!(names[at..at + around.len()], around);
    drop((view, root, archive, created, ipm));
    t.finish();
}

#[test]
fn copied_messages_are_new_files_and_moved_ones_renamed_files() {
    let t = Fixture::start("copy-messages");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, MAPI_MODIFY);
    let archive: IMAPIFolder = open(store, &folder_id(store, "Archive"), MAPI_MODIFY);
    let trash: IMAPIFolder = open(store, &folder_id(store, "Trash"), MAPI_MODIFY);
    let ids = message_ids(&inbox);
    let inbox_files = files(maildir);
    let read = |path: &Path| std::fs::read(path).unwrap();

    // A copy of two: two new files in Archive with the same bytes and info flags, the Inbox
    // as it was.
    let two: Vec<&[u8]> = ids[..2].iter().map(Vec::as_slice).collect();
    assert_eq!(copy_messages(&inbox, &two, &archive, 0), S_OK);
    assert_eq!(files(maildir), inbox_files);
    let copies = files(&maildir.join(".Archive"));
    assert_eq!(copies.len(), 2);
    let mut copied: Vec<Vec<u8>> = copies.iter().map(|p| read(p)).collect();
    let mut sources: Vec<Vec<u8>> = two
        .iter()
        .map(|id| {
            let unique = unique_of(id);
            read(
                files(maildir)
                    .iter()
                    .find(|p| p.to_string_lossy().contains(&unique))
                    .unwrap(),
            )
        })
        .collect();
    copied.sort();
    sources.sort();
    assert_eq!(copied, sources);
    for id in message_ids(&archive) {
        assert!(
            !ids.iter().any(|source| unique_of(source) == unique_of(&id)),
            "every copy has a unique name of its own"
        );
    }

    // A move of the third: the same file renamed into Trash's cur/, with its flags.
    let third = unique_of(&ids[2]);
    let flags = info_flags(maildir, &third).expect("in the Inbox");
    let bytes = read(
        files(maildir)
            .iter()
            .find(|p| p.to_string_lossy().contains(&third))
            .unwrap(),
    );
    assert_eq!(
        copy_messages(&inbox, &[&ids[2]], &trash, MESSAGE_MOVE),
        S_OK
    );
    assert_eq!(info_flags(maildir, &third), None);
    assert_eq!(
        info_flags(&maildir.join(".Trash"), &third),
        Some(Some(flags.unwrap_or_default()))
    );
    let moved = files(&maildir.join(".Trash"));
    assert_eq!(moved.len(), 1);
    assert_eq!(read(&moved[0]), bytes);
    assert_eq!(message_ids(&inbox).len(), ids.len() - 1);

    // Refused, nothing changed: unknown flags, no list, a message of another folder (not
    // found: nothing to copy), a destination that is not a folder.
    let before = snapshot(maildir);
    assert_eq!(
        copy_messages(&inbox, &[&ids[0]], &trash, 0x8000_0000),
        MAPI_E_UNKNOWN_FLAGS
    );
    // SAFETY: a live folder; NULL list, a live destination.
    let hr = unsafe {
        inbox.CopyMessages(
            core::ptr::null_mut(),
            &IMAPIFolder::IID,
            trash.as_raw(),
            0,
            None,
            0,
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    let archived = message_ids(&archive).remove(0);
    assert_eq!(
        copy_messages(&inbox, &[&archived], &trash, MESSAGE_MOVE),
        MAPI_W_PARTIAL_COMPLETION
    );
    let mut list = EntryList::new(&[&ids[0]]);
    // SAFETY: a live folder, a list alive across the call, NULL destination.
    let hr = unsafe {
        inbox.CopyMessages(
            list.as_mut_ptr(),
            &IMAPIFolder::IID,
            core::ptr::null_mut(),
            0,
            None,
            0,
        )
    };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(snapshot(maildir), before);

    drop((inbox, archive, trash));
    t.finish();
}

#[test]
fn read_flags_and_message_status_are_the_files_info_flags() {
    let t = Fixture::start("flags");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, MAPI_MODIFY);
    let id_of = |unique: &str| -> Vec<u8> {
        message_ids(&inbox)
            .into_iter()
            .find(|id| unique_of(id) == unique)
            .unwrap_or_else(|| panic!("no message {unique}"))
    };
    let flags = |unique: &str| info_flags(maildir, unique).expect("the file");
    let (new, frs, plain, trashed) = (
        "1700000001.M1P100.fixture",
        "1700000003.M3P100.fixture",
        "1700000004.M4P100.fixture",
        "1700000005.M5P100.fixture",
    );
    assert_eq!(flags(new), None, "in new/");

    // Read: new/ to cur/ with S. Unread: S cleared, the other flags kept.
    assert_eq!(set_read_flags(&inbox, Some(&[&id_of(new)]), 0), S_OK);
    assert_eq!(flags(new), Some("S".into()));
    assert_eq!(
        set_read_flags(&inbox, Some(&[&id_of(frs)]), CLEAR_READ_FLAG),
        S_OK
    );
    assert_eq!(flags(frs), Some("FR".into()));
    // Every message of the folder (no list): S on each.
    assert_eq!(set_read_flags(&inbox, None, 0), S_OK);
    for path in files(maildir) {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let flags = maildir::split_file_name(&name).1.expect("in cur/");
        assert!(flags.contains('S'), "{name}");
    }
    assert_eq!(flags(frs), Some("FRS".into()));

    // Message status: T for MSGSTATUS_DELMARKED, R for MSGSTATUS_ANSWERED, set and cleared
    // under the mask, the old status answered.
    assert_eq!(
        message_status(&inbox, &id_of(trashed)),
        Ok(MSGSTATUS_DELMARKED)
    );
    assert_eq!(
        set_message_status(
            &inbox,
            &id_of(plain),
            MSGSTATUS_DELMARKED,
            MSGSTATUS_DELMARKED
        ),
        Ok(0)
    );
    assert_eq!(flags(plain), Some("ST".into()));
    assert_eq!(
        set_message_status(&inbox, &id_of(trashed), MSGSTATUS_ANSWERED, !0),
        Ok(MSGSTATUS_DELMARKED)
    );
    assert_eq!(flags(trashed), Some("RS".into()));
    assert_eq!(
        message_status(&inbox, &id_of(trashed)),
        Ok(MSGSTATUS_ANSWERED)
    );

    // Refused, nothing changed: unknown flags, incompatible flags, NULL out-pointers, an ID
    // of a message in another folder, of another store.
    let before = snapshot(maildir);
    let id = id_of(plain);
    assert_eq!(
        set_read_flags(&inbox, Some(&[&id]), 0x8000),
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        set_read_flags(&inbox, Some(&[&id]), CLEAR_READ_FLAG | SUPPRESS_RECEIPT),
        MAPI_E_INVALID_PARAMETER
    );
    let mut status = 0;
    // SAFETY: a live folder; the ID is read only; NULL and valid out-pointers.
    unsafe {
        assert_eq!(
            inbox.GetMessageStatus(&id, 0, core::ptr::null_mut()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            inbox.GetMessageStatus(&id, 1, &mut status),
            MAPI_E_UNKNOWN_FLAGS
        );
    }
    let archived = {
        let year: IMAPIFolder = open(store, &folder_id(store, "2023"), 0);
        message_ids(&year).remove(0)
    };
    assert_eq!(message_status(&inbox, &archived), Err(MAPI_E_NOT_FOUND));
    assert_eq!(
        set_message_status(&inbox, &archived, MSGSTATUS_DELMARKED, !0),
        Err(MAPI_E_NOT_FOUND)
    );
    let mut foreign = id.clone();
    foreign[4] ^= 0xFF;
    assert_eq!(
        set_message_status(&inbox, &foreign, MSGSTATUS_DELMARKED, !0),
        Err(MAPI_E_UNKNOWN_ENTRYID)
    );
    assert_eq!(
        set_read_flags(&inbox, Some(&[&foreign, &archived]), CLEAR_READ_FLAG),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(snapshot(maildir), before);

    drop(inbox);
    t.finish();
}

#[test]
fn delete_messages_and_empty_folder_remove_the_files() {
    let t = Fixture::start("delete-empty");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, MAPI_MODIFY);
    let ids = message_ids(&inbox);
    let before = snapshot(maildir);

    // Refused first, nothing changed: unknown flags, no list.
    let two: Vec<&[u8]> = ids[..2].iter().map(Vec::as_slice).collect();
    assert_eq!(delete_messages(&inbox, &two, 0x8000), MAPI_E_UNKNOWN_FLAGS);
    // SAFETY: a live folder, a NULL list.
    let hr = unsafe { inbox.DeleteMessages(core::ptr::null_mut(), 0, None, 0) };
    assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
    assert_eq!(snapshot(maildir), before);

    // Two deleted: their files gone, nothing else.
    assert_eq!(delete_messages(&inbox, &two, 0), S_OK);
    for id in &two {
        assert_eq!(info_flags(maildir, &unique_of(id)), None);
    }
    assert_eq!(files(maildir).len(), ids.len() - 2);
    // Again: not there any more.
    assert_eq!(delete_messages(&inbox, &two, 0), MAPI_W_PARTIAL_COMPLETION);

    // Archive emptied: its subfolder 2023 and its message go, Archive stays, empty.
    let archive: IMAPIFolder = open(store, &folder_id(store, "Archive"), MAPI_MODIFY);
    let before = snapshot(maildir);
    // SAFETY: a live folder, no progress.
    assert_eq!(
        unsafe { archive.EmptyFolder(0, None, 0x8000) },
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(snapshot(maildir), before);
    // SAFETY: as above.
    assert_eq!(
        unsafe { archive.EmptyFolder(0, None, DEL_ASSOCIATED) },
        S_OK
    );
    assert!(!maildir.join(".Archive.2023").exists());
    assert!(is_maildir_folder(&maildir.join(".Archive")));
    assert!(files(&maildir.join(".Archive")).is_empty());
    assert!(message_ids(&archive).is_empty());
    assert!(!folder_names(store).iter().any(|n| n == "2023"));
    let mut expected = before;
    expected.retain(|path, _| !path.starts_with(".Archive.2023"));
    assert_eq!(snapshot(maildir), expected, "nothing else touched");

    drop((inbox, archive));
    t.finish();
}

/// The one file in `dir` (`new/` and `cur/`) that is not among `before`.
fn new_file(dir: &Path, before: &[PathBuf]) -> PathBuf {
    let mut added: Vec<PathBuf> = files(dir)
        .into_iter()
        .filter(|path| !before.contains(path))
        .collect();
    assert_eq!(added.len(), 1, "one new file: {added:?}");
    added.remove(0)
}

/// The attachments of a message file: (file name, content type, bytes).
fn mime_attachments(path: &Path) -> Vec<(String, String, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("a MIME message");
    parsed
        .attachments()
        .map(|part| {
            use mail_parser::MimeHeaders;
            let kind = part
                .content_type()
                .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
                .unwrap_or_default();
            let name = part.attachment_name().unwrap_or_default().to_owned();
            (name, kind, part.contents().to_vec())
        })
        .collect()
}

#[test]
fn an_attachment_created_through_mapi_is_a_mime_part_and_delete_attach_removes_it() {
    let t = Fixture::start("attach");
    let (maildir, store) = (&t.maildir, &t.store);
    let drafts_dir = maildir.join(".Drafts");
    let drafts: IMAPIFolder = open(store, &folder_id(store, "Drafts"), MAPI_MODIFY);
    let before = files(&drafts_dir);

    let message = create_message(&drafts, 0).unwrap();
    let text_prop = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));
    let props = [
        text_prop(PR_SUBJECT_W, "Zahlen"),
        text_prop(PR_BODY_W, "Anbei die Zahlen."),
    ];
    assert_eq!(set_props(&message, &props).unwrap().0, S_OK);
    let (num, attach) = create_attach(&message, 0).unwrap();
    let props = [
        Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        text_prop(PR_ATTACH_LONG_FILENAME_W, "Zahlen.csv"),
        text_prop(PR_ATTACH_MIME_TAG_W, "text/csv"),
    ];
    assert_eq!(set_props(&attach, &props).unwrap().0, S_OK);
    let data = b"Monat;Summe\r\nJanuar;12\r\n";
    write_stream(&attach, PR_ATTACH_DATA_BIN, data).unwrap();
    // SAFETY: a live attachment, then a live message.
    unsafe {
        assert_eq!(attach.SaveChanges(0), S_OK);
        assert_eq!(
            files(&drafts_dir),
            before,
            "nothing on disk before the message's save"
        );
        assert_eq!(message.SaveChanges(KEEP_OPEN_READWRITE), S_OK);
    }
    drop(attach);

    // One file, a MIME multipart with the text and the attachment as it was written.
    let saved = new_file(&drafts_dir, &before);
    let written = std::fs::read_to_string(&saved).unwrap();
    assert!(written.contains("multipart/mixed"), "{written}");
    assert_eq!(
        mime_attachments(&saved),
        [("Zahlen.csv".into(), "text/csv".into(), data.to_vec())]
    );
    // Reopened, the message has the attachment, as its table and PR_HASATTACH say.
    let id = entry_id(&message);
    let reopened: IMessage = open(store, &id, 0);
    let rows = query_rows(
        &attachment_table(&reopened, MAPI_UNICODE).unwrap(),
        &[PR_ATTACH_NUM, PR_ATTACH_LONG_FILENAME_W],
    )
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(text(&rows[0], PR_ATTACH_LONG_FILENAME_W), "Zahlen.csv");
    let (_, props) = get_props(&reopened, Some(&[PR_HASATTACH]), 0).unwrap();
    assert_eq!(props[0].value, PropValue::Boolean(true));
    drop(reopened);

    // Refused, nothing changed: an attachment number there is not, unknown flags.
    let snapshot_before = snapshot(maildir);
    // SAFETY: a live message, no progress.
    unsafe {
        assert_eq!(message.DeleteAttach(num + 7, 0, None, 0), MAPI_E_NOT_FOUND);
        assert_eq!(
            message.DeleteAttach(num, 0, None, 0x8000),
            MAPI_E_UNKNOWN_FLAGS
        );
    }
    assert_eq!(snapshot(maildir), snapshot_before);

    // DeleteAttach and a save: the file is replaced by one without the attachment.
    // SAFETY: a live message, no progress.
    unsafe {
        assert_eq!(message.DeleteAttach(num, 0, None, 0), S_OK);
        assert_eq!(message.SaveChanges(0), S_OK);
    }
    let resaved = new_file(&drafts_dir, &before);
    assert_eq!(
        resaved, saved,
        "rewritten under its name: its entry ID stays"
    );
    assert_eq!(entry_id(&message), id);
    assert!(mime_attachments(&resaved).is_empty());
    let written = std::fs::read_to_string(&resaved).unwrap();
    assert!(!written.contains("multipart/mixed"), "{written}");
    assert!(written.contains("Anbei die Zahlen."), "{written}");

    drop((message, drafts));
    t.finish();
}

#[test]
fn of_two_writers_of_one_message_the_second_collides_unless_it_forces_its_save() {
    let t = Fixture::start("two-writers");
    let (maildir, store) = (&t.maildir, &t.store);
    let sent_dir = maildir.join(".Sent");
    let sent: IMAPIFolder = open(store, &folder_id(store, "Sent"), 0);
    let id = message_ids(&sent).remove(0);
    let first: IMessage = open(store, &id, MAPI_MODIFY);
    let second: IMessage = open(store, &id, MAPI_MODIFY);
    let subject = |value: &str| Property::for_tag(PR_SUBJECT_W, PropValue::Unicode(value.into()));
    assert_eq!(set_props(&first, &[subject("erster")]).unwrap().0, S_OK);
    assert_eq!(set_props(&second, &[subject("zweiter")]).unwrap().0, S_OK);

    // The first save wins: one file, with its subject, flags kept.
    // SAFETY: live messages.
    assert_eq!(unsafe { first.SaveChanges(KEEP_OPEN_READWRITE) }, S_OK);
    let saved = files(&sent_dir);
    assert_eq!(saved.len(), 1);
    let written = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(written.contains("Subject: erster"), "{written}");
    assert!(saved[0].to_string_lossy().ends_with(",S"), "{saved:?}");

    // The second, saved over a message it did not read, collides and writes nothing.
    // SAFETY: a live message.
    assert_eq!(
        unsafe { second.SaveChanges(KEEP_OPEN_READWRITE) },
        MAPI_E_OBJECT_CHANGED
    );
    assert_eq!(files(&sent_dir), saved);
    // FORCE_SAVE: its version replaces the first's; still one file.
    // SAFETY: a live message.
    assert_eq!(unsafe { second.SaveChanges(FORCE_SAVE) }, S_OK);
    let forced = files(&sent_dir);
    assert_eq!(forced, saved, "the same file, rewritten");
    assert_eq!(entry_id(&first), id);
    assert_eq!(entry_id(&second), id);
    let written = std::fs::read_to_string(&forced[0]).unwrap();
    assert!(written.contains("Subject: zweiter"), "{written}");

    drop((first, second, sent));
    t.finish();
}

#[test]
fn bad_input_is_refused_with_its_error_and_changes_nothing_on_disk() {
    let t = Fixture::start("bad-input");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox_id = receive_folder(store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(store, &inbox_id, MAPI_MODIFY);
    let archive_id = folder_id(store, "Archive");
    let archive: IMAPIFolder = open(store, &archive_id, MAPI_MODIFY);
    let ids = message_ids(&inbox);
    let message: IMessage = open(store, &ids[0], MAPI_MODIFY);
    let before = snapshot(maildir);
    let name: Vec<u16> = "Neu".encode_utf16().chain([0]).collect();
    let null = core::ptr::null_mut();

    // NULL out-pointers.
    // SAFETY: live objects; each call is given NULL where it writes its answer, which it
    // must refuse without writing.
    unsafe {
        let hr = inbox.CreateFolder(
            FOLDER_GENERIC,
            name.as_ptr().cast_mut().cast(),
            null,
            core::ptr::null(),
            MAPI_UNICODE,
            null.cast(),
        );
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        let hr = inbox.CreateMessage(core::ptr::null(), 0, null.cast());
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        assert_eq!(
            inbox.GetContentsTable(0, null.cast()),
            MAPI_E_INVALID_PARAMETER
        );
        assert_eq!(
            inbox.GetHierarchyTable(0, null.cast()),
            MAPI_E_INVALID_PARAMETER
        );
        let mut num = 0;
        let hr = message.CreateAttach(core::ptr::null(), 0, &mut num, null.cast());
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        assert_eq!(
            message.GetAttachmentTable(0, null.cast()),
            MAPI_E_INVALID_PARAMETER
        );
    }
    // Unknown flags.
    assert_eq!(
        create_folder(&inbox, "Neu", 0x0100_0000).err(),
        Some(MAPI_E_UNKNOWN_FLAGS)
    );
    assert_eq!(
        create_message(&inbox, 0x0100_0000).err(),
        Some(MAPI_E_UNKNOWN_FLAGS)
    );
    assert_eq!(
        create_attach(&message, 0x0100_0000).err(),
        Some(MAPI_E_UNKNOWN_FLAGS)
    );
    // SAFETY: live objects.
    unsafe {
        assert_eq!(message.SaveChanges(0x0100_0000), MAPI_E_UNKNOWN_FLAGS);
        assert_eq!(
            inbox.DeleteFolder(&archive_id, 0, None, 0x0100_0000),
            MAPI_E_UNKNOWN_FLAGS
        );
    }
    assert_eq!(
        set_read_flags(&inbox, None, 0x0100_0000),
        MAPI_E_UNKNOWN_FLAGS
    );

    // Entry IDs of another store (its provider's UID changed), cut short, of another folder.
    let mut foreign_message = ids[1].clone();
    foreign_message[4] ^= 0xFF;
    let mut foreign_folder = archive_id.clone();
    foreign_folder[4] ^= 0xFF;
    let ipm_id = {
        let (_, props) = get_props(store, Some(&[PR_IPM_SUBTREE_ENTRYID]), 0).unwrap();
        binary(&props, PR_IPM_SUBTREE_ENTRYID)
    };
    let ipm: IMAPIFolder = open(store, &ipm_id, MAPI_MODIFY);
    for bad in [&foreign_folder[..], &archive_id[..archive_id.len() / 2]] {
        // SAFETY: a live folder, an ID read only.
        let hr = unsafe { ipm.DeleteFolder(bad, 0, None, DEL_FOLDERS | DEL_MESSAGES) };
        assert!(
            matches!(hr, MAPI_E_UNKNOWN_ENTRYID | MAPI_E_INVALID_ENTRYID),
            "{hr:?}"
        );
        let hr = copy_folder(&ipm, bad, &inbox, None, FOLDER_MOVE);
        assert!(
            matches!(hr, MAPI_E_UNKNOWN_ENTRYID | MAPI_E_INVALID_ENTRYID),
            "{hr:?}"
        );
    }
    assert_eq!(
        copy_messages(&inbox, &[&foreign_message], &archive, MESSAGE_MOVE),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(
        delete_messages(&inbox, &[&foreign_message], 0),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(
        message_status(&inbox, &foreign_message),
        Err(MAPI_E_UNKNOWN_ENTRYID)
    );
    // A message of the Inbox through Archive: not one of Archive's.
    assert_eq!(
        delete_messages(&archive, &[&ids[1]], 0),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(message_status(&archive, &ids[1]), Err(MAPI_E_NOT_FOUND));
    assert_eq!(snapshot(maildir), before, "nothing changed on disk");
    assert_eq!(message_ids(&inbox), ids, "nothing changed through MAPI");

    // A file that vanishes before it is copied: the copy is partial, nothing else changes.
    let unique = unique_of(&ids[1]);
    let victim = files(maildir)
        .into_iter()
        .find(|path| path.to_string_lossy().contains(&unique))
        .unwrap();
    std::fs::remove_file(&victim).unwrap();
    let two: Vec<&[u8]> = ids[1..3].iter().map(Vec::as_slice).collect();
    assert_eq!(
        copy_messages(&inbox, &two, &archive, 0),
        MAPI_W_PARTIAL_COMPLETION
    );
    assert_eq!(
        files(&maildir.join(".Archive")).len(),
        1,
        "the other one copied"
    );

    drop((message, inbox, archive, ipm));
    t.finish();
}

#[test]
fn an_open_hierarchy_view_follows_what_another_program_does_to_the_maildir() {
    let t = Fixture::start("hierarchy-view");
    let (maildir, store) = (&t.maildir, &t.store);
    let root: IMAPIFolder = open(store, &[], 0);
    let view = hierarchy_table(&root, CONVENIENT_DEPTH | MAPI_UNICODE).unwrap();
    let columns = [PR_DISPLAY_NAME_W, PR_CONTENT_COUNT];
    let count_of = |name: &str| {
        let rows = query_rows(&view, &columns).unwrap();
        let row = rows
            .iter()
            .find(|row| text(row, PR_DISPLAY_NAME_W) == name)?;
        match row[1].value {
            PropValue::Long(count) => Some(count),
            _ => None,
        }
    };
    assert_eq!(count_of("Archive"), Some(0));
    let recorder = Recorder::new();
    let sink: IMAPIAdviseSink = recorder.to_interface();
    let connection = advise_table(&view, &sink).unwrap();
    // What the sink heard since the last call: (table event, the row's display name).
    let heard = || -> Vec<(u32, String)> {
        recorder
            .take()
            .into_iter()
            .filter_map(|heard| heard.table)
            .map(|table| {
                let name = table
                    .row
                    .iter()
                    .find(|p| p.tag() == PR_DISPLAY_NAME_W)
                    .map(|p| format!("{:?}", p.value))
                    .unwrap_or_default();
                (table.event, name)
            })
            .collect()
    };
    let name = |text: &str| format!("{:?}", PropValue::Unicode(text.into()));

    // Another program makes a folder: the view's next read shows it, its sink hears of it.
    maildir::create_folder(maildir, "Belege").unwrap();
    assert_eq!(count_of("Belege"), Some(0));
    assert!(heard().contains(&(TABLE_ROW_ADDED, name("Belege"))));

    // It delivers into Archive, a folder listed (the Maildir store reports others' changes
    // to the messages of the folders it listed): Archive's row, its count one more.
    let archive_folder: IMAPIFolder = open(store, &folder_id(store, "Archive"), 0);
    let archive_view = contents(&archive_folder);
    deliver(
        &maildir.join(".Archive"),
        "1800000001.M9P9.x",
        "Subject: hi\r\n\r\nhi\r\n",
    );
    assert_eq!(count_of("Archive"), Some(1));
    assert!(heard().contains(&(TABLE_ROW_MODIFIED, name("Archive"))));

    // It removes the folder: the row goes.
    std::fs::remove_dir_all(maildir.join(".Belege")).unwrap();
    assert_eq!(count_of("Belege"), None);
    assert!(heard().iter().any(|(event, _)| *event == TABLE_ROW_DELETED));

    // SAFETY: a live view; its own connection.
    assert_eq!(unsafe { view.Unadvise(connection) }, S_OK);
    drop((view, root, sink, archive_view, archive_folder));
    t.finish();
}

#[test]
fn a_delivery_into_a_folder_never_listed_changes_its_hierarchy_row_and_is_notified() {
    let t = Fixture::start("never-listed");
    let (maildir, store) = (&t.maildir, &t.store);
    let root: IMAPIFolder = open(store, &[], 0);
    let view = hierarchy_table(&root, CONVENIENT_DEPTH | MAPI_UNICODE).unwrap();
    let columns = [
        PR_DISPLAY_NAME_W,
        PR_CONTENT_COUNT,
        PR_CONTENT_UNREAD,
        PR_ENTRYID,
    ];
    // Sent's (count, unread) as the view's next read shows them.
    let sent_counts = || {
        let rows = query_rows(&view, &columns).unwrap();
        let row = rows
            .iter()
            .find(|row| text(row, PR_DISPLAY_NAME_W) == "Sent")
            .expect("Sent's row");
        match (&row[1].value, &row[2].value) {
            (PropValue::Long(count), PropValue::Long(unread)) => (*count, *unread),
            other => panic!("counts {other:?}"),
        }
    };
    // Sent is only counted: no contents table, no message read.
    assert_eq!(sent_counts(), (1, 0));
    let sent_id = folder_id(store, "Sent");
    let table_sink = Recorder::new();
    let table_sink_interface: IMAPIAdviseSink = table_sink.to_interface();
    let table_connection = advise_table(&view, &table_sink_interface).unwrap();
    // On the folder: its own fnevObjectModified (its counts) and its messages' events.
    let folder_sink = Recorder::new();
    let folder_sink_interface: IMAPIAdviseSink = folder_sink.to_interface();
    let mut folder_connection = 0;
    // SAFETY: a live store, Sent's ID, a live sink, a valid out-pointer.
    let hr = unsafe {
        store.Advise(
            &sent_id,
            fnevObjectCreated | fnevObjectDeleted | fnevObjectModified,
            Some(&folder_sink_interface),
            &mut folder_connection,
        )
    };
    assert_eq!(hr, S_OK);
    // Whether the view's sink heard of a change to Sent's row (its index: the folder's key).
    let sent_modified = || {
        table_sink.take_rows().contains(&(
            TABLE_ROW_MODIFIED,
            Some(PropValue::Binary(b"FSent".to_vec())),
        ))
    };
    let events = || -> Vec<u32> { folder_sink.take().iter().map(|heard| heard.event).collect() };

    // Another program delivers into Sent's new/.
    let sent = maildir.join(".Sent");
    deliver(
        &sent,
        "1800000002.M7P7.x",
        "Subject: copy\r\n\r\nsent elsewhere\r\n",
    );
    assert_eq!(sent_counts(), (2, 1));
    assert!(sent_modified());
    let heard = events();
    assert!(heard.contains(&fnevObjectCreated), "{heard:?}");
    assert!(heard.contains(&fnevObjectModified), "{heard:?}");

    // Read elsewhere (its flags), in the same second as the last look: the mtimes may not
    // show it, the names do.
    std::fs::rename(
        sent.join("new/1800000002.M7P7.x"),
        sent.join("cur")
            .join(maildir::file_name("1800000002.M7P7.x", "S")),
    )
    .unwrap();
    assert_eq!(sent_counts(), (2, 0));
    assert!(sent_modified());
    assert!(events().contains(&fnevObjectModified));

    // Removed: the count goes back, the sink hears of the deletion.
    std::fs::remove_file(
        sent.join("cur")
            .join(maildir::file_name("1800000002.M7P7.x", "S")),
    )
    .unwrap();
    assert_eq!(sent_counts(), (1, 0));
    assert!(sent_modified());
    let heard = events();
    assert!(heard.contains(&fnevObjectDeleted), "{heard:?}");
    assert!(heard.contains(&fnevObjectModified), "{heard:?}");

    // A delivery into the Inbox's new/, never listed either: new mail, to the store's sinks.
    let store_sink = Recorder::new();
    let store_sink_interface: IMAPIAdviseSink = store_sink.to_interface();
    let mut store_connection = 0;
    // SAFETY: a live store, no entry ID (the whole store), a live sink, a valid out-pointer.
    let hr = unsafe {
        store.Advise(
            &[],
            fnevNewMail,
            Some(&store_sink_interface),
            &mut store_connection,
        )
    };
    assert_eq!(hr, S_OK);
    deliver(maildir, "1800000003.M8P8.x", "Subject: new\r\n\r\nnew\r\n");
    let _ = query_rows(&view, &columns).unwrap();
    let heard: Vec<u32> = store_sink.take().iter().map(|heard| heard.event).collect();
    assert_eq!(heard, [fnevNewMail]);

    // SAFETY: a live view and store; their own connections.
    assert_eq!(unsafe { view.Unadvise(table_connection) }, S_OK);
    assert_eq!(unsafe { store.Unadvise(folder_connection) }, S_OK);
    assert_eq!(unsafe { store.Unadvise(store_connection) }, S_OK);
    drop((
        view,
        root,
        table_sink_interface,
        folder_sink_interface,
        store_sink_interface,
    ));
    t.finish();
}

#[test]
fn a_logoff_keeps_the_listed_folders_indexes_for_the_next_logon() {
    let _serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let maildir = scratch("index-kept");
    let index = maildir.join(maildir_store::index_file::INDEX_FILE);
    // The Inbox's subjects, listed by a new logon, which is then logged off.
    let list_once = || {
        let (mut session, opened) = logon(&maildir);
        let store = &opened.store;
        let inbox: IMAPIFolder = open(store, &receive_folder(store, "IPM.Note").unwrap(), 0);
        let listed = query_rows(&contents(&inbox), &[PR_SUBJECT_W]).unwrap();
        drop(inbox);
        let written_before_logoff = index.exists();
        assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
        assert!(session.shutdown().is_clean());
        (listed, written_before_logoff)
    };
    let (first, written) = list_once();
    assert!(!written, "written at logoff, not before");
    assert!(index.is_file());
    // The next logon lists the Inbox from it, the same.
    let (second, _) = list_once();
    assert_eq!(second, first);
}

#[test]
fn concurrent_writers_lose_nothing_and_of_two_saves_of_one_message_one_wins() {
    let t = Fixture::start("concurrent");
    let (maildir, store) = (&t.maildir, &t.store);
    let trash_dir = maildir.join(".Trash");
    let trash: IMAPIFolder = open(store, &folder_id(store, "Trash"), MAPI_MODIFY);
    let subject = |text: String| Property::for_tag(PR_SUBJECT_W, PropValue::Unicode(text.into()));

    // Four writers, five new messages each, into one folder at once: twenty files, twenty
    // unique names, twenty rows.
    std::thread::scope(|scope| {
        for writer in 0..4 {
            let trash = &trash;
            scope.spawn(move || {
                for n in 0..5 {
                    let message = create_message(trash, 0).unwrap();
                    let props = [subject(format!("{writer}/{n}"))];
                    assert_eq!(set_props(&message, &props).unwrap().0, S_OK);
                    // SAFETY: a live message.
                    assert_eq!(unsafe { message.SaveChanges(0) }, S_OK);
                }
            });
        }
    });
    let saved = files(&trash_dir);
    assert_eq!(saved.len(), 20);
    let mut uniques: Vec<String> = saved
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            maildir::split_file_name(name).0.to_owned()
        })
        .collect();
    uniques.sort();
    uniques.dedup();
    assert_eq!(uniques.len(), 20);
    let mut subjects: Vec<String> = query_rows(&contents(&trash), &[PR_SUBJECT_W])
        .unwrap()
        .iter()
        .map(|row| text(row, PR_SUBJECT_W))
        .collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..4)
        .flat_map(|w| (0..5).map(move |n| format!("{w}/{n}")))
        .collect();
    expected.sort();
    assert_eq!(subjects, expected);

    // Two writers of one message saving at once: one wins, the other collides; one file,
    // with the winner's subject.
    let id = message_ids(&trash).remove(0);
    for round in 0..5 {
        let writers: Vec<IMAPIProp> = (0..2)
            .map(|i| {
                let writer: IMAPIProp = open(store, &id, MAPI_MODIFY);
                let props = [subject(format!("round {round} writer {i}"))];
                assert_eq!(set_props(&writer, &props).unwrap().0, S_OK);
                writer
            })
            .collect();
        let answers = save_at_once(&writers, KEEP_OPEN_READWRITE);
        let won: Vec<usize> = (0..2).filter(|&i| answers[i] == S_OK).collect();
        assert_eq!(won.len(), 1, "round {round}: {answers:?}");
        assert_eq!(answers[1 - won[0]], MAPI_E_OBJECT_CHANGED);
        let unique = unique_of(&id);
        let file = files(&trash_dir)
            .into_iter()
            .find(|path| path.to_string_lossy().contains(&unique))
            .unwrap();
        let written = std::fs::read_to_string(&file).unwrap();
        let winner = format!("Subject: round {round} writer {}", won[0]);
        assert!(written.contains(&winner), "{written}");
        assert_eq!(files(&trash_dir).len(), 20, "still one file for it");
    }

    drop(trash);
    t.finish();
}

#[test]
fn what_a_client_does_to_folders_and_messages_is_notified_to_the_stores_sinks() {
    let t = Fixture::start("notify");
    let store = &t.store;
    let recorder = Recorder::new();
    let sink: IMAPIAdviseSink = recorder.to_interface();
    let mut connection = 0;
    let events = fnevObjectCreated
        | fnevObjectDeleted
        | fnevObjectModified
        | fnevObjectMoved
        | fnevObjectCopied;
    // SAFETY: a live store, no entry ID (the whole store), a live sink, a valid out-pointer.
    let hr = unsafe { store.Advise(&[], events, Some(&sink), &mut connection) };
    assert_eq!(hr, S_OK);
    let heard = || -> Vec<u32> { recorder.take().iter().map(|heard| heard.event).collect() };
    let inbox: IMAPIFolder = open(
        store,
        &receive_folder(store, "IPM.Note").unwrap(),
        MAPI_MODIFY,
    );
    let archive: IMAPIFolder = open(store, &folder_id(store, "Archive"), MAPI_MODIFY);
    let ids = message_ids(&inbox);

    assert_eq!(copy_messages(&inbox, &[&ids[0]], &archive, 0), S_OK);
    assert!(heard().contains(&fnevObjectCopied));
    assert_eq!(
        copy_messages(&inbox, &[&ids[1]], &archive, MESSAGE_MOVE),
        S_OK
    );
    assert!(heard().contains(&fnevObjectMoved));
    assert_eq!(
        set_read_flags(&inbox, Some(&[&ids[2]]), CLEAR_READ_FLAG),
        S_OK
    );
    assert!(heard().contains(&fnevObjectModified));
    assert_eq!(delete_messages(&inbox, &[&ids[2]], 0), S_OK);
    assert!(heard().contains(&fnevObjectDeleted));
    let created = create_folder(&archive, "Neu", 0).unwrap();
    assert!(heard().contains(&fnevObjectCreated));
    let year_id = folder_id(store, "2023");
    assert_eq!(copy_folder(&archive, &year_id, &created, None, 0), S_OK);
    assert!(heard().contains(&fnevObjectCopied));
    assert_eq!(
        copy_folder(&archive, &year_id, &created, Some("2023 alt"), FOLDER_MOVE),
        S_OK
    );
    assert!(heard().contains(&fnevObjectMoved));

    // SAFETY: a live store; its own connection.
    assert_eq!(unsafe { store.Unadvise(connection) }, S_OK);
    drop((created, inbox, archive, sink));
    t.finish();
}

/// `text` as PR_BODY_W's stream holds it: UTF-16LE.
fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn bodies_recipients_and_an_embedded_message_are_the_mime_files_parts() {
    let t = Fixture::start("mime");
    let (maildir, store) = (&t.maildir, &t.store);
    let sent_dir = maildir.join(".Sent");
    let sent: IMAPIFolder = open(store, &folder_id(store, "Sent"), MAPI_MODIFY);
    let before = files(&sent_dir);
    let text_prop = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));
    let recipient = |name: &str, kind: u32| {
        vec![
            text_prop(PR_DISPLAY_NAME_W, name),
            Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(kind)),
            text_prop(
                PR_EMAIL_ADDRESS_W,
                &format!("{}@example.org", name.to_lowercase()),
            ),
            text_prop(PR_ADDRTYPE_W, "SMTP"),
        ]
    };

    // Bodies through streams, recipients, an embedded message.
    let message = create_message(&sent, 0).unwrap();
    let subject = [text_prop(PR_SUBJECT_W, "Bericht über Q3")];
    assert_eq!(set_props(&message, &subject).unwrap().0, S_OK);
    let (plain, html) = ("Klartext: Grüße", "<p>HTML: <b>Grüße</b></p>");
    write_stream(&message, PR_BODY_W, &utf16(plain)).unwrap();
    write_stream(&message, PR_HTML, html.as_bytes()).unwrap();
    let recipients = [recipient("Anna", MAPI_TO), recipient("Bruno", MAPI_CC)];
    assert_eq!(modify_recipients(&message, MODRECIP_ADD, &recipients), S_OK);
    let (_, attach) = create_attach(&message, 0).unwrap();
    let inner: IMessage =
        open_property(&attach, PR_ATTACH_DATA_OBJ, MAPI_CREATE | MAPI_MODIFY).unwrap();
    let props = [
        text_prop(PR_SUBJECT_W, "Innen"),
        text_prop(PR_BODY_W, "Die innere Nachricht."),
    ];
    assert_eq!(set_props(&inner, &props).unwrap().0, S_OK);
    // SAFETY: live objects, saved inside out.
    unsafe {
        assert_eq!(inner.SaveChanges(0), S_OK);
        assert_eq!(attach.SaveChanges(0), S_OK);
        assert_eq!(message.SaveChanges(KEEP_OPEN_READWRITE), S_OK);
    }
    drop((inner, attach));

    // The file: headers, both bodies, the embedded message as a message/rfc822 part.
    let saved = new_file(&sent_dir, &before);
    let bytes = std::fs::read(&saved).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&bytes).unwrap();
    assert_eq!(parsed.subject(), Some("Bericht über Q3"));
    let addresses = |list: Option<&mail_parser::Address<'_>>| -> Vec<String> {
        list.into_iter()
            .flat_map(|list| list.iter())
            .filter_map(|addr| addr.address().map(str::to_owned))
            .collect()
    };
    assert_eq!(addresses(parsed.to()), ["anna@example.org"]);
    assert_eq!(addresses(parsed.cc()), ["bruno@example.org"]);
    assert!(parsed.body_text(0).unwrap().contains(plain));
    assert!(parsed.body_html(0).unwrap().contains("<b>Grüße</b>"));
    let embedded = parsed
        .attachments()
        .find_map(|part| part.message())
        .expect("a message/rfc822 part");
    assert_eq!(embedded.subject(), Some("Innen"));

    // Read back through MAPI: the bodies by stream, the recipients, the embedded message.
    let id = entry_id(&message);
    drop(message);
    let reopened: IMessage = open(store, &id, 0);
    let body = read_stream(&reopened, PR_BODY_W).unwrap();
    let body = String::from_utf16_lossy(
        &body
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect::<Vec<u16>>(),
    );
    assert!(body.contains(plain), "{body}");
    let html_read = String::from_utf8(read_stream(&reopened, PR_HTML).unwrap()).unwrap();
    assert!(html_read.contains("<b>Grüße</b>"), "{html_read}");
    let table = recipient_table(&reopened, MAPI_UNICODE).unwrap();
    let rows = query_rows(&table, &[PR_EMAIL_ADDRESS_W, PR_RECIPIENT_TYPE]).unwrap();
    let mut listed: Vec<(String, PropValue)> = rows
        .iter()
        .map(|row| (text(row, PR_EMAIL_ADDRESS_W), row[1].value.clone()))
        .collect();
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        listed,
        [
            ("anna@example.org".into(), PropValue::Long(MAPI_TO)),
            ("bruno@example.org".into(), PropValue::Long(MAPI_CC)),
        ]
    );
    let attach = open_attach(&reopened, 0, 0).unwrap();
    let inner: IMessage = open_property(&attach, PR_ATTACH_DATA_OBJ, 0).unwrap();
    let (_, props) = get_props(&inner, Some(&[PR_SUBJECT_W]), MAPI_UNICODE).unwrap();
    assert_eq!(text(&props, PR_SUBJECT_W), "Innen");

    drop((inner, attach, table, reopened, sent));
    t.finish();
}

#[test]
fn what_a_crash_leaves_in_tmp_is_no_message_and_a_save_leaves_nothing_there() {
    let t = Fixture::start("crash");
    let (maildir, store) = (&t.maildir, &t.store);
    let inbox: IMAPIFolder = open(
        store,
        &receive_folder(store, "IPM.Note").unwrap(),
        MAPI_MODIFY,
    );
    let view = contents(&inbox);
    let before = query_rows(&view, &[PR_ENTRYID]).unwrap().len();

    // A delivery (or a save) killed before its rename: a file in tmp/ only, never listed.
    std::fs::write(maildir.join("tmp/1800000002.M1P1.crashed"), "Subject: half").unwrap();
    assert_eq!(query_rows(&view, &[PR_ENTRYID]).unwrap().len(), before);
    assert_eq!(message_ids(&inbox).len(), before);

    // A save writes in tmp/ and renames: nothing but the one new file appears in new/ or
    // cur/, and tmp/ holds nothing of it afterwards.
    let tmp_before = std::fs::read_dir(maildir.join("tmp")).unwrap().count();
    let message = create_message(&inbox, 0).unwrap();
    let subject = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("ganz".into()));
    assert_eq!(set_props(&message, &[subject]).unwrap().0, S_OK);
    // SAFETY: a live message.
    assert_eq!(unsafe { message.SaveChanges(0) }, S_OK);
    assert_eq!(
        std::fs::read_dir(maildir.join("tmp")).unwrap().count(),
        tmp_before
    );
    assert_eq!(query_rows(&view, &[PR_ENTRYID]).unwrap().len(), before + 1);

    drop((message, view, inbox));
    t.finish();
}

/// Copies and moves to another store: a second Maildir in a session of its own. A message
/// copied there is a new file in the destination's folder, the subject, body and attachment
/// as the source shows them; a move writes that file before it removes the source's; a folder
/// copied with its subfolders is directories there with their messages.
#[test]
fn copies_and_moves_to_another_maildir_store_are_files_there() {
    let t = Fixture::start("to-another-store");
    let (maildir, store) = (&t.maildir, &t.store);
    let other_dir = scratch("to-another-store-destination");
    let (mut other_session, other_opened) = logon(&other_dir);
    let other = &other_opened.store;
    let inbox: IMAPIFolder = open(store, &receive_folder(store, "IPM.Note").unwrap(), 0);
    let drafts: IMAPIFolder = open(other, &folder_id(other, "Drafts"), MAPI_MODIFY);
    let drafts_dir = other_dir.join(".Drafts");
    let (drafts_files, drafts_ids) = (files(&drafts_dir).len(), message_ids(&drafts));
    let columns = [PR_SUBJECT_W, PR_ENTRYID, PR_HASATTACH];
    let rows = query_rows(&contents(&inbox), &columns).unwrap();
    let with_attachment = rows
        .iter()
        .find(|row| row.iter().any(|p| p.value == PropValue::Boolean(true)))
        .expect("the fixture's message with an attachment");
    let (subject, id) = (
        text(with_attachment, PR_SUBJECT_W),
        binary(with_attachment, PR_ENTRYID),
    );
    // What a client reads of a message: subject, body, attachments' names and data.
    let read = |store: &IMsgStore, id: &[u8]| {
        let message: IMessage = open(store, id, 0);
        let (_, props) =
            get_props(&message, Some(&[PR_SUBJECT_W, PR_BODY_W]), MAPI_UNICODE).expect("GetProps");
        let table = attachment_table(&message, MAPI_UNICODE).unwrap();
        let attachments: Vec<(String, Vec<u8>)> = query_rows(&table, &[PR_ATTACH_NUM])
            .unwrap()
            .iter()
            .map(|row| {
                let PropValue::Long(num) = row[0].value else {
                    panic!("no PR_ATTACH_NUM")
                };
                let attach = open_attach(&message, num, 0).unwrap();
                let tags = [PR_ATTACH_FILENAME_W, PR_ATTACH_DATA_BIN];
                let (_, props) = get_props(&attach, Some(&tags), MAPI_UNICODE).unwrap();
                (
                    text(&props, PR_ATTACH_FILENAME_W),
                    binary(&props, PR_ATTACH_DATA_BIN),
                )
            })
            .collect();
        (props, attachments)
    };
    let original = read(store, &id);
    assert!(!original.1.is_empty());
    let sources = files(maildir);

    assert_eq!(copy_messages(&inbox, &[&id], &drafts, 0), S_OK);
    assert_eq!(
        files(&drafts_dir).len(),
        drafts_files + 1,
        "a new file there"
    );
    assert_eq!(files(maildir), sources, "the source as it was");
    let copy = message_ids(&drafts)
        .into_iter()
        .find(|id| !drafts_ids.contains(id));
    assert_eq!(read(other, &copy.expect("the copy's row")), original);

    // A move: a second file there, the source's gone (the Inbox opened without MAPI_MODIFY:
    // that is its own properties' access, not its messages').
    assert_eq!(copy_messages(&inbox, &[&id], &drafts, MESSAGE_MOVE), S_OK);
    assert_eq!(files(&drafts_dir).len(), drafts_files + 2);
    assert_eq!(files(maildir).len(), sources.len() - 1);
    assert!(info_flags(maildir, &unique_of(&id)).is_none());
    let subjects: Vec<String> = query_rows(&contents(&drafts), &[PR_SUBJECT_W])
        .unwrap()
        .iter()
        .map(|row| text(row, PR_SUBJECT_W))
        .filter(|copied| *copied == subject)
        .collect();
    assert_eq!(subjects.len(), 2);

    // A folder tree: Archive with 2023 into the destination's Drafts as "Old".
    let archive_id = folder_id(store, "Archive");
    let parent: IMAPIFolder = open(store, &parent_of(store, &archive_id), 0);
    assert_eq!(
        copy_folder(&parent, &archive_id, &drafts, Some("Old"), COPY_SUBFOLDERS),
        S_OK
    );
    let (old, year) = (
        other_dir.join(".Drafts.Old"),
        other_dir.join(".Drafts.Old.2023"),
    );
    assert!(is_maildir_folder(&old) && is_maildir_folder(&year));
    assert_eq!(files(&old).len(), files(&maildir.join(".Archive")).len());
    assert_eq!(
        files(&year).len(),
        files(&maildir.join(".Archive.2023")).len()
    );

    drop((inbox, drafts, parent));
    assert_eq!(
        other_session.close_store(other_opened.store, LOGOFF_ORDERLY),
        S_OK
    );
    assert!(other_session.shutdown().is_clean());
    t.finish();
}

/// `PR_PARENT_ENTRYID` of object `id` of `store`.
fn parent_of(store: &IMsgStore, id: &[u8]) -> Vec<u8> {
    let object: IMAPIProp = open(store, id, 0);
    let (_, props) = get_props(&object, Some(&[PR_PARENT_ENTRYID]), 0).unwrap();
    binary(&props, PR_PARENT_ENTRYID)
}

/// `PR_EXTENDED_FOLDER_FLAGS`: one of the binary settings Outlook keeps on a folder.
const PR_EXTENDED_FOLDER_FLAGS: u32 = 0x36DA_0102;
/// A property set of Outlook's kind, for named properties by number.
const PS_VIEWS: GUID = GUID::from_u128(0x0006_2008_0000_0000_C000_0000_0000_0046);

/// The binary tags of `names` in `object`'s store (`GetIDsFromNames` with `flags`).
fn named_binary(object: &IMAPIProp, names: &[PropName], flags: u32) -> Vec<u32> {
    let (hr, tags) = ids_from_names(object, names, flags).expect("GetIDsFromNames");
    assert_eq!(hr, S_OK);
    tags.into_iter()
        .map(|tag| change_prop_type(tag, PT_BINARY))
        .collect()
}

/// The rows of folder `folder`'s associated contents table.
fn associated_rows(folder: &IMAPIFolder, columns: &[u32]) -> Vec<Vec<Property>> {
    let table = contents_table(folder, MAPI_ASSOCIATED | MAPI_UNICODE).expect("associated");
    query_rows(&table, columns).unwrap()
}

#[test]
fn folder_settings_and_associated_messages_keep_their_properties_and_names_across_logons() {
    let _serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let maildir = scratch("sidecar");
    let names = [
        PropName::string(PS_PUBLIC_STRINGS, "ViewDescriptor"),
        PropName::id(PS_VIEWS, 0x8510),
    ];
    let blob = vec![0u8, 1, 0xFE, 0, 7];
    let text_prop = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));

    // First logon: what Outlook does with a new contacts folder and a view of it.
    let (mut session, opened) = logon(&maildir);
    let store = &opened.store;
    let inbox: IMAPIFolder = open(
        store,
        &receive_folder(store, "IPM.Note").unwrap(),
        MAPI_MODIFY,
    );
    let contacts = create_folder(&inbox, "Kontakte", 0).unwrap();
    let tags = named_binary(&contacts, &names, MAPI_CREATE);
    let settings = [
        text_prop(PR_CONTAINER_CLASS_W, "IPF.Contact"),
        text_prop(PR_COMMENT_W, "Adressen"),
        Property::for_tag(PR_EXTENDED_FOLDER_FLAGS, PropValue::Binary(blob.clone())),
        Property::for_tag(tags[1], PropValue::Binary(blob.clone())),
    ];
    assert_eq!(set_props(&contacts, &settings).unwrap().0, S_OK);
    let before: Vec<PathBuf> = files(&maildir.join(".INBOX.Kontakte"));
    let view = create_message(&contacts, MAPI_ASSOCIATED).unwrap();
    let view_props = [
        text_prop(PR_MESSAGE_CLASS_W, "IPM.Microsoft.FolderDesign.NamedView"),
        text_prop(PR_SUBJECT_W, "Adresskarten"),
        Property::for_tag(tags[0], PropValue::Binary(blob.clone())),
    ];
    assert_eq!(set_props(&view, &view_props).unwrap().0, S_OK);
    let (_, attach) = create_attach(&view, 0).unwrap();
    let attach_props = [
        Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        Property::for_tag(PR_ATTACH_DATA_BIN, PropValue::Binary(blob.clone())),
    ];
    assert_eq!(set_props(&attach, &attach_props).unwrap().0, S_OK);
    // SAFETY: a live attachment, then a live message.
    unsafe {
        assert_eq!(attach.SaveChanges(0), S_OK);
        assert_eq!(view.SaveChanges(KEEP_OPEN_READWRITE), S_OK);
    }
    // Kept in the folder's files, durable at once (before any logoff), not as a message file.
    let dir = maildir.join(".INBOX.Kontakte");
    assert!(dir.join(ASSOCIATED_FILE).is_file() && dir.join(PROPS_FILE).is_file());
    assert!(maildir.join(NAMES_FILE).is_file());
    assert_eq!(files(&dir), before, "no message file");
    assert!(
        query_rows(&contents(&contacts), &[PR_ENTRYID])
            .unwrap()
            .is_empty()
    );
    let listed = associated_rows(&contacts, &[PR_ENTRYID, PR_SUBJECT_W, PR_MESSAGE_FLAGS]);
    assert_eq!(listed.len(), 1);
    assert_eq!(text(&listed[0], PR_SUBJECT_W), "Adresskarten");
    let view_id = binary(&listed[0], PR_ENTRYID);
    assert_eq!(view_id, entry_id(&view));
    drop((attach, view, contacts, inbox));
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());

    // A new logon finds it all, the named properties at the same IDs.
    let (mut session, opened) = logon(&maildir);
    let store = &opened.store;
    let contacts: IMAPIFolder = open(store, &folder_id(store, "Kontakte"), MAPI_MODIFY);
    assert_eq!(named_binary(&contacts, &names, 0), tags);
    let wanted = [
        PR_CONTAINER_CLASS_W,
        PR_COMMENT_W,
        PR_EXTENDED_FOLDER_FLAGS,
        tags[1],
    ];
    let (hr, props) = get_props(&contacts, Some(&wanted), MAPI_UNICODE).unwrap();
    assert_eq!(hr, S_OK);
    assert_eq!(props, settings);
    let listed = associated_rows(&contacts, &[PR_ENTRYID, PR_MESSAGE_FLAGS]);
    assert_eq!(listed.len(), 1);
    assert_eq!(binary(&listed[0], PR_ENTRYID), view_id, "the same entry ID");
    let view: IMessage = open(store, &view_id, MAPI_MODIFY);
    let (_, props) = get_props(&view, Some(&[PR_SUBJECT_W, tags[0]]), MAPI_UNICODE).unwrap();
    assert_eq!(props, view_props[1..]);
    let (_, flags) = get_props(&view, Some(&[PR_MESSAGE_FLAGS]), 0).unwrap();
    assert!(matches!(flags[0].value, PropValue::Long(f) if f & MSGFLAG_ASSOCIATED != 0));
    let attached = open_attach(&view, 0, 0).unwrap();
    let (_, data) = get_props(&attached, Some(&[PR_ATTACH_DATA_BIN]), 0).unwrap();
    assert_eq!(data[0].value, PropValue::Binary(blob));
    drop((attached, view));

    // Deleted: gone from the table and from the file, for this logon and the next.
    assert_eq!(delete_messages(&contacts, &[&view_id], 0), S_OK);
    assert!(associated_rows(&contacts, &[PR_ENTRYID]).is_empty());
    assert_eq!(open_entry(store, &view_id, 0).err(), Some(MAPI_E_NOT_FOUND));
    drop(contacts);
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
    // Damaged files (the map, the folder's properties) are set aside: the logon and the
    // folder go on, with the defaults.
    for file in [maildir.join(NAMES_FILE), dir.join(PROPS_FILE)] {
        std::fs::write(&file, b"MAPISPI damaged").unwrap();
    }
    let (mut session, opened) = logon(&maildir);
    let contacts: IMAPIFolder = open(&opened.store, &folder_id(&opened.store, "Kontakte"), 0);
    assert!(associated_rows(&contacts, &[PR_ENTRYID]).is_empty());
    let (_, props) = get_props(&contacts, Some(&[PR_CONTAINER_CLASS_W]), MAPI_UNICODE).unwrap();
    assert_eq!(text(&props, PR_CONTAINER_CLASS_W), "IPF.Note");
    assert!(maildir.join(format!("{NAMES_FILE}.corrupt")).is_file());
    drop(contacts);
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
}
