//! [`Text`], the text of a `PT_UNICODE` value: owned, static, or part of a block shared
//! with other values.
//!
//! A provider that keeps its messages' texts (an index of a folder's headers) hands the same
//! text to every contents-table row and open message that shows it: as a [`Text::shared`]
//! slice of its own block, a row costs no allocation and no copy per text, and its texts are
//! held once. Constant texts (`"IPM.Note"`) are [`Text::from_static`]. Every other text is an
//! owned `String`, as before: `From<String>` and `From<&str>` make one.
//!
//! A `Text` reads as the `str` it holds (`Deref`), and compares, orders and hashes as that
//! `str`, whatever its kind.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::{Deref, Range};
use std::borrow::Cow;
use std::sync::Arc;

/// The text of a `PT_UNICODE` value (see the [module](self)); cheap to clone when static or
/// shared.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Owned(String),
    Static(&'static str),
    /// `block[start..end]`, both char boundaries (checked when made).
    Shared {
        block: Arc<str>,
        start: u32,
        end: u32,
    },
}

impl Text {
    /// A text that is always there: no allocation, no copy.
    pub const fn from_static(text: &'static str) -> Self {
        Text(Repr::Static(text))
    }

    /// `block[range]`, sharing `block` (no copy): `None` when `range` is not within `block`,
    /// or does not start and end on char boundaries, or goes past 4 GiB.
    pub fn shared(block: &Arc<str>, range: Range<usize>) -> Option<Self> {
        block.get(range.clone())?;
        Some(Text(Repr::Shared {
            block: block.clone(),
            start: u32::try_from(range.start).ok()?,
            end: u32::try_from(range.end).ok()?,
        }))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Owned(text) => text,
            Repr::Static(text) => text,
            // Checked in `shared`; a block never changes.
            Repr::Shared { block, start, end } => &block[*start as usize..*end as usize],
        }
    }

    /// The text as a `String`: an owned text's own, any other copied.
    pub fn into_string(self) -> String {
        match self.0 {
            Repr::Owned(text) => text,
            _ => self.as_str().to_owned(),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from_static("")
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(Repr::Owned(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(Repr::Owned(text.to_owned()))
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text::from(text.as_str())
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(text: Cow<'_, str>) -> Self {
        Text(Repr::Owned(text.into_owned()))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.into_string()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_compares_and_hashes_as_its_str() {
        use std::collections::hash_map::DefaultHasher;
        let block: Arc<str> = "Grüße aus Köln".into();
        let kinds = [
            Text::from("Köln"),
            Text::from_static("Köln"),
            Text::shared(&block, 12..17).unwrap(),
        ];
        let hash = |text: &Text| {
            let mut hasher = DefaultHasher::new();
            text.hash(&mut hasher);
            hasher.finish()
        };
        for text in &kinds {
            assert_eq!(text.as_str(), "Köln");
            assert_eq!(*text, "Köln");
            assert_eq!(text, &kinds[0]);
            assert_eq!(hash(text), hash(&kinds[0]));
            assert_eq!(text.clone().into_string(), "Köln");
            assert_eq!(format!("{text:?}"), "\"Köln\"");
        }
        let (a, b) = (Text::from("a"), Text::from_static("b"));
        assert_eq!(a.cmp(&b), core::cmp::Ordering::Less);
        assert_eq!(Text::default(), "");
    }

    #[test]
    fn a_shared_slice_must_lie_within_its_block_on_char_boundaries() {
        let block: Arc<str> = "Grüße".into();
        assert_eq!(Text::shared(&block, 0..2).unwrap(), "Gr");
        assert_eq!(Text::shared(&block, 2..4).unwrap(), "ü");
        assert_eq!(Text::shared(&block, 2..2).unwrap(), "");
        assert_eq!(Text::shared(&block, 0..block.len()).unwrap(), "Grüße");
        // Inside the two bytes of 'ü', past the end, backwards.
        assert!(Text::shared(&block, 0..3).is_none());
        assert!(Text::shared(&block, 0..block.len() + 1).is_none());
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = 4..2;
        assert!(Text::shared(&block, backwards).is_none());
    }

    #[test]
    fn a_text_is_no_bigger_than_a_string_in_a_prop_value() {
        use crate::props::PropValue;
        // The size it had with `Unicode(String)`: four words on 64-bit targets (the string's three
        // and the tag); on i686 the 16-byte GUID and the tag, 8-aligned for the i64, make 24.
        let with_string = if cfg!(target_pointer_width = "64") {
            32
        } else {
            24
        };
        assert_eq!(size_of::<PropValue>(), with_string);
    }
}
