//! The Maildir as the runtime's [`StoreContent`]: folders and messages by key, read and written.
//!
//! Folders: the root (key `R`), the IPM subtree below it (`T`, "Top of Information Store"), the
//! Inbox below that (`I`, the Maildir's own `cur`/`new`), and every Maildir++ folder (`F` and
//! its directory name without the dot, still in modified UTF-7: `FSent`, `FParent.Child`).
//! `.Name` folders are the Inbox's siblings, as Dovecot shows them; `.INBOX.Name` ones are
//! below the Inbox, as IMAP names them. A `.A.B` whose `.A` does not exist still has a parent:
//! `A` is listed, without messages, and becomes a real folder when something is saved in it.
//!
//! What a MIME file cannot carry is kept in the store's own files beside the folder's
//! ([`sidecar`]): a folder's properties other than its name (its class, comment, Outlook's
//! settings), and its folder-associated messages (`MAPI_ASSOCIATED`: Outlook's views, forms
//! and settings, MAPI properties through and through), whole with their recipients and
//! attachments; the store's named-property map, at the root, keeps the IDs of the named
//! properties among them from one logon to the next.
//!
//! A folder is renamed as Outlook renames it, with `SetProps` of its `PR_DISPLAY_NAME_W`, or
//! moved with `CopyFolder` and `FOLDER_MOVE`; either way its directory and those below it are
//! renamed (`.A` and `.A.B` to `.X` and `.X.B`), and since a folder's key is its directory's
//! name, the folder is answered under its new key (the runtime tells clients of the new entry
//! ID as of a move). The root, the IPM subtree and the Inbox have fixed places and names.
//!
//! An associated message's key is its folder's key, `/.`, and its number in the folder's
//! file (no unique name starts with a dot): the number is looked up in the file, never used
//! as a path.
//!
//! Messages: key = folder key, `/`, the file's unique name (what comes before `:2,`), so a
//! message keeps its key when its flags change, and when it is saved again (the new file takes
//! the old one's name). Every key from outside is parsed, checked
//! ([`maildir::valid_folder_name`], [`maildir::valid_unique`]) and looked up among the folders
//! and files that exist; paths are built only from names read from the directory.
//!
//! Listing keeps an index per folder (unique name -> file name, size, time and a summary of
//! the headers), reused while `new/` and `cur/` are unchanged: their mtimes are compared first,
//! and when they could hide a change (a change in the same second as the last look, as
//! git's "racy clean" check has it) the names are read again and compared, which costs no
//! parsing. Only new files are parsed, headers only. Whatever differs from the index, found at
//! any look, is what [`StoreContent::changes`] reports next; the store's own writes update
//! the index directly and so are not reported as others'. A folder never listed but counted
//! (a hierarchy view shows its `PR_CONTENT_COUNT`) keeps its file names only, checked the same
//! way, so others' deliveries and removals there are reported too.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap, HashSet, hash_map};
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mapi_spi_runtime::codes::{
    MAPI_E_COLLISION, MAPI_E_DISK_ERROR, MAPI_E_FOLDER_CYCLE, MAPI_E_INVALID_PARAMETER,
    MAPI_E_NO_ACCESS, MAPI_E_NOT_FOUND,
};
use mapi_spi_runtime::flags::MSGFLAG_ASSOCIATED;
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::store::content::{
    ContentChange, Folder, Message, MessageSummary, SpecialFolder, StoreContent, StoredMessage,
};
use mapi_spi_runtime::provider::{ProviderError, ProviderResult};
use mapi_spi_runtime::tags::*;

use crate::entries::Entries;
use crate::maildir::{self, Sub, TmpFile, mutf7};
use crate::mime::{self, Summary};
use crate::sidecar::{self, Associated, Place};
use crate::{index_file, info};

/// Key of the root folder.
const ROOT_KEY: &[u8] = b"R";
/// Key of the IPM subtree.
const IPM_KEY: &[u8] = b"T";
/// Key of the Inbox.
const INBOX_KEY: &[u8] = b"I";
/// First byte of a Maildir++ folder's key.
const NAMED_PREFIX: u8 = b'F';
/// Between a message key's folder key and unique name (no folder key contains it).
const MESSAGE_SEPARATOR: u8 = b'/';
/// Before the number of an associated message in its key, where a message's unique name
/// would be (no unique name starts with it).
const ASSOCIATED_MARK: u8 = b'.';

/// How long after a directory's mtime a change may still not show in it (file systems keep
/// mtimes in seconds, FAT in two): an index checked within that window is checked again.
const MTIME_GRANULARITY: Duration = Duration::from_secs(2);

/// The most properties a contents-table row has (see [`Entry::push_props`]): the capacity of
/// what gathers them.
const SUMMARY_PROPS: usize = 17;

/// The Maildir++ name of the folders below the Inbox (`.INBOX.Name`).
const INBOX_NAME: &str = "INBOX";

/// Display names of the special folders, as mail programs name them, in order of preference.
const SPECIAL_NAMES: &[(SpecialFolder, &[&str])] = &[
    (
        SpecialFolder::SentItems,
        &["Sent", "Sent Items", "Sent Messages", "Sent Mail"],
    ),
    (SpecialFolder::Drafts, &["Drafts", "Draft"]),
    (
        SpecialFolder::DeletedItems,
        &["Trash", "Deleted Items", "Deleted Messages", "Deleted"],
    ),
    (SpecialFolder::Outbox, &["Outbox"]),
];

/// A folder, as its key names it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FolderId {
    Root,
    Ipm,
    Inbox,
    /// A Maildir++ folder by its directory name without the dot.
    Named(String),
}

impl FolderId {
    fn key(&self) -> Vec<u8> {
        match self {
            FolderId::Root => ROOT_KEY.to_vec(),
            FolderId::Ipm => IPM_KEY.to_vec(),
            FolderId::Inbox => INBOX_KEY.to_vec(),
            FolderId::Named(name) => {
                let mut key = vec![NAMED_PREFIX];
                key.extend_from_slice(name.as_bytes());
                key
            }
        }
    }

    /// The folder `key` names, if it has the form of a folder key (whether it exists is the
    /// caller's to check).
    fn parse(key: &[u8]) -> Option<FolderId> {
        match key {
            ROOT_KEY => Some(FolderId::Root),
            IPM_KEY => Some(FolderId::Ipm),
            INBOX_KEY => Some(FolderId::Inbox),
            [NAMED_PREFIX, name @ ..] => {
                let name = std::str::from_utf8(name).ok()?;
                (maildir::valid_folder_name(name) && !is_inbox_name(name))
                    .then(|| FolderId::Named(name.to_owned()))
            }
            _ => None,
        }
    }

    /// The Maildir++ name of a folder that can hold messages (`""` for the Inbox).
    fn maildir_name(&self) -> Option<&str> {
        match self {
            FolderId::Inbox => Some(""),
            FolderId::Named(name) => Some(name),
            FolderId::Root | FolderId::Ipm => None,
        }
    }

    /// The folder's `PR_DISPLAY_NAME_W`: a Maildir++ folder's is the last part of its name,
    /// decoded (as it is when it is no modified UTF-7).
    fn display_name(&self) -> String {
        match self {
            FolderId::Root => "Root".to_owned(),
            FolderId::Ipm => "Top of Information Store".to_owned(),
            FolderId::Inbox => "Inbox".to_owned(),
            FolderId::Named(name) => {
                let leaf = leaf(name);
                mutf7::decode(leaf).unwrap_or_else(|| leaf.to_owned())
            }
        }
    }

    /// The parent of Maildir++ folder `name`.
    fn parent_of(name: &str) -> FolderId {
        match name.rsplit_once('.') {
            Some((parent, _)) if is_inbox_name(parent) => FolderId::Inbox,
            Some((parent, _)) => FolderId::Named(parent.to_owned()),
            None => FolderId::Ipm,
        }
    }

    /// The Maildir++ name of a new folder `encoded` below this one.
    fn child_name(&self, encoded: &str) -> Option<String> {
        match self {
            FolderId::Root => None,
            FolderId::Ipm => Some(encoded.to_owned()),
            FolderId::Inbox => Some(format!("{INBOX_NAME}.{encoded}")),
            FolderId::Named(name) => Some(format!("{name}.{encoded}")),
        }
    }
}

/// The last part of Maildir++ folder name `name` (`Child` of `Parent.Child`): its own name,
/// still encoded.
fn leaf(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn is_inbox_name(name: &str) -> bool {
    name.eq_ignore_ascii_case(INBOX_NAME)
}

/// The folders of the Maildir at one look.
struct Tree {
    /// Directories with `cur` and `new`.
    real: BTreeSet<String>,
    /// `real` and the parents they imply.
    all: BTreeSet<String>,
}

impl Tree {
    fn read(root: &Path) -> io::Result<Tree> {
        let real: BTreeSet<String> = maildir::list_folders(root)?
            .into_iter()
            .filter(|name| !is_inbox_name(name))
            .collect();
        let mut all = real.clone();
        for name in &real {
            let mut at = 0;
            while let Some(dot) = name[at..].find('.') {
                let parent = &name[..at + dot];
                if !is_inbox_name(parent) {
                    all.insert(parent.to_owned());
                }
                at += dot + 1;
            }
        }
        Ok(Tree { real, all })
    }

    fn contains(&self, id: &FolderId) -> bool {
        match id {
            FolderId::Named(name) => self.all.contains(name),
            _ => true,
        }
    }

    /// The folder and every folder below it, deepest first.
    fn subtree(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.");
        let mut names: Vec<String> = self
            .all
            .iter()
            .filter(|n| *n == name || n.starts_with(&prefix))
            .cloned()
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.matches('.').count()));
        names
    }
}

