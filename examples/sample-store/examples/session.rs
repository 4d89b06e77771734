//! The sample store driven through a whole MAPI session, as MAPI would drive it, with a
//! transcript of every call and a leak report at the end.
//!
//! Run: `cargo run --example session`
//!
//! The provider is loaded the way MAPI loads it: as a library (libsample_store.so here,
//! sample_store.dll on Windows, built next to this example), through its `MSProviderInit`
//! export, with MAPI-like allocators, IMalloc and support objects from `mapi_spi_runtime::host`.

use mapi_spi_runtime::flags::{LOGOFF_ORDERLY, MDB_NO_DIALOG, MDB_WRITE};
use mapi_spi_runtime::host::{Session, SupportOptions};
use mapi_spi_runtime::tags::{PR_DISPLAY_NAME_W, PR_MDB_PROVIDER, PR_SUBJECT_W};
use sample_store::store_entry_id;
use std::process::ExitCode;

#[path = "../locate.rs"]
mod locate;

/// How Outlook opens a store.
const LOGON_FLAGS: u32 = MDB_WRITE | MDB_NO_DIALOG;

fn main() -> ExitCode {
    let library = locate::sample_store_library();
    println!("Loading {}", library.display());
    // SAFETY: the sample store, built from this workspace, is a store provider.
    let mut session = match unsafe { Session::load(&library, SupportOptions::default()) } {
        Ok(session) => session.echo(true),
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

    println!("\n-- A client opens the Inbox store (IMAPISession::OpenMsgStore)");
    let Ok(opened) = session.logon(&inbox, LOGON_FLAGS) else {
        return ExitCode::FAILURE;
    };
    let _ = session.get_props(&opened.store, None, 0);
    let _ = session.get_props(
        &opened.store,
        Some(&[PR_DISPLAY_NAME_W, PR_SUBJECT_W, PR_MDB_PROVIDER]),
        0,
    );
    let _ = session.get_prop_list(&opened.store);

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

    println!(
        "\n-- A logon without an entry ID (the profile has none yet): the provider's default store"
    );
    let Ok(default) = session.logon(&[], LOGON_FLAGS) else {
        return ExitCode::FAILURE;
    };
    let _ = session.get_props(&default.store, Some(&[PR_DISPLAY_NAME_W]), 0);

    println!("\n-- The clients close their stores (StoreLogoff, then the last Release)");
    drop(spooler);
    drop(again);
    let _ = session.close_store(opened.store, LOGOFF_ORDERLY);
    let _ = session.close_store(second.store, LOGOFF_ORDERLY);
    let _ = session.close_store(default.store, LOGOFF_ORDERLY);

    println!("\n-- The session ends (Shutdown, Release)");
    let report = session.shutdown();
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
