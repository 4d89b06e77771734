//! 8-bit (`PT_STRING8`) text and its conversion to and from Unicode.
//!
//! MAPI's 8-bit strings are in the client's ANSI code page, which a provider cannot learn
//! through MAPI. The engine therefore stores 8-bit values as the bytes it was given and
//! converts only when a client asks for the other width, with one fixed rule:
//!
//! - **8-bit → Unicode** decodes Windows-1252 (the ANSI code page of Western-European and US
//!   Windows, and what MAPI's own Western installations use). Bytes below 0x80 are ASCII;
//!   0xA0–0xFF are U+00A0–U+00FF; 0x80–0x9F are the Windows-1252 punctuation (€, ‚, “, ™,
//!   ...), and the five bytes Windows-1252 leaves unassigned (0x81, 0x8D, 0x8F, 0x90, 0x9D)
//!   become the C1 controls of the same value, as Windows' `MultiByteToWideChar` does. Every
//!   byte string therefore decodes, and decodes to a distinct Unicode string.
//! - **Unicode → 8-bit** is the exact inverse: a character outside those 256 is an
//!   [`Unrepresentable`] error, never a `?`. The engine reports it as `MAPI_E_BAD_CHARWIDTH`,
//!   the code `IMAPIProp::GetProps` documents for a string conversion it cannot make.
//!
//! So `decode(encode(s)) == s` whenever `encode` succeeds, and `encode(decode(b)) == b` for
//! every `b`: no conversion loses data without saying so. Guessing UTF-8 for bytes that
//! happen to be valid UTF-8 would break the second law (`"Ã©"` in Windows-1252 is the UTF-8
//! for `"é"`), so the engine never guesses.

use crate::codes::MAPI_E_BAD_CHARWIDTH;

/// The characters of bytes 0x80–0x9F in Windows-1252, unassigned bytes as their C1 control.
const HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// A character that has no byte in Windows-1252.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unrepresentable {
    /// The character.
    pub character: char,
    /// Its byte offset in the text.
    pub at: usize,
}

impl Unrepresentable {
    /// What MAPI calls it: `MAPI_E_BAD_CHARWIDTH`.
    pub fn code(&self) -> windows_core::HRESULT {
        MAPI_E_BAD_CHARWIDTH
    }
}

impl From<Unrepresentable> for windows_core::Error {
    fn from(error: Unrepresentable) -> Self {
        windows_core::Error::from_hresult(error.code())
    }
}

/// The byte of `c` in Windows-1252.
fn byte_of(c: char) -> Option<u8> {
    match u32::from(c) {
        // ASCII and Latin-1 above the C1 range map to themselves (the `as` keeps the low
        // byte, which is the whole value here).
        code @ (0..=0x7F | 0xA0..=0xFF) => Some(code as u8),
        _ => HIGH.iter().position(|&h| h == c).map(|i| 0x80 + i as u8),
    }
}

/// The character of `byte` in Windows-1252.
fn char_of(byte: u8) -> char {
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// 8-bit text as Unicode (Windows-1252; total, see the module documentation).
pub fn decode(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8 as it stands.
        return bytes.iter().map(|&b| char::from(b)).collect();
    }
    bytes.iter().map(|&b| char_of(b)).collect()
}

/// Unicode text as 8-bit (Windows-1252), or the first character that has no byte.
pub fn encode(text: &str) -> Result<Vec<u8>, Unrepresentable> {
    if text.is_ascii() {
        return Ok(text.as_bytes().to_vec());
    }
    text.char_indices()
        .map(|(at, character)| byte_of(character).ok_or(Unrepresentable { character, at }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_decodes_and_encodes_back() {
        let all: Vec<u8> = (0..=255).collect();
        let text = decode(&all);
        assert_eq!(text.chars().count(), 256, "one character per byte");
        assert_eq!(encode(&text).unwrap(), all);
    }

    #[test]
    fn windows_1252_punctuation_and_latin_1() {
        assert_eq!(decode(b"\x80 \x93caf\xe9\x94 \x99"), "€ “café” ™");
        assert_eq!(encode("€ “café” ™").unwrap(), b"\x80 \x93caf\xe9\x94 \x99");
    }

    #[test]
    fn characters_outside_the_code_page_are_an_error_not_a_question_mark() {
        let error = encode("ok 📌").unwrap_err();
        assert_eq!(
            error,
            Unrepresentable {
                character: '📌',
                at: 3
            }
        );
        assert_eq!(error.code(), MAPI_E_BAD_CHARWIDTH);
        // U+0080 is a C1 control with no byte: 0x80 is the euro sign.
        assert!(encode("\u{80}").is_err());
    }

    #[test]
    fn bytes_that_look_like_utf8_are_not_guessed() {
        assert_eq!(decode("é".as_bytes()), "Ã©");
    }
}