/// One message of a folder's index (kept on disk too: [`index_file`]).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Entry {
    sub: Sub,
    pub(crate) file_name: Box<str>,
    size: u64,
    /// The file's mtime when it was read, nanoseconds since 1970; 0: unknown.
    modified: u64,
    /// Seconds since 1970.
    delivered: i64,
    pub(crate) summary: Summary,
}

impl Entry {
    fn flags(&self) -> Option<&str> {
        flags_of(&self.file_name)
    }

    /// The unique name its file name starts with: what finds it in its folder's [`Entries`].
    pub(crate) fn unique(&self) -> &str {
        maildir::split_file_name(&self.file_name).0
    }

    /// The entry of a file that is there but cannot be read: listed all the same, as a file
    /// that is not a message, rather than hidden.
    pub(crate) fn unreadable(sub: Sub, file_name: impl Into<Box<str>>) -> Entry {
        Entry {
            sub,
            file_name: file_name.into(),
            size: 0,
            modified: 0,
            delivered: 0,
            summary: Summary::unreadable(),
        }
    }

    /// Its summary as message `key` (see [`Entry::push_props`]). The properties are gathered
    /// in `scratch` (left empty) first, so that the row's vector, which a contents table keeps,
    /// is allocated at the size it needs rather than at [`SUMMARY_PROPS`]: two or three
    /// properties fewer for most messages, for each of a folder's thousands.
    fn summary(&self, key: Vec<u8>, scratch: &mut Vec<Property>) -> MessageSummary {
        self.push_props(scratch);
        let mut summary = MessageSummary::with_capacity(key, scratch.len());
        summary.props.append(scratch);
        summary
    }

    /// Appends what the contents table shows of it, in ascending ID order: the table takes
    /// such a row without sorting it.
    fn push_props(&self, props: &mut Vec<Property>) {
        let state = info::State::of(self.flags(), self.summary.has_attach);
        self.summary.push_props(props, |props| {
            props.extend([
                Property::for_tag(
                    PR_MESSAGE_DELIVERY_TIME,
                    PropValue::SysTime(mime::filetime(self.delivered)),
                ),
                state.message_flags(),
                Property::for_tag(
                    PR_MESSAGE_SIZE,
                    PropValue::Long(u32::try_from(self.size).unwrap_or(u32::MAX)),
                ),
                state.status(),
            ]);
        });
        state.push_follow_up(props);
    }

    /// Reads the headers of message file `file_name` in `dir`'s `sub`: one file, opened by its
    /// path (no directory opened for it, as a listing's [`FileReader`] does).
    fn read(dir: &Path, sub: Sub, file_name: &str) -> io::Result<Entry> {
        let file = File::open(dir.join(sub.dir_name()).join(file_name))?;
        let (meta, summary) = Entry::read_opened(file, &mut mime::HeaderReader::default())?;
        Ok(Entry::new(sub, file_name, &meta, summary))
    }

    /// What [`Entry::read`] reads, for a caller that owns the name (a listing: no copy of it)
    /// and reads the folder's files with one `reader`.
    fn read_file(
        reader: &mut FileReader<'_>,
        sub: Sub,
        file_name: &str,
    ) -> io::Result<(fs::Metadata, Summary)> {
        let file = reader.open(sub, file_name)?;
        Entry::read_opened(file, &mut reader.headers)
    }

    /// The metadata and the summary of the headers of message `file`, read with `headers`.
    fn read_opened(
        mut file: File,
        headers: &mut mime::HeaderReader,
    ) -> io::Result<(fs::Metadata, Summary)> {
        let meta = file.metadata()?;
        let headers = headers.read(&mut file)?;
        Ok((meta, mime::summarize(headers)))
    }

    fn new(
        sub: Sub,
        file_name: impl AsRef<str> + Into<Box<str>>,
        meta: &fs::Metadata,
        summary: Summary,
    ) -> Entry {
        let (unique, _) = maildir::split_file_name(file_name.as_ref());
        let since_1970 = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        let delivered = maildir::unique_time(unique)
            .unwrap_or_else(|| since_1970.map_or(0, |d| d.as_secs() as i64));
        Entry {
            sub,
            file_name: file_name.into(),
            size: meta.len(),
            modified: since_1970.map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(0)),
            delivered,
            summary,
        }
    }

    /// Whether this entry (read at an earlier logon) still describes message file `file_name`
    /// in `reader`'s folder's `sub`: the same name and place, the same size and mtime (to the
    /// nanosecond: another program that rewrites a file changes its mtime), so its summary
    /// needs no reading.
    fn unchanged(&self, reader: &mut FileReader<'_>, sub: Sub, file_name: &str) -> bool {
        if self.sub != sub || *self.file_name != *file_name || self.modified == 0 {
            return false;
        }
        let Ok(meta) = fs::metadata(reader.path(sub, file_name)) else {
            return false;
        };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .and_then(|d| u64::try_from(d.as_nanos()).ok());
        meta.len() == self.size && modified == Some(self.modified)
    }
}

/// What a listing reads a folder's message files with: each file's path, built in one buffer
/// reused from file to file, and the reader of their headers ([`mime::HeaderReader`], one
/// buffer): a listing opens (or `stat`s) every file of a folder, which so costs no allocation
/// per file.
/// On Unix, files are opened relative to their directory (`new/`, `cur/`), opened once: the
/// kernel then looks up one name per file instead of walking the whole path each time (a
/// tenth of a first listing's system time, the path being a few levels deep).
struct FileReader<'d> {
    dir: &'d Path,
    path: PathBuf,
    headers: mime::HeaderReader,
    /// `new/` and `cur/`, by [`Sub`] index, once opened.
    #[cfg(unix)]
    subs: [Option<rustix::fd::OwnedFd>; 2],
}

impl<'d> FileReader<'d> {
    fn new(dir: &'d Path) -> Self {
        FileReader {
            dir,
            path: PathBuf::new(),
            headers: mime::HeaderReader::default(),
            #[cfg(unix)]
            subs: [None, None],
        }
    }

