//! The `mapisvc` command (what `src/bin/mapisvc.rs` runs) on real files: what it prints, and
//! merge / remove on a UTF-16 MAPISVC.INF with its backup and atomic replacement. It runs in
//! the test process, so under Wine too, where replacing a file by rename is Windows' own.

use mapi_spi_runtime::provider::service::inf::run;
use std::path::PathBuf;

/// What `mapisvc print` prints for the sample store (also shown in the README).
const PRINTED: &str = "\
[Services]
RustSampleStore=Rust Sample Store

[RustSampleStore]
PR_DISPLAY_NAME=Rust Sample Store
Providers=RustSampleStore MS
PR_SERVICE_DLL_NAME=sample_store.dll
PR_SERVICE_SUPPORT_FILES=sample_store.dll
PR_SERVICE_ENTRY_NAME=ServiceEntry
PR_RESOURCE_FLAGS=SERVICE_NO_PRIMARY_IDENTITY

[RustSampleStore MS]
PR_DISPLAY_NAME=Rust Sample Store
PR_PROVIDER_DISPLAY=Rust Sample Store (mapi-spi)
PR_PROVIDER_DLL_NAME=sample_store.dll
PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER
PR_RESOURCE_FLAGS=STATUS_NO_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY
6600001E=Default
";

/// What the command printed, or its error message.
struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

fn mapisvc(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    let mut out = Vec::new();
    let result = run(&sample_store::SERVICE, &args, &mut out);
    Output {
        success: result.is_ok(),
        stdout: String::from_utf8(out).unwrap(),
        stderr: result.err().unwrap_or_default(),
    }
}

/// A fresh directory for one test, in the system's temporary directory.
fn directory(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mapi-spi-mapisvc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn the_declaration_keeps_mapisvc_inf_rules() {
    assert_eq!(sample_store::SERVICE.validate(), Ok(()));
}

#[test]
fn print_shows_the_sections() {
    let output = mapisvc(&["print"]);
    assert!(output.success);
    assert_eq!(output.stdout, PRINTED);
}

#[test]
fn the_readme_shows_what_print_prints() {
    let readme = include_str!("../../../README.md");
    assert!(
        readme.contains(&format!("```ini\n{PRINTED}```")),
        "update README.md's MAPISVC.INF block"
    );
}

#[test]
fn merge_and_remove_edit_a_utf16_file_in_place_with_a_backup() {
    let dir = directory("utf16");
    let path = dir.join("MAPISVC.INF");
    let original = utf16le(
        "; MAPI services\r\n[Services]\r\nMSPST MS=Personal Folders File (.pst)\r\n\r\n\
         [MSPST MS]\r\nProviders=MSPST MSP\r\n\r\n[MSPST MSP]\r\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\r\n",
    );
    std::fs::write(&path, &original).unwrap();
    let path_arg = path.to_str().unwrap();

    let merged = mapisvc(&["merge", path_arg]);
    assert!(merged.success, "{}", merged.stderr);
    assert!(merged.stdout.contains("RustSampleStore merged into it"));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        &bytes[..2],
        &[0xFF, 0xFE],
        "still UTF-16LE with its byte order mark"
    );
    let text = String::from_utf16(
        &bytes[2..]
            .chunks(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(text.contains(
        "MSPST MS=Personal Folders File (.pst)\r\nRustSampleStore=Rust Sample Store\r\n"
    ));
    assert!(text.contains("\r\n[RustSampleStore MS]\r\nPR_DISPLAY_NAME=Rust Sample Store\r\n"));
    assert_eq!(
        std::fs::read(dir.join("MAPISVC.INF.bak")).unwrap(),
        original
    );

    let again = mapisvc(&["merge", path_arg]);
    assert!(again.success);
    assert!(again.stdout.contains("no change"));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    let removed = mapisvc(&["remove", path_arg]);
    assert!(removed.success, "{}", removed.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), original, "byte for byte");
    assert_eq!(std::fs::read(dir.join("MAPISVC.INF.bak")).unwrap(), bytes);

    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["MAPISVC.INF", "MAPISVC.INF.bak"],
        "no temporary file left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_creates_a_missing_file_and_remove_needs_one() {
    let dir = directory("missing");
    let path = dir.join("MAPISVC.INF");
    let path_arg = path.to_str().unwrap();
    assert!(mapisvc(&["merge", path_arg]).success);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        PRINTED
            .replace('\n', "\r\n")
            .replacen("\r\n\r\n", "\r\n", 1),
        "a new file: [Services] joined to the service section, CRLF"
    );
    assert!(!dir.join("MAPISVC.INF.bak").exists(), "nothing to back up");
    assert!(mapisvc(&["remove", path_arg]).success);
    assert_eq!(std::fs::read(&path).unwrap(), b"");

    let output = mapisvc(&["remove", dir.join("absent.inf").to_str().unwrap()]);
    assert!(!output.success);
    assert!(output.stderr.contains("absent.inf"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_arguments_print_the_usage() {
    let output = mapisvc(&["merge"]);
    assert!(!output.success);
    assert!(output.stderr.contains("usage: mapisvc print"));
    assert!(mapisvc(&["--help"]).success);
}
