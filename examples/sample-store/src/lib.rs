//! An in-memory message store provider, written only with mapi-spi's public API, as a provider
//! author would write one. MAPI loads it as a DLL and calls `MSProviderInit`.
//!
//! Store entry IDs (unwrapped, as MAPI passes them to `Logon` and `CompareStoreIDs`):
//!
//! ```text
//! [0 0 0 0] [SAMPLE_UID: 16 bytes] [version: 1] [store name: UTF-8]
//! ```
//!
//! Store names compare case-insensitively, so different byte strings can name one store, and
//! `CompareStoreIDs` compares names, not bytes. The store is the runtime's [`ContentStore`]
//! over a [`MemoryContent`] seeded at each logon ([`sample_content`]): folders and messages a
//! client browses and changes through the runtime's store and folder objects, in memory only.
#![allow(non_snake_case)]

use mapi_spi_runtime::codes::{MAPI_E_INVALID_ENTRYID, MAPI_E_LOGON_FAILED};
use mapi_spi_runtime::flags::{MAPI_TO, MSGFLAG_HASATTACH, MSGFLAG_READ};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::store::content::{
    Attachment, Message, SpecialFolder, StoreContent,
};
use mapi_spi_runtime::provider::store::memory::MemoryContent;
use mapi_spi_runtime::provider::store::{
    ContentStore, KeyBytes, LogonRequest, SpoolSecurity, StoreLogon, StoreProvider, StoreRef,
};
use mapi_spi_runtime::provider::{ProviderContext, ProviderError, ProviderResult};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::{FILETIME, MAPIUID};
use smallvec::SmallVec;
use std::sync::{Arc, Mutex};

mod service;
pub use service::{SERVICE, SampleService, SampleSettings};

/// The provider's MAPIUID: registered with `SetProviderUID`, and the first 16 bytes of `ab` in
/// every entry ID it mints. Fixed, as the docs require (never `NewUID`).
pub const SAMPLE_UID: MAPIUID = MAPIUID {
    ab: [
        0x5A, 0x3C, 0x19, 0xE2, 0x7B, 0x44, 0x4D, 0x0A, 0x9E, 0x61, 0x2F, 0x08, 0xC4, 0x35, 0xD7,
        0x10,
    ],
};
/// The version byte of this provider's entry ID format.
const ENTRY_ID_VERSION: u8 = 1;
/// `abFlags` (4 bytes) + UID (16) + version (1): where the store name starts.
const NAME_OFFSET: usize = 4 + 16 + 1;
/// What every entry ID of ours starts with: zero flags, the UID, the version.
const HEADER: [u8; NAME_OFFSET] = {
    let mut header = [0; NAME_OFFSET];
    let mut i = 0;
    while i < 16 {
        header[4 + i] = SAMPLE_UID.ab[i];
        i += 1;
    }
    header[NAME_OFFSET - 1] = ENTRY_ID_VERSION;
    header
};

/// The store a logon without an entry ID opens.
pub const DEFAULT_STORE: &str = "Default";

/// The store entry ID of the store named `name`.
pub fn store_entry_id(name: &str) -> Vec<u8> {
    [&HEADER[..], name.as_bytes()].concat()
}

/// The bytes of the store name in an entry ID of ours, not yet checked as text.
fn name_bytes(entry_id: &[u8]) -> Option<&[u8]> {
    match entry_id.split_at_checked(NAME_OFFSET) {
        Some((header, name)) if header == HEADER && !name.is_empty() => Some(name),
        _ => None,
    }
}

/// The store name in an entry ID of ours.
fn store_name(entry_id: &[u8]) -> ProviderResult<&str> {
    name_bytes(entry_id)
        .and_then(name_text)
        .ok_or_else(not_ours)
}

/// [`store_name`]'s error, out of line: the usual logon's path does not step over it.
#[cold]
#[inline(never)]
fn not_ours() -> ProviderError {
    ProviderError::new(MAPI_E_INVALID_ENTRYID, "not a sample store entry ID")
}