    /// Opens message file `file_name` (a name read from the directory) in the folder's `sub`
    /// for reading.
    #[cfg(unix)]
    fn open(&mut self, sub: Sub, file_name: &str) -> io::Result<File> {
        use rustix::fs::{Mode, OFlags, open, openat};
        let slot = &mut self.subs[sub as usize];
        let dir = match slot {
            Some(dir) => dir,
            None => slot.insert(open(
                self.dir.join(sub.dir_name()),
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?),
        };
        let fd = openat(
            &*dir,
            file_name,
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(File::from(fd))
    }

    #[cfg(not(unix))]
    fn open(&mut self, sub: Sub, file_name: &str) -> io::Result<File> {
        File::open(self.path(sub, file_name))
    }

    /// The path of message file `file_name` in the folder's `sub`.
    fn path(&mut self, sub: Sub, file_name: &str) -> &Path {
        self.path.as_mut_os_string().clear();
        self.path.push(self.dir);
        self.path.push(sub.dir_name());
        self.path.push(file_name);
        &self.path
    }
}

/// A folder's messages as last seen, by unique name.
#[derive(Debug, Default)]
struct FolderIndex {
    new_mtime: Option<SystemTime>,
    cur_mtime: Option<SystemTime>,
    /// When `new_mtime` and `cur_mtime` were read; `None`: never.
    checked_at: Option<SystemTime>,
    entries: Entries,
    /// The entries of the folder's index file, for its first listing to take those still
    /// valid instead of reading their messages.
    saved: Entries,
    /// Changed since read from or written to the index file.
    dirty: bool,
    /// Files hidden by another of their unique name, found at the last look (for [`State`]).
    shadows: Vec<Shadow>,
}

/// A difference between an index and its folder.
enum Diff {
    Added(Box<str>),
    Modified(Box<str>),
    Deleted(Box<str>),
}

fn mtime(path: &Path) -> io::Result<SystemTime> {
    fs::metadata(path)?.modified()
}

/// The mtimes of folder `dir`'s `new/` and `cur/`.
fn mtimes(dir: &Path) -> io::Result<(SystemTime, SystemTime)> {
    Ok((mtime(&dir.join("new"))?, mtime(&dir.join("cur"))?))
}

/// Whether a look at a folder at `checked_at`, its directories' mtimes being `mtimes`, may
/// have missed a change that left them the same.
fn racy(mtimes: [Option<SystemTime>; 2], checked_at: SystemTime) -> bool {
    mtimes
        .into_iter()
        .any(|m| m.is_none_or(|m| m + MTIME_GRANULARITY >= checked_at))
}

/// A folder's files as last read (names only, no message read), with the mtimes of its `new/`
/// and `cur/` read just before: what [`StoreContent::message_counts`] counts, and what
/// [`StoreContent::changes`] compares with the directories to report others' changes in a
/// folder that has no index (never listed) but whose counts a hierarchy view shows. Checked
/// as an index is: by the mtimes first, the names read again only when they differ or could
/// hide a change. The folder's first listing takes it, with what changed since.
struct Scanned {
    mtimes: (SystemTime, SystemTime),
    at: SystemTime,
    files: Names,
    /// Files hidden by another of their unique name, found at the last read (for [`State`]).
    shadows: Vec<Shadow>,
}

impl Scanned {
    /// Folder `dir`'s files now.
    fn read(dir: &Path) -> io::Result<Scanned> {
        // Before the mtimes, as a refresh takes it: a change while they are read is seen later.
        let at = SystemTime::now();
        let mtimes = mtimes(dir)?;
        let (files, shadows) = scan(dir)?;
        Ok(Scanned {
            mtimes,
            at,
            files,
            shadows,
        })
    }

    /// Whether the folder still has these files, its mtimes being `mtimes` now.
    fn current(&self, mtimes: (SystemTime, SystemTime)) -> bool {
        self.mtimes == mtimes && !racy([Some(mtimes.0), Some(mtimes.1)], self.at)
    }

    /// Brings the files up to date with folder `dir`, unless its mtimes, `mtimes` as the caller
    /// just read them, show no change; answers what changed: files added or gone, flags changed.
    fn refresh(&mut self, dir: &Path, mtimes: (SystemTime, SystemTime)) -> io::Result<Vec<Diff>> {
        if self.current(mtimes) {
            return Ok(Vec::new());
        }
        let fresh = Scanned::read(dir)?;
        let mut diffs: Vec<Diff> = self
            .files
            .iter()
            .filter(|old| !fresh.files.contains(old.unique()))
            .map(|old| Diff::Deleted(old.unique().into()))
            .collect();
        for listed in &fresh.files {
            match self.files.get(listed.unique()) {
                None => diffs.push(Diff::Added(listed.unique().into())),
                Some(old) if flags_of(&old.file_name) != flags_of(&listed.file_name) => {
                    diffs.push(Diff::Modified(listed.unique().into()));
                }
                Some(_) => {}
            }
        }
        *self = fresh;
        Ok(diffs)
    }

    /// The message count and the unread count.
    fn counts(&self) -> (u32, u32) {
        let unread = self
            .files
            .iter()
            .filter(|listed| is_unread(&listed.file_name))
            .count();
        (self.files.len() as u32, unread as u32)
    }
}

/// The info flags of message file `file_name` (`None` in `new/`).
fn flags_of(file_name: &str) -> Option<&str> {
    maildir::split_file_name(file_name).1
}

/// Whether message file `file_name` is unread: no `S` (seen) flag.
fn is_unread(file_name: &str) -> bool {
    !flags_of(file_name).is_some_and(|flags| flags.contains('S'))
}

impl FolderIndex {
    /// Brings the index up to date with folder `dir`; answers what changed. `scanned`: its
    /// files as last counted, for a first listing (what changed since is reported).
    fn refresh(&mut self, dir: &Path, scanned: Option<Scanned>) -> io::Result<Vec<Diff>> {
        let now = SystemTime::now();
        let (new_mtime, cur_mtime) = mtimes(dir)?;
        if let Some(checked_at) = self.checked_at
            && self.new_mtime == Some(new_mtime)
            && self.cur_mtime == Some(cur_mtime)
            && !racy([self.new_mtime, self.cur_mtime], checked_at)
        {
            return Ok(Vec::new());
        }
        let first = self.checked_at.is_none();
        // Its files as counted, and what changed since: a folder's first listing reports
        // that, as a look at its counts would have.
        let (files, mut diffs) = match scanned {
            Some(mut scanned) => {
                let diffs = scanned.refresh(dir, (new_mtime, cur_mtime))?;
                self.shadows = scanned.shadows;
                (scanned.files, diffs)
            }
            None => {
                let (files, shadows) = scan(dir)?;
                self.shadows = shadows;
                (files, Vec::new())
            }
        };
        self.entries
            .reserve(files.len().saturating_sub(self.entries.len()));
        let mut saved = std::mem::take(&mut self.saved);
        let mut reader = FileReader::new(dir);
        self.entries.retain(|entry| {
            let keep = files.contains(entry.unique());
            if !keep {
                diffs.push(Diff::Deleted(entry.unique().into()));
            }
            keep
        });
        let mut files: Vec<Listed> = files.into_iter().collect();
        if first {
            // Read in the order `messages` lists them (by the delivery time a unique name
            // starts with), not in the set's, which is random: each entry and its summary's
            // texts are then allocated after the one before, so building the rows, the
            // contents table made of them and every `QueryRows` over it walk memory in order
            // instead of missing the cache at every row.
            files.sort_by_cached_key(|listed| maildir::unique_time(listed.unique()));
        }
        for listed in files {
            let Listed {
                sub,
                file_name,
                unique_len,
            } = listed;
            let unique = &file_name[..unique_len];
            // A first listing knows none: one hash per file, the insert's.
            let known = if first {
                None
            } else {
                self.entries.get_mut(unique)
            };
            match known {
                Some(entry) if *entry.file_name == *file_name => {}
                Some(entry) => {
                    let before = entry.flags().map(str::to_owned);
                    entry.sub = sub;
                    entry.file_name = file_name.as_str().into();
                    if entry.flags() != before.as_deref() {
                        diffs.push(Diff::Modified(unique.into()));
                    }
                }
                None => {
                    // No index file (a folder's first listing, usually): no hash to look in it.
                    let was_saved = if saved.is_empty() {
                        None
                    } else {
                        saved.remove(unique)
                    };
                    if let Some(entry) =
                        was_saved.filter(|entry| entry.unchanged(&mut reader, sub, &file_name))
                    {
                        self.entries.insert_new(entry);
                        continue;
                    }
                    self.dirty = true;
                    let entry = match Entry::read_file(&mut reader, sub, &file_name) {
                        Ok((meta, summary)) => Entry::new(sub, file_name, &meta, summary),
                        // Gone since the directory was read (deleted, or renamed: then the
                        // next look finds it under its new name).
                        Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                        Err(_) => Entry::unreadable(sub, file_name),
                    };
                    // A first listing is the folder as it is, not a change.
                    if !first {
                        diffs.push(Diff::Added(entry.unique().into()));
                    }
                    self.entries.insert_new(entry);
                }
            }
        }
        // Entries of files gone since they were saved.
        self.dirty |= !saved.is_empty() || !diffs.is_empty();
        self.new_mtime = Some(new_mtime);
        self.cur_mtime = Some(cur_mtime);
        self.checked_at = Some(now);
        Ok(diffs)
    }
}

/// How a folder's file names are hashed: foldhash, a few instructions per word where SipHash
/// takes a few per byte (a first listing hashes each name twice), seeded at random per table.
/// Names come from the directory, which other programs write but whose names (a time, a
/// process, a host) no sender of mail chooses; a seed no one knows is what keeps colliding
/// names from being made on purpose, and SipHash's stronger guarantee is not needed here.
pub(crate) type NameHasher = foldhash::fast::RandomState;

/// A folder's message files, by unique name.
type Names = HashSet<Listed, NameHasher>;

/// A message file of a folder: where it is and its name, found by its unique name (the name's
/// start), which it hashes, compares and lends as `Borrow<str>`: a listing keeps each name
/// once, as read from the directory.
#[derive(Debug)]
struct Listed {
    sub: Sub,
    file_name: String,
    unique_len: usize,
}

impl Listed {
    fn new(sub: Sub, file_name: String) -> Listed {
        let unique_len = maildir::split_file_name(&file_name).0.len();
        Listed {
            sub,
            file_name,
            unique_len,
        }
    }

    fn unique(&self) -> &str {
        &self.file_name[..self.unique_len]
    }
}

impl PartialEq for Listed {
    fn eq(&self, other: &Self) -> bool {
        self.unique() == other.unique()
    }
}

impl Eq for Listed {}

impl Hash for Listed {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.unique().hash(state);
    }
}

impl Borrow<str> for Listed {
    fn borrow(&self) -> &str {
        self.unique()
    }
}

/// A message file that another of the same unique name hides (see [`scan`]), and the file
/// that hides it: what the store removes before its next write in the folder, if the file
/// that hides it is still there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shadow {
    hidden: PathBuf,
    shown: PathBuf,
}

/// Of two files of one unique name in folder `dir` (what a crash leaves between a save's
/// rename and its removal of the old file, or another program's between a copy and a delete),
/// the one to show: the newer by mtime (a save writes its file after the old one), then
/// `cur/`'s, then the greater name, so that every look shows the same one; and the other, as
/// a [`Shadow`].
fn pick(dir: &Path, a: Listed, b: Listed) -> (Listed, Shadow) {
    let path = |listed: &Listed| dir.join(listed.sub.dir_name()).join(&listed.file_name);
    let order = |listed: &Listed| {
        let modified = fs::metadata(path(listed))
            .and_then(|meta| meta.modified())
            .ok();
        (modified, listed.sub == Sub::Cur)
    };
    let (shown, hidden) = match order(&a)
        .cmp(&order(&b))
        .then_with(|| a.file_name.cmp(&b.file_name))
    {
        std::cmp::Ordering::Less => (b, a),
        _ => (a, b),
    };
    let shadow = Shadow {
        hidden: path(&hidden),
        shown: path(&shown),
    };
    (shown, shadow)
}

