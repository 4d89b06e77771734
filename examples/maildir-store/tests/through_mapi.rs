//! The Maildir store as MAPI clients reach it: logged on in-process through a configured
//! profile, every call through the objects' vtables, on a copy of the fixture Maildir. What a
//! client does shows on disk (a saved message is a file, a move a rename, a delete no file),
//! and what another program does on disk shows to the client (a delivery is a new row with
//! `fnevObjectCreated` and `fnevNewMail`, a vanished file an `MAPI_E_OBJECT_DELETED` save).
#![allow(non_snake_case)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use maildir_store::maildir::ScratchMaildir;
use maildir_store::{MSProviderInit, SERVICE, ServiceEntry};
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::client::{
    delete_messages, get_props, open_entry, query_rows, receive_folder, set_props,
};
use mapi_spi_runtime::host::service::call_service_entry;
use mapi_spi_runtime::host::{OpenedStore, Profile, Session, SupportOptions};
use mapi_spi_runtime::interfaces::{
    IMAPIAdviseSink, IMAPIAdviseSinkImpl, IMAPIFolder, IMAPITable, IMessage, IMsgStore,
};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{
    ENTRYLIST, NOTIFICATION, SBinary, SContentRestriction, SRestriction, SSubRestriction,
};
use mapi_spi_runtime::{ComObject, Interface, Object, mapi_object};

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

fn open<I: Interface>(store: &IMsgStore, id: &[u8], flags: u32) -> I {
    let (_, object) = open_entry(store, id, flags).expect("OpenEntry");
    object.cast().expect("the interface")
}

fn contents(folder: &IMAPIFolder) -> IMAPITable {
    let mut raw = core::ptr::null_mut();
    // SAFETY: a live folder and a valid out-pointer.
    assert_eq!(
        unsafe { folder.GetContentsTable(MAPI_UNICODE, &mut raw) },
        S_OK
    );
    // SAFETY: a new reference to an IMAPITable.
    unsafe { IMAPITable::from_raw(raw) }
}

fn binary(row: &[Property], tag: u32) -> Vec<u8> {
    match row.iter().find(|p| p.tag() == tag).map(|p| &p.value) {
        Some(PropValue::Binary(bytes)) => bytes.clone(),
        other => panic!("no binary 0x{tag:08X}: {other:?}"),
    }
}

