//! Messages as MIME files and as MAPI properties, both ways: parsed with `mail-parser`
//! (charsets and RFC 2047 encoded words decoded), written with `mail-builder`.
//!
//! A contents table needs only the headers, so listing reads them ([`HeaderReader`]) into a
//! [`Summary`], small enough to keep for every message of a folder; opening a message parses
//! the whole file ([`parse`]). Both go through [`Summary::of`], so a table row and the open
//! message say the same. A file that is not a message still is one here: [`Summary::unreadable`]
//! and a body that says so, with its text as far as it reads.

use std::borrow::Cow;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as BuilderAddress;
use mail_builder::mime::MimePart;
use mail_parser::{Addr, Address, Group, HeaderName, HeaderValue, MessageParser, MimeHeaders};
use mapi_spi_runtime::flags::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG, MAPI_BCC, MAPI_CC, MAPI_TO};
use mapi_spi_runtime::props::{PropValue, Property, Text as MapiText};
use mapi_spi_runtime::provider::store::content::{Attachment, Message};
use mapi_spi_runtime::tags::*;
use mapi_spi_runtime::types::FILETIME;

/// The most of a file [`HeaderReader::read`] reads looking for the end of the headers: real
/// headers are a few KiB; a file without a blank line is not read whole just to list it.
const MAX_HEADER_BYTES: usize = 256 * 1024;

/// What [`HeaderReader::read`] asks for first before it has read any header block, and at most
/// after: 8 KiB holds most real header blocks.
const HEADER_CHUNK: usize = 8 * 1024;

/// The least [`HeaderReader::read`] asks for first.
const MIN_FIRST_READ: usize = 1024;

/// `PR_INTERNET_CPID` of the HTML bodies written here: UTF-8 (`mail-parser` decodes every
/// charset to Rust text).
const CP_UTF8: u32 = 65001;

/// `PR_RENDERING_POSITION` of an attachment not rendered in the body.
const NOT_RENDERED: u32 = 0xFFFF_FFFF;

/// The subject of a file that is not a message.
const UNREADABLE_SUBJECT: &str = "(unreadable message)";

/// The most of an unreadable file's text its note body shows.
const UNREADABLE_TEXT: usize = 64 * 1024;

/// A name and an address, either possibly empty.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Mailbox<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// The texts of a [`Summary`], in the order it keeps them.
#[derive(Clone, Copy)]
enum Text {
    Subject,
    FromName,
    FromEmail,
    SenderName,
    SenderEmail,
    DisplayTo,
    DisplayCc,
    MessageId,
}

/// How many texts a [`Summary`] keeps.
const TEXTS: usize = Text::MessageId as usize + 1;

/// What a contents table shows of a message, from its headers: kept for every message of a
/// listed folder, so its texts are one allocation, cut where `ends` says (a box each made six
/// allocations per message), and shared: the properties [`Summary::push_props`] makes are
/// slices of it ([`MapiText::shared`]), so a contents-table row copies none of them. Kept on
/// disk in the folder's index file too: a change to its fields changes that file's format
/// (bump [`crate::index_file`]'s `VERSION`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// The texts one after the other, in [`Text`] order (on disk as a `str`).
    #[serde(with = "shared_str")]
    texts: Arc<str>,
    /// Where each text ends in `texts`: 32 bits, half the size of a `usize` on 64-bit targets
    /// (one of these per message of a listed folder), the same on disk (postcard writes both
    /// as the same varint), and enough: [`Summary::of`] makes no bigger summary.
    ends: [u32; TEXTS],
    /// `Sender` was given and is not `From`.
    has_sender: bool,
    /// `Date`, seconds since 1970.
    pub date: Option<i64>,
    /// From the top-level `Content-Type` (`multipart/mixed`, or a body that is not text): an
    /// estimate the headers allow; an open message counts its attachments.
    pub has_attach: bool,
    /// The file has no header at all: not a message.
    pub unreadable: bool,
}

/// Reads message header blocks, file after file, into one buffer, allocated (and zeroed) once
/// for a folder's listing. A listing needs only the headers, but a `read` copies as much of the
/// file as it is asked for: so the reader asks first for what the header blocks it has read so
/// far suggest (the largest, and half as much again, at least [`MIN_FIRST_READ`]; before any,
/// [`HEADER_CHUNK`]), most often one read that copies little of the body, and reads on only
/// when a block does not end there (a tenth of a first listing of small messages was the kernel
/// copying bodies no one looks at).
#[derive(Debug)]
pub struct HeaderReader {
    buf: Vec<u8>,
    /// What the next file's first `read` asks for.
    first_read: usize,
    /// The largest header block read so far.
    largest: usize,
}

