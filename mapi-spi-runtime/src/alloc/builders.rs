//! Builders for what providers return most through out-parameters: strings, binaries, entry
//! IDs, `SPropTagArray`, `SPropProblemArray` and `MAPIERROR` (property values are in
//! [`props`](super::props)).
//!
//! # Strategy: one host call per result
//!
//! Each builder measures everything first, then makes a single `MAPIAllocateBuffer` for the
//! whole result and writes the structure and its strings into that one block, the way MAPI's
//! own `ScCopyProps` does. Compared with a root plus one `MAPIAllocateMore` per string, this is
//! one host call instead of several (host allocators such as Wine's walk a list on every
//! `MAPIAllocateMore`), there is no half-built state to unwind on failure, and the host still
//! frees everything with one `MAPIFreeBuffer`. Consumers cannot tell the difference: MAPI
//! forbids freeing the parts of a result separately. The one exception is a row set
//! ([`props::rows`](super::props::rows)), whose rows MAPI requires to be roots of their own.
//!
//! Inside the block, parts are placed largest alignment first (structures, then UTF-16, then
//! bytes), so each is naturally aligned relative to the block. The host only promises pointer
//! alignment for the block itself (4 bytes on 32-bit), so every write is unaligned-safe (see
//! [`buffer`](super::buffer)).
//!
//! Text must not contain NUL: MAPI strings end at the first NUL, so a string with an inner NUL
//! would reach the caller cut short. Builders refuse it with `MAPI_E_INVALID_PARAMETER`.

use windows_core::Error;

use super::buffer::RootBuf;
use super::set::AllocatorSet;
use crate::codes::{MAPI_E_INVALID_PARAMETER, MAPI_E_NOT_ENOUGH_MEMORY};
use crate::flags::MAPI_UNICODE;
use crate::types::{
    LPTSTR, MAPI_ERROR_VERSION, MAPIERROR, SPropProblem, SPropProblemArray, SPropTagArray,
    cb_new_entryid, cb_new_spropproblemarray, cb_new_sproptagarray,
};

/// A block's layout being measured: each part gets the next offset with its alignment.
#[derive(Default)]
pub(crate) struct Plan {
    size: usize,
}

impl Plan {
    /// The offset of a part of `bytes` bytes aligned to `align` (relative to the block).
    pub(crate) fn take(&mut self, bytes: usize, align: usize) -> crate::com::Result<usize> {
        let start = self
            .size
            .checked_next_multiple_of(align)
            .ok_or_else(too_big)?;
        self.size = start.checked_add(bytes).ok_or_else(too_big)?;
        Ok(start)
    }

    /// The offset of an array of `n` values of `T`.
    pub(crate) fn array<T>(&mut self, n: usize) -> crate::com::Result<usize> {
        let bytes = size_of::<T>().checked_mul(n).ok_or_else(too_big)?;
        self.take(bytes, align_of::<T>())
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }
}

/// What a result too big to describe in a `ULONG`-sized block is.
pub(crate) fn too_big() -> Error {
    Error::from_hresult(MAPI_E_NOT_ENOUGH_MEMORY)
}

pub(crate) fn invalid() -> Error {
    Error::from_hresult(MAPI_E_INVALID_PARAMETER)
}

/// The character width of `LPTSTR` strings in a call, from its `ulFlags`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// UTF-16 (`MAPI_UNICODE` set).
    Unicode,
    /// 8-bit. Rust text is converted by replacing every non-ASCII character with `?`: the
    /// caller's code page is unknown here, and ASCII reads the same in all of them.
    Ansi,
}

impl Charset {
    pub fn from_flags(ul_flags: u32) -> Self {
        if ul_flags & MAPI_UNICODE != 0 {
            Charset::Unicode
        } else {
            Charset::Ansi
        }
    }
}

/// A NUL-terminated string of `text` in `charset`, planned then written into one block.
pub(crate) struct Text<'a> {
    text: &'a str,
    charset: Charset,
    /// Code units, without the NUL.
    units: usize,
}

impl<'a> Text<'a> {
    pub(crate) fn new(text: &'a str, charset: Charset) -> crate::com::Result<Self> {
        let (utf16_units, nul) = utf16_len(text);
        if nul {
            return Err(invalid());
        }
        let units = match charset {
            Charset::Unicode => utf16_units,
            Charset::Ansi => text.chars().count(),
        };
        Ok(Self {
            text,
            charset,
            units,
        })
    }