/// The message files of folder `dir`, by unique name, and the files hidden by another of the
/// same unique name ([`pick`]).
fn scan(dir: &Path) -> io::Result<(Names, Vec<Shadow>)> {
    // Listed first, then hashed at its size: a set grown one name at a time rehashes them all
    // at every doubling.
    let mut listed = Vec::new();
    for sub in [Sub::New, Sub::Cur] {
        for entry in fs::read_dir(dir.join(sub.dir_name()))? {
            let Ok(file_name) = entry?.file_name().into_string() else {
                continue;
            };
            listed.push(Listed::new(sub, file_name));
        }
    }
    let mut files = Names::with_capacity_and_hasher(listed.len(), NameHasher::default());
    let mut shadows = Vec::new();
    for file in listed {
        if !maildir::valid_unique(file.unique()) {
            continue;
        }
        // One hash per file; a second name of one unique name (rare) is sorted out after.
        if let Some(other) = files.replace(file)
            && let Some(file) = files.take(other.unique())
        {
            let (shown, shadow) = pick(dir, other, file);
            shadows.push(shadow);
            files.insert(shown);
        }
    }
    Ok((files, shadows))
}

/// What is shared between calls: the indexes, the files of the folders counted but not
/// indexed, what `changes` has not reported yet, and the folders as `changes` last saw them.
#[derive(Default)]
struct State {
    indexes: HashMap<String, FolderIndex>,
    counted: HashMap<String, Scanned>,
    pending: Vec<ContentChange>,
    folders: BTreeSet<String>,
    root_mtime: Option<SystemTime>,
    root_checked_at: Option<SystemTime>,
    /// Files hidden by another of their unique name: removed before the store's next write.
    shadows: HashSet<Shadow>,
}

impl State {
    /// The index of Maildir++ folder `name`, up to date; differences found go to `pending`.
    fn index(&mut self, root: &Path, name: &str) -> io::Result<&mut FolderIndex> {
        let scanned = if self.indexes.contains_key(name) {
            None
        } else {
            self.counted.remove(name)
        };
        let dir = maildir::folder_dir(root, name);
        let index = self
            .indexes
            .entry(name.to_owned())
            .or_insert_with(|| FolderIndex {
                saved: index_file::load(&dir),
                ..FolderIndex::default()
            });
        let diffs = index.refresh(&dir, scanned)?;
        let shadows = std::mem::take(&mut index.shadows);
        self.shadows.extend(shadows);
        self.report(name, diffs);
        Ok(self.indexes.get_mut(name).expect("inserted above"))
    }

    /// Folder `name`'s message and unread counts, from its index if it has one, else from its
    /// files (kept, see [`Scanned`]); differences found go to `pending`.
    fn counts(&mut self, root: &Path, name: &str) -> io::Result<(u32, u32)> {
        if self.indexes.contains_key(name) {
            let index = self.index(root, name)?;
            let unread = index
                .entries
                .iter()
                .filter(|entry| is_unread(&entry.file_name))
                .count();
            return Ok((index.entries.len() as u32, unread as u32));
        }
        let dir = maildir::folder_dir(root, name);
        let (scanned, diffs) = match self.counted.entry(name.to_owned()) {
            hash_map::Entry::Occupied(kept) => {
                let scanned = kept.into_mut();
                let diffs = scanned.refresh(&dir, mtimes(&dir)?)?;
                (scanned, diffs)
            }
            hash_map::Entry::Vacant(none) => (none.insert(Scanned::read(&dir)?), Vec::new()),
        };
        let counts = scanned.counts();
        let shadows = std::mem::take(&mut scanned.shadows);
        self.shadows.extend(shadows);
        self.report(name, diffs);
        Ok(counts)
    }

    /// Removes the files hidden by another of their unique name (see [`pick`]) while the one
    /// shown is still there: what a save cut short left. Before each of the store's writes,
    /// so that deleting or moving the message shown does not bring back the one it hid. Best
    /// effort: one that cannot be removed now is tried again at the next write.
    fn clean_shadows(&mut self) {
        self.shadows.retain(|shadow| {
            if !shadow.shown.exists() {
                // The next look decides again which one shows.
                return false;
            }
            match fs::remove_file(&shadow.hidden) {
                Ok(()) => false,
                Err(error) => error.kind() != io::ErrorKind::NotFound,
            }
        });
    }

    /// The store wrote the file at `path` (a save, a rename): a hidden file of that name, not
    /// removed yet, is that file no more.
    fn written(&mut self, path: &Path) {
        self.shadows.retain(|shadow| shadow.hidden != path);
    }

    /// The index of folder `name`, if it has one, for the store's own write to change it (it
    /// is then saved at the next flush).
    fn index_mut(&mut self, name: &str) -> Option<&mut FolderIndex> {
        let index = self.indexes.get_mut(name)?;
        index.dirty = true;
        Some(index)
    }

    /// Differences found in folder `name`, as changes to report.
    fn report(&mut self, name: &str, diffs: Vec<Diff>) {
        let folder = folder_id(name).key();
        let pair = |unique: &str| (folder.clone(), message_key(&folder, unique));
        for diff in diffs {
            self.pending.push(match diff {
                Diff::Added(unique) => {
                    let (folder, key) = pair(&unique);
                    ContentChange::MessageAdded { folder, key }
                }
                Diff::Modified(unique) => {
                    let (folder, key) = pair(&unique);
                    ContentChange::MessageModified { folder, key }
                }
                Diff::Deleted(unique) => {
                    let (folder, key) = pair(&unique);
                    ContentChange::MessageDeleted { folder, key }
                }
            });
        }
    }

    /// The store's own write of message `unique` in folder `name` (now file `file`, or gone),
    /// in the folder's kept files, so that it is not reported as another's change.
    fn counted_write(&mut self, name: &str, unique: &str, file: Option<(Sub, &str)>) {
        let Some(scanned) = self.counted.get_mut(name) else {
            return;
        };
        match file {
            Some((sub, file_name)) => {
                scanned
                    .files
                    .replace(Listed::new(sub, file_name.to_owned()));
            }
            None => {
                scanned.files.remove(unique);
            }
        }
    }

    /// Folder `name` is gone (deleted, or renamed to `to`): what is kept of it goes (along).
    fn folder_gone(&mut self, name: &str, to: Option<&str>) {
        let index = self.indexes.remove(name);
        let counted = self.counted.remove(name);
        if let Some(to) = to {
            if let Some(index) = index {
                self.indexes.insert(to.to_owned(), index);
            }
            if let Some(counted) = counted {
                self.counted.insert(to.to_owned(), counted);
            }
        }
    }
}

/// The folder of Maildir++ name `name` (`""`: the Inbox).
fn folder_id(name: &str) -> FolderId {
    if name.is_empty() {
        FolderId::Inbox
    } else {
        FolderId::Named(name.to_owned())
    }
}

fn message_key(folder_key: &[u8], unique: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(folder_key.len() + 1 + unique.len());
    key.extend_from_slice(folder_key);
    key.push(MESSAGE_SEPARATOR);
    key.extend_from_slice(unique.as_bytes());
    key
}

/// The key of associated message `number` of the folder `folder_key`.
fn associated_key(folder_key: &[u8], number: u32) -> Vec<u8> {
    let mut key = message_key(folder_key, "");
    key.push(ASSOCIATED_MARK);
    key.extend_from_slice(number.to_string().as_bytes());
    key
}

/// The folder and number an associated message's key names, if it has that form: the number
/// in decimal as [`associated_key`] writes it (one key per message).
fn parse_associated(key: &[u8]) -> Option<(FolderId, u32)> {
    let at = key.iter().position(|&b| b == MESSAGE_SEPARATOR)?;
    let (folder, rest) = (&key[..at], &key[at + 1..]);
    let digits = rest.strip_prefix(&[ASSOCIATED_MARK])?;
    let number: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (number.to_string().as_bytes() == digits).then_some(())?;
    Some((FolderId::parse(folder)?, number))
}

/// Whether `props` are those of a folder-associated message (the runtime sets the flag at
/// every save).
fn is_associated(props: &[Property]) -> bool {
    let flags = mime::find(props, PR_MESSAGE_FLAGS);
    matches!(flags, Some(PropValue::Long(flags)) if flags & MSGFLAG_ASSOCIATED != 0)
}

/// Whether `prop` is the folder's name, which its directory's name is.
fn is_name(prop: &Property) -> bool {
    u32::from(prop.id) == prop_id(PR_DISPLAY_NAME_W)
}

/// A folder's properties other than its name, as a Maildir folder has them without a
/// [`sidecar`] file of its own: a mail folder's class.
fn default_folder_props() -> Vec<Property> {
    vec![Property::for_tag(
        PR_CONTAINER_CLASS_W,
        PropValue::Unicode("IPF.Note".into()),
    )]
}

fn not_found(what: &str) -> ProviderError {
    ProviderError::new(MAPI_E_NOT_FOUND, format!("no such {what}"))
}

/// A file system error as MAPI reports it: a file that is not there is not found, anything
/// else a disk error.
fn io_error(error: io::Error) -> ProviderError {
    if error.kind() == io::ErrorKind::NotFound {
        ProviderError::new(MAPI_E_NOT_FOUND, error.to_string())
    } else {
        ProviderError::new(MAPI_E_DISK_ERROR, error.to_string())
    }
}

/// A message file located: its folder's Maildir++ name, directory and where the file is.
struct Located {
    folder: String,
    dir: PathBuf,
    unique: String,
    sub: Sub,
    file_name: String,
}

