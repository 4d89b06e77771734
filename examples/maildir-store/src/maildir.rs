//! The Maildir directory format, as Dovecot writes it with its Maildir++ layout: the root is the
//! Inbox (its `cur`, `new` and `tmp`), every other folder is a `.Name` directory beside them,
//! nested folders flattened with dots (`.Parent.Child`), names in IMAP's modified UTF-7.
//!
//! A message is one file in `new/` (not yet seen by a mail reader) or `cur/`, named by a unique
//! base name, then in `cur/` the info `:2,` and its flags in ASCII order (`1700000000.P42_7.host:2,FS`).
//! Windows forbids `:` in file names, so there the separator is `;`, as mbsync (isync) does on
//! Windows; files written by a Unix program with `:` cannot exist on such a file system anyway.
//!
//! Everything here takes names it got from the directory itself or checked with
//! [`valid_folder_name`] and [`valid_unique`]: no caller's text becomes a path unchecked.

use std::fs::{self, File};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What separates a message's unique name from its info (`:` but on Windows).
pub const INFO_SEPARATOR: char = if cfg!(windows) { ';' } else { ':' };

/// The info prefix of the flags: `:2,` (version 2 of the info, the only one in use).
const INFO_FLAGS: &str = "2,";

/// `new/` or `cur/`: where a message file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Sub {
    New,
    Cur,
}

impl Sub {
    pub fn dir_name(self) -> &'static str {
        match self {
            Sub::New => "new",
            Sub::Cur => "cur",
        }
    }
}

/// The directory of the folder named `name` (Maildir++ name without its leading dot; `""` is
/// the Inbox, the root itself). `name` must have passed [`valid_folder_name`] (or be `""`).
pub fn folder_dir(root: &Path, name: &str) -> PathBuf {
    if name.is_empty() {
        root.to_path_buf()
    } else {
        root.join(format!(".{name}"))
    }
}

/// Whether `name` can be a Maildir++ folder name here: dot-separated components, none empty
/// (which also rules out `..`), and no path separator or control character in any.
pub fn valid_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && !part
                    .chars()
                    .any(|c| c == '/' || c == '\\' || c.is_control())
        })
}

/// Whether `dir` is a folder whose messages can be read: it has `cur` and `new`.
pub fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// The Maildir++ folders below `root` that exist as directories with `cur` and `new`, by name
/// (`Sent`, `Parent.Child`), sorted.
pub fn list_folders(root: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some(name) = name.strip_prefix('.') else {
            continue;
        };
        if valid_folder_name(name) && is_maildir(&entry.path()) {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Creates the folder `name` (checked by the caller): its directory, `tmp` and `new`, the
/// `maildirfolder` marker Maildir++ delivery agents look for, and `cur` last, so that the
/// folder is listed (see [`is_maildir`]) only once it is whole.
pub fn create_folder(root: &Path, name: &str) -> io::Result<()> {
    let dir = folder_dir(root, name);
    for sub in ["tmp", "new"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    File::create(dir.join("maildirfolder"))?;
    fs::create_dir_all(dir.join("cur"))
}

/// A message file name split: its unique base name and its flags (`None` in `new/`, where
/// files have no info; flags of another info version are kept as they are, as none).
pub fn split_file_name(file_name: &str) -> (&str, Option<&str>) {
    // The separator is ASCII, so a byte search finds it (and splits on a char boundary), at a
    // fraction of `str::split_once(char)`'s cost: an index finds entries by it.
    const SEPARATOR: u8 = INFO_SEPARATOR as u8;
    const _: () = assert!(INFO_SEPARATOR.is_ascii());
    match memchr::memchr(SEPARATOR, file_name.as_bytes()) {
        Some(at) => {
            let info = &file_name[at + 1..];
            (
                &file_name[..at],
                Some(info.strip_prefix(INFO_FLAGS).unwrap_or("")),
            )
        }
        None => (file_name, None),
    }
}

/// Whether `unique` can be a message's unique name: not empty, not starting with a dot
/// (hidden files, `.`, `..`), no path separator, no info separator, no control character.
pub fn valid_unique(unique: &str) -> bool {
    !unique.is_empty()
        && !unique.starts_with('.')
        && !unique
            .chars()
            .any(|c| c == '/' || c == '\\' || c == INFO_SEPARATOR || c.is_control())
}

/// The file name of message `unique` with `flags` (sorted, as Maildir requires).
pub fn file_name(unique: &str, flags: &str) -> String {
    let mut sorted: Vec<char> = flags.chars().collect();
    sorted.sort_unstable();
    sorted.dedup();
    let flags: String = sorted.into_iter().collect();
    format!("{unique}{INFO_SEPARATOR}{INFO_FLAGS}{flags}")
}

/// The delivery time a unique name starts with (seconds since 1970), when it does.
pub fn unique_time(unique: &str) -> Option<i64> {
    // A plain scan to the first dot: names are short, and `split`'s searcher costs more to
    // set up than this takes (a first listing asks twice per file).
    let end = unique
        .bytes()
        .position(|b| b == b'.')
        .unwrap_or(unique.len());
    unique[..end].parse().ok().filter(|&s| s > 0)
}

/// A new unique name, `time.Ppid_Nnumber_Rrandom.host`: the time and process as the Maildir
/// convention has it, a per-process counter so two threads never collide, a random part so
/// two processes that reuse a pid in the same second do not either; the host name with the
/// characters the convention escapes (and Windows forbids) replaced.
pub fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one((now, n, std::thread::current().id()));
    let host: String = gethostname::gethostname()
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}.P{}_N{n}_R{random:016x}.{host}",
        now.as_secs(),
        std::process::id()
    )
}

