//! The sample store's whole life in a MAPI profile, as MAPI drives it, with a transcript of
//! every call and a leak report at the end: the service is added to a profile and configured
//! through its service entry, a session logs on without an entry ID (the profile has none yet)
//! and the logon records the store in the profile, a second session logs on with the entry ID
//! the first one wrote, and Outlook exits with a fast shutdown.
//!
//! Run: `cargo run --example sample_session`
//!
//! The provider is loaded the way MAPI loads it: as a library (libsample_store.so here,
//! sample_store.dll on Windows, built next to this example), through its `ServiceEntry` and
//! `MSProviderInit` exports, with MAPI-like allocators, IMalloc, profile and support objects
//! from `mapi_spi_runtime::host`.

use core::ptr::null_mut;
use mapi_spi_runtime::Interface;
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::S_OK;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::client;
use mapi_spi_runtime::host::props::{describe, describe_tag};
use mapi_spi_runtime::host::service::ServiceLibrary;
use mapi_spi_runtime::host::{Profile, Session, SupportOptions, hresult_name};
use mapi_spi_runtime::interfaces::{IMAPIFolder, IMAPITable, IMsgStore};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::MAPIUID;
use sample_store::{SERVICE, store_entry_id};
use std::process::ExitCode;

/// How Outlook opens a store.
const LOGON_FLAGS: u32 = MDB_WRITE | MDB_NO_DIALOG;
/// The sample store's `store_name` setting (PT_STRING8, in the provider's private range).
const STORE_NAME: u32 = 0x6600_001E;

fn store_name(name: &str) -> Property {
    Property::for_tag(STORE_NAME, PropValue::String8(name.into()))
}

/// A profile section's properties, one per line.
fn print_section(profile: &Profile, section: &MAPIUID) {
    for prop in profile.properties(section).unwrap_or_default() {
        let value = match &prop.value {
            PropValue::Binary(bytes) => {
                let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
                format!("{} bytes {hex}", bytes.len())
            }
            PropValue::String8(bytes) => format!("{:?}", String::from_utf8_lossy(bytes)),
            PropValue::Unicode(text) => format!("{text:?}"),
            PropValue::Long(n) => format!("0x{n:08X}"),
            other => format!("{other:?}"),
        };
        println!("    {} = {value}", describe_tag(prop.tag()));
    }
}

/// `OpenEntry` of `id` on `store` (empty: the root folder), through the vtable, as a folder.
fn open_folder(store: &IMsgStore, id: &[u8]) -> Option<IMAPIFolder> {
    let opened = client::open_entry(store, id, MAPI_BEST_ACCESS);
    match &opened {
        Ok((kind, _)) => println!(
            "IMsgStore::OpenEntry({} bytes) -> {}, object type {kind}",
            id.len(),
            hresult_name(S_OK)
        ),
        Err(hr) => println!(
            "IMsgStore::OpenEntry({} bytes) -> {}",
            id.len(),
            hresult_name(*hr)
        ),
    }
    opened.ok().and_then(|(_, object)| object.cast().ok())
}

/// A view of `folder`'s hierarchy table (`hierarchy`) or contents table, through the vtable.
fn folder_table(folder: &IMAPIFolder, hierarchy: bool, flags: u32) -> Option<IMAPITable> {
    let vtable = folder.vtable();
    let (method, name) = if hierarchy {
        (vtable.base__.GetHierarchyTable, "GetHierarchyTable")
    } else {
        (vtable.base__.GetContentsTable, "GetContentsTable")
    };
    let mut table = null_mut();
    // SAFETY: a live folder and a valid out-pointer.
    let hr = unsafe { method(folder.as_raw(), flags, &mut table) };
    println!("IMAPIFolder::{name}(0x{flags:08X}) -> {}", hresult_name(hr));
    // SAFETY: on success a new reference to an IMAPITable.
    hr.is_ok().then(|| unsafe { IMAPITable::from_raw(table) })
}

