//! A line scanner for MAPISVC.INF that records positions only, so edits can splice the original
//! text and leave every other unit (byte, or UTF-16 code unit) as it was.
//!
//! Why not an INI crate: the document-model ones (`rust-ini`, `configparser`) write the file
//! out again from their model, which normalizes spacing, comments and line breaks. The
//! streaming tokenizers come closest: `ini_core` 0.2 (no declared MSRV) and the
//! format-preserving `ini-roundtrip` 0.2.1 (MSRV 1.86) return slices of the lines, but both take
//! `&str`, which neither an ANSI file with bytes that are not UTF-8 nor a UTF-16 file is;
//! `ini-roundtrip` drops the line breaks and reads a `#` line as a comment, and both read
//! `[name] text` as an error, where Windows' profile functions see a section. Lines, `[section]`
//! headers and `key=value` entries, located by position in `u8` or `u16` text, are all the
//! editing needs, so this scanner is ~150 lines.

use core::ops::Range;

/// A code unit of the file's text: a byte (ANSI or UTF-8) or a UTF-16 code unit.
pub(crate) trait Unit: Copy + Eq {
    fn code(self) -> u32;
}

impl Unit for u8 {
    fn code(self) -> u32 {
        self.into()
    }
}

impl Unit for u16 {
    fn code(self) -> u32 {
        self.into()
    }
}

const CR: u32 = b'\r' as u32;
const LF: u32 = b'\n' as u32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Empty or only spaces and tabs.
    Blank,
    /// `;` first (after spaces): Windows' profile readers skip such lines.
    Comment,
    /// `[name]`: the range of the name, trimmed. A line starting with `[` without `]` is
    /// [`Kind::Other`].
    Header(Range<usize>),
    /// `key=value`: the trimmed ranges of both.
    Entry {
        key: Range<usize>,
        value: Range<usize>,
    },
    /// Anything else (kept, never interpreted).
    Other,
}

#[derive(Clone, Debug)]
pub(crate) struct Line {
    pub start: usize,
    /// End of the content, where the line break starts.
    pub end: usize,
    /// Start of the next line: `end` plus the line break (`\r\n`, `\n` or `\r`), or `end` for a
    /// last line without one.
    pub next: usize,
    pub kind: Kind,
}

impl Line {
    pub fn has_break(&self) -> bool {
        self.next > self.end
    }

    /// A line that is not blank and not a comment: what a section's extent ends with.
    pub fn is_content(&self) -> bool {
        !matches!(self.kind, Kind::Blank | Kind::Comment)
    }
}

pub(crate) fn scan<U: Unit>(text: &[U]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = (start..text.len())
            .find(|&i| matches!(text[i].code(), CR | LF))
            .unwrap_or(text.len());
        let next = match text.get(end).map(|u| u.code()) {
            Some(CR) if text.get(end + 1).map(|u| u.code()) == Some(LF) => end + 2,
            Some(_) => end + 1,
            None => end,
        };
        lines.push(Line {
            start,
            end,
            next,
            kind: classify(text, start..end),
        });
        start = next;
    }
    lines
}

fn is_space(code: u32) -> bool {
    code == u32::from(b' ') || code == u32::from(b'\t')
}

pub(crate) fn trim<U: Unit>(text: &[U], mut range: Range<usize>) -> Range<usize> {
    while range.start < range.end && is_space(text[range.start].code()) {
        range.start += 1;
    }
    while range.end > range.start && is_space(text[range.end - 1].code()) {
        range.end -= 1;
    }
    range
}

