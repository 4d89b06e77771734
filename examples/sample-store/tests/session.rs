//! The sample store as MAPI sees it: the built library (`cdylib`, not the rlib) loaded through
//! the host harness and driven through a whole session, asserting what the transcript shows.

use mapi_spi_runtime::codes::{
    MAPI_E_INVALID_ENTRYID, MAPI_E_LOGON_FAILED, MAPI_W_ERRORS_RETURNED, S_OK,
};
use mapi_spi_runtime::flags::{LOGOFF_ORDERLY, MAPI_UNICODE};
use mapi_spi_runtime::host::{Session, SupportOptions};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::{IUnknown, Interface};
use sample_store::{SAMPLE_UID, store_entry_id};

/// How a missing `PR_SUBJECT_W` comes back.
const PR_SUBJECT_ERROR: u32 = change_prop_type(PR_SUBJECT_W, PT_ERROR);
/// The wrapped-entry-ID UID ([MS-OXCDATA]).
const STORE_WRAP_UID: [u8; 16] = [
    0x38, 0xA1, 0xBB, 0x10, 0x05, 0xE5, 0x10, 0x1A, 0xA1, 0xBB, 0x08, 0x00, 0x2B, 0x2A, 0x56, 0xC2,
];

/// The leak report counts the process's native host buffers, so sessions run one at a time.
static ONE_SESSION_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn session(options: SupportOptions) -> Session {
    // SAFETY: the sample store, built from this workspace, is a store provider.
    unsafe { Session::load(&sample_store_library(), options) }
        .expect("the sample store library loads")
}

fn value(properties: &[mapi_spi_runtime::host::Property], tag: u32) -> &str {
    &properties
        .iter()
        .find(|p| p.tag == tag)
        .unwrap_or_else(|| panic!("0x{tag:08X} returned"))
        .value
}