/// `SetColumns` and `QueryRows` of every row through the vtable: each row printed (indented by
/// its `PR_DEPTH`, when it has one) and answered as the `PR_ENTRYID` and `PR_DISPLAY_NAME_W` it
/// holds, if any, for the next call.
fn print_rows(table: &IMAPITable, columns: &[u32]) -> Vec<(Vec<u8>, String)> {
    let rows = match client::query_rows(table, columns) {
        Ok(rows) => rows,
        Err(hr) => {
            println!("  SetColumns / QueryRows -> {}", hresult_name(hr));
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for row in rows {
        let value = |tag: u32| row.iter().find(|p| p.tag() == tag).map(|p| &p.value);
        let depth = match value(PR_DEPTH) {
            Some(PropValue::Long(depth)) => *depth as usize,
            _ => 0,
        };
        let text: Vec<String> = row
            .iter()
            .filter(|p| p.tag() != PR_DEPTH && p.tag() != PR_ENTRYID)
            .map(|p| describe(&p.value))
            .collect();
        println!("  {}{}", "    ".repeat(depth), text.join(" | "));
        if let (Some(PropValue::Binary(id)), Some(PropValue::Unicode(name))) =
            (value(PR_ENTRYID), value(PR_DISPLAY_NAME_W))
        {
            found.push((id.clone(), name.to_string()));
        }
    }
    found
}

/// The store's folders (the whole hierarchy below the root) and the Inbox's messages.
fn print_folders(store: &IMsgStore) {
    let Some(root) = open_folder(store, &[]) else {
        return;
    };
    let Some(hierarchy) = folder_table(&root, true, CONVENIENT_DEPTH | MAPI_UNICODE) else {
        return;
    };
    println!("  the folders (name | messages | unread | has subfolders):");
    let columns = [
        PR_DEPTH,
        PR_ENTRYID,
        PR_DISPLAY_NAME_W,
        PR_CONTENT_COUNT,
        PR_CONTENT_UNREAD,
        PR_SUBFOLDERS,
    ];
    let folders = print_rows(&hierarchy, &columns);
    let Some((inbox_id, _)) = folders.iter().find(|(_, name)| name == "Inbox") else {
        return;
    };
    let Some(inbox) = open_folder(store, inbox_id) else {
        return;
    };
    let Some(contents) = folder_table(&inbox, false, MAPI_UNICODE) else {
        return;
    };
    println!("  the Inbox's messages (subject | from | size | flags):");
    let columns = [
        PR_SUBJECT_W,
        PR_SENDER_NAME_W,
        PR_MESSAGE_SIZE,
        PR_MESSAGE_FLAGS,
    ];
    print_rows(&contents, &columns);
}

fn main() -> ExitCode {
    let library = sample_store_library();
    println!("Loading {}", library.display());

    println!(
        "\n-- The service is added to a profile: MAPISVC.INF's sections, then the service entry"
    );
    let profile = Profile::new(AllocatorSet::native());
    let service = profile.add_service(&SERVICE);
    let Some(section) = service.provider(MAPI_STORE_PROVIDER) else {
        return ExitCode::FAILURE;
    };
    // SAFETY: the sample store exports ServiceEntry with the MSGSERVICEENTRY signature.
    let entry = match unsafe { ServiceLibrary::load(&library, "ServiceEntry") } {
        Ok(entry) => entry,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let created = entry.call(&profile, &service, MSG_SERVICE_CREATE, 0, &[]);
    println!("ServiceEntry(MSG_SERVICE_CREATE) -> {created}");

    println!(
        "\n-- The service is configured (ConfigureMsgService): a bad store name, then a good one"
    );
    let refused = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        0,
        &[store_name("")],
    );
    println!("ServiceEntry(MSG_SERVICE_CONFIGURE, store_name \"\") -> {refused}");
    let configured = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        0,
        &[store_name("Inbox")],
    );
    println!("ServiceEntry(MSG_SERVICE_CONFIGURE, store_name \"Inbox\") -> {configured}");
    println!("  the store provider's profile section:");
    print_section(&profile, &section);

    // SAFETY: the sample store, built from this workspace, is a store provider.
    let mut session = match unsafe { Session::load(&library, SupportOptions::default()) } {
        Ok(session) => session.with_profile(&profile, section).echo(true),
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };

    let inbox = store_entry_id("Inbox");
    let archive = store_entry_id("Archive");

    println!("\n-- MAPI looks for the store's profile section before anything is open");
    let _ = session.compare_store_ids(&inbox, &store_entry_id("INBOX"));
    let _ = session.compare_store_ids(&inbox, &archive);
    let _ = session.compare_store_ids(&inbox, b"not ours");

    println!(
        "\n-- MAPI opens the profile's store: no entry ID in the profile yet, so none is passed"
    );
    let Ok(opened) = session.logon(&[], LOGON_FLAGS) else {
        return ExitCode::FAILURE;
    };
    let _ = session.get_props(&opened.store, None, 0);
    let _ = session.get_props(
        &opened.store,
        Some(&[PR_DISPLAY_NAME_W, PR_SUBJECT_W, PR_MDB_PROVIDER]),
        0,
    );
    let _ = session.get_prop_list(&opened.store);
    println!("\n-- A client browses the store: the folder hierarchy, then the Inbox's contents");
    print_folders(&opened.store);
    println!("  what the logon recorded in the profile section:");
    print_section(&profile, &section);

    println!(
        "\n-- The spooler logs on with the spool security Logon returned, then with forged data"
    );
    let spooler = session.spooler_logon(&inbox, &opened.spool_security, LOGON_FLAGS);
    let _ = session.spooler_logon(&inbox, b"sample-spool/1:forged", LOGON_FLAGS);

    println!("\n-- A second OpenMsgStore of the same store, by another spelling of its name");
    let again = session.logon(&store_entry_id("INBOX"), LOGON_FLAGS);

    println!("\n-- A second store");
    let Ok(second) = session.logon(&archive, LOGON_FLAGS) else {
        return ExitCode::FAILURE;
    };
    let _ = session.get_props(&second.store, Some(&[PR_DISPLAY_NAME_W]), 0);

    println!("\n-- The clients close their stores (StoreLogoff, then the last Release)");
    drop(spooler);
    drop(again);
    let _ = session.close_store(opened.store, LOGOFF_ORDERLY);
    let _ = session.close_store(second.store, LOGOFF_ORDERLY);

    println!("\n-- The session ends (Shutdown, Release)");
    let first = session.shutdown();

    println!("\n-- A second session opens the store with the entry ID the profile now holds");
    // SAFETY: the sample store, built from this workspace, is a store provider.
    let mut session = match unsafe { Session::load(&library, SupportOptions::default()) } {
        Ok(session) => session.with_profile(&profile, section).echo(true),
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let Some(recorded) = session.profile_entry_id() else {
        return ExitCode::FAILURE;
    };
    let Ok(reopened) = session.logon(&recorded, LOGON_FLAGS) else {
        return ExitCode::FAILURE;
    };
    let _ = session.get_props(&reopened.store, Some(&[PR_DISPLAY_NAME_W]), 0);

    println!(
        "\n-- Outlook exits: fast shutdown, then every reference dropped without Logoff or Shutdown"
    );
    let second = session.fast_shutdown(vec![reopened.store]);
    if first.is_clean() && second.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The sample store's library, as cargo built it for this example or test.
fn sample_store_library() -> std::path::PathBuf {
    mapi_spi_runtime::host::built_library("sample_store")
        .expect("the sample store's cdylib is built")
}
