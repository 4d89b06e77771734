//! The Maildir store in a MAPI session, as Outlook would drive it, with a transcript: the
//! service is added to a profile and configured with a Maildir's path (a bad path refused,
//! then a good one), MAPI logs on, and a client browses the store (the folder hierarchy, the
//! Inbox's messages, one message's properties, body and attachment), watches the Inbox, writes
//! a new message into it (the Maildir gets a new file, the client a notification), deletes it,
//! and the session ends with a leak report.
//!
//! Run: `cargo run --example session`
//!
//! The Maildir is a copy of the one in `tests/fixture/` (subfolders, non-ASCII subjects, an
//! HTML mail, an attachment, a malformed file), made in a temporary directory and removed at
//! the end. The provider is loaded the way MAPI loads it: as a library (libmaildir_store.so
//! here, maildir_store.dll on Windows, built next to this example), through its `ServiceEntry`
//! and `MSProviderInit` exports, with MAPI-like allocators, profile and support objects from
//! `mapi_spi_runtime::host`.
#![allow(non_snake_case)]

use maildir_store::SERVICE;
use maildir_store::maildir::ScratchMaildir;
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::S_OK;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::client::{
    delete_messages, get_props, modify_recipients, open_entry, query_rows, read_stream,
    receive_folder, set_props,
};
use mapi_spi_runtime::host::props::{describe, describe_tag};
use mapi_spi_runtime::host::service::ServiceLibrary;
use mapi_spi_runtime::host::{Profile, Session, SupportOptions, built_library, hresult_name};
use mapi_spi_runtime::interfaces::{
    IAttach, IMAPIAdviseSink, IMAPIAdviseSinkImpl, IMAPIFolder, IMAPITable, IMessage, IMsgStore,
};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::NOTIFICATION;
use mapi_spi_runtime::{ComObject, HRESULT, Interface, Object, mapi_object};
use std::path::Path;
use std::process::ExitCode;

/// How Outlook opens a store.
const LOGON_FLAGS: u32 = MDB_WRITE | MDB_NO_DIALOG;
/// The Maildir store's `path` setting (PT_UNICODE, in the provider's private range).
const PATH: u32 = 0x6600_001F;

fn text(tag: u32, value: &str) -> Property {
    Property::for_tag(tag, PropValue::Unicode(value.into()))
}

/// A client's advise sink: prints what the store tells it.
#[mapi_object(IMAPIAdviseSink)]
struct Printer;

impl IMAPIAdviseSinkImpl for Printer {
    unsafe fn OnNotify(_: &Object<Self>, cNotif: u32, lpNotifications: *mut NOTIFICATION) -> u32 {
        for i in 0..cNotif as usize {
            // SAFETY: `cNotif` notifications, valid for the call (the support object's).
            let event = unsafe { (*lpNotifications.add(i)).ulEventType };
            let name = [
                (fnevNewMail, "fnevNewMail"),
                (fnevObjectCreated, "fnevObjectCreated"),
                (fnevObjectDeleted, "fnevObjectDeleted"),
                (fnevObjectModified, "fnevObjectModified"),
                (fnevObjectMoved, "fnevObjectMoved"),
            ]
            .iter()
            .find_map(|&(value, name)| (value == event).then_some(name))
            .unwrap_or("another event");
            println!("  the client's sink: {name}");
        }
        0
    }
}

/// Every row of `table` with `columns`, printed one per line (indented by `PR_DEPTH`, which is
/// not printed, nor are binary columns).
fn print_rows(table: &IMAPITable, columns: &[u32]) -> Vec<Vec<Property>> {
    let rows = match query_rows(table, columns) {
        Ok(rows) => rows,
        Err(hr) => {
            println!("  QueryRows -> {}", hresult_name(hr));
            return Vec::new();
        }
    };
    for row in &rows {
        let depth = row
            .iter()
            .find_map(|p| match (p.tag(), &p.value) {
                (PR_DEPTH, PropValue::Long(depth)) => Some(*depth as usize),
                _ => None,
            })
            .unwrap_or(0);
        let shown: Vec<String> = row
            .iter()
            .filter(|p| p.tag() != PR_DEPTH && !matches!(p.value, PropValue::Binary(_)))
            .map(|p| describe(&p.value))
            .collect();
        println!("  {}{}", "    ".repeat(depth), shown.join(" | "));
    }
    rows
}