/// A store name as text, if it is UTF-8: the usual name, ASCII, checked in one pass without the
/// general decoder (which costs more than the check for a short name).
fn name_text(name: &[u8]) -> Option<&str> {
    // The bits of all bytes together, without the early exit and the word-at-a-time set-up of
    // `<[u8]>::is_ascii`, which cost a short name more.
    if name.iter().fold(0, |bits, byte| bits | byte).is_ascii() {
        // SAFETY: ASCII bytes are UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(name) });
    }
    std::str::from_utf8(name).ok()
}

/// [`name_bytes`] of two entry IDs, if both are ours. Their headers are tested together (`&`,
/// not `&&`), which the compiler merges into one test: one ID after the other cost
/// `CompareStoreIDs` 18 instructions more (the `session` bench's count).
fn both_name_bytes<'a, 'b>(a: &'a [u8], b: &'b [u8]) -> Option<(&'a [u8], &'b [u8])> {
    let (a_header, x) = a.split_first_chunk::<NAME_OFFSET>()?;
    let (b_header, y) = b.split_first_chunk::<NAME_OFFSET>()?;
    let ours = (*a_header == HEADER) & (*b_header == HEADER) & !x.is_empty() & !y.is_empty();
    ours.then_some((x, y))
}

/// A store name with its case folded, character by character: the store key, and what
/// `CompareStoreIDs` compares in place. An ASCII character folds to itself or its ASCII lower
/// case, so two ASCII names fold alike exactly when they are equal ignoring ASCII case (a
/// non-ASCII character may fold to ASCII, KELVIN SIGN to `k`: the shortcut needs both ASCII).
fn folded(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars().flat_map(char::to_lowercase)
}

/// Whether two ASCII names are equal ignoring ASCII case, in one pass without a call; `None`
/// when either is not ASCII.
fn same_ascii_name(x: &[u8], y: &[u8]) -> Option<bool> {
    let all_ascii = || x.is_ascii() && y.is_ascii();
    if x.len() != y.len() {
        return all_ascii().then_some(false);
    }
    for (&a, &b) in x.iter().zip(y) {
        if !(a | b).is_ascii() {
            return None;
        }
        // Equal bytes, the usual case, need no folding.
        if a != b && !a.eq_ignore_ascii_case(&b) {
            return all_ascii().then_some(false);
        }
    }
    Some(true)
}

/// `CompareStoreIDs` beyond ASCII names: decoded and folded; malformed IDs are errors. Out of
/// line, so that the usual case stays small.
#[cold]
#[inline(never)]
fn compare_names(a: &[u8], b: &[u8]) -> ProviderResult<bool> {
    Ok(folded(store_name(a)?).eq(folded(store_name(b)?)))
}

/// [`SampleProvider::store_key`] beyond ASCII names, and its error for IDs not ours: decoded
/// and folded. Out of line, as [`compare_names`] is.
#[cold]
#[inline(never)]
fn folded_key(entry_id: &[u8]) -> ProviderResult<KeyBytes> {
    Ok(folded(store_name(entry_id)?)
        .collect::<String>()
        .into_bytes()
        .into())
}

/// The sample provider: one per MAPI session.
pub struct SampleProvider {
    /// Each store's contents by store key, made at the store's first logon and kept for the
    /// provider's life (the MAPI session): a store logged off and on again finds what was
    /// written to it. Hashed with foldhash, seeded at random per map (as the runtime's registry
    /// of open stores is): the keys are store names from entry IDs, a handful per session.
    stores: Mutex<foldhash::HashMap<Vec<u8>, Arc<MemoryContent>>>,
}

impl SampleProvider {
    /// The contents of the store keyed `key`: the sample folders and messages at its first
    /// logon, what they have become since at the next ones.
    fn content(&self, key: &[u8]) -> ProviderResult<Arc<MemoryContent>> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(content) = stores.get(key) {
            return Ok(content.clone());
        }
        let content = Arc::new(sample_content()?);
        stores.insert(key.to_vec(), content.clone());
        Ok(content)
    }
}

impl StoreProvider for SampleProvider {
    type Store = ContentStore;
    const COMPONENT: &'static str = "Sample store";

