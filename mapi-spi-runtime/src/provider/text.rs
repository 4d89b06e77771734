//! Decoding the NUL-terminated `LPTSTR` strings of MAPI (arguments, `MAPIERROR` and property
//! strings), whose width the call's `MAPI_UNICODE` flag chooses.

use crate::types::LPTSTR;

/// Decodes a NUL-terminated `LPTSTR`: UTF-16 with `MAPI_UNICODE`, 8-bit otherwise (as UTF-8,
/// replacing invalid bytes: the ANSI code page of the host is not known here).
///
/// # Safety
///
/// `text` is NULL or a NUL-terminated string of the width `unicode` says.
// `#[inline]`: NULL, which MAPI passes for most optional strings (a logon's profile name among
// them), costs its caller a test instead of a call.
#[inline]
pub unsafe fn decode(text: LPTSTR, unicode: bool) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: not NULL, so a NUL-terminated string of that width (the caller's contract).
    Some(unsafe { decode_text(text, unicode) })
}

/// Decodes a NUL-terminated `LPTSTR` as [`decode`] does.
///
/// # Safety
///
/// `text` is a NUL-terminated string of the width `unicode` says.
unsafe fn decode_text(text: LPTSTR, unicode: bool) -> String {
    // SAFETY: the caller's contract: a NUL-terminated string of the width `unicode` says.
    unsafe {
        if unicode {
            let start = text.cast::<u16>();
            let len = (0..).take_while(|&i| *start.add(i) != 0).count();
            String::from_utf16_lossy(core::slice::from_raw_parts(start, len))
        } else {
            let start = text.cast::<u8>();
            let len = (0..).take_while(|&i| *start.add(i) != 0).count();
            String::from_utf8_lossy(core::slice::from_raw_parts(start, len)).into_owned()
        }
    }
}