impl Default for HeaderReader {
    fn default() -> Self {
        HeaderReader {
            buf: Vec::new(),
            first_read: HEADER_CHUNK,
            largest: 0,
        }
    }
}

impl HeaderReader {
    /// Reads the header block of a message (up to and with the blank line that ends it),
    /// however long, or at most [`MAX_HEADER_BYTES`] of a file that has none.
    pub fn read(&mut self, file: &mut impl Read) -> io::Result<&[u8]> {
        // How far the reads made so far may fill `buf`.
        let mut want = self.first_read;
        let mut filled = 0;
        let mut searched = 0;
        loop {
            if filled == want {
                if filled >= MAX_HEADER_BYTES {
                    return Ok(&self.buf[..filled]);
                }
                want = (want * 2).min(MAX_HEADER_BYTES);
            }
            if self.buf.len() < want {
                self.buf.resize(want, 0);
            }
            let read = match file.read(&mut self.buf[filled..want]) {
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            filled += read;
            if let Some(end) = header_end(&self.buf[searched..filled]) {
                let len = searched + end;
                self.learn(len);
                return Ok(&self.buf[..len]);
            }
            if read == 0 {
                return Ok(&self.buf[..filled]);
            }
            // The blank line may straddle two reads.
            searched = filled.saturating_sub(3);
        }
    }

    /// Sizes the next first read by a header block of `len` bytes just read.
    fn learn(&mut self, len: usize) {
        self.largest = self.largest.max(len);
        let ample = self.largest + self.largest / 2;
        self.first_read = ample
            .next_multiple_of(MIN_FIRST_READ)
            .clamp(MIN_FIRST_READ, HEADER_CHUNK);
    }
}

/// Where the headers in `bytes` end (after the blank line), if they do. Line by line, with
/// `memchr`'s vectorised search: a listing looks at every header byte of every file.
fn header_end(bytes: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'\n', bytes).find_map(|at| match &bytes[at + 1..] {
        [b'\n', ..] => Some(at + 2),
        [b'\r', b'\n', ..] => Some(at + 3),
        // A stray CR, or not yet the end.
        _ => None,
    })
}

/// The parser of [`summarize`]: the headers [`Summary::of`] reads, each as the default parser
/// reads it (so a row and the open message agree); every other header skipped, not decoded
/// (`Received` lines alone cost a listing more than all these).
static SUMMARY_PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    MessageParser::new()
        .header_text(HeaderName::Subject)
        .header_address(HeaderName::From)
        .header_address(HeaderName::Sender)
        .header_address(HeaderName::To)
        .header_address(HeaderName::Cc)
        .header_date(HeaderName::Date)
        .header_id(HeaderName::MessageId)
        .header_content_type(HeaderName::ContentType)
        .default_header_ignore()
});

/// The summary of a message's headers (`bytes` may be the whole message or its header block).
pub fn summarize(bytes: &[u8]) -> Summary {
    match SUMMARY_PARSER.parse_headers(bytes) {
        Some(message) if !message.headers().is_empty() => Summary::of(&message, false),
        _ => Summary::unreadable(),
    }
}

impl Summary {
    /// The summary of a parsed message; `counted_attachments`: the message was parsed whole,
    /// so whether it has attachments is known, not estimated.
    pub fn of(message: &mail_parser::Message<'_>, counted_attachments: bool) -> Summary {
        let headers = Headers::of(message);
        let from = headers
            .from
            .and_then(HeaderValue::as_address)
            .map(first_mailbox)
            .unwrap_or_default();
        let sender = headers
            .sender
            .and_then(HeaderValue::as_address)
            .map(first_mailbox)
            .filter(|sender| *sender != from);
        let has_attach = if counted_attachments {
            message.attachment_count() > 0
        } else {
            let content_type = headers.content_type.and_then(HeaderValue::as_content_type);
            content_type.is_some_and(|ct| {
                let subtype = ct.subtype().unwrap_or("");
                if ct.ctype().eq_ignore_ascii_case("multipart") {
                    subtype.eq_ignore_ascii_case("mixed")
                } else {
                    !ct.ctype().eq_ignore_ascii_case("text")
                }
            })
        };
        let subject = headers.subject.and_then(HeaderValue::as_text).unwrap_or("");
        let to = headers.to.and_then(HeaderValue::as_address);
        let cc = headers.cc.and_then(HeaderValue::as_address);
        let message_id = headers.message_id.and_then(HeaderValue::as_text);
        let sender_or_none = sender.unwrap_or_default();
        let plain = [
            subject,
            from.name,
            from.email,
            sender_or_none.name,
            sender_or_none.email,
        ];
        // Sized exactly first, then written in place: the block is the summary's, no String
        // made and copied into it (a folder's first listing makes thousands).
        let size = plain.iter().map(|text| text.len()).sum::<usize>()
            + display_list_len(to)
            + display_list_len(cc)
            + message_id.map_or(0, |id| id.len() + 2);
        // Texts of 4 GiB and more (headers that big, in a file bigger still) are no message
        // a list can show.
        if u32::try_from(size).is_err() {
            return Summary::unreadable();
        }
        let mut block = TextBlock::new(size);
        let mut ends = [0; TEXTS];
        // Within `size`, checked above.
        let end = |block: &TextBlock| block.len as u32;
        for (at, text) in plain.into_iter().enumerate() {
            block.push(text);
            ends[at] = end(&block);
        }
        push_display_list(&mut |text| block.push(text), to);
        ends[Text::DisplayTo as usize] = end(&block);
        push_display_list(&mut |text| block.push(text), cc);
        ends[Text::DisplayCc as usize] = end(&block);
        // With its angle brackets.
        if let Some(id) = message_id {
            block.push("<");
            block.push(id);
            block.push(">");
        }
        ends[Text::MessageId as usize] = end(&block);
        let texts = block.finish();
        Summary {
            texts,
            ends,
            has_sender: sender.is_some(),
            date: headers
                .date
                .and_then(HeaderValue::as_datetime)
                .map(|date| date.to_timestamp()),
            has_attach,
            unreadable: false,
        }
    }

