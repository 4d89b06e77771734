//! The path from "add this service to my profile" to "the store is open", through the built
//! library as MAPI drives it: the service entry configures the profile, a logon without an
//! entry ID opens the configured store and records it in the profile, and later logons, with
//! or without the entry ID the profile now holds, find the same store.

use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::{MAPI_E_INVALID_PARAMETER, S_OK};
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::service::ServiceLibrary;
use mapi_spi_runtime::host::{Profile, ProfileService, Session, SupportOptions};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::store::identity::PR_MAPI_SPI_STORE_ENTRYID;
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::MAPIUID;
use sample_store::{SAMPLE_UID, SERVICE, store_entry_id};

/// The sample store's `store_name` setting.
const STORE_NAME: u32 = 0x6600_001E;

/// The leak report counts the process's native host buffers, so sessions run one at a time.
static ONE_SESSION_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_SESSION_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

fn service_library() -> ServiceLibrary {
    // SAFETY: the sample store exports ServiceEntry with the MSGSERVICEENTRY signature.
    unsafe { ServiceLibrary::load(&sample_store_library(), "ServiceEntry") }
        .expect("the sample store exports ServiceEntry")
}

fn profile_with_service() -> (Profile, ProfileService, MAPIUID) {
    let profile = Profile::new(AllocatorSet::native());
    let service = profile.add_service(&SERVICE);
    let section = service
        .provider(MAPI_STORE_PROVIDER)
        .expect("a store provider");
    (profile, service, section)
}

fn session(profile: &Profile, section: MAPIUID) -> Session {
    // SAFETY: the sample store, built from this workspace, is a store provider.
    unsafe { Session::load(&sample_store_library(), SupportOptions::default()) }
        .expect("the sample store library loads")
        .with_profile(profile, section)
}

fn text(value: Option<PropValue>) -> Option<String> {
    match value? {
        PropValue::String8(bytes) => Some(String::from_utf8(bytes).unwrap()),
        PropValue::Unicode(text) => Some(text.into_string()),
        other => panic!("not text: {other:?}"),
    }
}

fn store_name(name: &str) -> Property {
    Property::for_tag(STORE_NAME, PropValue::String8(name.into()))
}

/// A record key as the transcript shows it: the store's key is its lower-cased name.
fn key_of(name: &str) -> String {
    let hex: String = name.bytes().map(|b| format!("{b:02X}")).collect();
    format!("{} bytes {hex}", name.len())
}

/// The record key of the store a logon without an entry ID opens, closing it again.
fn open_by_profile(session: &mut Session) -> String {
    let opened = session.logon(&[], MDB_NO_DIALOG).expect("logon");
    let key = session
        .get_props(&opened.store, Some(&[PR_RECORD_KEY]), 0)
        .expect("GetProps")
        .1
        .remove(0)
        .value;
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    key
}

