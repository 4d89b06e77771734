//! The message service entry the runtime exports (`service_entry!`), called as MAPI calls it:
//! every context, every UI flag, the caller's settings over the profile's, validation with a
//! MAPIERROR naming the bad setting, the provider's UI hook, panics, and bad input, each
//! leaving the profile as it was and leaking nothing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use mapi_spi_runtime::alloc::{AllocatorSet, native};
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::host::service::{ServiceEntryOutcome, call_service_entry};
use mapi_spi_runtime::host::{Profile, ProfileService, SupportLog};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::ProviderResult;
use mapi_spi_runtime::provider::service::*;
use mapi_spi_runtime::tags::{PT_LONG, PT_UNICODE, prop_tag};
use mapi_spi_runtime::types::MAPIUID;

const ROOT: u32 = prop_tag(PT_UNICODE, 0x6601);
const LIMIT: u32 = prop_tag(PT_LONG, 0x6602);

const SETTINGS: &[SettingDescription] = &[
    SettingDescription {
        name: "root",
        tag: ROOT,
        inf: InfKey::ProfileOnly,
        default: None,
    },
    SettingDescription {
        name: "limit",
        tag: LIMIT,
        inf: InfKey::Hex,
        default: Some(SettingValue::Long(100)),
    },
];

const SERVICE: ServiceDescription = ServiceDescription {
    name: "TestService",
    display_name: "Test Service",
    dll_base_name: "test_service.dll",
    entry_name: Some("ServiceEntry"),
    resource_flags: SERVICE_NO_PRIMARY_IDENTITY,
    support_files: &[],
    delete_files: &[],
    settings: &[],
    providers: &[
        ProviderDescription {
            section: "TestService MS",
            display_name: "Test Store",
            provider_display: "Test Store",
            dll_base_name: None,
            resource_type: MAPI_STORE_PROVIDER,
            resource_flags: STATUS_NO_DEFAULT_STORE | STATUS_NO_PRIMARY_IDENTITY,
            settings: SETTINGS,
        },
        ProviderDescription {
            section: "TestService XP",
            display_name: "Test Transport",
            provider_display: "Test Transport",
            dll_base_name: None,
            resource_type: MAPI_TRANSPORT_PROVIDER,
            resource_flags: STATUS_NO_PRIMARY_IDENTITY,
            settings: SETTINGS,
        },
    ],
}
.checked();

#[derive(Clone, Debug, PartialEq)]
struct TestSettings {
    root: String,
    limit: u32,
}

impl Settings for TestSettings {
    const DECLARED: &'static [SettingDescription] = SETTINGS;

    fn read(values: &SettingValues) -> Result<Self, SettingError> {
        let root = values.required_string("root")?;
        if !root.starts_with('/') {
            return Err(SettingError::invalid("root", "the path is not absolute"));
        }
        let limit = values.long("limit")?.unwrap_or(100);
        if limit > 1000 {
            return Err(SettingError::invalid("limit", "at most 1000"));
        }
        Ok(TestSettings { root, limit })
    }

    fn write(&self, values: &mut SettingValues) {
        values.set_string("root", &self.root);
        values.set_long("limit", self.limit);
    }
}

/// What the provider's UI hook answers next, and how often it was asked.
enum Dialog {
    None,
    Answer(TestSettings),
    Cancel,
    Panic,
}
static DIALOG: Mutex<Dialog> = Mutex::new(Dialog::None);

fn dialog() -> std::sync::MutexGuard<'static, Dialog> {
    DIALOG.lock().unwrap_or_else(|p| p.into_inner())
}
static DIALOG_SHOWN: AtomicUsize = AtomicUsize::new(0);
static DELETED: Mutex<Vec<Option<TestSettings>>> = Mutex::new(Vec::new());
static INSTALLS: AtomicUsize = AtomicUsize::new(0);

struct TestService;

impl MessageService for TestService {
    const SERVICE: ServiceDescription = SERVICE;
    const COMPONENT: &'static str = "Test service";
    type Settings = TestSettings;