    pub fn unreadable() -> Summary {
        Summary {
            texts: UNREADABLE_SUBJECT.into(),
            // The subject, and every other text empty.
            ends: [UNREADABLE_SUBJECT.len() as u32; TEXTS],
            unreadable: true,
            ..Summary::default()
        }
    }

    /// Whether `ends` cuts `texts` into texts ([`Self::text`] slices by them): what a summary
    /// read back from a file must be before it is used.
    pub fn is_whole(&self) -> bool {
        let mut start = 0;
        self.ends.iter().all(|&end| {
            let end = end as usize;
            let fits = start <= end && self.texts.is_char_boundary(end);
            start = end;
            fits
        })
    }

    fn range(&self, which: Text) -> Range<usize> {
        let at = which as usize;
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        start as usize..self.ends[at] as usize
    }

    fn text(&self, which: Text) -> &str {
        &self.texts[self.range(which)]
    }

    /// Text `which` as a property's: a slice of `texts`, shared, not copied.
    fn shared(&self, which: Text) -> MapiText {
        let range = self.range(which);
        if range.is_empty() {
            // No reference to count.
            return MapiText::default();
        }
        // `ends` cuts on char boundaries, as `text` slices by it: made so by `of`, checked
        // by `is_whole` for a summary read back.
        MapiText::shared(&self.texts, range).expect("a summary's texts end on char boundaries")
    }

    pub fn subject(&self) -> &str {
        self.text(Text::Subject)
    }

    /// `Message-ID`, with its angle brackets (empty when there is none).
    pub fn message_id(&self) -> &str {
        self.text(Text::MessageId)
    }

    /// Appends the summary's properties (those of a message's headers; the file's own, size,
    /// time and flags, are the store's) to `props`, in ascending ID order, with what `store`
    /// pushes (IDs from 0x0E05 to 0x0E1A) in its place: a contents-table row in ID order is
    /// taken by the table without a sort.
    pub fn push_props(&self, props: &mut Vec<Property>, store: impl FnOnce(&mut Vec<Property>)) {
        let text = |tag, value| Property::for_tag(tag, PropValue::Unicode(value));
        // A mailbox as `display` shows it: by its name, or by its address when it has none.
        let display = |name: Text, email: Text| {
            self.shared(if self.text(name).is_empty() {
                email
            } else {
                name
            })
        };
        // `From` is who the message is from (`PR_SENT_REPRESENTING_*`); `Sender`, when given
        // and not `From`, who sent it on its behalf (`PR_SENDER_*`), else `From` again.
        let (sender_name, sender_email) = if self.has_sender {
            (Text::SenderName, Text::SenderEmail)
        } else {
            (Text::FromName, Text::FromEmail)
        };
        props.extend([
            text(PR_MESSAGE_CLASS_W, MapiText::from_static("IPM.Note")),
            text(PR_SUBJECT_W, self.shared(Text::Subject)),
        ]);
        if let Some(date) = self.date {
            props.push(Property::for_tag(
                PR_CLIENT_SUBMIT_TIME,
                PropValue::SysTime(filetime(date)),
            ));
        }
        props.extend([
            text(
                PR_SENT_REPRESENTING_NAME_W,
                display(Text::FromName, Text::FromEmail),
            ),
            text(PR_SENDER_NAME_W, display(sender_name, sender_email)),
        ]);
        if !self.text(sender_email).is_empty() {
            props.push(text(PR_SENDER_ADDRTYPE_W, MapiText::from_static("SMTP")));
        }
        props.extend([
            text(PR_SENDER_EMAIL_ADDRESS_W, self.shared(sender_email)),
            text(PR_DISPLAY_CC_W, self.shared(Text::DisplayCc)),
            text(PR_DISPLAY_TO_W, self.shared(Text::DisplayTo)),
        ]);
        store(props);
        props.push(Property::for_tag(
            PR_HASATTACH,
            PropValue::Boolean(self.has_attach),
        ));
        if !self.message_id().is_empty() {
            props.push(text(PR_INTERNET_MESSAGE_ID_W, self.shared(Text::MessageId)));
        }
    }
}

