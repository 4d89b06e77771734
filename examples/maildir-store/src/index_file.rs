//! A folder's index kept between logons, so that a store logged on again lists a folder without
//! reading its messages: the file [`INDEX_FILE`] in the folder's directory (the Maildir itself
//! for the Inbox, `.Name/` for the others), so that it moves and goes with its folder.
//!
//! Other Maildir programs leave it alone: Maildir++ folders are `.Name` directories and
//! messages are files in `cur/` and `new/`, so a plain file beside those is neither; Dovecot,
//! Courier and mutt keep their own files there the same way (`dovecot-uidlist`,
//! `courierimapuiddb`, ...), under names that do not collide with this one.
//!
//! The file is a cache, never the truth: written whole and atomically at logoff
//! ([`maildir::replace_file`]), and read back only if it is whole (`sidecar::frame`: magic,
//! format version, length and CRC-32 of its payload) and only entry by entry where the message
//! file is still the same (name, `new/` or `cur/`, size and mtime to the nanosecond); anything
//! else is read from the messages again. A missing, damaged or foreign index file is no error,
//! just no cache.

use std::fs;
use std::io;
use std::path::Path;

use crate::content::Entry;
use crate::entries::Entries;
use crate::{maildir, sidecar};

/// The index file's name in a folder's directory.
pub const INDEX_FILE: &str = "mapi-spi-index";

/// What an index file starts with.
const MAGIC: [u8; 8] = *b"MAPISPIX";

/// The format of what follows the magic: bumped whenever [`Entry`] or what it holds
/// (`mime::Summary`, `maildir::Sub`) changes, so that a file of another format is ignored.
const VERSION: u32 = 1;

/// The entries of the index file of the folder at `dir`, by unique name; none when there is no
/// such file or it is not whole.
pub(crate) fn load(dir: &Path) -> Entries {
    fs::read(dir.join(INDEX_FILE))
        .ok()
        .and_then(|bytes| decode(&bytes))
        .unwrap_or_default()
}

/// `bytes` as an index, if they are a whole one of this version.
fn decode(bytes: &[u8]) -> Option<Entries> {
    let payload = sidecar::unframe(MAGIC, VERSION, bytes)?;
    let entries: Vec<Entry> = postcard::from_bytes(payload).ok()?;
    // A name that could not have come from the directory, or a summary that does not hold
    // together: the file is not ours to trust.
    entries
        .iter()
        .all(|entry| maildir::valid_unique(entry.unique()) && entry.summary.is_whole())
        .then(|| entries.into_iter().collect())
}

/// Writes `entries` as the index file of the folder at `dir`, replacing the one there.
pub(crate) fn save<'a>(dir: &Path, entries: impl Iterator<Item = &'a Entry>) -> io::Result<()> {
    let entries: Vec<&Entry> = entries.collect();
    let payload = postcard::to_allocvec(&entries).map_err(io::Error::other)?;
    let bytes = sidecar::frame(MAGIC, VERSION, &payload);
    maildir::replace_file(dir, INDEX_FILE, &bytes)
}