    fn install(_: &ServiceContext<'_>) -> ProviderResult<()> {
        INSTALLS.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn delete(_: &ServiceContext<'_>, settings: Option<&TestSettings>) -> ProviderResult<()> {
        DELETED.lock().unwrap().push(settings.cloned());
        Ok(())
    }

    fn configure_ui(
        _: &ServiceContext<'_>,
        _: Option<&TestSettings>,
    ) -> ProviderResult<Option<TestSettings>> {
        DIALOG_SHOWN.fetch_add(1, Ordering::SeqCst);
        // Decided before panicking, so that the panic does not poison the lock.
        let answer = match &*dialog() {
            Dialog::None => Some(Ok(None)),
            Dialog::Answer(settings) => Some(Ok(Some(settings.clone()))),
            Dialog::Cancel => Some(Err(MAPI_E_USER_CANCEL.into())),
            Dialog::Panic => None,
        };
        answer.unwrap_or_else(|| panic!("the dialog fell over"))
    }
}

mapi_spi_runtime::service_entry!(TestService);

/// The tests share the UI hook's statics and count the process's host buffers.
static SERIAL: Mutex<()> = Mutex::new(());

struct Fixture {
    profile: Profile,
    service: ProfileService,
    store: MAPIUID,
    transport: MAPIUID,
    log: std::sync::Arc<SupportLog>,
    buffers: usize,
    _serial: std::sync::MutexGuard<'static, ()>,
}

impl Fixture {
    fn new() -> Self {
        let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        *dialog() = Dialog::None;
        DIALOG_SHOWN.store(0, Ordering::SeqCst);
        let profile = Profile::new(AllocatorSet::native());
        let service = profile.add_service(&SERVICE);
        Fixture {
            store: service.providers[0].0,
            transport: service.providers[1].0,
            profile,
            service,
            log: Default::default(),
            buffers: native::live_buffers(),
            _serial: serial,
        }
    }

    fn call(&self, context: u32, flags: u32, props: &[Property]) -> ServiceEntryOutcome {
        // SAFETY: ServiceEntry is this file's MSGSERVICEENTRY.
        unsafe {
            call_service_entry(
                ServiceEntry,
                &self.profile,
                &self.service,
                context,
                flags,
                props,
                AllocatorSet::native(),
                &self.log,
            )
        }
    }

    /// The settings in both provider sections, which must agree.
    fn stored(&self) -> (Option<PropValue>, Option<PropValue>) {
        let read = |uid| {
            (
                self.profile.value(uid, ROOT),
                self.profile.value(uid, LIMIT),
            )
        };
        let store = read(&self.store);
        assert_eq!(
            store,
            read(&self.transport),
            "the provider sections disagree"
        );
        store
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_eq!(native::live_buffers(), self.buffers, "host buffers leaked");
            assert_eq!(
                self.log.live.load(Ordering::SeqCst),
                0,
                "support objects alive"
            );
        }
    }
}

fn root(path: &str) -> Property {
    Property::for_tag(ROOT, PropValue::Unicode(path.into()))
}

fn limit(n: u32) -> Property {
    Property::for_tag(LIMIT, PropValue::Long(n))
}

fn unicode(s: &str) -> Option<PropValue> {
    Some(PropValue::Unicode(s.into()))
}

#[test]
fn install_create_configure_delete_uninstall() {
    let f = Fixture::new();
    let installs = INSTALLS.load(Ordering::SeqCst);
    assert_eq!(f.call(MSG_SERVICE_INSTALL, 0, &[]).code, S_OK);
    assert_eq!(INSTALLS.load(Ordering::SeqCst), installs + 1);

    // Created without settings and without UI: added unconfigured (MAPISVC.INF's default stays).
    assert_eq!(f.call(MSG_SERVICE_CREATE, 0, &[]).code, S_OK);
    assert_eq!(f.stored(), (None, Some(PropValue::Long(100))));
    // Configured without settings and without UI permission: MAPI_E_UNCONFIGURED, naming it.
    let outcome = f.call(MSG_SERVICE_CONFIGURE, 0, &[]);
    assert_eq!(outcome.code, MAPI_E_UNCONFIGURED);
    assert!(outcome.error.unwrap().contains("`root`"));

    // The caller's properties over the profile's.
    let outcome = f.call(MSG_SERVICE_CONFIGURE, 0, &[root("/mail")]);
    assert_eq!(outcome.code, S_OK, "{outcome}");
    assert_eq!(f.stored(), (unicode("/mail"), Some(PropValue::Long(100))));
    assert_eq!(f.call(MSG_SERVICE_CONFIGURE, 0, &[limit(7)]).code, S_OK);
    assert_eq!(f.stored(), (unicode("/mail"), Some(PropValue::Long(7))));
    assert_eq!(DIALOG_SHOWN.load(Ordering::SeqCst), 0);

    // A provider added to the service gets the settings too.
    assert_eq!(f.call(MSG_SERVICE_PROVIDER_CREATE, 0, &[]).code, S_OK);
    assert_eq!(f.call(MSG_SERVICE_PROVIDER_DELETE, 0, &[]).code, S_OK);

    // Deleting hands the provider the settings; uninstalling succeeds.
    DELETED.lock().unwrap().clear();
    assert_eq!(f.call(MSG_SERVICE_DELETE, 0, &[]).code, S_OK);
    assert_eq!(
        DELETED.lock().unwrap().as_slice(),
        [Some(TestSettings {
            root: "/mail".into(),
            limit: 7
        })]
    );
    assert_eq!(f.call(MSG_SERVICE_UNINSTALL, 0, &[]).code, S_OK);
}

