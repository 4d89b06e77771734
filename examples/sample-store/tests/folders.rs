//! The sample store's folders and messages, through the built library and vtable calls: the
//! hierarchy a client sees below the root, the Inbox's messages (one with an attachment), and a
//! change made in memory.

use core::ptr::{null, null_mut};
use mapi_spi_runtime::Interface;
use mapi_spi_runtime::codes::S_OK;
use mapi_spi_runtime::flags::{
    CONVENIENT_DEPTH, COPY_SUBFOLDERS, FOLDER_GENERIC, LOGOFF_ORDERLY, MAPI_BEST_ACCESS,
    MAPI_UNICODE, MESSAGE_MOVE,
};
use mapi_spi_runtime::host::{Session, SupportOptions, client};
use mapi_spi_runtime::interfaces::{IMAPIFolder, IMAPITable, IMessage, IMsgStore};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::*;
use sample_store::store_entry_id;

/// The leak report counts the process's native host buffers, so sessions run one at a time.
static ONE_SESSION_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn open_folder(store: &IMsgStore, id: &[u8]) -> IMAPIFolder {
    let (_, folder) = client::open_entry(store, id, MAPI_BEST_ACCESS).expect("OpenEntry");
    folder.cast().expect("IMAPIFolder")
}

/// Every row of `table` with `columns`.
fn rows(table: &IMAPITable, columns: &[u32]) -> Vec<Vec<Property>> {
    client::query_rows(table, columns).expect("QueryRows")
}