impl Located {
    fn path(&self) -> PathBuf {
        self.dir.join(self.sub.dir_name()).join(&self.file_name)
    }

    fn sub_dir(&self) -> PathBuf {
        self.dir.join(self.sub.dir_name())
    }
}

/// A Maildir, as a store's contents.
pub struct MaildirContent {
    root: PathBuf,
    state: Mutex<State>,
    /// Held by each read-change-write of a [`sidecar`] file, so that two writers' changes are
    /// both kept; apart from `state`, so that listings do not wait for its `fsync`.
    sidecars: Mutex<()>,
}

impl MaildirContent {
    /// The Maildir at `root` (a directory with `cur`, `new` and `tmp`). What crashes left in
    /// its `tmp/` directories long ago goes ([`maildir::clean_tmp`]).
    pub fn open(root: &Path) -> io::Result<MaildirContent> {
        if !maildir::is_maildir(root) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "not a Maildir: no `cur` and `new`",
            ));
        }
        let content = MaildirContent {
            root: root.to_path_buf(),
            state: Mutex::new(State::default()),
            sidecars: Mutex::new(()),
        };
        content.refresh_folders(&mut content.lock())?;
        maildir::clean_tmp(root);
        for name in maildir::list_folders(root)? {
            maildir::clean_tmp(&maildir::folder_dir(root, &name));
        }
        Ok(content)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held leaves an index at worst stale, which the next look
        // at the directory corrects.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sidecar_lock(&self) -> MutexGuard<'_, ()> {
        // Nothing to repair after a panic: each file is replaced whole or not at all.
        self.sidecars
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn tree(&self) -> ProviderResult<Tree> {
        Tree::read(&self.root).map_err(io_error)
    }

    /// The folder `key` names, if it exists.
    fn resolve(&self, key: &[u8]) -> ProviderResult<(FolderId, Tree)> {
        let id = FolderId::parse(key).ok_or_else(|| not_found("folder"))?;
        let tree = self.tree()?;
        if !tree.contains(&id) {
            return Err(not_found("folder"));
        }
        Ok((id, tree))
    }

    fn folder_of(&self, id: &FolderId) -> Folder {
        let text = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));
        let parent = match id {
            FolderId::Root => None,
            FolderId::Ipm => Some(FolderId::Root),
            FolderId::Inbox => Some(FolderId::Ipm),
            FolderId::Named(name) => Some(FolderId::parent_of(name)),
        };
        // A damaged file is set aside and one that cannot be read now ignored: the folder
        // lists all the same, with the default properties.
        let own = sidecar::load_props(&self.place(id)).ok().flatten();
        let mut props = vec![text(PR_DISPLAY_NAME_W, &id.display_name())];
        props.extend(own.unwrap_or_else(default_folder_props));
        Folder {
            key: id.key(),
            parent: parent.map(|p| p.key()),
            props,
        }
    }

    /// Where folder `id`'s [`sidecar`] files are: its directory (the Maildir for the Inbox);
    /// the Maildir's, under names of their own, for the root and the IPM subtree, which have
    /// none.
    fn place(&self, id: &FolderId) -> Place {
        let (dir, suffix) = match id {
            FolderId::Root => (self.root.clone(), ".root"),
            FolderId::Ipm => (self.root.clone(), ".ipm"),
            FolderId::Inbox => (self.root.clone(), ""),
            FolderId::Named(name) => (maildir::folder_dir(&self.root, name), ""),
        };
        Place { dir, suffix }
    }

    /// Folder `key`, that exists, and where its files are, for a write: a folder implied by
    /// its children is created first.
    fn writable_place(&self, key: &[u8]) -> ProviderResult<(FolderId, Place)> {
        let (id, tree) = self.resolve(key)?;
        if let FolderId::Named(name) = &id {
            self.make_real(name, &tree)?;
        }
        let place = self.place(&id);
        Ok((id, place))
    }

    /// Creates folder `name` if only its children's names imply it.
    fn make_real(&self, name: &str, tree: &Tree) -> ProviderResult<()> {
        if !tree.real.contains(name) {
            maildir::create_folder(&self.root, name).map_err(io_error)?;
            self.lock().folders.insert(name.to_owned());
        }
        Ok(())
    }

    /// Folder `id`'s associated messages (it must exist), changed by `change` and written
    /// back whole, durably, when it succeeds; one writer at a time, so that two writers'
    /// changes are both kept.
    fn change_associated<T>(
        &self,
        id: &FolderId,
        change: impl FnOnce(&mut Associated) -> ProviderResult<T>,
    ) -> ProviderResult<T> {
        let place = self.place(id);
        let _writing = self.sidecar_lock();
        let mut associated = sidecar::load_associated(&place).map_err(io_error)?;
        let result = change(&mut associated)?;
        sidecar::save_associated(&place, &associated).map_err(io_error)?;
        Ok(result)
    }

    /// Associated message `number` of folder `id`, if the folder and it exist.
    fn associated_message(&self, id: &FolderId, number: u32) -> ProviderResult<Message> {
        self.resolve(&id.key())?;
        sidecar::load_associated(&self.place(id))
            .map_err(io_error)?
            .messages
            .remove(&number)
            .ok_or_else(|| not_found("message"))
    }

    /// Saves `message` as an associated message of `folder`: a new one, or in place of
    /// `old` (which must be the folder's). Answers its key.
    fn save_associated(
        &self,
        folder: &[u8],
        old: Option<(FolderId, u32)>,
        message: &Message,
    ) -> ProviderResult<Vec<u8>> {
        let (id, _) = self.writable_place(folder)?;
        let number = self.change_associated(&id, |associated| {
            let number = match old {
                Some((old_id, number))
                    if old_id == id && associated.messages.contains_key(&number) =>
                {
                    number
                }
                Some(_) => return Err(not_found("message")),
                None => {
                    let number = associated.next;
                    associated.next = number.checked_add(1).ok_or_else(|| {
                        ProviderError::new(MAPI_E_DISK_ERROR, "no associated message number left")
                    })?;
                    number
                }
            };
            associated.messages.insert(number, message.clone());
            Ok(number)
        })?;
        Ok(associated_key(&id.key(), number))
    }

    fn folders_below(&self, id: &FolderId, tree: &Tree) -> Vec<Folder> {
        let mut children: Vec<Folder> = tree
            .all
            .iter()
            .filter(|name| FolderId::parent_of(name) == *id)
            .map(|name| self.folder_of(&FolderId::Named(name.clone())))
            .collect();
        children.sort_by_cached_key(|f| display_name(f).to_lowercase());
        match id {
            FolderId::Root => vec![self.folder_of(&FolderId::Ipm)],
            FolderId::Ipm => {
                children.insert(0, self.folder_of(&FolderId::Inbox));
                children
            }
            _ => children,
        }
    }

    /// The message `key` names, located on disk (its folder's index is used, and refreshed,
    /// when there is one; otherwise the folder's file names are read).
    fn locate(&self, state: &mut State, key: &[u8]) -> ProviderResult<Located> {
        let at = key
            .iter()
            .position(|&b| b == MESSAGE_SEPARATOR)
            .ok_or_else(|| not_found("message"))?;
        let id = FolderId::parse(&key[..at]).ok_or_else(|| not_found("message"))?;
        let unique = std::str::from_utf8(&key[at + 1..])
            .ok()
            .filter(|u| maildir::valid_unique(u))
            .ok_or_else(|| not_found("message"))?;
        let folder = id
            .maildir_name()
            .ok_or_else(|| not_found("message"))?
            .to_owned();
        if let FolderId::Named(name) = &id
            && !self.tree()?.real.contains(name)
        {
            return Err(not_found("message"));
        }
        let dir = maildir::folder_dir(&self.root, &folder);
        let found = if state.indexes.contains_key(&folder) {
            let index = state.index(&self.root, &folder).map_err(io_error)?;
            index
                .entries
                .get(unique)
                .map(|e| (e.sub, e.file_name.to_string()))
        } else {
            let (mut files, shadows) = scan(&dir).map_err(io_error)?;
            state.shadows.extend(shadows);
            files
                .take(unique)
                .map(|listed| (listed.sub, listed.file_name))
        };
        let (sub, file_name) = found.ok_or_else(|| not_found("message"))?;
        Ok(Located {
            folder,
            dir,
            unique: unique.to_owned(),
            sub,
            file_name,
        })
    }

    /// The Maildir++ name of folder `key` where messages can be written: an existing folder
    /// (a folder implied by its children is created first); not the root or the IPM subtree.
    fn writable_folder(&self, key: &[u8]) -> ProviderResult<String> {
        let (id, tree) = self.resolve(key)?;
        let name = id
            .maildir_name()
            .ok_or_else(|| {
                ProviderError::new(MAPI_E_NO_ACCESS, "this folder cannot hold messages")
            })?
            .to_owned();
        if !name.is_empty() {
            self.make_real(&name, &tree)?;
        }
        Ok(name)
    }

    /// Writes `bytes` as a message of folder `name` (into `new/` without `flags`, else into
    /// `cur/` with them), durable when it returns, and indexes it: a new message, or with
    /// `unique` one of that unique name, whose file of the same name the new one replaces
    /// (see [`TmpFile::deliver_as`]). Answers its unique name and its file.
    fn write_message(
        &self,
        name: &str,
        bytes: &[u8],
        flags: Option<&str>,
        unique: Option<&str>,
    ) -> ProviderResult<(String, PathBuf)> {
        // Before the write: a file it hid may have the name the new file takes.
        self.lock().clean_shadows();
        let dir = maildir::folder_dir(&self.root, name);
        let tmp = TmpFile::write(&dir, bytes).map_err(io_error)?;
        let unique = unique.unwrap_or(tmp.unique()).to_owned();
        let (sub, file_name) = tmp.deliver_as(&dir, &unique, flags).map_err(io_error)?;
        let path = dir.join(sub.dir_name()).join(&file_name);
        let mut state = self.lock();
        state.written(&path);
        state.counted_write(name, &unique, Some((sub, &file_name)));
        if let Some(index) = state.index_mut(name) {
            let meta = fs::metadata(&path).map_err(io_error)?;
            let entry = Entry::new(sub, file_name.as_str(), &meta, mime::summarize(bytes));
            index.entries.insert(entry);
        }
        Ok((unique, path))
    }

    /// The folders now, against those `changes` last saw: what differs goes to `pending`.
    /// Only when the root directory changed (or may have: see [`MTIME_GRANULARITY`]).
    fn refresh_folders(&self, state: &mut State) -> io::Result<()> {
        let now = SystemTime::now();
        let root_mtime = mtime(&self.root)?;
        if let (Some(m), Some(checked_at)) = (state.root_mtime, state.root_checked_at)
            && m == root_mtime
            && m + MTIME_GRANULARITY < checked_at
        {
            return Ok(());
        }
        let tree = Tree::read(&self.root)?;
        if state.root_checked_at.is_some() {
            for added in tree.all.difference(&state.folders) {
                state.pending.push(ContentChange::FolderAdded {
                    parent: FolderId::parent_of(added).key(),
                    key: folder_id(added).key(),
                });
            }
            let deleted: Vec<String> = state.folders.difference(&tree.all).cloned().collect();
            for deleted in &deleted {
                state.folder_gone(deleted, None);
                state.pending.push(ContentChange::FolderDeleted {
                    parent: FolderId::parent_of(deleted).key(),
                    key: folder_id(deleted).key(),
                });
            }
        }
        state.folders = tree.all;
        state.root_mtime = Some(root_mtime);
        state.root_checked_at = Some(now);
        Ok(())
    }

    /// The Maildir++ name of folder `id`, which is to be `done` (moved, renamed): the root, the
    /// IPM subtree and the Inbox, whose places are fixed, are `MAPI_E_NO_ACCESS`.
    fn named(id: FolderId, done: &str) -> ProviderResult<String> {
        match id {
            FolderId::Named(name) => Ok(name),
            _ => Err(ProviderError::new(
                MAPI_E_NO_ACCESS,
                format!("the root, the IPM subtree and the Inbox cannot be {done}"),
            )),
        }
    }

    /// Moves Maildir++ folder `name` (of `tree`) and every folder below it to `parent`, as
    /// `base` (encoded, checked): a move, a rename, or both. Another folder of that name there
    /// (case-insensitively, as a Windows file system compares them), or the Inbox's name in
    /// the IPM subtree, is `MAPI_E_COLLISION`. Each directory is renamed, deepest first; when
    /// one cannot be, those already renamed are put back, so that a failure leaves the
    /// folders as they were. Answers the folder's new name.
    fn relocate(
        &self,
        tree: &Tree,
        name: &str,
        parent: &FolderId,
        base: &str,
    ) -> ProviderResult<String> {
        let target = parent.child_name(base).ok_or_else(|| {
            ProviderError::new(MAPI_E_NO_ACCESS, "the root holds only the IPM subtree")
        })?;
        if target == name {
            return Ok(target);
        }
        // The folder itself is no collision: a rename may change only the case of its name.
        let taken = tree
            .all
            .iter()
            .any(|n| n != name && n.eq_ignore_ascii_case(&target));
        if taken || *parent == FolderId::Ipm && is_inbox_name(base) {
            return Err(ProviderError::new(
                MAPI_E_COLLISION,
                "a folder of that name is already there",
            ));
        }
        let moves: Vec<(String, String)> = tree
            .subtree(name)
            .into_iter()
            .map(|old| {
                let new = format!("{target}{}", &old[name.len()..]);
                (old, new)
            })
            .collect();
        let mut state = self.lock();
        let mut done: Vec<&(String, String)> = Vec::new();
        for each in moves.iter().filter(|(old, _)| tree.real.contains(old)) {
            let (old, new) = each;
            if let Err(error) = self.rename_folder_dir(old, new) {
                for (old, new) in done.into_iter().rev() {
                    let _ = self.rename_folder_dir(new, old);
                }
                return Err(io_error(error));
            }
            done.push(each);
        }
        for (old, new) in moves {
            state.folder_gone(&old, Some(&new));
            state.folders.remove(&old);
            state.folders.insert(new);
        }
        Ok(target)
    }

    /// Renames the directory of Maildir++ folder `old` to `new`'s. A change of case only goes
    /// through a name of its own first (`renaming.<unique>` in the Maildir, which is listed as
    /// no folder, and which nothing removes): a file system that ignores case may keep the old
    /// name otherwise (Wine's did).
    fn rename_folder_dir(&self, old: &str, new: &str) -> io::Result<()> {
        let from = maildir::folder_dir(&self.root, old);
        let to = maildir::folder_dir(&self.root, new);
        if !old.eq_ignore_ascii_case(new) {
            return fs::rename(from, to);
        }
        let between = self
            .root
            .join(format!("renaming.{}", maildir::unique_name()));
        fs::rename(&from, &between)?;
        fs::rename(&between, &to).inspect_err(|_| {
            let _ = fs::rename(&between, &from);
        })
    }

    /// Checks a new folder name from a client and encodes it for the directory: one name
    /// (no `.`, which separates levels, nor path separators or control characters).
    fn encode_folder_name(name: &str) -> ProviderResult<String> {
        let encoded = mutf7::encode(name);
        if name.is_empty()
            || name.contains('.')
            || name.chars().any(char::is_control)
            || !maildir::valid_folder_name(&encoded)
            || cfg!(windows) && encoded.contains([':', '*', '?', '"', '<', '>', '|'])
        {
            return Err(ProviderError::new(
                MAPI_E_INVALID_PARAMETER,
                format!("`{name}` cannot be a Maildir folder name (no `.`, `/`, `\\`)"),
            ));
        }
        Ok(encoded)
    }

    /// Where a directory being deleted goes first, so that it disappears in one rename: the
    /// Maildir's `tmp/`, which no reader lists.
    fn graveyard(&self) -> PathBuf {
        self.root
            .join("tmp")
            .join(format!("deleted-folder.{}", maildir::unique_name()))
    }
}

