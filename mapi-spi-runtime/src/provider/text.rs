//! Decoding the NUL-terminated `LPTSTR` strings of MAPI (arguments, `MAPIERROR` and property
//! strings), whose width the call's `MAPI_UNICODE` flag chooses.

use crate::types::LPTSTR;

/// Decodes a NUL-terminated `LPTSTR`: UTF-16 with `MAPI_UNICODE`, 8-bit otherwise (as UTF-8,
/// replacing invalid bytes: the ANSI code page of the host is not known here).
///
/// # Safety
///
/// `text` is NULL or a NUL-terminated string of the width `unicode` says.
pub unsafe fn decode(text: LPTSTR, unicode: bool) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: the caller's contract: a NUL-terminated string of the width `unicode` says.
    unsafe {
        if unicode {
            let start = text.cast::<u16>();
            let len = (0..).take_while(|&i| *start.add(i) != 0).count();
            Some(String::from_utf16_lossy(core::slice::from_raw_parts(
                start, len,
            )))
        } else {
            let start = text.cast::<u8>();
            let len = (0..).take_while(|&i| *start.add(i) != 0).count();
            Some(String::from_utf8_lossy(core::slice::from_raw_parts(start, len)).into_owned())
        }
    }
}