    /// Reserves the string in `plan`; returns its offset.
    pub(crate) fn plan(&self, plan: &mut Plan) -> crate::com::Result<usize> {
        match self.charset {
            Charset::Unicode => plan.array::<u16>(self.units + 1),
            Charset::Ansi => plan.array::<u8>(self.units + 1),
        }
    }

    pub(crate) fn write(&self, root: &RootBuf, offset: usize) {
        match self.charset {
            Charset::Unicode => {
                write_utf16(root, offset, self.text);
            }
            Charset::Ansi => {
                let mut at = offset;
                for c in self.text.chars() {
                    root.write(at, if c.is_ascii() { c as u8 } else { b'?' });
                    at += 1;
                }
                root.write(at, 0u8);
            }
        }
    }
}

/// The length of `text` in UTF-16 code units, and whether it holds a NUL: no decoding. ASCII
/// text, the usual kind (names, addresses), is one unit per byte: 16 bytes at a time, every
/// byte looked at with no early exit, tell whether a block is ASCII without NUL in a few vector
/// instructions (less than `is_ascii` then `memchr`'s setup, for short texts). Otherwise one
/// pass over its bytes that the compiler vectorises ([`encoded_utf16_len`]).
// Inlined: for the usual text it is a few vector instructions, less than a call and the
// registers saved around it.
#[inline]
pub(crate) fn utf16_len(text: &str) -> (usize, bool) {
    if is_plain_ascii(text.as_bytes()) {
        return (text.len(), false);
    }
    encoded_utf16_len(text)
}

/// [`utf16_len`] of text that is not plain ASCII: a character is one unit, two beyond the
/// BMP; in UTF-8 (a `str` is valid UTF-8) each character has one byte that is not a
/// continuation byte (`10xxxxxx`), and those beyond the BMP start with `11110xxx`.
#[inline(never)]
fn encoded_utf16_len(text: &str) -> (usize, bool) {
    let (units, least) = text
        .as_bytes()
        .iter()
        .fold((0usize, u8::MAX), |(units, least), &byte| {
            let starts = usize::from(byte & 0xC0 != 0x80) + usize::from(byte >= 0xF0);
            (units + starts, least.min(byte))
        });
    (units, least == 0)
}

/// Whether every byte is ASCII and none is NUL: in blocks of 16 bytes, the last overlapping
/// the one before it (8 or 4 bytes twice, overlapping, for a shorter text), as
/// [`widen_ascii`] reads them: a tail of a few bytes folded one by one cost more than the
/// blocks before it.
// Always inlined: it is the whole of `utf16_len` for the usual text, which the builders
// measure once per string.
#[inline(always)]
fn is_plain_ascii(bytes: &[u8]) -> bool {
    // A byte is plain ASCII when it is 1..=0x7F: neither it nor `byte - 1` (0 wraps to 0xFF)
    // has its high bit set.
    #[inline(always)]
    fn plain<const N: usize>(bytes: &[u8], at: usize) -> bool {
        let block: &[u8; N] = bytes[at..at + N].try_into().expect("N bytes");
        block
            .iter()
            .fold(0u8, |any, &byte| any | byte | byte.wrapping_sub(1))
            & 0x80
            == 0
    }
    let len = bytes.len();
    if len < 16 {
        return if len >= 8 {
            plain::<8>(bytes, 0) && plain::<8>(bytes, len - 8)
        } else if len >= 4 {
            plain::<4>(bytes, 0) && plain::<4>(bytes, len - 4)
        } else {
            bytes.iter().all(|&byte| byte.wrapping_sub(1) < 0x7F)
        };
    }
    let (blocks, tail) = bytes.as_chunks::<16>();
    blocks.iter().all(|block| plain::<16>(block, 0))
        && (tail.is_empty() || plain::<16>(bytes, len - 16))
}