/// A message written in `tmp/`, synced, not yet delivered: what is left after a crash before
/// [`TmpFile::deliver`], which no reader lists (they read `new/` and `cur/` only).
#[derive(Debug)]
pub struct TmpFile {
    path: PathBuf,
    unique: String,
}

impl TmpFile {
    /// Writes `bytes` into `folder`'s `tmp/` under a new unique name and syncs them to disk.
    pub fn write(folder: &Path, bytes: &[u8]) -> io::Result<TmpFile> {
        let unique = unique_name();
        let path = folder.join("tmp").join(&unique);
        // `create_new`: a name already there (it cannot be, but) is not overwritten.
        let mut file = File::options().write(true).create_new(true).open(&path)?;
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        if let Err(error) = written {
            drop(file);
            let _ = fs::remove_file(&path);
            return Err(error);
        }
        Ok(TmpFile { path, unique })
    }

    pub fn unique(&self) -> &str {
        &self.unique
    }

    /// Delivers the message into `folder`: into `new/` without `flags`, else into `cur/` with
    /// them; one rename, atomic, then the directory synced so the rename is durable. Answers
    /// where it is and its file name.
    pub fn deliver(self, folder: &Path, flags: Option<&str>) -> io::Result<(Sub, String)> {
        let unique = self.unique.clone();
        self.deliver_as(folder, &unique, flags)
    }

    /// [`Self::deliver`] under the unique name `unique` (checked by the caller) rather than its
    /// own: the file replaces one of that name there, in the same atomic rename (a crash leaves
    /// the old file or the new one), so that a message rewritten keeps its name.
    pub fn deliver_as(
        self,
        folder: &Path,
        unique: &str,
        flags: Option<&str>,
    ) -> io::Result<(Sub, String)> {
        let (sub, name) = match flags {
            None => (Sub::New, unique.to_owned()),
            Some(flags) => (Sub::Cur, file_name(unique, flags)),
        };
        let dir = folder.join(sub.dir_name());
        fs::rename(&self.path, dir.join(&name))?;
        sync_dir(&dir)?;
        Ok((sub, name))
    }
}

/// Writes `bytes` as file `name` of `folder`'s directory (not a message: a file of the store's
/// own beside `cur/` and `new/`), replacing one of that name in one rename, durably: written
/// in `tmp/` and synced first, so that a crash leaves the old file or the new one, whole.
pub fn replace_file(folder: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = TmpFile::write(folder, bytes)?;
    if let Err(error) = fs::rename(&tmp.path, folder.join(name)) {
        let _ = fs::remove_file(&tmp.path);
        return Err(error);
    }
    sync_dir(folder)
}

/// How old a file in `tmp/` must be before [`clean_tmp`] removes it: the Maildir convention's
/// 36 hours, long past any delivery still writing it.
pub const STALE_TMP: Duration = Duration::from_secs(36 * 60 * 60);

/// Removes what a crash left in `folder`'s `tmp/` ([`TmpFile`]s never delivered, folders being
/// deleted), once older than [`STALE_TMP`]. Best effort: what cannot be removed stays for the
/// next time.
pub fn clean_tmp(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder.join("tmp")) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let stale = meta
            .modified()
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age > STALE_TMP);
        if !stale {
            continue;
        }
        let _ = if meta.is_dir() {
            fs::remove_dir_all(entry.path())
        } else {
            fs::remove_file(entry.path())
        };
    }
}

/// Makes a rename into `dir` durable: fsync of the directory, where the platform has it.
fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()
    } else {
        // Windows cannot open a directory as a file without special flags; NTFS journals
        // renames itself.
        Ok(())
    }
}

/// Renames message file `from` (in `from_dir`) to `to_name` in `to_dir`, durably.
pub fn rename_message(from_dir: &Path, from: &str, to_dir: &Path, to_name: &str) -> io::Result<()> {
    fs::rename(from_dir.join(from), to_dir.join(to_name))?;
    sync_dir(to_dir)
}

/// Copies the Maildir at `from` to `to` (which must not exist), giving every message file this
/// platform's [`INFO_SEPARATOR`]: a Maildir kept where Windows must read it (the fixture in this
/// crate's tests) has `;` in its names, which every platform accepts. `.keep` files (which keep
/// empty directories in git) are left out.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".keep" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &to.join(&name))?;
            continue;
        }
        let target = match name.to_str() {
            Some(text) => to.join(text.replacen([':', ';'], &INFO_SEPARATOR.to_string(), 1)),
            None => to.join(&name),
        };
        fs::copy(entry.path(), target)?;
    }
    Ok(())
}

