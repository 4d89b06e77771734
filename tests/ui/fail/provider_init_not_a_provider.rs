// Mistake: giving `ms_provider_init!` a type that does not implement `StoreProvider` (for
// example the store's type instead of the provider's).
// Why: the exported `MSProviderInit` creates one provider value per MAPI session through
// `StoreProvider::create`, and serves `IMSProvider` (Logon, SpoolerLogon, CompareStoreIDs) from
// it.
// Fix: implement `mapi_spi_runtime::provider::store::StoreProvider` for the provider type (`create`,
// `store_key`, `logon`, `spooler_logon`, its `Store` type and `COMPONENT`), and export that:
// `mapi_spi_runtime::ms_provider_init!(MyProvider);`.
pub struct NotAProvider;

mapi_spi_runtime::ms_provider_init!(NotAProvider);

fn main() {}