/// `Summary::texts` on disk: a `str`, as a `Box<str>` was (the format is unchanged).
mod shared_str {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(text: &Arc<str>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
        Ok(String::deserialize(deserializer)?.into())
    }
}

/// The top-level headers a [`Summary`] reads, found in one pass: each the last of its name,
/// as `mail-parser`'s accessors (`Message::subject`, ...) take it, which search the headers
/// once per call (a listing summarizes every message of a folder).
#[derive(Default)]
struct Headers<'m, 'x> {
    subject: Option<&'m HeaderValue<'x>>,
    from: Option<&'m HeaderValue<'x>>,
    sender: Option<&'m HeaderValue<'x>>,
    to: Option<&'m HeaderValue<'x>>,
    cc: Option<&'m HeaderValue<'x>>,
    date: Option<&'m HeaderValue<'x>>,
    message_id: Option<&'m HeaderValue<'x>>,
    content_type: Option<&'m HeaderValue<'x>>,
}

impl<'m, 'x> Headers<'m, 'x> {
    fn of(message: &'m mail_parser::Message<'x>) -> Self {
        let mut found = Headers::default();
        for header in message.headers() {
            let slot = match header.name {
                HeaderName::Subject => &mut found.subject,
                HeaderName::From => &mut found.from,
                HeaderName::Sender => &mut found.sender,
                HeaderName::To => &mut found.to,
                HeaderName::Cc => &mut found.cc,
                HeaderName::Date => &mut found.date,
                HeaderName::MessageId => &mut found.message_id,
                HeaderName::ContentType => &mut found.content_type,
                _ => continue,
            };
            *slot = Some(&header.value);
        }
        found
    }
}

fn first_mailbox<'a>(address: &'a Address<'_>) -> Mailbox<'a> {
    address
        .first()
        .map(|addr| Mailbox {
            name: addr.name().unwrap_or(""),
            email: addr.address().unwrap_or(""),
        })
        .unwrap_or_default()
}

/// The addresses of `address` in order (a list's, or each group's in turn), without the
/// boxed iterator `Address::iter` allocates.
fn addrs<'a, 'x>(address: &'a Address<'x>) -> impl Iterator<Item = &'a Addr<'x>> {
    let (list, groups): (&[Addr<'x>], &[Group<'x>]) = match address {
        Address::List(list) => (list, &[]),
        Address::Group(groups) => (&[], groups),
    };
    list.iter()
        .chain(groups.iter().flat_map(|group| group.addresses.iter()))
}

/// The names (or addresses) a display list of `address` shows (`PR_DISPLAY_TO`'s form).
fn display_names<'a>(address: Option<&'a Address<'_>>) -> impl Iterator<Item = &'a str> {
    address
        .into_iter()
        .flat_map(addrs)
        .map(|addr| addr.name().or(addr.address()).unwrap_or(""))
        .filter(|name| !name.is_empty())
}

/// The length of `address`'s display list (see [`push_display_list`]).
fn display_list_len(address: Option<&Address<'_>>) -> usize {
    let (count, bytes) = display_names(address).fold((0usize, 0), |(count, bytes), name| {
        (count + 1, bytes + name.len())
    });
    bytes + 2 * count.saturating_sub(1)
}

/// Gives `push` `address`'s display list: its names separated by `"; "`.
fn push_display_list(push: &mut impl FnMut(&str), address: Option<&Address<'_>>) {
    for (at, name) in display_names(address).enumerate() {
        if at > 0 {
            push("; ");
        }
        push(name);
    }
}

/// A [`Summary`]'s texts written one after the other into the `Arc<str>` that keeps them.
struct TextBlock {
    bytes: Arc<[u8]>,
    /// How many bytes are written.
    len: usize,
}

impl TextBlock {
    /// A block of `size` bytes, zeroed (what is not written stays valid UTF-8).
    fn new(size: usize) -> Self {
        let zeroed = Arc::<[u8]>::new_zeroed_slice(size);
        // SAFETY: zeroed bytes are initialized `u8`s.
        let bytes = unsafe { zeroed.assume_init() };
        TextBlock { bytes, len: 0 }
    }