/// A copy of a Maildir (made with [`copy_tree`]) in a directory of its own below the system's
/// temporary directory, removed with everything in it when dropped: what a demo or a test that
/// writes works on, so the original stays as it is. Dereferences to the copy's path.
pub struct ScratchMaildir {
    /// The directory of its own (the copy is its `Maildir`).
    base: PathBuf,
    maildir: PathBuf,
}

impl ScratchMaildir {
    /// A copy of the Maildir at `from`, in a directory named after `name` and this process.
    pub fn copy_of(from: &Path, name: &str) -> io::Result<Self> {
        let base = std::env::temp_dir().join(format!("mapi-spi-{name}-{}", std::process::id()));
        // What an earlier run of this process ID left.
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(&base)?;
        let scratch = ScratchMaildir {
            maildir: base.join("Maildir"),
            base,
        };
        copy_tree(from, &scratch.maildir)?;
        Ok(scratch)
    }
}

impl std::ops::Deref for ScratchMaildir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.maildir
    }
}

impl AsRef<Path> for ScratchMaildir {
    fn as_ref(&self) -> &Path {
        &self.maildir
    }
}

impl Drop for ScratchMaildir {
    fn drop(&mut self) {
        // Best effort: a temporary directory left behind harms nothing.
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// Modified UTF-7 (RFC 3501, 5.1.3), the encoding of IMAP folder names that Dovecot uses for
/// Maildir++ directory names: printable ASCII as itself (`&` as `&-`), everything else as
/// UTF-16 in base64 (with `,` for `/`) between `&` and `-`.
pub mod mutf7 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    /// `name` decoded, or `None` if it is not valid modified UTF-7.
    pub fn decode(name: &str) -> Option<String> {
        let mut out = String::with_capacity(name.len());
        let mut rest = name;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let end = after.find('-')?;
            let encoded = &after[..end];
            if encoded.is_empty() {
                out.push('&');
            } else {
                let units = decode_base64(encoded)?;
                out.push_str(&String::from_utf16(&units).ok()?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn decode_base64(text: &str) -> Option<Vec<u16>> {
        let mut bits = 0u32;
        let mut count = 0;
        let mut bytes = Vec::new();
        for c in text.bytes() {
            let value = ALPHABET.iter().position(|&a| a == c)? as u32;
            bits = (bits << 6) | value;
            count += 6;
            if count >= 8 {
                count -= 8;
                bytes.push((bits >> count) as u8);
            }
        }
        if bytes.len() % 2 != 0 {
            return None;
        }
        Some(
            bytes
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect(),
        )
    }

    /// `name` encoded.
    pub fn encode(name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut pending: Vec<u16> = Vec::new();
        for c in name.chars() {
            if (' '..='~').contains(&c) {
                flush(&mut out, &mut pending);
                if c == '&' {
                    out.push_str("&-");
                } else {
                    out.push(c);
                }
            } else {
                let mut buf = [0u16; 2];
                pending.extend_from_slice(c.encode_utf16(&mut buf));
            }
        }
        flush(&mut out, &mut pending);
        out
    }

    fn flush(out: &mut String, pending: &mut Vec<u16>) {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let digits = chunk.len() + 1;
            for i in 0..digits {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out.push('-');
        pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_both_ways() {
        for (text, encoded) in [
            ("Sent", "Sent"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("A&B", "A&-B"),
            ("台北", "&U,BTFw-"),
            ("Gelöschte Elemente", "Gel&APY-schte Elemente"),
        ] {
            assert_eq!(mutf7::encode(text), encoded);
            assert_eq!(mutf7::decode(encoded).as_deref(), Some(text));
        }
        assert_eq!(mutf7::decode("&AP"), None);
        assert_eq!(mutf7::decode("&!!-"), None);
    }

    #[test]
    fn names_checked() {
        for bad in ["", ".", "..", "a..b", ".a", "a.", "a/b", "a\\b", "a\u{0}b"] {
            assert!(!valid_folder_name(bad), "{bad:?}");
        }
        assert!(valid_folder_name("Parent.Child"));
        for bad in ["", ".", "..", ".hidden", "a/b", "a\\b", "a\nb"] {
            assert!(!valid_unique(bad), "{bad:?}");
        }
        assert!(!valid_unique(&format!("a{INFO_SEPARATOR}2,S")));
    }

    #[test]
    fn file_names() {
        let name = file_name("123.x.host", "SFR");
        assert_eq!(split_file_name(&name), ("123.x.host", Some("FRS")));
        assert_eq!(split_file_name("123.x.host"), ("123.x.host", None));
        assert_eq!(unique_time("123.x.host"), Some(123));
        assert_eq!(unique_time("abc"), None);
        assert_eq!(unique_time("1700000000"), Some(1_700_000_000));
        assert_eq!(unique_time("0.x"), None);
        assert_eq!(unique_time(".123"), None);
        assert_ne!(unique_name(), unique_name());
    }
}