fn hierarchy(folder: &IMAPIFolder) -> Vec<(String, u32, Vec<u8>)> {
    let mut table = null_mut();
    // SAFETY: a live folder, a valid out-pointer; the view is ours.
    let table = unsafe {
        assert_eq!(
            folder.GetHierarchyTable(CONVENIENT_DEPTH | MAPI_UNICODE, &mut table),
            S_OK
        );
        IMAPITable::from_raw(table)
    };
    rows(&table, &[PR_DISPLAY_NAME_W, PR_DEPTH, PR_ENTRYID])
        .into_iter()
        .map(|row| match (&row[0].value, &row[1].value, &row[2].value) {
            (PropValue::Unicode(name), PropValue::Long(depth), PropValue::Binary(id)) => {
                (name.to_string(), *depth, id.clone())
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_client_browses_the_folders_and_changes_them_in_memory() {
    let (_serial, mut session) = session();
    let store = session.logon(&store_entry_id("Box"), 0).unwrap().store;
    let root = open_folder(&store, &[]);
    let folders = hierarchy(&root);
    let names: Vec<(&str, u32)> = folders.iter().map(|(n, d, _)| (n.as_str(), *d)).collect();
    assert_eq!(
        names,
        [
            ("Top of Information Store", 0),
            ("Inbox", 1),
            ("Projects", 2),
            ("Outbox", 1),
            ("Sent Items", 1),
            ("Deleted Items", 1),
            ("Drafts", 1),
        ]
    );

    let inbox = open_folder(&store, &folders[1].2);
    let mut table = null_mut();
    // SAFETY: a live folder, a valid out-pointer; the view is ours.
    let contents = unsafe {
        assert_eq!(inbox.GetContentsTable(MAPI_UNICODE, &mut table), S_OK);
        IMAPITable::from_raw(table)
    };
    let messages = rows(&contents, &[PR_SUBJECT_W, PR_HASATTACH]);
    assert_eq!(messages.len(), 3);
    let with_attachment: Vec<&PropValue> = messages
        .iter()
        .filter(|row| row[1].value == PropValue::Boolean(true))
        .map(|row| &row[0].value)
        .collect();
    assert_eq!(
        with_attachment,
        [&PropValue::Unicode("Quarterly report".into())]
    );

    // Writable in memory: a new folder appears in the hierarchy.
    let name: Vec<u16> = "Archive".encode_utf16().chain([0]).collect();
    let mut created = null_mut();
    // SAFETY: a live folder, a NUL-terminated UTF-16 name, a valid out-pointer.
    let created = unsafe {
        let hr = inbox.CreateFolder(
            FOLDER_GENERIC,
            name.as_ptr().cast_mut().cast(),
            null_mut(),
            null(),
            MAPI_UNICODE,
            &mut created,
        );
        assert_eq!(hr, S_OK);
        IMAPIFolder::from_raw(created)
    };
    assert!(
        hierarchy(&root)
            .iter()
            .any(|(n, d, _)| n == "Archive" && *d == 2)
    );

    drop((created, contents, inbox, root));

    // The store's contents live as long as the session: logged off and on again, the new
    // folder is still there.
    assert_eq!(
        session.close_store(store, mapi_spi_runtime::flags::LOGOFF_ORDERLY),
        S_OK
    );
    let store = session.logon(&store_entry_id("Box"), 0).unwrap().store;
    let root = open_folder(&store, &[]);
    assert!(hierarchy(&root).iter().any(|(n, _, _)| n == "Archive"));
    drop((root, store));
    assert!(session.shutdown().is_clean());
}

/// A session with the sample store's library, one at a time: the guard is held for the test.
fn session() -> (std::sync::MutexGuard<'static, ()>, Session) {
    let serial = ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    // SAFETY: the sample store, built from this workspace, is a store provider.
    let session = unsafe { Session::load(&sample_store_library(), SupportOptions::default()) }
        .expect("the sample store library loads");
    (serial, session)
}

/// The sample store's library, as cargo built it for this example or test.
fn sample_store_library() -> std::path::PathBuf {
    mapi_spi_runtime::host::built_library("sample_store")
        .expect("the sample store's cdylib is built")
}

/// The contents table of `folder`, as (subject, entry ID) rows.
fn messages(folder: &IMAPIFolder) -> Vec<(String, Vec<u8>)> {
    let table = client::contents_table(folder, MAPI_UNICODE).expect("GetContentsTable");
    rows(&table, &[PR_SUBJECT_W, PR_ENTRYID])
        .into_iter()
        .map(|row| match (&row[0].value, &row[1].value) {
            (PropValue::Unicode(subject), PropValue::Binary(id)) => {
                (subject.to_string(), id.clone())
            }
            other => panic!("{other:?}"),
        })
        .collect()
}

/// What a client reads of a message: its subject, sender and body, its recipients' names and
/// addresses, its attachments' file names and data.
type Read = (Vec<Property>, Vec<Vec<Property>>, Vec<(Property, Property)>);

fn read_message(store: &IMsgStore, id: &[u8]) -> Read {
    let (_, message) = client::open_entry(store, id, 0).expect("OpenEntry");
    let message: IMessage = message.cast().unwrap();
    let tags = [PR_SUBJECT_W, PR_SENDER_NAME_W, PR_BODY_W];
    let (_, props) = client::get_props(&message, Some(&tags), MAPI_UNICODE).unwrap();
    let recipients = client::recipient_table(&message, MAPI_UNICODE).unwrap();
    let recipients = rows(&recipients, &[PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W]);
    let attachments = client::attachment_table(&message, MAPI_UNICODE).unwrap();
    let attachments = rows(&attachments, &[PR_ATTACH_NUM])
        .into_iter()
        .map(|row| {
            let PropValue::Long(num) = row[0].value else {
                panic!("no PR_ATTACH_NUM")
            };
            let attach = client::open_attach(&message, num, 0).unwrap();
            let tags = [PR_ATTACH_FILENAME_W, PR_ATTACH_DATA_BIN];
            let (_, mut props) = client::get_props(&attach, Some(&tags), MAPI_UNICODE).unwrap();
            let data = props.pop().unwrap();
            (props.pop().unwrap(), data)
        })
        .collect();
    (props, recipients, attachments)
}

/// Two sample stores of one session (two keys, two contents): a message copied from one's
/// Inbox into the other's reads the same there (subject, sender, body, recipient,
/// attachment); moved, it leaves the first; a folder copied with its subfolders has their
/// messages there too.
#[test]
fn messages_and_folders_copy_and_move_between_two_sample_stores() {
    let (_serial, mut session) = session();
    let store = session.logon(&store_entry_id("Box"), 0).unwrap().store;
    let other = session.logon(&store_entry_id("Other"), 0).unwrap().store;
    let folder_of = |store: &IMsgStore, parent: &IMAPIFolder, name: &str| {
        let row = hierarchy(parent).into_iter().find(|(n, _, _)| n == name);
        open_folder(store, &row.unwrap_or_else(|| panic!("no {name}")).2)
    };
    let (root, other_root) = (open_folder(&store, &[]), open_folder(&other, &[]));
    let inbox = folder_of(&store, &root, "Inbox");
    let drafts = folder_of(&other, &other_root, "Drafts");
    let (subject, report) = messages(&inbox)
        .into_iter()
        .find(|(subject, _)| subject == "Quarterly report")
        .unwrap();
    let original = read_message(&store, &report);
    assert_eq!(original.2.len(), 1, "the report has its attachment");

    assert_eq!(client::copy_messages(&inbox, &[&report], &drafts, 0), S_OK);
    let copies = messages(&drafts);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].0, subject);
    assert_eq!(read_message(&other, &copies[0].1), original);
    assert_eq!(read_message(&store, &report), original, "the source stays");

    assert_eq!(
        client::copy_messages(&inbox, &[&report], &drafts, MESSAGE_MOVE),
        S_OK
    );
    assert!(messages(&inbox).iter().all(|(_, id)| *id != report));
    assert_eq!(messages(&drafts).len(), 2);
    assert!(
        client::open_entry(&store, &report, 0).is_err(),
        "moved away"
    );

    // The Inbox, with Projects, into the other store's Drafts.
    let top = folder_of(&store, &root, "Top of Information Store");
    let inbox_id = hierarchy(&root)[1].2.clone();
    assert_eq!(
        client::copy_folder(&top, &inbox_id, &drafts, Some("Copied"), COPY_SUBFOLDERS),
        S_OK
    );
    let copied = folder_of(&other, &drafts, "Copied");
    let subjects = |folder: &IMAPIFolder| {
        let mut subjects: Vec<String> = messages(folder).into_iter().map(|m| m.0).collect();
        subjects.sort();
        subjects
    };
    assert_eq!(subjects(&copied), subjects(&inbox));
    let projects = folder_of(&store, &inbox, "Projects");
    let projects_copy = folder_of(&other, &copied, "Projects");
    assert_eq!(subjects(&projects_copy), subjects(&projects));

    drop((
        root,
        other_root,
        inbox,
        drafts,
        top,
        copied,
        projects,
        projects_copy,
    ));
    assert_eq!(session.close_store(other, LOGOFF_ORDERLY), S_OK);
    assert_eq!(session.close_store(store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
}