    /// Writes `text` next; panics past the block's size (sized from the same texts).
    fn push(&mut self, text: &str) {
        let bytes = Arc::get_mut(&mut self.bytes).expect("a block is not shared until finished");
        bytes[self.len..self.len + text.len()].copy_from_slice(text.as_bytes());
        self.len += text.len();
    }

    fn finish(self) -> Arc<str> {
        let bytes = Arc::into_raw(self.bytes);
        // SAFETY: the bytes are `str`s written whole one after the other, then zeros (U+0000):
        // valid UTF-8; `str` has the layout of `[u8]`, so the pointer is one `Arc<str>` can
        // take back, with its length.
        unsafe { Arc::from_raw(bytes as *const str) }
    }
}

/// Seconds since 1970 as a `FILETIME` (100 ns since 1601); times before 1601 are 1601.
pub fn filetime(unix_seconds: i64) -> FILETIME {
    const EPOCH_DIFFERENCE: i64 = 11_644_473_600;
    let ticks = (unix_seconds.saturating_add(EPOCH_DIFFERENCE)).max(0) as u64 * 10_000_000;
    FILETIME {
        dwLowDateTime: ticks as u32,
        dwHighDateTime: (ticks >> 32) as u32,
    }
}

/// Seconds since 1970 of a `FILETIME`.
pub fn unix_seconds(time: FILETIME) -> i64 {
    const EPOCH_DIFFERENCE: i64 = 11_644_473_600;
    let ticks = (u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime);
    (ticks / 10_000_000) as i64 - EPOCH_DIFFERENCE
}

/// A whole message file as MAPI sees it: its summary (for the properties it shares with the
/// contents table) and its content (bodies, recipients, attachments, and the summary's
/// properties for an embedded message, which has no row of its own).
pub fn parse(bytes: &[u8]) -> (Summary, Message) {
    match MessageParser::new().parse(bytes) {
        Some(message) if !message.headers().is_empty() => {
            let summary = Summary::of(&message, true);
            (summary, content(&message))
        }
        _ => (Summary::unreadable(), unreadable_content(bytes)),
    }
}

/// The note body of a file that is not a message.
fn unreadable_content(bytes: &[u8]) -> Message {
    let shown = &bytes[..bytes.len().min(UNREADABLE_TEXT)];
    let mut body = String::from(
        "This file could not be read as an e-mail message: it has no header. \
         Its text, as far as it reads, follows.\r\n\r\n",
    );
    body.push_str(&String::from_utf8_lossy(shown).replace('\0', "\u{FFFD}"));
    Message {
        props: vec![Property::for_tag(
            PR_BODY_W,
            PropValue::Unicode(body.into()),
        )],
        ..Message::default()
    }
}

/// Bodies, recipients and attachments of `message`.
fn content(message: &mail_parser::Message<'_>) -> Message {
    let mut props = Vec::new();
    if let Some(text) = message.body_text(0) {
        props.push(Property::for_tag(
            PR_BODY_W,
            PropValue::Unicode(text.replace('\0', "").into()),
        ));
    }
    // Only a real HTML part: for a text-only message the parser offers the text as HTML.
    if message.html_part(0).is_some_and(|part| part.is_text_html())
        && let Some(html) = message.body_html(0)
    {
        props.push(Property::for_tag(
            PR_HTML,
            PropValue::Binary(html.into_owned().into_bytes()),
        ));
        props.push(Property::for_tag(
            PR_INTERNET_CPID,
            PropValue::Long(CP_UTF8),
        ));
    }
    let mut recipients = Vec::new();
    for (address, kind) in [
        (message.to(), MAPI_TO),
        (message.cc(), MAPI_CC),
        (message.bcc(), MAPI_BCC),
    ] {
        for addr in address.into_iter().flat_map(|a| a.iter()) {
            let email = addr.address().unwrap_or("");
            let name = addr.name().unwrap_or(email);
            let text = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));
            recipients.push(vec![
                text(PR_DISPLAY_NAME_W, name),
                text(PR_EMAIL_ADDRESS_W, email),
                text(PR_ADDRTYPE_W, "SMTP"),
                Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(kind)),
            ]);
        }
    }
    let attachments = message.attachments().map(attachment).collect();
    Message {
        props,
        recipients,
        attachments,
    }
}

