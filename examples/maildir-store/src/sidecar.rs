//! What a MIME file cannot carry, kept in files of the store's own beside a folder's `cur/` and
//! `new/` (as [`index_file`](crate::index_file) is; Maildir++ readers list neither): a
//! folder's MAPI properties other than its name ([`PROPS_FILE`]: `PR_CONTAINER_CLASS_W`,
//! `PR_COMMENT_W`, Outlook's binary settings), its folder-associated messages
//! ([`ASSOCIATED_FILE`]: Outlook's views, forms and settings, with their recipients and
//! attachments) and, at the Maildir's root, the store's named-property map ([`NAMES_FILE`]),
//! without which the named properties of both would come back under other IDs.
//!
//! A folder's associated messages are one file, not one per message: Outlook keeps a handful
//! per folder, a few kilobytes each, so rewriting them all at a save costs little, and one
//! file is replaced in one rename (old or new, never a mix), takes no file name from a key
//! (a key is parsed to a number, never used as a path) and lists in one read.
//!
//! The root and the IPM subtree have no directory of their own: their files are the Maildir
//! root's, with `.root` and `.ipm` after the name (the Inbox's are the root's without).
//!
//! Every file is framed (`frame`: magic, format version, length, CRC-32) and written whole
//! with [`maildir::replace_file`] (in `tmp/`, synced, renamed over the old one), so a crash
//! leaves the old file or the new one. One that is not whole, or whose payload does not
//! decode, is renamed aside to its name and [`CORRUPT_SUFFIX`] (for a person to look at) and
//! read as no file: the folder and its messages still list, with the default properties.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use mapi_spi_runtime::props::Property;
use mapi_spi_runtime::props::encoding::{Reader, Writer, decode_props, encode_props};
use mapi_spi_runtime::props::names::NamedProperties;
use mapi_spi_runtime::provider::store::content::Message;

use crate::maildir;

/// A folder's properties other than its name.
pub const PROPS_FILE: &str = "mapi-spi-props";
/// A folder's associated messages.
pub const ASSOCIATED_FILE: &str = "mapi-spi-associated";
/// The store's named-property map, at the Maildir's root.
pub const NAMES_FILE: &str = "mapi-spi-names";
/// What a damaged file is renamed to, after its name.
pub const CORRUPT_SUFFIX: &str = ".corrupt";

const PROPS_MAGIC: [u8; 8] = *b"MAPISPIP";
const ASSOCIATED_MAGIC: [u8; 8] = *b"MAPISPIA";
const NAMES_MAGIC: [u8; 8] = *b"MAPISPIN";

/// The format of what follows a sidecar's magic (the payloads are `props::encoding`'s, which
/// has its own version besides).
const VERSION: u32 = 1;

/// Magic, version, payload length, payload CRC-32.
const HEADER: usize = 8 + 4 + 8 + 4;

/// `payload` framed: `magic`, `version`, its length and CRC-32 (little-endian), then it.
pub(crate) fn frame(magic: [u8; 8], version: u32, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER + payload.len());
    bytes.extend_from_slice(&magic);
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// The payload [`frame`] framed with `magic` and `version`, if `bytes` are that, whole.
pub(crate) fn unframe(magic: [u8; 8], version: u32, bytes: &[u8]) -> Option<&[u8]> {
    let (header, payload) = bytes.split_at_checked(HEADER)?;
    let (found, rest) = header.split_first_chunk::<8>()?;
    let (found_version, rest) = rest.split_first_chunk::<4>()?;
    let (length, crc) = rest.split_first_chunk::<8>()?;
    let crc: [u8; 4] = crc.try_into().ok()?;
    (*found == magic
        && u32::from_le_bytes(*found_version) == version
        && u64::from_le_bytes(*length) == payload.len() as u64
        && u32::from_le_bytes(crc) == crc32fast::hash(payload))
    .then_some(payload)
}

/// Where a folder's files are: a directory, and what follows their names there.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    pub dir: PathBuf,
    pub suffix: &'static str,
}

impl Place {
    fn name(&self, base: &str) -> String {
        format!("{base}{}", self.suffix)
    }
}

/// The file `name` of `dir`, decoded by `decode`; `None` when there is none, or it was damaged
/// (then renamed aside). Another failure to read it is answered.
fn load<T>(
    dir: &Path,
    name: &str,
    magic: [u8; 8],
    decode: impl FnOnce(&[u8]) -> Option<T>,
) -> io::Result<Option<T>> {
    let path = dir.join(name);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    if let Some(value) = unframe(magic, VERSION, &bytes).and_then(decode) {
        return Ok(Some(value));
    }
    let mut aside = OsString::from(&path);
    aside.push(CORRUPT_SUFFIX);
    // Best effort: a file that cannot be renamed is still read as none, and replaced by the
    // next write.
    let _ = fs::rename(&path, PathBuf::from(aside));
    Ok(None)
}