/// The object `id` names, opened from `store` as interface `I`.
fn open<I: Interface>(store: &IMsgStore, id: &[u8], flags: u32) -> Option<I> {
    match open_entry(store, id, flags).and_then(|(_, object)| object.cast().map_err(|e| e.code())) {
        Ok(object) => Some(object),
        Err(hr) => {
            println!("  OpenEntry -> {}", hresult_name(hr));
            None
        }
    }
}

/// A table a method returns through its out-pointer.
fn table(method: impl FnOnce(*mut *mut core::ffi::c_void) -> HRESULT) -> Option<IMAPITable> {
    let mut raw = core::ptr::null_mut();
    let hr = method(&mut raw);
    if hr.is_err() {
        println!("  -> {}", hresult_name(hr));
        return None;
    }
    // SAFETY: on success, a new reference to an IMAPITable.
    Some(unsafe { IMAPITable::from_raw(raw) })
}

/// The binary `tag` of a row.
fn binary(row: &[Property], tag: u32) -> Option<Vec<u8>> {
    row.iter().find_map(|p| match (p.tag(), &p.value) {
        (t, PropValue::Binary(bytes)) if t == tag => Some(bytes.clone()),
        _ => None,
    })
}

/// The message files of a Maildir folder (`new/` and `cur/`), as `new/name` or `cur/name`,
/// sorted.
fn files(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = ["new", "cur"]
        .iter()
        .flat_map(|sub| {
            std::fs::read_dir(folder.join(sub))
                .into_iter()
                .flatten()
                .flatten()
                .map(move |entry| format!("{sub}/{}", entry.file_name().to_string_lossy()))
        })
        .filter(|name| !name.ends_with("/.keep"))
        .collect();
    names.sort();
    names
}