fn attachment(part: &mail_parser::MessagePart<'_>) -> Attachment {
    let text = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));
    let mime_tag = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(subtype) => format!("{}/{subtype}", ct.ctype()),
            None => ct.ctype().to_owned(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
        .to_ascii_lowercase();
    let size = part.contents().len() as u32;
    if let Some(inner) = part.message() {
        let summary = Summary::of(inner, true);
        let mut embedded = content(inner);
        let mut props = Vec::new();
        summary.push_props(&mut props, |_| {});
        props.append(&mut embedded.props);
        embedded.props = props;
        let name = part
            .attachment_name()
            .map(str::to_owned)
            .unwrap_or_else(|| summary.subject().to_owned());
        return Attachment {
            props: vec![
                Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG)),
                text(PR_DISPLAY_NAME_W, &name),
                text(PR_ATTACH_MIME_TAG_W, "message/rfc822"),
                Property::for_tag(PR_ATTACH_SIZE, PropValue::Long(size)),
                Property::for_tag(PR_RENDERING_POSITION, PropValue::Long(NOT_RENDERED)),
            ],
            embedded: Some(Box::new(embedded)),
        };
    }
    let name = part.attachment_name().unwrap_or("attachment");
    let mut props = vec![
        Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        text(PR_DISPLAY_NAME_W, name),
        text(PR_ATTACH_FILENAME_W, name),
        text(PR_ATTACH_LONG_FILENAME_W, name),
        text(PR_ATTACH_MIME_TAG_W, &mime_tag),
        Property::for_tag(
            PR_ATTACH_DATA_BIN,
            PropValue::Binary(part.contents().to_vec()),
        ),
        Property::for_tag(PR_ATTACH_SIZE, PropValue::Long(size)),
        Property::for_tag(PR_RENDERING_POSITION, PropValue::Long(NOT_RENDERED)),
    ];
    if let Some((_, extension)) = name.rsplit_once('.') {
        props.push(text(PR_ATTACH_EXTENSION_W, &format!(".{extension}")));
    }
    Attachment {
        props,
        embedded: None,
    }
}

/// The value of text property `tag` (either width) in `props`.
pub fn find_text<'a>(props: &'a [Property], tag: u32) -> Option<Cow<'a, str>> {
    let id = prop_id(tag);
    props
        .iter()
        .find(|p| prop_id(p.tag()) == id)
        .and_then(|p| match &p.value {
            PropValue::Unicode(text) => Some(Cow::Borrowed(text.as_str())),
            PropValue::String8(_) => match p.value.with_text_width(true).ok()?.into_owned() {
                PropValue::Unicode(text) => Some(Cow::Owned(text.into_string())),
                _ => None,
            },
            _ => None,
        })
}

/// The value of property `tag` in `props`, of its own type.
pub fn find(props: &[Property], tag: u32) -> Option<&PropValue> {
    props.iter().find(|p| p.tag() == tag).map(|p| &p.value)
}

