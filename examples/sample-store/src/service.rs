//! The sample store's message service, declared once: `cargo run -p sample-store --bin mapisvc`
//! prints its MAPISVC.INF sections and merges them into (or removes them from) a MAPISVC.INF.

use mapi_spi_runtime::flags::{
    MAPI_STORE_PROVIDER, STATUS_NO_DEFAULT_STORE, STATUS_NO_PRIMARY_IDENTITY,
};
use mapi_spi_runtime::provider::service::{
    ProviderDescription, SERVICE_NO_PRIMARY_IDENTITY, ServiceDescription,
};

/// One service with one store provider, both in `sample_store.dll` (the base name: MAPI loads
/// `sample_store32.dll`). It exports no service entry point, and it keeps no settings of its
/// own: at logon it reads only `PR_DISPLAY_NAME` from its profile section. `checked` refuses,
/// at compile time, a DLL name that breaks MAPI's naming rule and flags MAPISVC.INF does not
/// allow.
pub const SERVICE: ServiceDescription = ServiceDescription {
    name: "RustSampleStore",
    display_name: "Rust Sample Store",
    dll_base_name: "sample_store.dll",
    entry_name: None,
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
        settings: &[],
    }],
}
.checked();