/// Writes `text` as UTF-16 and a NUL at `offset`; returns its length in code units (without
/// the NUL). Panics if it does not fit.
///
/// ASCII text, the usual kind, is widened 16 bytes at a time, each block checked as it is read
/// (no separate pass to tell whether it is ASCII: the builder measured it already, but keeps no
/// note per string); the first block that is not ASCII hands the rest to [`write_encoded`].
/// Nothing is written before it is known to be ASCII, so a text that is not never writes past
/// its own units.
#[inline]
pub(crate) fn write_utf16(root: &RootBuf, offset: usize, text: &str) -> usize {
    // Units that fit before the NUL.
    let room = root
        .len()
        .checked_sub(offset)
        .and_then(|bytes| (bytes / size_of::<u16>()).checked_sub(1))
        .unwrap_or_else(|| utf16_past_end());
    let start = root.ptr_at(offset).cast::<u16>();
    let bytes = text.as_bytes();
    // ASCII text is one unit per byte: more bytes than room is text that is not ASCII (or
    // does not fit, which the general path finds).
    let widened = if bytes.len() <= room {
        // SAFETY: `bytes.len() <= room` units from `start` are in the block.
        unsafe { widen_ascii(bytes, start) }
    } else {
        0
    };
    if widened == bytes.len() {
        // SAFETY: the NUL is unit `bytes.len()` <= room, the last that fits.
        unsafe { start.add(widened).write_unaligned(0) };
        return widened;
    }
    // `widened` bytes are ASCII, so a character starts there.
    write_encoded(start, room, widened, &text[widened..])
}

/// Widens `bytes` to UTF-16 at `to` if they are all ASCII: in blocks of 16 bytes, each checked
/// then written (8 or 4 bytes, or one at a time, for a shorter text), the last block
/// overlapping the one before it rather than ending byte by byte. Returns `bytes.len()` if all
/// are ASCII, else how many were widened before the first block that is not (fewer).
///
/// Only checked ASCII bytes are written, and each is one unit: nothing is written past the
/// text's own units even when it is not ASCII.
///
/// # Safety
///
/// `to` is valid for unaligned writes of `bytes.len()` units.
#[inline(always)]
unsafe fn widen_ascii(bytes: &[u8], to: *mut u16) -> usize {
    /// The `N` bytes of `bytes` at `at` (`at + N <= bytes.len()`).
    #[inline(always)]
    fn block<const N: usize>(bytes: &[u8], at: usize) -> &[u8; N] {
        bytes[at..at + N].try_into().expect("N bytes")
    }
    let len = bytes.len();
    // SAFETY: each block of bytes `at..at + N` below is widened to units `at..at + N` of
    // `to`, within `len` (the caller's).
    unsafe {
        if len < 16 {
            let all = if len >= 8 {
                widen_block(block::<8>(bytes, 0), to)
                    && widen_block(block::<8>(bytes, len - 8), to.add(len - 8))
            } else if len >= 4 {
                widen_block(block::<4>(bytes, 0), to)
                    && widen_block(block::<4>(bytes, len - 4), to.add(len - 4))
            } else {
                widen_bytes(bytes, to)
            };
            return if all { len } else { 0 };
        }
        let (blocks, tail) = bytes.as_chunks::<16>();
        for (index, block) in blocks.iter().enumerate() {
            if !widen_block(block, to.add(index * 16)) {
                return index * 16;
            }
        }
        if !tail.is_empty() && !widen_block(block::<16>(bytes, len - 16), to.add(len - 16)) {
            return blocks.len() * 16;
        }
    }
    len
}

/// Widens `block` (of 4, 8 or 16 bytes) to UTF-16 at `to` if it is all ASCII; writes nothing
/// and returns false if not. With SSE2 (every x64 CPU, and the i686 targets' baseline): one
/// load, a mask of the high bits, unpacks with zero and one or two stores.
///
/// # Safety
///
/// `to` is valid for unaligned writes of `N` units.
#[cfg(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
))]
#[inline(always)]
unsafe fn widen_block<const N: usize>(block: &[u8; N], to: *mut u16) -> bool {
    #[cfg(target_arch = "x86")]
    use core::arch::x86::*;
    #[cfg(target_arch = "x86_64")]
    use core::arch::x86_64::*;
    const { assert!(N == 4 || N == 8 || N == 16) };
    let from = block.as_ptr();
    // SAFETY: SSE2 is on for the whole build (the `cfg`). Each load reads the `N` bytes of
    // `block` (the rest of the register is zero), each store `N` units at `to` (the
    // caller's); all unaligned.
    unsafe {
        let v = match N {
            16 => _mm_loadu_si128(from.cast()),
            8 => _mm_loadl_epi64(from.cast()),
            _ => _mm_cvtsi32_si128(from.cast::<i32>().read_unaligned()),
        };
        if _mm_movemask_epi8(v) != 0 {
            return false;
        }
        let zero = _mm_setzero_si128();
        let low = _mm_unpacklo_epi8(v, zero);
        match N {
            16 => {
                _mm_storeu_si128(to.cast(), low);
                _mm_storeu_si128(to.add(8).cast(), _mm_unpackhi_epi8(v, zero));
            }
            8 => _mm_storeu_si128(to.cast(), low),
            _ => _mm_storel_epi64(to.cast(), low),
        }
    }
    true
}