/// Writes `payload` framed with `magic` as file `name` of `dir`, durably, in one rename.
fn save(dir: &Path, name: &str, magic: [u8; 8], payload: &[u8]) -> io::Result<()> {
    maildir::replace_file(dir, name, &frame(magic, VERSION, payload))
}

/// The folder's properties other than its name, if it has its own.
pub(crate) fn load_props(place: &Place) -> io::Result<Option<Vec<Property>>> {
    load(
        &place.dir,
        &place.name(PROPS_FILE),
        PROPS_MAGIC,
        |payload| decode_props(payload).ok(),
    )
}

pub(crate) fn save_props(place: &Place, props: &[Property]) -> io::Result<()> {
    let name = place.name(PROPS_FILE);
    save(&place.dir, &name, PROPS_MAGIC, &encode_props(props))
}

/// A folder's associated messages by number (their keys'), and the next number to give: a
/// number is never given twice, so an entry ID of a deleted message never names a new one.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Associated {
    pub next: u32,
    pub messages: BTreeMap<u32, Message>,
}

impl Associated {
    /// `next count (number length message-bytes)*`, as `props::encoding` writes numbers and
    /// bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut writer = Writer::default();
        writer.number(self.next);
        writer.count(self.messages.len());
        for (&number, message) in &self.messages {
            writer.number(number);
            writer.bytes(&message.to_bytes());
        }
        writer.into_bytes()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Associated> {
        let mut reader = Reader::new(bytes);
        let next = reader.number().ok()?;
        // A number and a length at least.
        let count = reader.count(2).ok()?;
        let mut messages = BTreeMap::new();
        for _ in 0..count {
            let number = reader.number().ok()?;
            let message = Message::from_bytes(reader.bytes().ok()?).ok()?;
            if number >= next || messages.insert(number, message).is_some() {
                return None;
            }
        }
        reader.finish().ok()?;
        Some(Associated { next, messages })
    }
}

/// The folder's associated messages (none without a file).
pub(crate) fn load_associated(place: &Place) -> io::Result<Associated> {
    let name = place.name(ASSOCIATED_FILE);
    Ok(load(&place.dir, &name, ASSOCIATED_MAGIC, Associated::from_bytes)?.unwrap_or_default())
}

pub(crate) fn save_associated(place: &Place, associated: &Associated) -> io::Result<()> {
    let name = place.name(ASSOCIATED_FILE);
    save(&place.dir, &name, ASSOCIATED_MAGIC, &associated.to_bytes())
}

/// The named-property map kept at the Maildir `root`, checked to be one.
pub(crate) fn load_names(root: &Path) -> io::Result<Option<Vec<u8>>> {
    load(root, NAMES_FILE, NAMES_MAGIC, |payload| {
        NamedProperties::from_bytes(payload)
            .is_ok()
            .then(|| payload.to_vec())
    })
}

pub(crate) fn save_names(root: &Path, map: &[u8]) -> io::Result<()> {
    save(root, NAMES_FILE, NAMES_MAGIC, map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_spi_runtime::props::PropValue;

    #[test]
    fn associated_messages_round_trip_and_bad_numbers_are_refused() {
        let message = Message {
            props: vec![Property::new(0x8001, PropValue::Binary(vec![1]))],
            ..Message::default()
        };
        let associated = Associated {
            next: 3,
            messages: BTreeMap::from([(0, message.clone()), (2, Message::default())]),
        };
        let bytes = associated.to_bytes();
        assert_eq!(Associated::from_bytes(&bytes), Some(associated));
        for cut in 0..bytes.len() {
            assert_eq!(Associated::from_bytes(&bytes[..cut]), None);
        }
        // A number not below `next` could be given again.
        let taken = Associated {
            next: 2,
            messages: BTreeMap::from([(2, message)]),
        };
        assert_eq!(Associated::from_bytes(&taken.to_bytes()), None);
    }

    #[test]
    fn a_frame_is_read_back_only_whole() {
        let framed = frame(PROPS_MAGIC, VERSION, b"payload");
        assert_eq!(
            unframe(PROPS_MAGIC, VERSION, &framed),
            Some(&b"payload"[..])
        );
        assert_eq!(unframe(NAMES_MAGIC, VERSION, &framed), None);
        assert_eq!(unframe(PROPS_MAGIC, VERSION + 1, &framed), None);
        for cut in 0..framed.len() {
            assert_eq!(unframe(PROPS_MAGIC, VERSION, &framed[..cut]), None);
        }
        let mut flipped = framed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(unframe(PROPS_MAGIC, VERSION, &flipped), None);
    }
}