    fn create(_: &ProviderContext) -> ProviderResult<Self> {
        Ok(SampleProvider {
            stores: Mutex::default(),
        })
    }

    fn store_key(&self, entry_id: &[u8]) -> ProviderResult<KeyBytes> {
        // ASCII names (UTF-8 without decoding) fold byte by byte (see `folded`), in place, in
        // the pass that tells them ASCII (a pass of its own first cost 9 instructions more).
        if let Some(name) = name_bytes(entry_id) {
            let mut key = KeyBytes::from(name);
            let mut bits = 0;
            for byte in key.iter_mut() {
                bits |= *byte;
                byte.make_ascii_lowercase();
            }
            if bits.is_ascii() {
                return Ok(key);
            }
        }
        folded_key(entry_id)
    }

    /// The names compared as [`Self::store_key`] would, without making the keys.
    fn compare_store_ids(&self, a: &[u8], b: &[u8]) -> ProviderResult<bool> {
        // The usual names, ASCII, compared in place without decoding (see `folded`).
        if let Some((x, y)) = both_name_bytes(a, b)
            && let Some(same) = same_ascii_name(x, y)
        {
            return Ok(same);
        }
        compare_names(a, b)
    }

    /// A logon without an entry ID opens the store the profile's settings name
    /// ([`SampleSettings`]), or [`DEFAULT_STORE`] when MAPI offers no profile section: an
    /// in-memory store needs no configuration.
    fn default_entry_id(&self, request: &LogonRequest<'_>) -> ProviderResult<Vec<u8>> {
        let name = match request.settings::<SampleSettings>()? {
            Some(settings) => settings.store_name,
            None => DEFAULT_STORE.to_owned(),
        };
        Ok(store_entry_id(&name))
    }

    fn logon(
        &self,
        request: &LogonRequest<'_>,
        context: StoreRef,
    ) -> ProviderResult<StoreLogon<ContentStore>> {
        let display_name: String = announce(request)?;
        let key = context.store_key();
        let props = vec![
            Property::for_tag(PR_DISPLAY_NAME_W, PropValue::Unicode(display_name.into())),
            Property::for_tag(PR_MDB_PROVIDER, PropValue::Binary(SAMPLE_UID.ab.to_vec())),
        ];
        let content = self.content(key)?;
        Ok(StoreLogon {
            store: ContentStore::new(request, context, SAMPLE_UID, content, props)?,
            // The runtime seals it (a MAC under the profile's key); SpoolerLogon gets it back.
            spool_security: SpoolSecurity::StoreKey,
        })
    }

    fn spooler_logon(&self, request: &LogonRequest<'_>, spool: &[u8]) -> ProviderResult<()> {
        // Genuine (the runtime checked its MAC): it must be the key of the store named.
        if spool == self.store_key(request.entry_id)? {
            Ok(())
        } else {
            Err(ProviderError::new(
                MAPI_E_LOGON_FAILED,
                "the spool security does not match the store",
            ))
        }
    }
}

/// What a fresh logon of this provider tells MAPI before it opens its store
/// ([`LogonRequest::announce`]: the provider's MAPIUID and the store's status row). Answers the
/// display name (the profile's, else `Sample store <name>`) in the caller's [`NameBuf`]: a
/// `String`, or a [`DisplayName`].
pub fn announce<N: NameBuf>(request: &LogonRequest<'_>) -> ProviderResult<N> {
    let name = store_name(request.entry_id)?;
    let display_name = match profile_display_name(request) {
        Some(name) => N::from(name),
        None => N::joined("Sample store ", name),
    };
    request.announce(&SAMPLE_UID, &display_name)?;
    Ok(display_name)
}

/// Where a logon keeps its display name ([`announce`]): a `String` (the sample store, which
/// hands it on as a property value), or a [`DisplayName`] kept in place (the session bench's
/// bare store, which keeps it as the hand-written C store does).
pub trait NameBuf: core::ops::Deref<Target = str> + From<String> {
    /// `a` followed by `b`, as one name.
    fn joined(a: &str, b: &str) -> Self;
}