fn classify<U: Unit>(text: &[U], line: Range<usize>) -> Kind {
    let content = trim(text, line.clone());
    let find =
        |what: u8, from: usize| (from..content.end).find(|&i| text[i].code() == u32::from(what));
    match text.get(content.start).map(|u| u.code()) {
        _ if content.is_empty() => Kind::Blank,
        Some(c) if c == u32::from(b';') => Kind::Comment,
        Some(c) if c == u32::from(b'[') => match find(b']', content.start + 1) {
            Some(close) => Kind::Header(trim(text, content.start + 1..close)),
            None => Kind::Other,
        },
        _ => match find(b'=', content.start) {
            Some(equals) => Kind::Entry {
                key: trim(text, content.start..equals),
                value: trim(text, equals + 1..content.end),
            },
            None => Kind::Other,
        },
    }
}

/// Whether `text[range]` is `name`, ignoring ASCII case as Windows' profile functions do.
pub(crate) fn name_is<U: Unit>(text: &[U], range: &Range<usize>, name: &str) -> bool {
    range.len() == name.len()
        && text[range.clone()]
            .iter()
            .zip(name.bytes())
            .all(|(unit, byte)| fold(unit.code()) == fold(byte.into()))
}

/// A name from the file, case-folded, for comparing names with each other.
pub(crate) fn folded<U: Unit>(text: &[U], range: &Range<usize>) -> Vec<u32> {
    text[range.clone()]
        .iter()
        .map(|unit| fold(unit.code()))
        .collect()
}

pub(crate) fn fold_str(name: &str) -> Vec<u32> {
    name.bytes().map(|byte| fold(byte.into())).collect()
}

fn fold(code: u32) -> u32 {
    if (u32::from(b'A')..=u32::from(b'Z')).contains(&code) {
        code + 32
    } else {
        code
    }
}

/// The items of a comma-separated list value (`Providers=A, B`), trimmed, empty ones dropped.
pub(crate) fn list_items<U: Unit>(text: &[U], value: &Range<usize>) -> Vec<Range<usize>> {
    let mut items = Vec::new();
    let mut start = value.start;
    for i in value.start..=value.end {
        if i == value.end || text[i].code() == u32::from(b',') {
            let item = trim(text, start..i);
            if !item.is_empty() {
                items.push(item);
            }
            start = i + 1;
        }
    }
    items
}

/// A section: its header line and the lines up to the next header.
#[derive(Clone, Debug)]
pub(crate) struct Section {
    pub name: Range<usize>,
    /// Indices into the scanned lines: the header, then its lines.
    pub lines: Range<usize>,
}

pub(crate) fn sections(lines: &[Line]) -> Vec<Section> {
    let headers: Vec<usize> = (0..lines.len())
        .filter(|&i| matches!(lines[i].kind, Kind::Header(_)))
        .collect();
    headers
        .iter()
        .enumerate()
        .map(|(n, &header)| {
            let Kind::Header(name) = &lines[header].kind else {
                unreachable!()
            };
            Section {
                name: name.clone(),
                lines: header..headers.get(n + 1).copied().unwrap_or(lines.len()),
            }
        })
        .collect()
}

impl Section {
    /// The units from the header to the end of the last content line, with its line break:
    /// trailing blank lines and comments belong to what follows.
    pub fn extent(&self, lines: &[Line]) -> Range<usize> {
        let last = self
            .lines
            .clone()
            .rev()
            .find(|&i| lines[i].is_content())
            .unwrap_or(self.lines.start);
        lines[self.lines.start].start..lines[last].next
    }

    /// The entries of the section, as (line index, key, value).
    pub fn entries<'a>(
        &self,
        lines: &'a [Line],
    ) -> impl Iterator<Item = (usize, &'a Range<usize>, &'a Range<usize>)> + 'a {
        self.lines
            .clone()
            .filter_map(move |i| match &lines[i].kind {
                Kind::Entry { key, value } => Some((i, key, value)),
                _ => None,
            })
    }
}

/// The line break the file uses (its first one), `\r\n` for a file without any.
pub(crate) fn line_break<U: Unit>(text: &[U], lines: &[Line]) -> Vec<U> {
    lines
        .iter()
        .find(|line| line.has_break())
        .map(|line| text[line.end..line.next].to_vec())
        .unwrap_or_default()
}
