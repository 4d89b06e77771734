//! Property values as text, for transcripts.

use crate::provider::text::decode;
use crate::tags::{
    PROPERTY_TAGS, PT_BINARY, PT_BOOLEAN, PT_ERROR, PT_I8, PT_LONG, PT_STRING8, PT_UNICODE,
    prop_id, prop_type,
};
use crate::types::SPropValue;

use super::session::hresult_name;

/// The name of a property tag (`PR_DISPLAY_NAME_W`), preferring the explicit `_A`/`_W` name
/// of a text property over the headers' 8-bit default name.
pub fn tag_name(tag: u32) -> Option<&'static str> {
    let mut names = PROPERTY_TAGS
        .iter()
        .filter(|(_, value)| *value == tag)
        .map(|(name, _)| *name);
    let first = names.next()?;
    Some(
        names
            .find(|name| name.ends_with("_A") || name.ends_with("_W"))
            .unwrap_or(first),
    )
}

/// A tag for a transcript: its name, the name of the property a `PT_ERROR` entry stands for
/// (`PR_SUBJECT_W (PT_ERROR)`), or its hex value.
pub fn describe_tag(tag: u32) -> String {
    if let Some(name) = tag_name(tag) {
        return name.to_owned();
    }
    let same_id = PROPERTY_TAGS
        .iter()
        .find(|(_, value)| prop_id(*value) == prop_id(tag));
    match same_id {
        Some((name, _)) if prop_type(tag) == PT_ERROR => format!("{name} (PT_ERROR)"),
        _ => format!("0x{tag:08X}"),
    }
}

/// `value` as text: strings quoted, binaries in hex, errors by name.
///
/// # Safety
///
/// `value`'s union member and pointers must match its tag's type.
pub unsafe fn describe_value(value: &SPropValue) -> String {
    // SAFETY: the caller's contract: the union member read is the one the tag's type selects, and
    // its pointers are valid.
    unsafe {
        match prop_type(value.ulPropTag) {
            PT_LONG => format!("{} (0x{:08X})", value.Value.l, value.Value.ul),
            PT_ERROR => format!(
                "error {}",
                hresult_name(windows_core::HRESULT(value.Value.err))
            ),
            PT_BOOLEAN => (value.Value.b != 0).to_string(),
            PT_I8 => value.Value.li.to_string(),
            PT_STRING8 => format!(
                "{:?}",
                decode(value.Value.lpszA.cast(), false).unwrap_or_default()
            ),
            PT_UNICODE => format!(
                "{:?}",
                decode(value.Value.lpszW.cast(), true).unwrap_or_default()
            ),
            PT_BINARY => {
                let bin = value.Value.bin;
                let bytes = if bin.lpb.is_null() {
                    &[][..]
                } else {
                    core::slice::from_raw_parts(bin.lpb, bin.cb as usize)
                };
                let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
                format!("{} bytes {hex}", bytes.len())
            }
            other => format!("(type 0x{other:04X})"),
        }
    }
}