#[test]
fn created_with_settings_and_bad_settings_name_the_setting_and_change_nothing() {
    let f = Fixture::new();
    assert_eq!(f.call(MSG_SERVICE_CREATE, 0, &[root("/a")]).code, S_OK);
    assert_eq!(f.stored().0, unicode("/a"));
    for (flags, props, setting) in [
        (0, vec![root("relative")], "`root`"),
        (MAPI_UNICODE, vec![root("relative")], "`root`"),
        (0, vec![limit(5000)], "`limit`"),
        // A value of the wrong type is a wrong setting too.
        (
            0,
            vec![Property::for_tag(
                ROOT & !0xFFFF | PT_LONG,
                PropValue::Long(1),
            )],
            "`root`",
        ),
    ] {
        for context in [MSG_SERVICE_CREATE, MSG_SERVICE_CONFIGURE] {
            let outcome = f.call(context, flags, &props);
            assert_eq!(outcome.code, MAPI_E_INVALID_PARAMETER, "{outcome}");
            let error = outcome.error.expect("a MAPIERROR");
            assert!(error.contains(setting), "{error}");
            assert!(error.contains("Test service"), "{error}");
            assert_eq!(f.stored(), (unicode("/a"), Some(PropValue::Long(100))));
        }
    }
}

#[test]
fn ui_flags_decide_when_the_providers_dialog_is_asked() {
    let f = Fixture::new();
    let answer = TestSettings {
        root: "/from/dialog".into(),
        limit: 3,
    };

    // UI allowed, settings missing: the dialog is asked; without one, still unconfigured.
    let outcome = f.call(MSG_SERVICE_CONFIGURE, SERVICE_UI_ALLOWED, &[]);
    assert_eq!(outcome.code, MAPI_E_UNCONFIGURED);
    assert_eq!(DIALOG_SHOWN.load(Ordering::SeqCst), 1);

    // With an answer, the dialog's settings are written.
    *dialog() = Dialog::Answer(answer.clone());
    assert_eq!(
        f.call(MSG_SERVICE_CONFIGURE, SERVICE_UI_ALLOWED, &[]).code,
        S_OK
    );
    assert_eq!(
        f.stored(),
        (unicode("/from/dialog"), Some(PropValue::Long(3)))
    );

    // UI allowed but settings complete: no dialog.
    assert_eq!(
        f.call(MSG_SERVICE_CONFIGURE, SERVICE_UI_ALLOWED, &[limit(4)])
            .code,
        S_OK
    );
    assert_eq!(DIALOG_SHOWN.load(Ordering::SeqCst), 2);
    assert_eq!(f.stored().1, Some(PropValue::Long(4)));

    // UI always: asked even so, and its answer wins over the caller's properties.
    assert_eq!(
        f.call(MSG_SERVICE_CONFIGURE, SERVICE_UI_ALWAYS, &[limit(9)])
            .code,
        S_OK
    );
    assert_eq!(DIALOG_SHOWN.load(Ordering::SeqCst), 3);
    assert_eq!(f.stored().1, Some(PropValue::Long(3)));

    // Read-only: shown, nothing written, whatever the caller passed.
    assert_eq!(
        f.call(
            MSG_SERVICE_CONFIGURE,
            SERVICE_UI_ALWAYS | MSG_SERVICE_UI_READ_ONLY,
            &[root("/elsewhere")]
        )
        .code,
        S_OK
    );
    assert_eq!(DIALOG_SHOWN.load(Ordering::SeqCst), 4);
    assert_eq!(f.stored().0, unicode("/from/dialog"));

    // Cancel ends the call with the dialog's code and changes nothing.
    *dialog() = Dialog::Cancel;
    let outcome = f.call(MSG_SERVICE_CONFIGURE, SERVICE_UI_ALWAYS, &[root("/x")]);
    assert_eq!(outcome.code, MAPI_E_USER_CANCEL);
    assert_eq!(f.stored().0, unicode("/from/dialog"));
}

#[test]
fn a_panic_in_provider_code_is_an_error_not_an_abort() {
    let f = Fixture::new();
    *dialog() = Dialog::Panic;
    let outcome = f.call(MSG_SERVICE_CONFIGURE, SERVICE_UI_ALWAYS, &[root("/x")]);
    assert_eq!(outcome.code, MAPI_E_CALL_FAILED);
    assert!(outcome.error.unwrap().contains("panicked"));
    assert_eq!(f.stored().0, None);
}