/// [`widen_block`] without SSE2: byte by byte.
///
/// # Safety
///
/// As [`widen_block`].
#[cfg(not(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2"
)))]
#[inline(always)]
unsafe fn widen_block<const N: usize>(block: &[u8; N], to: *mut u16) -> bool {
    // SAFETY: forwarded.
    unsafe { widen_bytes(block, to) }
}

/// Widens `bytes` to UTF-16 at `to` one at a time if they are all ASCII; writes nothing and
/// returns false if not.
///
/// # Safety
///
/// `to` is valid for unaligned writes of `bytes.len()` units.
#[inline(always)]
unsafe fn widen_bytes(bytes: &[u8], to: *mut u16) -> bool {
    if !bytes.is_ascii() {
        return false;
    }
    for (at, &byte) in bytes.iter().enumerate() {
        // SAFETY: at < bytes.len() (the caller's).
        unsafe { to.add(at).write_unaligned(u16::from(byte)) }
    }
    true
}

/// Writes `text` as UTF-16 from unit `units` of `start`, then a NUL; returns the units of the
/// whole string (without the NUL). Panics past `room` units. Out of line: text that is not
/// ASCII.
///
/// One pass: each unit's index is compared with the room left, instead of counting the units
/// first (a second pass over the text, which every `QueryRows` row with an accented subject
/// or name had).
#[inline(never)]
fn write_encoded(start: *mut u16, room: usize, mut units: usize, text: &str) -> usize {
    for unit in text.encode_utf16() {
        if units >= room {
            utf16_past_end();
        }
        // SAFETY: units < room, within the block (`write_utf16` checked `room`).
        unsafe { start.add(units).write_unaligned(unit) }
        units += 1;
    }
    // SAFETY: the NUL is unit `units` <= room, the last that fits.
    unsafe { start.add(units).write_unaligned(0) };
    units
}

#[cold]
#[inline(never)]
fn utf16_past_end() -> ! {
    panic!("UTF-16 text past the end of its block")
}

/// Rejects bytes that would end an 8-bit string early.
pub(crate) fn check_string8(bytes: &[u8]) -> crate::com::Result<()> {
    if bytes.contains(&0) {
        Err(invalid())
    } else {
        Ok(())
    }
}

/// A NUL-terminated UTF-16 string (`LPWSTR`). The block is `2 * (units + 1)` bytes.
pub fn unicode(allocators: &AllocatorSet, text: &str) -> crate::com::Result<RootBuf> {
    let text = Text::new(text, Charset::Unicode)?;
    let mut plan = Plan::default();
    let offset = text.plan(&mut plan)?;
    let root = allocators.allocate(plan.size())?;
    text.write(&root, offset);
    Ok(root)
}

/// A NUL-terminated 8-bit string (`LPSTR`) of `bytes`, already in the caller's code page.
/// The block is `bytes.len() + 1` bytes.
pub fn string8(allocators: &AllocatorSet, bytes: &[u8]) -> crate::com::Result<RootBuf> {
    check_string8(bytes)?;
    let root = allocators.allocate(bytes.len().checked_add(1).ok_or_else(too_big)?)?;
    root.write_slice(0, bytes);
    root.write(bytes.len(), 0u8);
    Ok(root)
}

/// A block holding a copy of `bytes` (for a `cb` + `LPBYTE` out-parameter pair such as the
/// spool security of `IMSProvider::Logon`).
pub fn binary(allocators: &AllocatorSet, bytes: &[u8]) -> crate::com::Result<RootBuf> {
    let root = allocators.allocate(bytes.len())?;
    root.write_slice(0, bytes);
    Ok(root)
}

/// An `ENTRYID` of `abFlags` then `ab`; its size (`cb`, `CbNewENTRYID`) is the block's
/// [`len`](RootBuf::len).
pub fn entry_id(
    allocators: &AllocatorSet,
    ab_flags: [u8; 4],
    ab: &[u8],
) -> crate::com::Result<RootBuf> {
    let root = allocators.allocate(cb_new_entryid(ab.len()))?;
    root.write_slice(0, &ab_flags);
    root.write_slice(core::mem::offset_of!(crate::types::ENTRYID, ab), ab);
    Ok(root)
}