#[test]
fn a_whole_session_through_the_built_library() {
    let _serial = serial();
    let mut session = session(SupportOptions::default());
    let inbox = store_entry_id("Inbox");

    // CompareStoreIDs before any store is open; names compare case-insensitively.
    assert_eq!(
        session.compare_store_ids(&inbox, &store_entry_id("INBOX")),
        Ok(true)
    );
    assert_eq!(
        session.compare_store_ids(&inbox, &store_entry_id("Archive")),
        Ok(false)
    );
    assert_eq!(
        session.compare_store_ids(&inbox, b"short"),
        Err(MAPI_E_INVALID_ENTRYID)
    );

    let opened = session.logon(&inbox, 0).expect("logon");
    assert!(opened.new_logon);
    assert_eq!(
        session
            .support_log()
            .provider_uids
            .lock()
            .unwrap()
            .as_slice(),
        [SAMPLE_UID]
    );
    assert_eq!(
        session
            .support_log()
            .status_rows
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    // OpenProfileSection is not supported by the harness: the store fell back to defaults.
    assert!(
        session
            .support_log()
            .unsupported
            .lock()
            .unwrap()
            .contains(&"OpenProfileSection")
    );

    // Every property of the store, in one result, each once: text in the width the flags ask.
    let (hr, all) = session.get_props(&opened.store, None, 0).expect("GetProps");
    assert_eq!(hr, S_OK);
    assert_eq!(all.len(), 13);
    assert_eq!(value(&all, PR_DISPLAY_NAME_A), "\"Sample store Inbox\"");
    let (_, wide) = session
        .get_props(&opened.store, None, MAPI_UNICODE)
        .expect("GetProps");
    assert_eq!(value(&wide, PR_DISPLAY_NAME_W), "\"Sample store Inbox\"");
    assert_eq!(value(&all, PR_OBJECT_TYPE), "1 (0x00000001)");
    assert!(value(&all, PR_MDB_PROVIDER).ends_with("5A3C19E27B444D0A9E612F08C435D710"));
    assert_eq!(value(&all, PR_RECORD_KEY), value(&all, PR_STORE_RECORD_KEY));
    // PR_STORE_ENTRYID and PR_ENTRYID are MAPI's wrapping of the store's own ID.
    let wrap_uid: String = STORE_WRAP_UID.iter().map(|b| format!("{b:02X}")).collect();
    let own_id: String = inbox.iter().map(|b| format!("{b:02X}")).collect();
    let store_entry = value(&all, PR_STORE_ENTRYID);
    assert!(
        store_entry.contains(&wrap_uid) && store_entry.ends_with(&own_id),
        "{store_entry}"
    );
    assert_eq!(store_entry, value(&all, PR_ENTRYID));
    assert_eq!(
        session
            .support_log()
            .wrapped
            .load(std::sync::atomic::Ordering::SeqCst),
        1,
        "wrapped once, at logon"
    );

    // Unknown tags: PT_ERROR values and MAPI_W_ERRORS_RETURNED.
    let (hr, some) = session
        .get_props(&opened.store, Some(&[PR_DISPLAY_NAME_W, PR_SUBJECT_W]), 0)
        .unwrap();
    assert_eq!(hr, MAPI_W_ERRORS_RETURNED);
    assert_eq!(some[1].tag, PR_SUBJECT_ERROR);
    assert!(
        some[1].value.contains("MAPI_E_NOT_FOUND"),
        "{}",
        some[1].value
    );
    assert_eq!(session.get_prop_list(&opened.store).unwrap().len(), 13);

    // The spooler with the spool security Logon returned gets the same store; forged data fails.
    let spooler = session
        .spooler_logon(&inbox, &opened.spool_security, 0)
        .expect("spooler logon");
    assert_eq!(
        spooler.store.cast::<IUnknown>().unwrap(),
        opened.store.cast::<IUnknown>().unwrap()
    );
    let mut forged = opened.spool_security.clone();
    *forged.last_mut().unwrap() ^= 1;
    assert_eq!(
        session.spooler_logon(&inbox, &forged, 0).err(),
        Some(MAPI_E_LOGON_FAILED)
    );

    // A second store, then the orderly close of both.
    let second = session
        .logon(&store_entry_id("Archive"), 0)
        .expect("second store");
    drop(spooler);
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert_eq!(session.close_store(second.store, LOGOFF_ORDERLY), S_OK);
    assert_eq!(
        *session.support_log().logoff_transports.lock().unwrap(),
        [LOGOFF_ORDERLY, LOGOFF_ORDERLY]
    );
    assert_eq!(
        session
            .support_log()
            .logoffs
            .load(std::sync::atomic::Ordering::SeqCst),
        2
    );

    let transcript = session.transcript().join("\n");
    assert!(transcript.contains(
        "IMSProvider::SpoolerLogon(entry ID 26 bytes, flags 0x00000000) -> MAPI_E_LOGON_FAILED"
    ));
    assert!(
        transcript.contains("StoreLogoffTransports x1, support Release x1 -> IMSLogon::Logoff x1")
    );
    let report = session.shutdown();
    assert!(report.is_clean(), "{report}");
}

#[test]
fn without_wrap_store_entry_id_the_store_gives_its_own_id() {
    let _serial = serial();
    let mut session = session(SupportOptions {
        wrap_store_entry_id: false,
    });
    let inbox = store_entry_id("Inbox");
    let opened = session.logon(&inbox, 0).unwrap();
    let (_, props) = session
        .get_props(&opened.store, Some(&[PR_STORE_ENTRYID]), 0)
        .unwrap();
    let own_id: String = inbox.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(props[0].value, format!("{} bytes {own_id}", inbox.len()));
    drop(opened);
    assert!(session.shutdown().is_clean());
}

#[test]
fn the_export_is_the_entry_point_mapi_looks_for() {
    let _serial = serial();
    // The in-process rlib and the loaded library agree: same version, same behaviour.
    // SAFETY: the sample store's entry point.
    let mut session = unsafe {
        Session::in_process(
            sample_store::MSProviderInit,
            "sample_store.dll",
            SupportOptions::default(),
        )
    }
    .unwrap();
    let opened = session.logon(&store_entry_id("Inbox"), 0).unwrap();
    assert!(opened.new_logon);
    drop(opened);
    assert!(session.shutdown().is_clean());
}

#[test]
fn a_logon_without_an_entry_id_opens_the_default_store_and_a_later_one_finds_it() {
    let _serial = serial();
    let mut session = session(SupportOptions::default());
    // The first logon after configuration: the profile holds no store entry ID yet.
    let first = session.logon(&[], 0).expect("Logon without an entry ID");
    assert!(first.new_logon);
    let (_, name) = session
        .get_props(&first.store, Some(&[PR_DISPLAY_NAME_W]), 0)
        .unwrap();
    assert_eq!(
        name[0].value,
        format!("\"Sample store {}\"", sample_store::DEFAULT_STORE)
    );
    // A later logon with the default store's entry ID, and another without one: the same store.
    let by_id = session
        .logon(&store_entry_id(sample_store::DEFAULT_STORE), 0)
        .unwrap();
    assert!(!by_id.new_logon, "the store already open");
    let again = session.logon(&[], 0).unwrap();
    assert!(!again.new_logon);
    assert_eq!(
        by_id.store.cast::<IUnknown>().unwrap(),
        first.store.cast::<IUnknown>().unwrap()
    );
    assert_eq!(session.compare_store_ids(&[], &[]), Ok(false));
    drop((first, by_id, again));
    assert!(session.shutdown().is_clean());
}

/// The sample store's library, as cargo built it for this example or test.
fn sample_store_library() -> std::path::PathBuf {
    mapi_spi_runtime::host::built_library("sample_store")
        .expect("the sample store's cdylib is built")
}