fn main() -> ExitCode {
    let Some(library) = built_library("maildir_store") else {
        eprintln!("maildir_store's library was not built next to this example");
        return ExitCode::FAILURE;
    };
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture/Maildir");
    let maildir = match ScratchMaildir::copy_of(&fixture, "session") {
        Ok(maildir) => maildir,
        Err(error) => {
            eprintln!("cannot copy the fixture Maildir: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("Loading {}", library.display());
    println!("The Maildir: {}", maildir.display());

    println!("\n-- The service is added to a profile and configured with the Maildir's path");
    let profile = Profile::new(AllocatorSet::native());
    let service = profile.add_service(&SERVICE);
    let Some(section) = service.provider(MAPI_STORE_PROVIDER) else {
        return ExitCode::FAILURE;
    };
    // SAFETY: the Maildir store exports ServiceEntry with the MSGSERVICEENTRY signature.
    let entry = match unsafe { ServiceLibrary::load(&library, "ServiceEntry") } {
        Ok(entry) => entry,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let created = entry.call(&profile, &service, MSG_SERVICE_CREATE, 0, &[]);
    println!("ServiceEntry(MSG_SERVICE_CREATE) -> {created}");
    let refused = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        0,
        &[text(PATH, "relative/Maildir")],
    );
    println!("ServiceEntry(MSG_SERVICE_CONFIGURE, path \"relative/Maildir\") -> {refused}");
    let path = maildir.to_string_lossy().into_owned();
    let configured = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        0,
        &[text(PATH, &path)],
    );
    println!("ServiceEntry(MSG_SERVICE_CONFIGURE, path of the Maildir) -> {configured}");

    // SAFETY: the Maildir store, built from this workspace, is a store provider.
    let mut session = match unsafe { Session::load(&library, SupportOptions::default()) } {
        Ok(session) => session.with_profile(&profile, section).echo(true),
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    println!("\n-- MAPI opens the profile's store (no entry ID yet)");
    let Ok(opened) = session.logon(&[], LOGON_FLAGS) else {
        return ExitCode::FAILURE;
    };
    let store = opened.store.clone();
    let _ = session.get_props(&store, Some(&[PR_DISPLAY_NAME_W, PR_STORE_SUPPORT_MASK]), 0);

    let ok = browse_and_write(&store, &maildir);
    drop(store);

    println!("\n-- The client closes the store; the session ends");
    let _ = session.close_store(opened.store, LOGOFF_ORDERLY);
    let report = session.shutdown();
    if ok && report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What a client does with the store: browse, read, watch, write, delete.
fn browse_and_write(store: &IMsgStore, maildir: &Path) -> bool {
    println!(
        "\n-- The folder hierarchy (OpenEntry of the root, GetHierarchyTable, CONVENIENT_DEPTH)"
    );
    let Some(root) = open::<IMAPIFolder>(store, &[], MAPI_BEST_ACCESS) else {
        return false;
    };
    // SAFETY: a live folder and a valid out-pointer.
    let Some(hierarchy) =
        table(|out| unsafe { root.GetHierarchyTable(CONVENIENT_DEPTH | MAPI_UNICODE, out) })
    else {
        return false;
    };
    println!("  (name | messages | unread)");
    print_rows(
        &hierarchy,
        &[
            PR_DEPTH,
            PR_DISPLAY_NAME_W,
            PR_CONTENT_COUNT,
            PR_CONTENT_UNREAD,
        ],
    );

    println!("\n-- The Inbox (GetReceiveFolder) and its contents table");
    let inbox_id = match receive_folder(store, "IPM.Note") {
        Ok(id) => id,
        Err(hr) => {
            println!("  GetReceiveFolder -> {}", hresult_name(hr));
            return false;
        }
    };
    let Some(inbox) = open::<IMAPIFolder>(store, &inbox_id, MAPI_MODIFY) else {
        return false;
    };
    let contents_of = |folder: &IMAPIFolder| {
        // SAFETY: a live folder and a valid out-pointer.
        table(|out| unsafe { folder.GetContentsTable(MAPI_UNICODE, out) })
    };
    let Some(contents) = contents_of(&inbox) else {
        return false;
    };
    let columns = [
        PR_ENTRYID,
        PR_SUBJECT_W,
        PR_SENDER_NAME_W,
        PR_MESSAGE_DELIVERY_TIME,
        PR_MESSAGE_SIZE,
        PR_HASATTACH,
    ];
    println!("  (subject | from | received | size | has attachments)");
    let rows = print_rows(&contents, &columns);

    println!("\n-- The message with an attachment: its properties, body and attachment");
    let with_attachment = rows.iter().find(|row| {
        row.iter()
            .any(|p| p.tag() == PR_HASATTACH && p.value == PropValue::Boolean(true))
    });
    if let Some(id) = with_attachment.and_then(|row| binary(row, PR_ENTRYID)) {
        show_message(store, &id);
    }

    println!("\n-- The client watches the Inbox (Advise), then writes a message into it");
    let sink: IMAPIAdviseSink = ComObject::new(Printer).into_interface();
    let mut connection = 0usize;
    // SAFETY: a live store, the Inbox's ID, a live sink, a valid out-pointer.
    let hr = unsafe {
        store.Advise(
            &inbox_id,
            fnevObjectCreated | fnevObjectDeleted | fnevNewMail,
            Some(&sink),
            &mut connection,
        )
    };
    println!("IMsgStore::Advise(Inbox) -> {}", hresult_name(hr));
    let before = files(maildir);
    let Some(new_id) = write_message(&inbox) else {
        return false;
    };
    let after = files(maildir);
    for name in after.iter().filter(|name| !before.contains(name)) {
        println!("  the Maildir has a new file: {name}");
    }
    println!("  the contents table now (subject | from | received | size | has attachments):");
    print_rows(&contents, &columns);

    println!("\n-- The client deletes it (DeleteMessages)");
    let hr = delete_messages(&inbox, &[&new_id], 0);
    println!("IMAPIFolder::DeleteMessages -> {}", hresult_name(hr));
    let left = files(maildir);
    println!(
        "  the Maildir's Inbox holds {} files again, as before: {}",
        left.len(),
        left == before
    );
    if hr == S_OK {
        // SAFETY: a live store; the connection its Advise gave.
        let hr = unsafe { store.Unadvise(connection) };
        println!("IMsgStore::Unadvise -> {}", hresult_name(hr));
    }
    hr == S_OK && after.len() == before.len() + 1 && left == before
}

/// Prints one message: its main properties, the start of its body and its attachments.
fn show_message(store: &IMsgStore, id: &[u8]) {
    let Some(message) = open::<IMessage>(store, id, 0) else {
        return;
    };
    let tags = [
        PR_SUBJECT_W,
        PR_SENDER_NAME_W,
        PR_SENDER_EMAIL_ADDRESS_W,
        PR_DISPLAY_TO_W,
        PR_CLIENT_SUBMIT_TIME,
        PR_INTERNET_MESSAGE_ID_W,
        PR_MESSAGE_SIZE,
        PR_HASATTACH,
    ];
    match get_props(&message, Some(&tags), MAPI_UNICODE) {
        Ok((_, props)) => {
            for prop in &props {
                println!(
                    "  {:<28} {}",
                    describe_tag(prop.tag()),
                    describe(&prop.value)
                );
            }
        }
        Err(hr) => println!("  GetProps -> {}", hresult_name(hr)),
    }
    match read_stream(&message, PR_BODY_W) {
        Ok(bytes) => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let body = String::from_utf16_lossy(&units);
            println!("  the body (PR_BODY_W through a stream), first lines:");
            for line in body.lines().take(4) {
                println!("    {line}");
            }
        }
        Err(hr) => println!("  OpenProperty(PR_BODY_W) -> {}", hresult_name(hr)),
    }
    // SAFETY: a live message and a valid out-pointer.
    let Some(attachments) = table(|out| unsafe { message.GetAttachmentTable(MAPI_UNICODE, out) })
    else {
        return;
    };
    println!("  its attachments (number | file name | MIME type | size):");
    let rows = print_rows(
        &attachments,
        &[
            PR_ATTACH_NUM,
            PR_ATTACH_FILENAME_W,
            PR_ATTACH_MIME_TAG_W,
            PR_ATTACH_SIZE,
        ],
    );
    let number = rows.first().and_then(|row| {
        row.iter().find_map(|p| match (p.tag(), &p.value) {
            (PR_ATTACH_NUM, PropValue::Long(n)) => Some(*n),
            _ => None,
        })
    });
    if let Some(number) = number {
        let mut raw = core::ptr::null_mut();
        // SAFETY: a live message and a valid out-pointer.
        let hr = unsafe { message.OpenAttach(number, core::ptr::null(), 0, &mut raw) };
        println!("IMessage::OpenAttach({number}) -> {}", hresult_name(hr));
        if hr.is_ok() {
            // SAFETY: on success, a new reference to an IAttach.
            let attach = unsafe { IAttach::from_raw(raw) };
            match read_stream(&attach, PR_ATTACH_DATA_BIN) {
                Ok(bytes) => println!(
                    "  PR_ATTACH_DATA_BIN through a stream: {} bytes",
                    bytes.len()
                ),
                Err(hr) => println!("  OpenProperty(PR_ATTACH_DATA_BIN) -> {}", hresult_name(hr)),
            }
        }
    }
}

/// Creates, fills and saves a message in `folder`; answers its entry ID.
fn write_message(folder: &IMAPIFolder) -> Option<Vec<u8>> {
    let mut raw = core::ptr::null_mut();
    // SAFETY: a live folder and a valid out-pointer.
    let hr = unsafe { folder.CreateMessage(core::ptr::null(), 0, &mut raw) };
    println!("IMAPIFolder::CreateMessage -> {}", hresult_name(hr));
    if hr.is_err() {
        return None;
    }
    // SAFETY: on success, a new reference to an IMessage.
    let message = unsafe { IMessage::from_raw(raw) };
    let props = [
        text(PR_SUBJECT_W, "Grüße aus MAPI"),
        text(PR_BODY_W, "Written by a MAPI client through mapi-spi."),
        text(PR_SENDER_NAME_W, "Demo Client"),
        text(PR_SENDER_EMAIL_ADDRESS_W, "client@example.org"),
        text(PR_MESSAGE_CLASS_W, "IPM.Note"),
    ];
    let set = set_props(&message, &props);
    println!(
        "IMessage::SetProps(subject, body, sender, class) -> {}",
        set.as_ref()
            .map_or_else(|hr| hresult_name(*hr), |(hr, _)| hresult_name(*hr))
    );
    let recipient = vec![
        text(PR_DISPLAY_NAME_W, "Maildir Reader"),
        text(PR_EMAIL_ADDRESS_W, "reader@example.org"),
        text(PR_ADDRTYPE_W, "SMTP"),
        Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO)),
    ];
    let hr = modify_recipients(&message, MODRECIP_ADD, &[recipient]);
    println!(
        "IMessage::ModifyRecipients(MODRECIP_ADD) -> {}",
        hresult_name(hr)
    );
    // SAFETY: a live message.
    let hr = unsafe { message.SaveChanges(KEEP_OPEN_READWRITE) };
    println!(
        "IMessage::SaveChanges(KEEP_OPEN_READWRITE) -> {}",
        hresult_name(hr)
    );
    if hr.is_err() {
        return None;
    }
    get_props(&message, Some(&[PR_ENTRYID]), 0)
        .ok()
        .and_then(|(_, props)| binary(&props, PR_ENTRYID))
}