/// `message` as a MIME file (CRLF lines, headers encoded as RFC 2047 needs).
pub fn build(message: &Message) -> io::Result<Vec<u8>> {
    let props = &message.props;
    let text = |tag| find_text(props, tag).filter(|t| !t.is_empty());
    let mut builder = MessageBuilder::new();
    let from_email = text(PR_SENDER_EMAIL_ADDRESS_W);
    let from_name = text(PR_SENT_REPRESENTING_NAME_W).or_else(|| text(PR_SENDER_NAME_W));
    if from_email.is_some() || from_name.is_some() {
        builder = builder.from(BuilderAddress::new_address(
            from_name.map(Cow::into_owned),
            from_email.map(Cow::into_owned).unwrap_or_default(),
        ));
    }
    for kind in [MAPI_TO, MAPI_CC, MAPI_BCC] {
        let list: Vec<BuilderAddress<'static>> = message
            .recipients
            .iter()
            .filter(|row| find(row, PR_RECIPIENT_TYPE) == Some(&PropValue::Long(kind)))
            .map(|row| {
                let email = find_text(row, PR_EMAIL_ADDRESS_W).unwrap_or_default();
                let name = find_text(row, PR_DISPLAY_NAME_W).filter(|n| *n != email);
                BuilderAddress::new_address(name.map(Cow::into_owned), email.into_owned())
            })
            .collect();
        if list.is_empty() {
            continue;
        }
        let list = BuilderAddress::new_list(list);
        builder = match kind {
            MAPI_TO => builder.to(list),
            MAPI_CC => builder.cc(list),
            _ => builder.bcc(list),
        };
    }
    if let Some(subject) = text(PR_SUBJECT_W) {
        builder = builder.subject(subject.into_owned());
    }
    if let Some(PropValue::SysTime(time)) = find(props, PR_CLIENT_SUBMIT_TIME) {
        builder = builder.date(unix_seconds(*time));
    }
    if let Some(id) = text(PR_INTERNET_MESSAGE_ID_W) {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        if !id.is_empty() {
            builder = builder.message_id(id.to_owned());
        }
    }
    let body = text(PR_BODY_W);
    let html = match find(props, PR_HTML) {
        Some(PropValue::Binary(bytes)) if !bytes.is_empty() => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        _ => None,
    };
    if body.is_none() && html.is_none() {
        builder = builder.text_body("");
    }
    if let Some(body) = body {
        builder = builder.text_body(body.into_owned());
    }
    if let Some(html) = html {
        builder = builder.html_body(html);
    }
    for attachment in &message.attachments {
        let props = &attachment.props;
        let name = find_text(props, PR_ATTACH_LONG_FILENAME_W)
            .or_else(|| find_text(props, PR_ATTACH_FILENAME_W))
            .or_else(|| find_text(props, PR_DISPLAY_NAME_W))
            .unwrap_or(Cow::Borrowed("attachment"))
            .into_owned();
        if let Some(inner) = &attachment.embedded {
            let bytes = build(inner)?;
            // The builder has no call for a prepared part: its list is public.
            builder.attachments.get_or_insert_with(Vec::new).push(
                MimePart::new("message/rfc822", bytes)
                    .attachment(name)
                    .transfer_encoding("8bit"),
            );
            continue;
        }
        let mime_tag = find_text(props, PR_ATTACH_MIME_TAG_W)
            .unwrap_or(Cow::Borrowed("application/octet-stream"))
            .into_owned();
        let data = match find(props, PR_ATTACH_DATA_BIN) {
            Some(PropValue::Binary(bytes)) => bytes.clone(),
            _ => Vec::new(),
        };
        builder = builder.attachment(mime_tag, name, data);
    }
    builder.write_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_found_across_reads() {
        // A reader that gives one byte at a time: the blank line straddles reads.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(out.len()).min(1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut reader = HeaderReader::default();
        for (text, headers) in [
            (&b"Subject: a\r\n\r\nbody"[..], &b"Subject: a\r\n\r\n"[..]),
            (b"Subject: a\n\nbody", b"Subject: a\n\n"),
            (b"Subject: a\n\r\n", b"Subject: a\n\r\n"),
            (b"no blank line", b"no blank line"),
        ] {
            assert_eq!(reader.read(&mut Trickle(text)).unwrap(), headers);
        }
        // Headers longer than a chunk.
        let long = format!("X-Long: {}\r\n\r\nbody", "x".repeat(3 * HEADER_CHUNK));
        let read = reader.read(&mut long.as_bytes()).unwrap();
        assert_eq!(read.len(), long.len() - 4);
    }

    /// A file that keeps how many bytes each of its reads copied.
    struct Counted<'a> {
        rest: &'a [u8],
        reads: Vec<usize>,
    }

    impl Read for Counted<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.rest.len().min(out.len());
            out[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            self.reads.push(n);
            Ok(n)
        }
    }

    fn counted(bytes: &[u8]) -> Counted<'_> {
        Counted {
            rest: bytes,
            reads: Vec::new(),
        }
    }

    #[test]
    fn a_listing_copies_little_of_the_bodies_and_reads_a_long_header_block_whole() {
        let body = "Lorem ipsum dolor sit amet. ".repeat(400);
        let short = format!("From: a@example.org\r\nSubject: short\r\n\r\n{body}");
        let mut reader = HeaderReader::default();
        // Before any header block, a first read as big as the buffer's first size.
        let mut file = counted(short.as_bytes());
        assert_eq!(
            reader.read(&mut file).unwrap().len(),
            short.len() - body.len()
        );
        assert_eq!(file.reads, [HEADER_CHUNK]);
        // After, what that block needs: one read, little of the body.
        let mut file = counted(short.as_bytes());
        reader.read(&mut file).unwrap();
        assert_eq!(file.reads, [MIN_FIRST_READ]);

        // A header block many times that (a long way through relays), its subject last.
        let received: String = (0..300)
            .map(|n| format!("Received: from relay{n}.example.net by relay{}.example.net; Tue, 14 Nov 2023 22:13:21 +0100\r\n", n + 1))
            .collect();
        let long = format!(
            "{received}From: a@example.org\r\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?= after\r\n\r\n{body}"
        );
        assert!(received.len() > 2 * HEADER_CHUNK);
        let mut file = counted(long.as_bytes());
        let headers = reader.read(&mut file).unwrap();
        assert_eq!(headers.len(), long.len() - body.len());
        assert_eq!(summarize(headers).subject(), "Grüße aus Köln after");
        assert_eq!(file.reads[0], MIN_FIRST_READ);
        // Then the next first read is sized for it, up to the first size.
        let mut file = counted(short.as_bytes());
        reader.read(&mut file).unwrap();
        assert_eq!(file.reads, [HEADER_CHUNK]);
    }

    /// The texts `push_props` makes of `summary`, by tag.
    fn texts(summary: &Summary) -> std::collections::HashMap<u32, String> {
        let mut props = Vec::new();
        summary.push_props(&mut props, |_| {});
        props
            .into_iter()
            .filter_map(|p| match (p.tag(), p.value) {
                (tag, PropValue::Unicode(text)) => Some((tag, text.into_string())),
                _ => None,
            })
            .collect()
    }

    /// `ends` became 32-bit: index files written with `usize` ends (format version 1) read
    /// back the same, and are written the same.
    #[test]
    fn a_summary_on_disk_is_what_it_was_with_usize_ends() {
        #[derive(serde::Serialize)]
        struct Before<'a> {
            texts: &'a str,
            ends: [usize; TEXTS],
            has_sender: bool,
            date: Option<i64>,
            has_attach: bool,
            unreadable: bool,
        }
        let summary = summarize(
            b"Subject: Hi\r\nFrom: Anna <a@x.org>\r\nSender: b@x.org\r\n\
              To: c@x.org\r\nDate: Tue, 14 Nov 2023 22:13:21 +0100\r\n\
              Message-ID: <1@x.org>\r\n\r\n",
        );
        let before = Before {
            texts: &summary.texts,
            ends: summary.ends.map(|end| end as usize),
            has_sender: summary.has_sender,
            date: summary.date,
            has_attach: summary.has_attach,
            unreadable: summary.unreadable,
        };
        let written = postcard::to_allocvec(&before).unwrap();
        assert_eq!(postcard::to_allocvec(&summary).unwrap(), written);
        assert_eq!(postcard::from_bytes::<Summary>(&written).unwrap(), summary);
        assert!(summary.has_sender && summary.date.is_some());
    }

    #[test]
    fn display_lists_of_lists_and_groups() {
        let summary = summarize(
            b"To: Team: a@x.org, Bob <b@x.org>;, Other: c@y.org;\r\n\
              Cc: \"Carla\" <c@x.it>, , d@x.org\r\nMessage-ID: <1@x.org>\r\n\r\n",
        );
        let texts = texts(&summary);
        assert_eq!(texts[&PR_DISPLAY_TO_W], "a@x.org; Bob; c@y.org");
        assert_eq!(texts[&PR_DISPLAY_CC_W], "Carla; d@x.org");
        // The block was sized exactly: its texts fill it, with no room left over.
        assert_eq!(
            &summary.texts[summary.ends[TEXTS - 2] as usize..],
            "<1@x.org>"
        );
        assert_eq!(summary.texts.len(), summary.ends[TEXTS - 1] as usize);
    }

    #[test]
    fn texts_kept_apart() {
        let summary = summarize(
            b"Subject: Hi\r\nFrom: Ann <ann@x.org>\r\nSender: Sec <sec@x.org>\r\n\
              Message-ID: <1@x.org>\r\n\r\n",
        );
        assert_eq!(summary.subject(), "Hi");
        let shown = texts(&summary);
        for (tag, text) in [
            (PR_MESSAGE_CLASS_W, "IPM.Note"),
            (PR_SUBJECT_W, "Hi"),
            (PR_SENT_REPRESENTING_NAME_W, "Ann"),
            (PR_SENDER_NAME_W, "Sec"),
            (PR_SENDER_ADDRTYPE_W, "SMTP"),
            (PR_SENDER_EMAIL_ADDRESS_W, "sec@x.org"),
            (PR_DISPLAY_TO_W, ""),
            (PR_DISPLAY_CC_W, ""),
            (PR_INTERNET_MESSAGE_ID_W, "<1@x.org>"),
        ] {
            assert_eq!(shown[&tag], text, "0x{tag:08X}");
        }
        // A sender who is the author is none: the author is shown, by address without a name.
        let own = texts(&summarize(b"From: ann@x.org\r\nSender: ann@x.org\r\n\r\n"));
        assert_eq!(own[&PR_SENDER_NAME_W], "ann@x.org");
        assert_eq!(own[&PR_SENDER_EMAIL_ADDRESS_W], "ann@x.org");
        assert_eq!(own[&PR_SENT_REPRESENTING_NAME_W], "ann@x.org");
        // No address, no address type.
        assert!(!texts(&summarize(b"Subject: x\r\n\r\n")).contains_key(&PR_SENDER_ADDRTYPE_W));
        let unreadable = texts(&Summary::unreadable());
        assert_eq!(unreadable[&PR_SUBJECT_W], UNREADABLE_SUBJECT);
        assert!(!unreadable.contains_key(&PR_INTERNET_MESSAGE_ID_W));
    }

    #[test]
    fn filetime_both_ways() {
        for seconds in [0, 1_700_000_000, -11_644_473_600] {
            assert_eq!(unix_seconds(filetime(seconds)), seconds);
        }
    }
}
