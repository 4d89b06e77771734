//! Where cargo put a provider crate's library, for examples and tests that load it the way
//! MAPI does. `cargo test` and `cargo run --example` leave a cdylib in `target/<profile>/deps/`;
//! only `cargo build` also copies it up to `target/<profile>/` (where a stale copy may then be),
//! so `deps/` comes first.

use std::path::PathBuf;

/// The cdylib of crate `name` (`sample_store`: `libsample_store.so`, `sample_store.dll`) built
/// beside the running executable (`target/<profile>/examples/` or `.../deps/`); `None` if it
/// was not built there.
pub fn built_library(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile = exe.parent()?.parent()?;
    let file = format!(
        "{}{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [profile.join("deps"), profile.to_path_buf()]
        .into_iter()
        .map(|dir| dir.join(&file))
        .find(|path| path.exists())
}