impl NameBuf for String {
    fn joined(a: &str, b: &str) -> Self {
        // Sized once, copied twice: `concat` and `format!` go through general machinery.
        let mut joined = String::with_capacity(a.len() + b.len());
        joined.push_str(a);
        joined.push_str(b);
        joined
    }
}

/// A store's display name, kept in place up to 32 bytes, as a C store keeps it in its own
/// struct: the logon of a store with a short name allocates nothing for it (a `String` would be
/// a heap block per logon, and a free per logoff). Longer names are on the heap; a profile's
/// name stays in its `String`'s block when that block is larger than 32 bytes.
pub struct DisplayName(SmallVec<[u8; 32]>);

impl NameBuf for DisplayName {
    /// In place if they fit.
    fn joined(a: &str, b: &str) -> Self {
        // Made in an array of the inline size and taken whole: two `SmallVec::extend_from_slice`
        // calls, each a general insertion, made the session bench's logon 108 instructions
        // longer.
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let len = a.len() + b.len();
        let mut inline = [0; 32];
        let bytes = match inline.get_mut(..len) {
            Some(place) => {
                let (first, second) = place.split_at_mut(a.len());
                first.copy_from_slice(a);
                second.copy_from_slice(b);
                SmallVec::from_buf_and_len(inline, len)
            }
            None => SmallVec::from_vec([a, b].concat()),
        };
        Self(bytes)
    }
}

/// A `String`'s bytes: kept in its block if that holds more than 32 bytes, else copied in place
/// (and the block freed).
impl From<String> for DisplayName {
    fn from(name: String) -> Self {
        Self(SmallVec::from_vec(name.into_bytes()))
    }
}