/// An `SPropTagArray` of `tags`.
pub fn prop_tags(allocators: &AllocatorSet, tags: &[u32]) -> crate::com::Result<RootBuf> {
    let count = u32::try_from(tags.len()).map_err(|_| too_big())?;
    let root = allocators.allocate(cb_new_sproptagarray(tags.len()))?;
    root.write(core::mem::offset_of!(SPropTagArray, cValues), count);
    root.write_slice(core::mem::offset_of!(SPropTagArray, aulPropTag), tags);
    Ok(root)
}

/// An `SPropProblemArray` of `problems`, for the `lppProblems` of `SetProps`, `DeleteProps`
/// and `CopyTo`.
pub fn prop_problems(
    allocators: &AllocatorSet,
    problems: &[SPropProblem],
) -> crate::com::Result<RootBuf> {
    let count = u32::try_from(problems.len()).map_err(|_| too_big())?;
    let root = allocators.allocate(cb_new_spropproblemarray(problems.len()))?;
    root.write(core::mem::offset_of!(SPropProblemArray, cProblem), count);
    root.write_slice(core::mem::offset_of!(SPropProblemArray, aProblem), problems);
    Ok(root)
}

/// The fields of a `MAPIERROR` (`ulVersion` is always `MAPI_ERROR_VERSION`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrorInfo<'a> {
    /// `lpszError`: what went wrong, for the user. `None` is NULL.
    pub error: Option<&'a str>,
    /// `lpszComponent`: the provider's name (the docs advise at most 30 characters).
    pub component: Option<&'a str>,
    /// `ulLowLevelError`: a lower-level code (a Win32 or server error), or 0.
    pub low_level_error: u32,
    /// `ulContext`: where in the component the error arose.
    pub context: u32,
}

