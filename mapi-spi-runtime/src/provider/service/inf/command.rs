//! `mapisvc print | merge <path> | remove <path>`: the command a provider crate's binary runs.
//!
//! ```ignore
//! // src/bin/mapisvc.rs of a provider crate whose library declares `pub const SERVICE`
//! fn main() -> std::process::ExitCode {
//!     mapi_spi_runtime::provider::service::inf::command(&my_provider::SERVICE, std::env::args())
//! }
//! ```
//!
//! Files are replaced atomically (a temporary file in the same directory, then a rename), so
//! MAPI never reads a half-written MAPISVC.INF. The previous content is kept next to it as
//! `<file>.bak` whenever the file changes: MAPISVC.INF is shared by every installed service
//! and is hand-edited in practice, so the one-step undo users expect of an installer editing it
//! costs one file.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{InfError, merge_file, print, remove_file};
use crate::provider::service::ServiceDescription;

const USAGE: &str = "usage: mapisvc print | merge <MAPISVC.INF> | remove <MAPISVC.INF>
  print          print the service's MAPISVC.INF sections
  merge <path>   add the service to the file, or replace an older version of it
                 (a missing file is created; the old content is kept as <path>.bak)
  remove <path>  take the service out of the file (the old content is kept as <path>.bak)";

/// Runs the command with the process's arguments (the first is the program name), printing
/// to stdout and errors to stderr.
pub fn command(service: &ServiceDescription, args: impl IntoIterator<Item = String>) -> ExitCode {
    let args: Vec<String> = args.into_iter().skip(1).collect();
    match run(service, &args, &mut io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mapisvc: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The command without the program name; what it prints goes to `out`. The error is the
/// message for the user.
pub fn run(
    service: &ServiceDescription,
    args: &[String],
    out: &mut dyn Write,
) -> Result<(), String> {
    let shown = |error: io::Error| error.to_string();
    match args {
        [help] if matches!(help.as_str(), "help" | "-h" | "--help") => {
            writeln!(out, "{USAGE}").map_err(shown)
        }
        [command] if command == "print" => {
            let text = print(service).map_err(|e| e.to_string())?;
            out.write_all(text.as_bytes()).map_err(shown)
        }
        [command, path] if command == "merge" || command == "remove" => {
            let path = Path::new(path);
            let old = match std::fs::read(path) {
                Ok(bytes) => Some(bytes),
                Err(error) if error.kind() == io::ErrorKind::NotFound && command == "merge" => None,
                Err(error) => return Err(format!("{}: {error}", path.display())),
            };
            let edited = if command == "merge" {
                merge_file(old.as_deref().unwrap_or_default(), service)
            } else {
                remove_file(old.as_deref().unwrap_or_default(), service.name)
            }
            .map_err(|error: InfError| format!("{}: {error}", path.display()))?;
            let done = if command == "merge" {
                "merged into"
            } else {
                "removed from"
            };
            if old.as_deref() == Some(edited.as_slice()) {
                return writeln!(
                    out,
                    "{}: no change ({} already {done} it)",
                    path.display(),
                    service.name
                )
                .map_err(shown);
            }
            if let Some(old) = &old {
                std::fs::write(backup_path(path), old)
                    .map_err(|error| format!("{}: {error}", backup_path(path).display()))?;
            }
            replace(path, &edited).map_err(|error| format!("{}: {error}", path.display()))?;
            writeln!(out, "{}: {} {done} it", path.display(), service.name).map_err(shown)?;
            if old.is_some() {
                writeln!(out, "previous content: {}", backup_path(path).display())
                    .map_err(shown)?;
            }
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}

fn backup_path(path: &Path) -> PathBuf {
    with_suffix(path, ".bak")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, gives it the old
/// file's permissions and renames it over `path` (a replacing rename on Windows too).
fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = with_suffix(path, &format!(".{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        if let Ok(metadata) = std::fs::metadata(path) {
            std::fs::set_permissions(&temporary, metadata.permissions())?;
        }
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
