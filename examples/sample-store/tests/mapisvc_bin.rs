//! Host-only: runs the built `mapisvc` binary as a child process by its host path.
//!
//! The binary is `command` over the process's arguments: its output and exit codes.

use std::process::{Command, Output};

fn mapisvc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mapisvc"))
        .args(args)
        .output()
        .expect("mapisvc runs")
}

#[test]
fn print_succeeds_with_the_sections_on_stdout() {
    let output = mapisvc(&["print"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("[Services]\nRustSampleStore=Rust Sample Store\n\n[RustSampleStore]\n")
    );
    assert!(output.stderr.is_empty());
}

#[test]
fn wrong_arguments_fail_with_the_usage_on_stderr() {
    let output = mapisvc(&["merge"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("mapisvc: usage: mapisvc print"));
    assert!(mapisvc(&["--help"]).status.success());
}
