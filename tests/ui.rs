//! Compile-fail and compile-pass cases of `#[mapi_interface]`, `#[mapi_object]` and
//! `ms_provider_init!`. Each file in `ui/fail` is one mistake, with a comment saying why it is
//! wrong and what to write instead, and the compiler's message in the `.stderr` next to it;
//! `ui/README.md` lists them all.
//!
//! Host-only: trybuild drives the host's cargo, which a build under Wine cannot.
//!
//! Regenerate the expected messages with `TRYBUILD=overwrite cargo test -p mapi-spi-tests --test
//! ui`, then read every changed `.stderr`: each must say what to write instead.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