fn text(row: &[Property], tag: u32) -> String {
    match row.iter().find(|p| p.tag() == tag).map(|p| &p.value) {
        Some(PropValue::Unicode(text)) => text.clone(),
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
    let root: IMAPIFolder = open(store, &[], 0);
    let mut raw = core::ptr::null_mut();
    // SAFETY: a live folder and a valid out-pointer.
    let hr = unsafe { root.GetHierarchyTable(CONVENIENT_DEPTH | MAPI_UNICODE, &mut raw) };
    assert_eq!(hr, S_OK);
    // SAFETY: a new reference to an IMAPITable.
    let table = unsafe { IMAPITable::from_raw(raw) };
    let rows = query_rows(&table, &[PR_ENTRYID, PR_DISPLAY_NAME_W]).unwrap();
    let row = rows
        .iter()
        .find(|row| text(row, PR_DISPLAY_NAME_W) == name)
        .unwrap_or_else(|| panic!("no folder {name}"));
    binary(row, PR_ENTRYID)
}

/// Records the event types it hears.
#[mapi_object(IMAPIAdviseSink)]
struct Recorder {
    events: Mutex<Vec<u32>>,
}

impl IMAPIAdviseSinkImpl for Recorder {
    unsafe fn OnNotify(
        this: &Object<Self>,
        cNotif: u32,
        lpNotifications: *mut NOTIFICATION,
    ) -> u32 {
        for i in 0..cNotif as usize {
            // SAFETY: `cNotif` notifications, valid for the call.
            let event = unsafe { (*lpNotifications.add(i)).ulEventType };
            this.events.lock().unwrap().push(event);
        }
        0
    }
}

#[test]
fn a_delivery_by_another_program_is_a_new_row_with_new_mail() {
    let _serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let maildir = scratch("delivery");
    let (mut session, opened) = logon(&maildir);
    let store = opened.store.clone();
    let inbox_id = receive_folder(&store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(&store, &inbox_id, 0);
    let view = contents(&inbox);
    let before = query_rows(&view, &[PR_SUBJECT_W]).unwrap().len();

    let recorder = ComObject::new(Recorder {
        events: Mutex::new(Vec::new()),
    });
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
    let tmp = maildir.join("tmp/1800000000.M1P1.elsewhere");
    std::fs::write(&tmp, mail).unwrap();
    std::fs::rename(&tmp, maildir.join("new/1800000000.M1P1.elsewhere")).unwrap();

    // The open view's next query finds it; the sink hears of it.
    let rows = query_rows(&view, &[PR_SUBJECT_W]).unwrap();
    assert_eq!(rows.len(), before + 1);
    assert!(
        rows.iter()
            .any(|row| text(row, PR_SUBJECT_W) == "Zustellung für dich"),
        "{rows:?}"
    );
    let events = recorder.events.lock().unwrap().clone();
    assert!(events.contains(&fnevObjectCreated), "{events:?}");
    assert!(events.contains(&fnevNewMail), "{events:?}");

    // SAFETY: a live store; its own connection.
    assert_eq!(unsafe { store.Unadvise(connection) }, S_OK);
    drop((view, inbox, store, sink));
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
}

#[test]
fn a_saved_message_is_a_file_a_move_a_rename_a_delete_no_file() {
    let _serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let maildir = scratch("writes");
    let (mut session, opened) = logon(&maildir);
    let store = opened.store.clone();
    let inbox_id = receive_folder(&store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(&store, &inbox_id, MAPI_MODIFY);
    let inbox_files = files(&maildir);

    let mut raw = core::ptr::null_mut();
    // SAFETY: a live folder and a valid out-pointer.
    assert_eq!(
        unsafe { inbox.CreateMessage(core::ptr::null(), 0, &mut raw) },
        S_OK
    );
    // SAFETY: a new reference to an IMessage.
    let message = unsafe { IMessage::from_raw(raw) };
    let subject = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("Über Maildir".into()));
    let body = Property::for_tag(PR_BODY_W, PropValue::Unicode("Saved through MAPI.".into()));
    assert_eq!(set_props(&message, &[subject, body]).unwrap().0, S_OK);
    // Nothing on disk before SaveChanges.
    assert_eq!(files(&maildir), inbox_files);
    // SAFETY: a live message.
    assert_eq!(unsafe { message.SaveChanges(KEEP_OPEN_READWRITE) }, S_OK);
    let saved: Vec<PathBuf> = files(&maildir)
        .into_iter()
        .filter(|path| !inbox_files.contains(path))
        .collect();
    assert_eq!(saved.len(), 1, "one new file");
    let written = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(written.contains("Subject:"), "{written}");
    assert!(written.contains("Saved through MAPI."), "{written}");
    let (_, props) = get_props(&message, Some(&[PR_ENTRYID]), 0).unwrap();
    let id = binary(&props, PR_ENTRYID);
    drop(message);

    // Moved into Archive: the file moves into .Archive/cur/.
    let archive_id = folder_id(&store, "Archive");
    let archive: IMAPIFolder = open(&store, &archive_id, MAPI_MODIFY);
    let mut binaries = [SBinary {
        cb: id.len() as u32,
        lpb: id.as_ptr().cast_mut(),
    }];
    let mut list = ENTRYLIST {
        cValues: 1,
        lpbin: binaries.as_mut_ptr(),
    };
    // SAFETY: a live folder, a list whose ID outlives the call, a live destination folder.
    let hr = unsafe {
        inbox.CopyMessages(
            &mut list,
            &IMAPIFolder::IID,
            archive.as_raw(),
            0,
            None,
            MESSAGE_MOVE,
        )
    };
    assert_eq!(hr, S_OK);
    assert_eq!(files(&maildir), inbox_files);
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

    drop((inbox, archive, store));
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
}

#[test]
fn crafted_entry_ids_reach_nothing_and_a_vanished_file_loses_nothing() {
    let _serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let maildir = scratch("crafted");
    let (mut session, opened) = logon(&maildir);
    let store = opened.store.clone();
    let before: Vec<PathBuf> = files(&maildir);

    // Another provider's ID, a truncated one, one of ours with its object key rewritten to
    // climb out of the Maildir: none opens anything, and nothing on disk changes.
    let inbox_id = receive_folder(&store, "IPM.Note").unwrap();
    let mut foreign = inbox_id.clone();
    foreign[4] ^= 0xFF;
    assert_eq!(
        open_entry(&store, &foreign, 0).err(),
        Some(MAPI_E_UNKNOWN_ENTRYID)
    );
    assert_eq!(
        open_entry(&store, &inbox_id[..inbox_id.len() / 2], 0).err(),
        Some(MAPI_E_INVALID_ENTRYID)
    );
    let inbox: IMAPIFolder = open(&store, &inbox_id, MAPI_MODIFY);
    let rows = query_rows(&contents(&inbox), &[PR_ENTRYID]).unwrap();
    let message_id = binary(&rows[0], PR_ENTRYID);
    for climb in [&b"/../../etc/passwd"[..], b"\\..\\..\\x", b"/"] {
        let mut crafted = message_id.clone();
        let at = crafted.len() - 1;
        crafted.truncate(at);
        crafted.extend_from_slice(climb);
        let refused = open_entry(&store, &crafted, 0).err();
        assert!(
            matches!(refused, Some(MAPI_E_NOT_FOUND | MAPI_E_INVALID_ENTRYID)),
            "{refused:?}"
        );
    }
    assert_eq!(files(&maildir), before);

    // A message opened for writing whose file another program deletes: its save answers
    // MAPI_E_OBJECT_DELETED and writes nothing back; the object keeps its changes.
    let message: IMessage = open(&store, &message_id, MAPI_MODIFY);
    let (_, props) = get_props(&message, Some(&[PR_INTERNET_MESSAGE_ID_W]), MAPI_UNICODE).unwrap();
    let header = text(&props, PR_INTERNET_MESSAGE_ID_W);
    let victim = files(&maildir)
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
    let after = files(&maildir);
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

    drop((message, inbox, store));
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
}

#[test]
fn a_folder_outlook_creates_is_a_maildir_folder_and_keeps_its_class() {
    let _serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let maildir = scratch("folders");
    let (mut session, opened) = logon(&maildir);
    let store = opened.store.clone();
    let inbox_id = receive_folder(&store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(&store, &inbox_id, MAPI_MODIFY);

    // What Outlook does: CreateFolder, then SetProps of the new folder's class.
    let name: Vec<u16> = "Projekte".encode_utf16().chain([0]).collect();
    let mut raw = core::ptr::null_mut();
    // SAFETY: a live folder, a NUL-terminated UTF-16 name, a valid out-pointer.
    let hr = unsafe {
        inbox.CreateFolder(
            FOLDER_GENERIC,
            name.as_ptr().cast_mut().cast(),
            core::ptr::null_mut(),
            core::ptr::null(),
            MAPI_UNICODE,
            &mut raw,
        )
    };
    assert_eq!(hr, S_OK);
    // SAFETY: a new reference to an IMAPIFolder.
    let created = unsafe { IMAPIFolder::from_raw(raw) };
    let made: Vec<String> = std::fs::read_dir(&maildir)
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
    // What a Maildir cannot keep is refused, and the folder stays as it was.
    let comment = Property::for_tag(PR_COMMENT_W, PropValue::Unicode("notes".into()));
    assert_eq!(
        set_props(&created, &[comment]).err(),
        Some(MAPI_E_NO_ACCESS)
    );
    let (_, props) = get_props(
        &created,
        Some(&[PR_DISPLAY_NAME_W, PR_CONTAINER_CLASS_W]),
        MAPI_UNICODE,
    )
    .unwrap();
    assert_eq!(text(&props, PR_DISPLAY_NAME_W), "Projekte");
    assert_eq!(text(&props, PR_CONTAINER_CLASS_W), "IPF.Note");

    drop((created, inbox, store));
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
}

#[test]
fn a_search_by_recipient_finds_the_messages_sent_to_them() {
    let _serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let maildir = scratch("search");
    let (mut session, opened) = logon(&maildir);
    let store = opened.store.clone();
    let inbox_id = receive_folder(&store, "IPM.Note").unwrap();
    let inbox: IMAPIFolder = open(&store, &inbox_id, 0);
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

    drop((view, inbox, store, value));
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
}
