//! Property values as text, for transcripts.

use crate::props::{PropValue, Property};
use crate::tags::{PROPERTY_TAGS, PT_ERROR, prop_id, prop_type};
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

/// `value` as text: strings quoted, binaries in hex, errors by name, times as UTC dates.
pub fn describe(value: &PropValue) -> String {
    match value {
        PropValue::Long(n) => format!("{} (0x{n:08X})", *n as i32),
        PropValue::Error(code) => format!("error {}", hresult_name(*code)),
        PropValue::Boolean(b) => b.to_string(),
        PropValue::I8(n) => n.to_string(),
        PropValue::String8(bytes) => format!("{:?}", String::from_utf8_lossy(bytes)),
        PropValue::Unicode(text) => format!("{text:?}"),
        PropValue::Binary(bytes) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
            format!("{} bytes {hex}", bytes.len())
        }
        PropValue::SysTime(time) => {
            let ticks = (u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime);
            // 100 ns intervals since 1601 to seconds since 1970.
            let unix = (ticks / 10_000_000).saturating_sub(11_644_473_600);
            let (days, seconds) = (unix / 86_400, unix % 86_400);
            let (year, month, day) = civil_from_days(days as i64);
            format!(
                "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
                seconds / 3600,
                seconds % 3600 / 60,
                seconds % 60
            )
        }
        other => format!("(type 0x{:04X})", other.prop_type()),
    }
}

/// The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// A raw value as text, as [`describe`] writes it.
///
/// # Safety
///
/// `value`'s union member and pointers must match its tag's type.
pub unsafe fn describe_value(value: &SPropValue) -> String {
    // SAFETY: the caller's contract is `Property::from_raw`'s.
    match unsafe { Property::from_raw(value) } {
        Ok(prop) => describe(&prop.value),
        Err(_) => format!("(unreadable, type 0x{:04X})", prop_type(value.ulPropTag)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FILETIME;

    #[test]
    fn times_read_as_utc_dates() {
        // 2024-02-29 12:34:56 UTC: 1709210096 s after 1970, in 100 ns since 1601.
        let ticks = (1_709_210_096u64 + 11_644_473_600) * 10_000_000;
        let time = FILETIME {
            dwLowDateTime: ticks as u32,
            dwHighDateTime: (ticks >> 32) as u32,
        };
        assert_eq!(
            describe(&PropValue::SysTime(time)),
            "2024-02-29 12:34:56 UTC"
        );
        assert_eq!(describe(&PropValue::Long(u32::MAX)), "-1 (0xFFFFFFFF)");
    }
}