fn display_name(folder: &Folder) -> &str {
    match mime::find(&folder.props, PR_DISPLAY_NAME_W) {
        Some(PropValue::Unicode(name)) => name,
        _ => "",
    }
}

impl StoreContent for MaildirContent {
    fn root(&self) -> Vec<u8> {
        ROOT_KEY.to_vec()
    }

    fn folder(&self, key: &[u8]) -> ProviderResult<Folder> {
        let (id, _) = self.resolve(key)?;
        Ok(self.folder_of(&id))
    }

    fn subfolders(&self, key: &[u8]) -> ProviderResult<Vec<Folder>> {
        let (id, tree) = self.resolve(key)?;
        Ok(self.folders_below(&id, &tree))
    }

    fn messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>> {
        let (id, tree) = self.resolve(folder)?;
        let Some(name) = id.maildir_name() else {
            return Ok(Vec::new());
        };
        if !name.is_empty() && !tree.real.contains(name) {
            return Ok(Vec::new());
        }
        let key = id.key();
        let mut state = self.lock();
        let index = state.index(&self.root, name).map_err(io_error)?;
        let mut entries: Vec<(&str, &Entry)> = index
            .entries
            .iter()
            .map(|entry| (entry.unique(), entry))
            .collect();
        entries.sort_unstable_by_key(|(unique, entry)| (entry.delivered, *unique));
        let mut scratch = Vec::with_capacity(SUMMARY_PROPS);
        Ok(entries
            .into_iter()
            .map(|(unique, entry)| entry.summary(message_key(&key, unique), &mut scratch))
            .collect())
    }

    /// Kept in the folder's [`sidecar`] file.
    fn supports_associated(&self) -> bool {
        true
    }

    fn associated_messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>> {
        let (id, _) = self.resolve(folder)?;
        let key = id.key();
        let associated = sidecar::load_associated(&self.place(&id)).map_err(io_error)?;
        Ok(associated
            .messages
            .into_iter()
            .map(|(number, message)| MessageSummary {
                key: associated_key(&key, number),
                props: message.props,
            })
            .collect())
    }

    /// From the file names alone (the `S` flag is the read flag): the folder list reads no
    /// message, and builds no index. The names are kept, so that [`Self::changes`] reports
    /// what others change in the folder while a hierarchy view shows its counts.
    fn message_counts(&self, folder: &[u8]) -> ProviderResult<(u32, u32)> {
        let (id, tree) = self.resolve(folder)?;
        let Some(name) = id.maildir_name() else {
            return Ok((0, 0));
        };
        if !name.is_empty() && !tree.real.contains(name) {
            return Ok((0, 0));
        }
        self.lock().counts(&self.root, name).map_err(io_error)
    }