#[test]
fn configure_then_log_on_without_and_with_the_recorded_entry_id() {
    let _serial = serial();
    let (profile, service, section) = profile_with_service();
    let entry = service_library();

    // CreateMsgService: MAPISVC.INF's default is in the section, and the entry accepts it.
    assert_eq!(
        text(profile.value(&section, STORE_NAME)).as_deref(),
        Some("Default")
    );
    for context in [MSG_SERVICE_INSTALL, MSG_SERVICE_CREATE] {
        let outcome = entry.call(&profile, &service, context, 0, &[]);
        assert!(outcome.is_ok(), "context {context}: {outcome}");
    }

    // ConfigureMsgService with a bad setting: refused, naming it, and nothing changes.
    let outcome = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        0,
        &[store_name("")],
    );
    assert_eq!(outcome.code, MAPI_E_INVALID_PARAMETER);
    let error = outcome.error.expect("a MAPIERROR");
    assert!(error.contains("store_name"), "{error}");
    assert!(error.contains("Sample store"), "the component: {error}");
    assert_eq!(
        text(profile.value(&section, STORE_NAME)).as_deref(),
        Some("Default")
    );

    // The same in Unicode: the MAPIERROR is read as UTF-16.
    let outcome = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        MAPI_UNICODE,
        &[store_name("bad\u{7}")],
    );
    assert_eq!(outcome.code, MAPI_E_INVALID_PARAMETER);
    assert!(outcome.error.unwrap().contains("control characters"));

    // A good one is written to the provider's section.
    let outcome = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        0,
        &[store_name("Inbox")],
    );
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(
        text(profile.value(&section, STORE_NAME)).as_deref(),
        Some("Inbox")
    );

    // A first session: no entry ID in the profile yet; the logon opens the configured store and
    // records it, leaving the properties MAPI owns alone.
    let flags_before = profile.value(&section, PR_RESOURCE_FLAGS);
    let mut first = session(&profile, section);
    assert_eq!(first.profile_entry_id(), None);
    assert_eq!(open_by_profile(&mut first), key_of("inbox"));
    assert_eq!(first.profile_entry_id(), Some(store_entry_id("Inbox")));
    assert_eq!(
        profile.value(&section, PR_MAPI_SPI_STORE_ENTRYID),
        Some(PropValue::Binary(store_entry_id("Inbox")))
    );
    assert_eq!(
        profile.value(&section, PR_MDB_PROVIDER),
        Some(PropValue::Binary(SAMPLE_UID.ab.to_vec()))
    );
    assert_eq!(
        profile.value(&section, PR_RECORD_KEY),
        Some(PropValue::Binary(b"inbox".to_vec()))
    );
    assert!(text(profile.value(&section, PR_DISPLAY_NAME_W)).is_some());
    assert_eq!(profile.value(&section, PR_RESOURCE_FLAGS), flags_before);
    // Another store of the provider, opened by entry ID: it has a section of its own (MAPI
    // asks CompareStoreIDs to tell), so the profile's store stays recorded.
    let other = first
        .logon(&store_entry_id("Other"), MDB_NO_DIALOG)
        .expect("logon");
    assert_eq!(first.close_store(other.store, LOGOFF_ORDERLY), S_OK);
    assert_eq!(first.profile_entry_id(), Some(store_entry_id("Inbox")));
    let report = first.shutdown();
    assert!(report.is_clean(), "{report}");

    // A later session finds the same store, without an entry ID and with the profile's.
    let mut second = session(&profile, section);
    assert_eq!(open_by_profile(&mut second), key_of("inbox"));
    let recorded = second.profile_entry_id().expect("recorded");
    let opened = second
        .logon(&recorded, MDB_NO_DIALOG)
        .expect("logon by entry ID");
    assert_eq!(
        second
            .get_props(&opened.store, Some(&[PR_RECORD_KEY]), 0)
            .unwrap()
            .1[0]
            .value,
        key_of("inbox")
    );
    assert_eq!(second.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    let report = second.shutdown();
    assert!(report.is_clean(), "{report}");

    // Reconfigured to another store: the recorded one is forgotten, the next logon follows.
    let outcome = entry.call(
        &profile,
        &service,
        MSG_SERVICE_CONFIGURE,
        0,
        &[store_name("Archive")],
    );
    assert!(outcome.is_ok(), "{outcome}");
    assert_eq!(profile.value(&section, PR_MAPI_SPI_STORE_ENTRYID), None);
    let mut third = session(&profile, section);
    assert_eq!(open_by_profile(&mut third), key_of("archive"));
    let report = third.shutdown();
    assert!(report.is_clean(), "{report}");

    // Removing the service.
    for context in [MSG_SERVICE_DELETE, MSG_SERVICE_UNINSTALL] {
        let outcome = entry.call(&profile, &service, context, 0, &[]);
        assert!(outcome.is_ok(), "context {context}: {outcome}");
    }
}