/// A `MAPIERROR` with its strings, for a `GetLastError` or an `lppMAPIError` out-parameter.
/// The strings are UTF-16 if `ul_flags` has `MAPI_UNICODE`, else 8-bit (see [`Charset`]).
pub fn mapi_error(
    allocators: &AllocatorSet,
    info: &ErrorInfo<'_>,
    ul_flags: u32,
) -> crate::com::Result<RootBuf> {
    let charset = Charset::from_flags(ul_flags);
    let error = info.error.map(|s| Text::new(s, charset)).transpose()?;
    let component = info.component.map(|s| Text::new(s, charset)).transpose()?;
    let mut plan = Plan::default();
    let header = plan.array::<MAPIERROR>(1)?;
    let error_at = error.as_ref().map(|t| t.plan(&mut plan)).transpose()?;
    let component_at = component.as_ref().map(|t| t.plan(&mut plan)).transpose()?;
    let root = allocators.allocate(plan.size())?;
    let string = |text: &Option<Text<'_>>, at: Option<usize>| -> LPTSTR {
        match (text, at) {
            (Some(text), Some(at)) => {
                text.write(&root, at);
                root.ptr_at(at).cast()
            }
            _ => core::ptr::null_mut(),
        }
    };
    let error = string(&error, error_at);
    let component = string(&component, component_at);
    // MAPIERROR is not `Copy`, so its fields are written one by one.
    use core::mem::offset_of;
    root.write(
        header + offset_of!(MAPIERROR, ulVersion),
        MAPI_ERROR_VERSION,
    );
    root.write(header + offset_of!(MAPIERROR, lpszError), error);
    root.write(header + offset_of!(MAPIERROR, lpszComponent), component);
    root.write(
        header + offset_of!(MAPIERROR, ulLowLevelError),
        info.low_level_error,
    );
    root.write(header + offset_of!(MAPIERROR, ulContext), info.context);
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::{utf16_len, write_utf16};
    use crate::alloc::AllocatorSet;

    /// What `write_utf16` wrote at the start of a block of exactly `text`'s size (units and
    /// NUL), read back.
    fn written(text: &str) -> Vec<u16> {
        let units = text.encode_utf16().count();
        let root = AllocatorSet::native().allocate((units + 1) * 2).unwrap();
        assert_eq!(write_utf16(&root, 0, text), units);
        let start = root.as_ptr().cast::<u16>();
        // SAFETY: the block holds `units + 1` units, all written.
        (0..=units)
            .map(|at| unsafe { start.add(at).read_unaligned() })
            .collect()
    }

    #[test]
    fn write_utf16_fills_a_block_of_the_exact_size() {
        for text in ["", "IPM.Note", "Grüße aus Köln", "€ 5", "𝄞 clef, 😀"] {
            let expected: Vec<u16> = text.encode_utf16().chain([0]).collect();
            assert_eq!(written(text), expected, "{text:?}");
        }
    }

    /// Texts of every length up to three 16-byte blocks and a bit, all ASCII or with one
    /// character that is not at each position: the widening's blocks, overlapping last blocks
    /// and hand-over to encoding all write what encoding would, and nothing after the NUL
    /// (the next part of a block may be written already).
    #[test]
    fn write_utf16_writes_each_length_and_mix_exactly_and_nothing_past_it() {
        const GUARD: u16 = 0xA5A5;
        let mut texts = Vec::new();
        for len in 0..=52 {
            let ascii: String = (0..len)
                .map(|at| char::from(b'A' + (at % 26) as u8))
                .collect();
            for other in ["é", "€", "😀", "\u{7F}"] {
                for at in 0..=len {
                    texts.push(format!("{}{other}{}", &ascii[..at], &ascii[at..]));
                }
            }
            texts.push(ascii);
        }
        for text in &texts {
            let expected: Vec<u16> = text.encode_utf16().chain([0]).collect();
            // At an odd unit offset, with guard units after, as in a block of several parts.
            let offset = 2;
            let units = offset + expected.len() + 24;
            let root = AllocatorSet::native().allocate(units * 2).unwrap();
            root.write_slice(0, &vec![GUARD; units]);
            assert_eq!(
                write_utf16(&root, offset * 2, text),
                expected.len() - 1,
                "{text:?}"
            );
            let start = root.as_ptr().cast::<u16>();
            // SAFETY: the block holds `units` units, all written (guards or text).
            let read: Vec<u16> = (0..units)
                .map(|at| unsafe { start.add(at).read_unaligned() })
                .collect();
            assert_eq!(&read[offset..offset + expected.len()], expected, "{text:?}");
            assert!(
                read[..offset]
                    .iter()
                    .chain(&read[offset + expected.len()..])
                    .all(|&unit| unit == GUARD),
                "{text:?}: written outside its units"
            );
        }
    }

    #[test]
    #[should_panic(expected = "past the end of its block")]
    fn write_utf16_stops_at_the_end_of_its_block() {
        // Room for "Grüß" and its NUL, not for "Grüße".
        let root = AllocatorSet::native().allocate(5 * 2).unwrap();
        write_utf16(&root, 0, "Grüße");
    }

    #[test]
    #[should_panic(expected = "past the end of its block")]
    fn write_utf16_of_ascii_stops_at_the_end_of_its_block() {
        let root = AllocatorSet::native().allocate(3 * 2).unwrap();
        write_utf16(&root, 2, "ab");
    }

    #[test]
    fn utf16_len_counts_as_encoding_does() {
        for text in [
            "",
            "IPM.Note",
            "Grüße aus Köln",
            "€ 5",
            "𝄞 clef, 😀",
            "a\0b",
            "Grü\0ße",
            "\u{7F}\u{80}",
            // Across 16-byte blocks: a NUL or a non-ASCII character in the tail or a block.
            "0123456789abcdefghij",
            "0123456789abcdef\0",
            "0123456789abcdefé",
            "01234\0abcdefghijkl",
            "01234é6789abcdefghij",
            "\u{80}123456789abcdefghij",
        ] {
            assert_eq!(
                utf16_len(text),
                (text.encode_utf16().count(), text.contains('\0')),
                "{text:?}"
            );
        }
    }

    /// Every length a block, an overlapping pair of blocks or the bytes one by one measure,
    /// with a NUL or a character that is not ASCII at each place: none goes unseen.
    #[test]
    fn utf16_len_sees_a_nul_or_wide_character_anywhere() {
        for len in 0..=40 {
            let ascii = "x".repeat(len);
            assert_eq!(utf16_len(&ascii), (len, false), "{len} ASCII");
            for at in 0..len {
                let mut nul = ascii.clone().into_bytes();
                nul[at] = 0;
                let nul = String::from_utf8(nul).unwrap();
                assert_eq!(utf16_len(&nul), (len, true), "NUL at {at} of {len}");
                let wide = format!("{}é{}", &ascii[..at], &ascii[at + 1..]);
                assert_eq!(utf16_len(&wide), (len, false), "é at {at} of {len}");
                let rubout = format!("{}\u{7F}{}", &ascii[..at], &ascii[at + 1..]);
                assert_eq!(utf16_len(&rubout), (len, false), "DEL at {at} of {len}");
            }
        }
    }
}