    fn message(&self, key: &[u8]) -> ProviderResult<StoredMessage> {
        if let Some((id, number)) = parse_associated(key) {
            return Ok(StoredMessage {
                message: self.associated_message(&id, number)?,
                folder: id.key(),
            });
        }
        let mut state = self.lock();
        let mut located = self.locate(&mut state, key)?;
        let bytes = match fs::read(located.path()) {
            Ok(bytes) => bytes,
            // Renamed by another program since the index was made (its flags changed): look
            // once more, by its unique name.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let (mut files, shadows) = scan(&located.dir).map_err(io_error)?;
                state.shadows.extend(shadows);
                let listed = files
                    .take(located.unique.as_str())
                    .ok_or_else(|| not_found("message"))?;
                located.sub = listed.sub;
                located.file_name = listed.file_name;
                fs::read(located.path()).map_err(io_error)?
            }
            Err(error) => return Err(io_error(error)),
        };
        let meta = fs::metadata(located.path()).map_err(io_error)?;
        drop(state);
        let (summary, content) = mime::parse(&bytes);
        let entry = Entry::new(located.sub, located.file_name.as_str(), &meta, summary);
        let mut props = Vec::with_capacity(SUMMARY_PROPS + content.props.len());
        entry.push_props(&mut props);
        props.extend(content.props);
        Ok(StoredMessage {
            folder: folder_id(&located.folder).key(),
            message: Message { props, ..content },
        })
    }

    fn message_summary(&self, key: &[u8]) -> ProviderResult<MessageSummary> {
        if let Some((id, number)) = parse_associated(key) {
            return Ok(MessageSummary {
                key: key.to_vec(),
                props: self.associated_message(&id, number)?.props,
            });
        }
        let mut state = self.lock();
        let located = self.locate(&mut state, key)?;
        Ok(
            match state
                .indexes
                .get(&located.folder)
                .and_then(|index| index.entries.get(located.unique.as_str()))
            {
                Some(entry) => entry.summary(key.to_vec(), &mut Vec::new()),
                None => Entry::read(&located.dir, located.sub, &located.file_name)
                    .map_err(io_error)?
                    .summary(key.to_vec(), &mut Vec::new()),
            },
        )
    }

    fn special_folder(&self, which: SpecialFolder) -> Option<Vec<u8>> {
        match which {
            SpecialFolder::IpmSubtree => return Some(IPM_KEY.to_vec()),
            SpecialFolder::Inbox => return Some(INBOX_KEY.to_vec()),
            _ => {}
        }
        let tree = self.tree().ok()?;
        let (_, names) = SPECIAL_NAMES.iter().find(|(w, _)| *w == which)?;
        names.iter().find_map(|wanted| {
            tree.all
                .iter()
                .find(|name| {
                    !name.contains('.')
                        && mutf7::decode(name).is_some_and(|d| d.eq_ignore_ascii_case(wanted))
                })
                .map(|name| folder_id(name).key())
        })
    }

    fn changes(&self) -> Vec<ContentChange> {
        let mut state = self.lock();
        // A folder that cannot be read now is reported when it can.
        let _ = self.refresh_folders(&mut state);
        let indexed: Vec<String> = state.indexes.keys().cloned().collect();
        for name in indexed {
            if state.index(&self.root, &name).is_err() {
                // Gone: its deletion is reported with the folders'.
                state.indexes.remove(&name);
            }
        }
        // The folders only counted too: a delivery into one changes its hierarchy row.
        let counted: Vec<String> = state.counted.keys().cloned().collect();
        for name in counted {
            if state.counts(&self.root, &name).is_err() {
                state.counted.remove(&name);
            }
        }
        std::mem::take(&mut state.pending)
    }

    /// Writes the index file of every folder whose index changed since it was read or
    /// written ([`index_file`]); all of them, the first failure answered. An entry whose file's
    /// mtime is within the mtime granularity (2 s) of now is saved without it, so the next store
    /// reads that file again: a rewrite in the same tick as the mtime it read would leave the
    /// mtime as it was (git's "racy clean" again).
    fn flush(&self) -> ProviderResult<()> {
        let racy_from = SystemTime::now()
            .checked_sub(MTIME_GRANULARITY)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .and_then(|d| u64::try_from(d.as_nanos()).ok())
            .unwrap_or(0);
        let mut state = self.lock();
        let mut result = Ok(());
        for (name, index) in &mut state.indexes {
            if !index.dirty || index.checked_at.is_none() {
                continue;
            }
            for entry in index.entries.iter_mut() {
                if entry.modified >= racy_from {
                    entry.modified = 0;
                }
            }
            let dir = maildir::folder_dir(&self.root, name);
            match index_file::save(&dir, index.entries.iter()) {
                Ok(()) => index.dirty = false,
                Err(error) if result.is_ok() => result = Err(io_error(error)),
                Err(_) => {}
            }
        }
        result
    }

    /// The map is the [`sidecar::NAMES_FILE`] at the Maildir's root; a damaged one is set
    /// aside (the named properties kept before then lose their names).
    fn names(&self) -> ProviderResult<Option<Vec<u8>>> {
        sidecar::load_names(&self.root).map_err(io_error)
    }

    fn save_names(&self, map: &[u8]) -> ProviderResult<()> {
        sidecar::save_names(&self.root, map).map_err(io_error)
    }

    /// `props` other than the name (a class, a comment) are kept in the new folder's
    /// [`sidecar`] file, over the defaults; a failure to write it removes the folder again.
    fn create_folder(
        &self,
        parent: &[u8],
        name: &str,
        props: &[Property],
    ) -> ProviderResult<Folder> {
        let (parent, tree) = self.resolve(parent)?;
        let encoded = Self::encode_folder_name(name)?;
        let full = parent.child_name(&encoded).ok_or_else(|| {
            ProviderError::new(MAPI_E_NO_ACCESS, "the root holds only the IPM subtree")
        })?;
        let taken = tree.all.iter().any(|n| n.eq_ignore_ascii_case(&full))
            || parent == FolderId::Ipm && is_inbox_name(&encoded);
        if taken {
            return Err(ProviderError::new(
                MAPI_E_COLLISION,
                format!("a folder `{name}` is already there"),
            ));
        }
        maildir::create_folder(&self.root, &full).map_err(io_error)?;
        let id = FolderId::Named(full.clone());
        let given: Vec<&Property> = props.iter().filter(|p| !is_name(p)).collect();
        let mut own = default_folder_props();
        own.retain(|p| given.iter().all(|g| g.id != p.id));
        own.extend(given.into_iter().cloned());
        // Only what differs from a plain Maildir folder needs a file.
        if own != default_folder_props()
            && let Err(error) = sidecar::save_props(&self.place(&id), &own)
        {
            // Whole or nothing: out of the Maildir in one rename, as a deleted folder.
            let grave = self.graveyard();
            if fs::rename(maildir::folder_dir(&self.root, &full), &grave).is_ok() {
                let _ = fs::remove_dir_all(&grave);
            }
            return Err(io_error(error));
        }
        let mut state = self.lock();
        state.folders.insert(full);
        drop(state);
        Ok(self.folder_of(&id))
    }

    fn delete_folder(&self, key: &[u8]) -> ProviderResult<()> {
        let (id, tree) = self.resolve(key)?;
        let FolderId::Named(name) = id else {
            return Err(ProviderError::new(
                MAPI_E_NO_ACCESS,
                "the root, the IPM subtree and the Inbox cannot be deleted",
            ));
        };
        let mut state = self.lock();
        // Deepest first, each in one rename out of the Maildir, then removed: a crash leaves
        // the folder whole or without some subfolders, never a half-deleted one listed.
        for doomed in tree.subtree(&name) {
            state.folder_gone(&doomed, None);
            state.folders.remove(&doomed);
            if !tree.real.contains(&doomed) {
                continue;
            }
            let grave = self.graveyard();
            fs::rename(maildir::folder_dir(&self.root, &doomed), &grave).map_err(io_error)?;
            // Out of the Maildir, the folder is deleted; what cannot be removed now goes at a
            // later open (`maildir::clean_tmp`).
            let _ = fs::remove_dir_all(&grave);
        }
        Ok(())
    }

    /// The properties other than the name go to the folder's [`sidecar`] file, whole (what
    /// is not there is deleted, the class included). A new name renames the folder's
    /// directory and those below it, as a move to the same parent does, under its rules (a
    /// sibling of that name is `MAPI_E_COLLISION`; the root, the IPM subtree and the Inbox
    /// are `MAPI_E_NO_ACCESS`; a name no directory can have, `MAPI_E_INVALID_PARAMETER`); the
    /// folder is then answered under its new key (the directory's name is the key), and the
    /// properties go to the sidecar file there. A rename whose properties cannot be written
    /// is undone.
    fn set_folder_props(&self, key: &[u8], props: &[Property]) -> ProviderResult<Folder> {
        let (id, tree) = self.resolve(key)?;
        let renamed = props
            .iter()
            .find(|p| is_name(p))
            .and_then(|p| match &p.value {
                PropValue::Unicode(new) if **new != id.display_name() => Some(new),
                _ => None,
            });
        let own: Vec<Property> = props.iter().filter(|p| !is_name(p)).cloned().collect();
        // Held across the rename too: no other write of the folder's files lands in between.
        let _writing = self.sidecar_lock();
        let (id, undo) = match renamed {
            Some(new) => {
                let old = Self::named(id, "renamed")?;
                let base = Self::encode_folder_name(new)?;
                let parent = FolderId::parent_of(&old);
                let target = self.relocate(&tree, &old, &parent, &base)?;
                let undo = (target != old).then(|| (target.clone(), old));
                (FolderId::Named(target), undo)
            }
            None => (id, None),
        };
        let saved = self
            .writable_place(&id.key())
            .and_then(|(_, place)| sidecar::save_props(&place, &own).map_err(io_error));
        if let Err(error) = saved {
            if let Some((target, old)) = undo {
                // Back to its old name, the folder as it was (what cannot be put back now is
                // in one piece under the new name: the file system refused the way back).
                let parent = FolderId::parent_of(&old);
                let _ = self
                    .tree()
                    .and_then(|tree| self.relocate(&tree, &target, &parent, leaf(&old)));
            }
            return Err(error);
        }
        Ok(self.folder_of(&id))
    }

    fn move_folder(
        &self,
        key: &[u8],
        new_parent: &[u8],
        new_name: Option<&str>,
    ) -> ProviderResult<Folder> {
        let (id, tree) = self.resolve(key)?;
        let name = Self::named(id, "moved")?;
        let (parent, _) = self.resolve(new_parent)?;
        if let FolderId::Named(p) = &parent
            && (*p == name || p.starts_with(&format!("{name}.")))
        {
            return Err(ProviderError::new(
                MAPI_E_FOLDER_CYCLE,
                "a folder cannot move below itself",
            ));
        }
        let base = match new_name {
            Some(new_name) => Self::encode_folder_name(new_name)?,
            None => leaf(&name).to_owned(),
        };
        let target = self.relocate(&tree, &name, &parent, &base)?;
        Ok(self.folder_of(&FolderId::Named(target)))
    }

    fn save_message(
        &self,
        folder: &[u8],
        key: Option<&[u8]>,
        message: &Message,
    ) -> ProviderResult<Vec<u8>> {
        let old_associated = key.and_then(parse_associated);
        if old_associated.is_some() || key.is_none() && is_associated(&message.props) {
            return self.save_associated(folder, old_associated, message);
        }
        let name = self.writable_folder(folder)?;
        let bytes = mime::build(message).map_err(io_error)?;
        // Find the old message before anything is written: a bad key fails the save whole.
        let old = match key {
            Some(key) => Some(self.locate(&mut self.lock(), key)?),
            None => None,
        };
        let flags = info::apply_state("", &message.props);
        // New mail with no flag goes to `new/`, as a delivery; anything with a flag (a draft,
        // a message already read) to `cur/`.
        let flags = (!flags.is_empty()).then_some(flags);
        // A message rewritten in its folder keeps its unique name, so its key (its entry ID)
        // stays what it was, as MAPI's do: a client holding it still reaches the message.
        let same_name = old
            .as_ref()
            .filter(|old| old.folder == name)
            .map(|old| old.unique.clone());
        let (unique, path) =
            self.write_message(&name, &bytes, flags.as_deref(), same_name.as_deref())?;
        // The new file is durable; only now the old one goes, unless the new one replaced it
        // in its rename. A crash in between leaves both, whole: listings show the newer, and
        // the next write removes the other (see `pick`).
        let mut state = self.lock();
        if let Some(old) = old.filter(|old| old.path() != path) {
            match fs::remove_file(old.path()) {
                Ok(()) => {}
                // Already gone (deleted by another program meanwhile): nothing to remove.
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(io_error(error)),
            }
            // Under the same name (moved between `new/` and `cur/`), the index has the new file.
            if old.unique != unique {
                state.counted_write(&old.folder, &old.unique, None);
                if let Some(index) = state.index_mut(&old.folder) {
                    index.entries.remove(&old.unique);
                }
            }
        }
        Ok(message_key(&folder_id(&name).key(), &unique))
    }

    fn copy_message(&self, key: &[u8], to: &[u8]) -> ProviderResult<Vec<u8>> {
        if let Some((id, number)) = parse_associated(key) {
            let message = self.associated_message(&id, number)?;
            return self.save_associated(to, None, &message);
        }
        let target = self.writable_folder(to)?;
        let located = self.locate(&mut self.lock(), key)?;
        // The file as it is: a copy rebuilt from the MAPI properties would lose the headers no
        // property holds (Return-Path, Received), the charset and the Date's time zone.
        let bytes = fs::read(located.path()).map_err(io_error)?;
        let flags = (located.sub == Sub::Cur).then(|| located.sub_flags());
        let (unique, _) = self.write_message(&target, &bytes, flags, None)?;
        Ok(message_key(&folder_id(&target).key(), &unique))
    }

    fn delete_message(&self, key: &[u8]) -> ProviderResult<()> {
        if let Some((id, number)) = parse_associated(key) {
            self.resolve(&id.key())?;
            return self.change_associated(&id, |associated| {
                associated
                    .messages
                    .remove(&number)
                    .map(drop)
                    .ok_or_else(|| not_found("message"))
            });
        }
        let mut state = self.lock();
        let located = self.locate(&mut state, key)?;
        state.clean_shadows();
        fs::remove_file(located.path()).map_err(io_error)?;
        state.counted_write(&located.folder, &located.unique, None);
        if let Some(index) = state.index_mut(&located.folder) {
            index.entries.remove(&located.unique);
        }
        Ok(())
    }

    /// An associated message is copied into the other folder's file, then deleted from its
    /// own: a crash in between leaves it in both, never in neither.
    fn move_message(&self, key: &[u8], to: &[u8]) -> ProviderResult<Vec<u8>> {
        if let Some((id, _)) = parse_associated(key) {
            if id.key() == to {
                self.message(key)?;
                return Ok(key.to_vec());
            }
            let moved = self.copy_message(key, to)?;
            self.delete_message(key)?;
            return Ok(moved);
        }
        let target = self.writable_folder(to)?;
        let mut state = self.lock();
        let located = self.locate(&mut state, key)?;
        state.clean_shadows();
        if located.folder == target {
            return Ok(key.to_vec());
        }
        let target_dir = maildir::folder_dir(&self.root, &target);
        // Into `cur/`, with its flags (none for a message from `new/`), as a mail reader files
        // a message it has seen. The unique name goes along: it is unique in every folder.
        let file_name = maildir::file_name(&located.unique, located.sub_flags());
        let to_cur = target_dir.join(Sub::Cur.dir_name());
        maildir::rename_message(&located.sub_dir(), &located.file_name, &to_cur, &file_name)
            .map_err(io_error)?;
        state.written(&to_cur.join(&file_name));
        state.counted_write(&located.folder, &located.unique, None);
        state.counted_write(&target, &located.unique, Some((Sub::Cur, &file_name)));
        let entry = state
            .index_mut(&located.folder)
            .and_then(|index| index.entries.remove(&located.unique));
        if let Some(index) = state.index_mut(&target) {
            let entry = match entry {
                Some(mut entry) => {
                    entry.sub = Sub::Cur;
                    entry.file_name = file_name.into();
                    entry
                }
                None => Entry::read(&target_dir, Sub::Cur, &file_name).map_err(io_error)?,
            };
            index.entries.insert(entry);
        }
        Ok(message_key(&folder_id(&target).key(), &located.unique))
    }

    fn set_message_state(&self, key: &[u8], state_props: &[Property]) -> ProviderResult<()> {
        if let Some((id, number)) = parse_associated(key) {
            self.resolve(&id.key())?;
            return self.change_associated(&id, |associated| {
                let message = associated
                    .messages
                    .get_mut(&number)
                    .ok_or_else(|| not_found("message"))?;
                for prop in state_props {
                    let mut prop = prop.clone();
                    // Still an associated message, whatever the flags given.
                    if let PropValue::Long(flags) = &mut prop.value
                        && u32::from(prop.id) == prop_id(PR_MESSAGE_FLAGS)
                    {
                        *flags |= MSGFLAG_ASSOCIATED;
                    }
                    message.props.retain(|p| p.id != prop.id);
                    message.props.push(prop);
                }
                Ok(())
            });
        }
        let mut state = self.lock();
        let located = self.locate(&mut state, key)?;
        state.clean_shadows();
        let flags = info::apply_state(located.sub_flags(), state_props);
        let file_name = maildir::file_name(&located.unique, &flags);
        if located.sub == Sub::Cur && file_name == located.file_name {
            return Ok(());
        }
        // Maildir: a message given flags leaves `new/` for `cur/`.
        let cur = located.dir.join(Sub::Cur.dir_name());
        maildir::rename_message(&located.sub_dir(), &located.file_name, &cur, &file_name)
            .map_err(io_error)?;
        state.written(&cur.join(&file_name));
        state.counted_write(
            &located.folder,
            &located.unique,
            Some((Sub::Cur, &file_name)),
        );
        if let Some(entry) = state
            .index_mut(&located.folder)
            .and_then(|index| index.entries.get_mut(located.unique.as_str()))
        {
            entry.sub = Sub::Cur;
            entry.file_name = file_name.into();
        }
        Ok(())
    }
}

impl Located {
    /// The message's flags (none in `new/`).
    fn sub_flags(&self) -> &str {
        maildir::split_file_name(&self.file_name).1.unwrap_or("")
    }
}