impl core::ops::Deref for DisplayName {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        // SAFETY: `self.0` is private, set only by `from` (a `String`'s bytes) or `joined` (two
        // `str`s one after the other) and never changed afterwards: UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

/// The display name from the provider's profile section, if MAPI offers one (the harness
/// without a profile offers none, and then the defaults apply).
fn profile_display_name(request: &LogonRequest<'_>) -> Option<String> {
    let section = request.profile_section().ok()??;
    match section.get(PR_DISPLAY_NAME_W).ok()?? {
        Property {
            value: PropValue::Unicode(name),
            ..
        } => Some(name.into_string()),
        _ => None,
    }
}

/// A 100 ns FILETIME: `days` days after 1 January 2026, 09:00 UTC.
fn date(days: u64) -> PropValue {
    // 2026-01-01T00:00:00Z in 100 ns units since 1601, plus nine hours.
    const JANUARY_2026: u64 = 134_114_976_000_000_000 + 9 * 36_000_000_000;
    let at = JANUARY_2026 + days * 864_000_000_000;
    PropValue::SysTime(FILETIME {
        dwLowDateTime: at as u32,
        dwHighDateTime: (at >> 32) as u32,
    })
}

fn text(tag: u32, value: &str) -> Property {
    Property::for_tag(tag, PropValue::Unicode(value.into()))
}

fn long(tag: u32, value: u32) -> Property {
    Property::for_tag(tag, PropValue::Long(value))
}

/// `PR_ATTACH_METHOD` of an attachment whose data is `PR_ATTACH_DATA_BIN`.
const ATTACH_BY_VALUE: u32 = 1;

/// A mail from `sender` to the store's user, delivered `days` into 2026.
fn mail(subject: &str, sender: &str, body: &str, days: u64, flags: u32) -> Message {
    let address = format!("{}@example.org", sender.to_lowercase().replace(' ', "."));
    Message {
        props: vec![
            text(PR_MESSAGE_CLASS_W, "IPM.Note"),
            text(PR_SUBJECT_W, subject),
            text(PR_SENDER_NAME_W, sender),
            text(PR_SENDER_EMAIL_ADDRESS_W, &address),
            text(PR_DISPLAY_TO_W, "Sample User"),
            Property::for_tag(PR_MESSAGE_DELIVERY_TIME, date(days)),
            Property::for_tag(PR_CLIENT_SUBMIT_TIME, date(days)),
            long(PR_MESSAGE_FLAGS, flags),
            long(PR_MESSAGE_SIZE, (subject.len() + body.len()) as u32),
            text(PR_BODY_W, body),
            Property::for_tag(PR_HASATTACH, PropValue::Boolean(false)),
        ],
        recipients: vec![vec![
            text(PR_DISPLAY_NAME_W, "Sample User"),
            text(PR_EMAIL_ADDRESS_W, "user@example.org"),
            text(PR_ADDRTYPE_W, "SMTP"),
            long(PR_RECIPIENT_TYPE, MAPI_TO),
        ]],
        attachments: Vec::new(),
    }
}

/// What a new sample store holds: a root; below it the IPM subtree with Inbox (and a
/// subfolder), Outbox, Sent Items, Deleted Items and Drafts; a few messages, one with an
/// attachment. It keeps folder-associated messages too (Outlook's views and forms), in
/// memory like the others.
pub fn sample_content() -> ProviderResult<MemoryContent> {
    let content = MemoryContent::new("Root").with_associated_messages();
    let mail_folder = [text(PR_CONTAINER_CLASS_W, "IPF.Note")];
    let root = content.root();
    let top = content
        .create_folder(&root, "Top of Information Store", &[])?
        .key;
    content.set_special_folder(SpecialFolder::IpmSubtree, &top)?;
    let special = |name: &str, which: SpecialFolder| -> ProviderResult<Vec<u8>> {
        let key = content.create_folder(&top, name, &mail_folder)?.key;
        content.set_special_folder(which, &key)?;
        Ok(key)
    };
    let inbox = special("Inbox", SpecialFolder::Inbox)?;
    special("Outbox", SpecialFolder::Outbox)?;
    let sent = special("Sent Items", SpecialFolder::SentItems)?;
    special("Deleted Items", SpecialFolder::DeletedItems)?;
    special("Drafts", SpecialFolder::Drafts)?;
    let projects = content.create_folder(&inbox, "Projects", &mail_folder)?.key;

    let welcome = mail(
        "Welcome to the sample store",
        "Mapi Spi",
        "This store lives in memory: change anything, it is gone at logoff.",
        0,
        MSGFLAG_READ,
    );
    content.save_message(&inbox, None, &welcome)?;
    let mut report = mail(
        "Quarterly report",
        "Ada Lovelace",
        "The figures are attached.",
        3,
        0,
    );
    let figures = b"quarter,revenue\nQ1,12\nQ2,15\n".to_vec();
    report.attachments.push(Attachment {
        props: vec![
            long(PR_ATTACH_METHOD, ATTACH_BY_VALUE),
            text(PR_ATTACH_FILENAME_W, "figures.csv"),
            long(PR_ATTACH_SIZE, figures.len() as u32),
            Property::for_tag(PR_ATTACH_DATA_BIN, PropValue::Binary(figures)),
        ],
        embedded: None,
    });
    for prop in &mut report.props {
        if prop.tag() == PR_HASATTACH {
            prop.value = PropValue::Boolean(true);
        }
        if prop.tag() == PR_MESSAGE_FLAGS {
            prop.value = PropValue::Long(MSGFLAG_HASATTACH);
        }
    }
    content.save_message(&inbox, None, &report)?;
    let lunch = mail(
        "Lunch on Friday?",
        "Grace Hopper",
        "Noon, usual place.",
        5,
        0,
    );
    content.save_message(&inbox, None, &lunch)?;
    let plan = mail(
        "Project plan",
        "Alan Turing",
        "Draft attached next week.",
        4,
        0,
    );
    content.save_message(&projects, None, &plan)?;
    let sent_mail = mail(
        "Re: Lunch on Friday?",
        "Sample User",
        "See you there.",
        5,
        MSGFLAG_READ,
    );
    content.save_message(&sent, None, &sent_mail)?;
    Ok(content)
}

mapi_spi_runtime::ms_provider_init!(SampleProvider);

#[cfg(test)]
mod tests {
    use super::*;

