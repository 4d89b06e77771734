//! The Maildir store's configuration and logon, as MAPI drives them: unconfigured, then
//! configured through its service entry (bad paths refused, naming the setting), then logged on
//! without an entry ID; an entry ID naming another directory is refused.

use std::path::{Path, PathBuf};

use maildir_store::{MSProviderInit, SERVICE, ServiceEntry, store_entry_id};
use mapi_spi_runtime::alloc::AllocatorSet;
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::{
    LOGOFF_ORDERLY, MAPI_STORE_PROVIDER, MDB_NO_DIALOG, MSG_SERVICE_CONFIGURE, MSG_SERVICE_CREATE,
};
use mapi_spi_runtime::host::service::{ServiceEntryOutcome, call_service_entry};
use mapi_spi_runtime::host::{Profile, ProfileService, Session, SupportOptions};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::PR_DISPLAY_NAME_W;

const PATH: u32 = 0x6600_001F;

/// A fresh Maildir (or, without `subdirs`, a directory that is not one).
fn maildir(name: &str, subdirs: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mapi-spi-maildir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if subdirs {
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir(dir.join(sub)).unwrap();
        }
    }
    dir
}

fn configure(profile: &Profile, service: &ProfileService, path: &Path) -> ServiceEntryOutcome {
    let props = [Property::for_tag(
        PATH,
        PropValue::Unicode(path.to_str().unwrap().into()),
    )];
    // SAFETY: ServiceEntry is the crate's MSGSERVICEENTRY.
    unsafe {
        call_service_entry(
            ServiceEntry,
            profile,
            service,
            MSG_SERVICE_CONFIGURE,
            0,
            &props,
            AllocatorSet::native(),
            &Default::default(),
        )
    }
}

#[test]
fn unconfigured_then_configured_then_logged_on() {
    let profile = Profile::new(AllocatorSet::native());
    let service = profile.add_service(&SERVICE);
    let section = service.provider(MAPI_STORE_PROVIDER).unwrap();
    // SAFETY: ServiceEntry is the crate's MSGSERVICEENTRY.
    let created = unsafe {
        call_service_entry(
            ServiceEntry,
            &profile,
            &service,
            MSG_SERVICE_CREATE,
            0,
            &[],
            AllocatorSet::native(),
            &Default::default(),
        )
    };
    assert_eq!(created.code, S_OK, "added unconfigured");
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
    assert_eq!(
        session.logon(&[], MDB_NO_DIALOG).err(),
        Some(MAPI_E_UNCONFIGURED)
    );

    // Bad paths are refused, naming the setting, and nothing is written.
    let not_a_maildir = maildir("plain", false);
    for (path, says) in [
        (PathBuf::from("relative/Maildir"), "not absolute"),
        (not_a_maildir.join("missing"), "no directory"),
        (not_a_maildir.clone(), "no `cur` directory"),
    ] {
        let outcome = configure(&profile, &service, &path);
        assert_eq!(outcome.code, MAPI_E_INVALID_PARAMETER, "{}", path.display());
        let error = outcome.error.unwrap();
        assert!(error.contains("`path`") && error.contains(says), "{error}");
    }
    assert_eq!(profile.value(&section, PATH), None);

    // A Maildir, given through `..`: kept canonical.
    let home = maildir("home", true);
    let roundabout = home.join("cur").join("..");
    assert_eq!(configure(&profile, &service, &roundabout).code, S_OK);
    let canonical = home.canonicalize().unwrap();
    assert_eq!(
        profile.value(&section, PATH),
        Some(PropValue::Unicode(canonical.to_str().unwrap().into()))
    );
    let opened = session.logon(&[], MDB_NO_DIALOG).expect("configured");
    let (_, props) = session
        .get_props(&opened.store, Some(&[PR_DISPLAY_NAME_W]), 0)
        .unwrap();
    assert!(
        props[0].value.contains("Maildir mapi-spi-maildir-"),
        "{}",
        props[0].value
    );
    assert_eq!(
        session.profile_entry_id(),
        Some(store_entry_id(canonical.to_str().unwrap()))
    );

    // An entry ID naming another Maildir opens nothing: it is not the profile's store, so
    // MAPI gives it a profile section of its own, which configures no Maildir; an ID with no
    // path at all is malformed.
    let elsewhere = maildir("elsewhere", true).canonicalize().unwrap();
    let crafted = store_entry_id(elsewhere.to_str().unwrap());
    assert_eq!(
        session.logon(&crafted, MDB_NO_DIALOG).err(),
        Some(MAPI_E_UNCONFIGURED)
    );
    assert_eq!(
        session.logon(&crafted[..21], MDB_NO_DIALOG).err(),
        Some(MAPI_E_INVALID_ENTRYID)
    );
    assert_eq!(session.close_store(opened.store, LOGOFF_ORDERLY), S_OK);
    assert!(session.shutdown().is_clean());
    for dir in [not_a_maildir, home, elsewhere] {
        let _ = std::fs::remove_dir_all(dir);
    }
}
