// `Session::load` runs foreign code (the library's initialisers, its `MSProviderInit` called with
// an assumed signature) and its safe methods then trust what the provider returns: it is an
// `unsafe fn`. Write `unsafe { Session::load(path, options) }`, with a `// SAFETY:` comment
// saying why the library is a store provider.
use mapi_spi_runtime::host::{Session, SupportOptions};

fn main() {
    let _ = Session::load(std::path::Path::new("provider.dll"), SupportOptions::default());
}
