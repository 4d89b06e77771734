//! Where cargo put the sample store's library, for the `session` example and the tests, which
//! load it the way MAPI does. `cargo test` and `cargo run --example` leave a cdylib in
//! `target/<profile>/deps/`; only `cargo build` also copies it up to `target/<profile>/` (where a
//! stale copy may then be), so `deps/` comes first.

use std::path::PathBuf;

/// The library next to the running executable (`target/<profile>/examples/` or `.../deps/`).
pub fn sample_store_library() -> PathBuf {
    let exe = std::env::current_exe().expect("the executable knows where it is");
    let profile = exe
        .parent()
        .and_then(|dir| dir.parent())
        .expect("target/<profile>/<dir>/exe");
    let name = format!(
        "{}sample_store{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [profile.join("deps"), profile.to_path_buf()]
        .into_iter()
        .map(|dir| dir.join(&name))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("{name} was not built under {}", profile.display()))
}
