//! Property values as text, for transcripts.

use crate::types::SPropValue;

use super::session::hresult_name;

/// The name of the property tags a store transcript shows most.
pub fn tag_name(tag: u32) -> Option<&'static str> {
    Some(match tag {
        0x3001_001E => "PR_DISPLAY_NAME_A",
        0x3001_001F => "PR_DISPLAY_NAME_W",
        0x0FFB_0102 => "PR_STORE_ENTRYID",
        0x0FFF_0102 => "PR_ENTRYID",
        0x0FF9_0102 => "PR_RECORD_KEY",
        0x0FFA_0102 => "PR_STORE_RECORD_KEY",
        0x340D_0003 => "PR_STORE_SUPPORT_MASK",
        0x0FFE_0003 => "PR_OBJECT_TYPE",
        0x3414_0102 => "PR_MDB_PROVIDER",
        0x3E04_0003 => "PR_STATUS_CODE",
        0x3E02_0003 => "PR_RESOURCE_METHODS",
        0x3006_001F => "PR_PROVIDER_DISPLAY_W",
        _ => return None,
    })
}

/// Reads a NUL-terminated 8-bit string.
///
/// # Safety
///
/// `text` is NULL or NUL-terminated.
pub unsafe fn ansi(text: *const u8) -> String {
    if text.is_null() {
        return String::new();
    }
    let bytes = unsafe { std::ffi::CStr::from_ptr(text.cast()) }.to_bytes();
    String::from_utf8_lossy(bytes).into_owned()
}

/// `value` as text: strings quoted, binaries in hex, errors by name.
///
/// # Safety
///
/// `value`'s union member and pointers must match its tag's type.
pub unsafe fn describe_value(value: &SPropValue) -> String {
    const PT_LONG: u32 = 0x0003;
    const PT_ERROR: u32 = 0x000A;
    const PT_BOOLEAN: u32 = 0x000B;
    const PT_I8: u32 = 0x0014;
    const PT_STRING8: u32 = 0x001E;
    const PT_UNICODE: u32 = 0x001F;
    const PT_BINARY: u32 = 0x0102;
    unsafe {
        match value.ulPropTag & 0xFFFF {
            PT_LONG => format!("{} (0x{:08X})", value.Value.l, value.Value.ul),
            PT_ERROR => format!(
                "error {}",
                hresult_name(windows_core::HRESULT(value.Value.err))
            ),
            PT_BOOLEAN => (value.Value.b != 0).to_string(),
            PT_I8 => value.Value.li.to_string(),
            PT_STRING8 => format!("{:?}", ansi(value.Value.lpszA)),
            PT_UNICODE => {
                let start = value.Value.lpszW;
                let len = (0..).take_while(|&i| *start.add(i) != 0).count();
                format!(
                    "{:?}",
                    String::from_utf16_lossy(core::slice::from_raw_parts(start, len))
                )
            }
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