    /// A display name of up to 32 bytes is kept in place, a longer one on the heap; either
    /// reads as the two parts joined, as a `String` does.
    #[test]
    fn display_names_join_in_place_up_to_32_bytes() {
        // "Sample store " is 13 bytes.
        for (name, in_place) in [
            ("Box", true),
            ("", true),
            ("Nineteen characters", true),
            ("Twenty characters!!!", false),
            ("Äpfel", true),
            // KELVIN SIGN, 3 bytes each: 31 and 34 bytes in all.
            ("\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}", true),
            (
                "\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}\u{212A}",
                false,
            ),
        ] {
            let display = DisplayName::joined("Sample store ", name);
            assert_eq!(&*display, format!("Sample store {name}"));
            assert_eq!(!display.0.spilled(), in_place, "{name}");
            assert_eq!(String::joined("Sample store ", name), *display);
        }
        // From a profile's `String`: in place, unless its block is larger than the inline one.
        let short = DisplayName::from(String::from("Box"));
        assert_eq!((&*short, short.0.spilled()), ("Box", false));
        let mut roomy = String::with_capacity(64);
        roomy.push_str("Roomy");
        let roomy = DisplayName::from(roomy);
        assert_eq!((&*roomy, roomy.0.spilled()), ("Roomy", true));
    }

    /// `compare_store_ids` is `store_key` equality, whichever path answers: ASCII names in
    /// place (equal, differing in case, differing early or late, of other lengths), and names
    /// that need Unicode folding (KELVIN SIGN folds to `k`) or are not text at all; and IDs
    /// that are not ours, which both answer as errors.
    #[test]
    fn compare_store_ids_agrees_with_the_store_keys() {
        let provider = SampleProvider {
            stores: Mutex::default(),
        };
        let names: [&[u8]; 14] = [
            b"Box",
            b"box",
            b"BOX",
            b"Bo",
            b"Boy",
            b"Kelvin",
            "\u{212A}elvin".as_bytes(),
            b"kelvin",
            "Kelvi\u{e9}".as_bytes(),
            "kelvi\u{c9}".as_bytes(),
            b"\xFFelvin",
            b"B\xFF",
            b"C\xFF",
            b"xelvin",
        ];
        let id = |name: &[u8]| [&HEADER[..], name].concat();
        let mut ids: Vec<Vec<u8>> = names.into_iter().map(id).collect();
        // IDs that are not ours: a flag, UID or version byte changed; no name; too short.
        for at in [0, 3, 4, 19, 20] {
            let mut foreign = id(b"Box");
            foreign[at] ^= 1;
            ids.push(foreign);
        }
        ids.push(HEADER.to_vec());
        ids.push(HEADER[..10].to_vec());
        for a in &ids {
            for b in &ids {
                let keys = provider.store_key(a).and_then(|x| {
                    let y = provider.store_key(b)?;
                    Ok(x == y)
                });
                let answer = provider.compare_store_ids(a, b);
                assert_eq!(
                    answer.map_err(|e| e.code),
                    keys.map_err(|e| e.code),
                    "{:?} and {:?}",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                );
            }
        }
    }

    fn key(provider: &SampleProvider, name: &str) -> ProviderResult<KeyBytes> {
        provider.store_key(&store_entry_id(name))
    }

    #[test]
    fn store_keys_fold_case_ascii_in_place_and_the_rest_by_character() {
        let provider = SampleProvider {
            stores: Mutex::default(),
        };
        assert_eq!(
            &key(&provider, "Inbox STORE 7").unwrap()[..],
            b"inbox store 7"
        );
        // Not ASCII: decoded and folded; KELVIN SIGN folds to an ASCII `k`.
        assert_eq!(&key(&provider, "Äpfel").unwrap()[..], "äpfel".as_bytes());
        assert_eq!(&key(&provider, "\u{212A}ey").unwrap()[..], b"key");
        // Not UTF-8, empty, or not ours: no key.
        let mut bad = store_entry_id("x");
        *bad.last_mut().unwrap() = 0xFF;
        for id in [bad, store_entry_id(""), b"\0\0\0\0".to_vec()] {
            let error = provider.store_key(&id).unwrap_err();
            assert_eq!(error.code, MAPI_E_INVALID_ENTRYID);
        }
    }
}
