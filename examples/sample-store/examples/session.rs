//! The sample store's whole life in a MAPI profile, as MAPI drives it, with a transcript of
//! every call and a leak report at the end: the service is added to a profile and configured
//! through its service entry, a session logs on without an entry ID (the profile has none yet)
//! and the logon records the store in the profile, a second session logs on with the entry ID
//! the first one wrote, and Outlook exits with a fast shutdown.
//!
//! Run: `cargo run --example session`
//!
//! The provider is loaded the way MAPI loads it: as a library (libsample_store.so here,
//! sample_store.dll on Windows, built next to this example), through its `ServiceEntry` and
//! `MSProviderInit` exports, with MAPI-like allocators, IMalloc, profile and support objects
//! from `mapi_spi_runtime::host`.

use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::props::describe_tag;
use mapi_spi_runtime::host::service::ServiceLibrary;
use mapi_spi_runtime::host::{Profile, Session, SupportOptions};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::{PR_DISPLAY_NAME_W, PR_MDB_PROVIDER, PR_SUBJECT_W};
use mapi_spi_runtime::types::MAPIUID;
use sample_store::{SERVICE, store_entry_id};
use std::process::ExitCode;

#[path = "../locate.rs"]
mod locate;

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

fn main() -> ExitCode {
    let library = locate::sample_store_library();
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
