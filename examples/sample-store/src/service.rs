//! The sample store's message service, declared once: `cargo run -p sample-store --bin mapisvc`
//! prints its MAPISVC.INF sections and merges them into (or removes them from) a MAPISVC.INF,
//! and the DLL exports the service entry MAPI calls to configure it (`ServiceEntry`).

use mapi_spi_runtime::flags::{
    MAPI_STORE_PROVIDER, STATUS_NO_DEFAULT_STORE, STATUS_NO_PRIMARY_IDENTITY,
};
use mapi_spi_runtime::provider::service::{
    InfKey, MessageService, ProviderDescription, SERVICE_NO_PRIMARY_IDENTITY, ServiceDescription,
    SettingDescription, SettingError, SettingValue, SettingValues, Settings,
};

use crate::DEFAULT_STORE;

/// The store's one setting: which in-memory store the profile opens.
const SETTINGS: &[SettingDescription] = &[SettingDescription {
    name: "store_name",
    tag: 0x6600_001E, // PT_STRING8, the provider's private range
    inf: InfKey::Hex,
    default: Some(SettingValue::String(DEFAULT_STORE)),
}];

/// One service with one store provider, both in `sample_store.dll` (the base name: MAPI loads
/// `sample_store32.dll`), with a service entry and one setting ([`SampleSettings`]). `checked` refuses,
/// at compile time, a DLL name that breaks MAPI's naming rule and flags MAPISVC.INF does not
/// allow.
pub const SERVICE: ServiceDescription = ServiceDescription {
    name: "RustSampleStore",
    display_name: "Rust Sample Store",
    dll_base_name: "sample_store.dll",
    entry_name: Some("ServiceEntry"),
    resource_flags: SERVICE_NO_PRIMARY_IDENTITY,
    support_files: &[],
    delete_files: &[],
    settings: &[],
    providers: &[ProviderDescription {
        section: "RustSampleStore MS",
        display_name: "Rust Sample Store",
        provider_display: "Rust Sample Store (mapi-spi)",
        dll_base_name: None,
        resource_type: MAPI_STORE_PROVIDER,
        // An in-memory, read-only store is never the profile's default store.
        resource_flags: STATUS_NO_DEFAULT_STORE | STATUS_NO_PRIMARY_IDENTITY,
        settings: SETTINGS,
    }],
}
.checked();

/// The sample store's settings, kept in its provider's profile section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleSettings {
    /// The store the profile opens (names compare case-insensitively): 1 to 64 characters, no
    /// control characters. Absent: [`DEFAULT_STORE`].
    pub store_name: String,
}

impl Settings for SampleSettings {
    const DECLARED: &'static [SettingDescription] = SETTINGS;

    fn read(values: &SettingValues) -> Result<Self, SettingError> {
        let store_name = values
            .string("store_name")?
            .unwrap_or_else(|| DEFAULT_STORE.to_owned());
        let length = store_name.chars().count();
        if length == 0 || length > 64 {
            return Err(SettingError::invalid(
                "store_name",
                format!("a store name has 1 to 64 characters, not {length}"),
            ));
        }
        if store_name.chars().any(char::is_control) {
            return Err(SettingError::invalid(
                "store_name",
                "a store name has no control characters",
            ));
        }
        Ok(SampleSettings { store_name })
    }

    fn write(&self, values: &mut SettingValues) {
        values.set_string("store_name", &self.store_name);
    }
}

/// The service as its entry sees it: the runtime configures [`SampleSettings`]; nothing lives
/// outside the profile, so install, delete and uninstall have nothing to do.
pub struct SampleService;

impl MessageService for SampleService {
    const SERVICE: ServiceDescription = SERVICE;
    const COMPONENT: &'static str = "Sample store";
    type Settings = SampleSettings;
}

mapi_spi_runtime::service_entry!(SampleService);