#[test]
fn spool_security_is_keyed_per_profile() {
    use mapi_spi_runtime::codes::MAPI_E_LOGON_FAILED;
    use mapi_spi_runtime::provider::store::spool::PR_MAPI_SPI_SPOOL_KEY;

    let _serial = serial();
    let (profile, _, section) = profile_with_service();
    let mut first = session(&profile, section);
    let opened = first.logon(&[], MDB_NO_DIALOG).expect("logon");
    // The first logon made the profile's key: 32 random bytes in a secure profile property.
    let Some(PropValue::Binary(key)) = profile.value(&section, PR_MAPI_SPI_SPOOL_KEY) else {
        panic!("no spool key in the profile");
    };
    assert_eq!(key.len(), 32);
    let spool = opened.spool_security.clone();
    assert_eq!(first.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(first.shutdown().is_clean());

    // Another session of the same profile (another provider object, as the spooler's would
    // be) accepts it, and keeps the key.
    let mut same = session(&profile, section);
    let entry_id = same.profile_entry_id().expect("recorded");
    let spooler = same
        .spooler_logon(&entry_id, &spool, MDB_NO_DIALOG)
        .expect("the same profile's spool security");
    assert_eq!(
        profile.value(&section, PR_MAPI_SPI_SPOOL_KEY),
        Some(PropValue::Binary(key.clone()))
    );
    drop(spooler);
    assert!(same.shutdown().is_clean());

    // Another profile has another key: the same bytes are refused there.
    let (other_profile, _, other_section) = profile_with_service();
    let mut other = session(&other_profile, other_section);
    let _ = other.logon(&[], MDB_NO_DIALOG).expect("logon").store;
    assert_ne!(
        other_profile.value(&other_section, PR_MAPI_SPI_SPOOL_KEY),
        Some(PropValue::Binary(key))
    );
    assert_eq!(
        other.spooler_logon(&entry_id, &spool, MDB_NO_DIALOG).err(),
        Some(MAPI_E_LOGON_FAILED)
    );
    assert!(other.shutdown().is_clean());
}

#[test]
fn the_status_table_has_a_row_per_open_store() {
    use mapi_spi_runtime::types::SRowSet;
    let _serial = serial();
    let (profile, _, section) = profile_with_service();
    let mut session = session(&profile, section);
    let rows = |session: &Session| {
        let table = session.status_table().expect("a status table");
        let mut rows = core::ptr::null_mut::<SRowSet>();
        // SAFETY: an out-pointer; the row set is freed as FreeProws does.
        unsafe {
            assert_eq!(table.QueryRows(10, 0, &mut rows), S_OK);
            let read: Vec<Vec<Property>> = SRowSet::rows(rows)
                .unwrap()
                .iter()
                .map(|row| {
                    let props =
                        mapi_spi_runtime::props::value::props_from_raw(row.lpProps, row.cValues)
                            .unwrap();
                    AllocatorSet::native().free(row.lpProps.cast());
                    props
                })
                .collect();
            AllocatorSet::native().free(rows.cast());
            read
        }
    };
    let first = session.logon(&[], MDB_NO_DIALOG).expect("logon");
    let second = session
        .logon(&store_entry_id("Archive"), MDB_NO_DIALOG)
        .expect("logon");
    let read = rows(&session);
    assert_eq!(read.len(), 2);
    for row in &read {
        let status = row
            .iter()
            .find(|p| p.tag() == PR_STATUS_CODE)
            .expect("PR_STATUS_CODE");
        assert_eq!(status.value, PropValue::Long(STATUS_AVAILABLE));
        assert!(row.iter().any(|p| p.tag() == PR_DISPLAY_NAME_W));
    }
    assert_eq!(session.close_store(first.store, LOGOFF_ORDERLY), S_OK);
    assert_eq!(rows(&session).len(), 1, "the row goes with the logon");
    assert_eq!(session.close_store(second.store, LOGOFF_ORDERLY), S_OK);
    assert!(rows(&session).is_empty());
    assert!(session.shutdown().is_clean());
}

/// The sample store's library, as cargo built it for this example or test.
fn sample_store_library() -> std::path::PathBuf {
    mapi_spi_runtime::host::built_library("sample_store")
        .expect("the sample store's cdylib is built")
}

/// The profile's store takes its display name from its section (the provider's entry in
/// MAPISVC.INF gives it one); a store the profile does not list has the default.
#[test]
fn the_display_name_is_the_profiles() {
    let _serial = serial();
    let (profile, _service, section) = profile_with_service();
    let in_profile = text(profile.value(&section, PR_DISPLAY_NAME_W)).expect("a display name");
    let mut session = session(&profile, section);
    for (entry_id, display_name) in [
        (Vec::new(), in_profile),
        (store_entry_id("Other"), "Sample store Other".to_owned()),
    ] {
        let opened = session.logon(&entry_id, MDB_NO_DIALOG).expect("logon");
        let (_, mut values) = session
            .get_props(&opened.store, Some(&[PR_DISPLAY_NAME_W]), MAPI_UNICODE)
            .expect("GetProps");
        assert_eq!(values.remove(0).value, format!("\"{display_name}\""));
        assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    }
}