#[test]
fn bad_arguments_get_documented_errors() {
    let f = Fixture::new();
    assert_eq!(
        f.call(MSG_SERVICE_CONFIGURE, 0x0100, &[]).code,
        MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(f.call(0, 0, &[]).code, MAPI_E_NO_SUPPORT);
    assert_eq!(f.call(8, 0, &[]).code, MAPI_E_NO_SUPPORT);

    let mut error = core::ptr::NonNull::dangling().as_ptr();
    // SAFETY: the raw entry with NULL objects, a count without values, and an out-pointer.
    unsafe {
        // Values missing for a count: refused before anything runs; the MAPIERROR slot is NULL.
        let hr = ServiceEntry(
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            0,
            0,
            MSG_SERVICE_CONFIGURE,
            2,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            &mut error,
        );
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        assert!(error.is_null());
        // No support object and no IProviderAdmin where the profile is needed.
        let hr = ServiceEntry(
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            0,
            0,
            MSG_SERVICE_CONFIGURE,
            0,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        );
        assert_eq!(hr, MAPI_E_INVALID_PARAMETER);
        // INSTALL needs neither.
        let hr = ServiceEntry(
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            0,
            0,
            MSG_SERVICE_INSTALL,
            0,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        );
        assert_eq!(hr, S_OK);
    }
}

/// A store provider of the test service, which needs its `root` setting: a logon without an
/// entry ID before the service is configured answers `MAPI_E_UNCONFIGURED` (MAPI then runs the
/// service entry), and after, opens the store the settings name.
mod needs_settings {
    use super::*;
    use mapi_spi_runtime::host::{Session, SupportOptions};
    use mapi_spi_runtime::interfaces::{IMAPIPropImpl, IMsgStore, IMsgStoreImpl};
    use mapi_spi_runtime::mapi_object;
    use mapi_spi_runtime::provider::store::{
        KeyBytes, LogonRequest, MessageStore, StoreLogon, StoreProvider, StoreRef,
    };
    use mapi_spi_runtime::provider::{ProviderContext, ProviderError};

    struct RootProvider;

    #[mapi_object(IMsgStore)]
    struct RootStore;
    impl IMAPIPropImpl for RootStore {}
    impl IMsgStoreImpl for RootStore {}
    impl MessageStore for RootStore {}

    impl StoreProvider for RootProvider {
        type Store = RootStore;
        const COMPONENT: &'static str = "Root store";

        fn create(_: &ProviderContext) -> ProviderResult<Self> {
            Ok(RootProvider)
        }

        fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
            match entry_id.strip_prefix(b"root:") {
                Some(root) => Ok(root.into()),
                None => Err(ProviderError::new(MAPI_E_INVALID_ENTRYID, "not ours")),
            }
        }

        /// The store is the configured root: without settings, unconfigured.
        fn default_entry_id(&self, request: &LogonRequest<'_>) -> ProviderResult<Vec<u8>> {
            match request.settings::<TestSettings>()? {
                Some(settings) => Ok([b"root:", settings.root.as_bytes()].concat()),
                None => Err(MAPI_E_UNCONFIGURED.into()),
            }
        }

        fn logon(
            &self,
            _: &LogonRequest<'_>,
            _: StoreRef,
        ) -> ProviderResult<StoreLogon<RootStore>> {
            Ok(StoreLogon {
                store: RootStore,
                spool_security: Vec::new().into(),
            })
        }

        fn spooler_logon(&self, _: &LogonRequest<'_>, _: &[u8]) -> ProviderResult<()> {
            Ok(())
        }
    }

    mapi_spi_runtime::ms_provider_init!(RootProvider);

    #[test]
    fn a_logon_without_an_entry_id_before_and_after_configuration() {
        let f = Fixture::new();
        assert_eq!(f.call(MSG_SERVICE_CREATE, 0, &[]).code, S_OK);
        // SAFETY: this file's MSProviderInit, from ms_provider_init!.
        let mut session =
            unsafe { Session::in_process(MSProviderInit, "root.dll", SupportOptions::default()) }
                .expect("MSProviderInit")
                .with_profile(&f.profile, f.store);
        assert_eq!(session.logon(&[], 0).err(), Some(MAPI_E_UNCONFIGURED));
        assert!(
            session
                .transcript()
                .last()
                .unwrap()
                .contains("`root` is not configured"),
            "{:?}",
            session.transcript().last()
        );

        assert_eq!(
            f.call(MSG_SERVICE_CONFIGURE, 0, &[root("/srv/mail")]).code,
            S_OK
        );
        let opened = session.logon(&[], 0).expect("configured");
        assert_eq!(session.profile_entry_id(), Some(b"root:/srv/mail".to_vec()));
        drop(opened);
        assert!(session.shutdown().is_clean());
    }
}
