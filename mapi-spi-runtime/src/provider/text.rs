//! Text and buffers at the MAPI boundary: decoding `LPTSTR` arguments, and the buffers the
//! runtime returns through out-parameters (spool security, `MAPIERROR`), allocated with MAPI's
//! allocators so that the caller frees each with one `MAPIFreeBuffer`.

use core::ffi::c_void;

use super::Allocators;
use crate::types::{LPTSTR, MAPI_ERROR_VERSION, MAPIERROR};

/// `MAPI_UNICODE`: strings in this call are UTF-16.
pub const MAPI_UNICODE: u32 = 0x8000_0000;

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

/// A copy of `bytes` in one `MAPIAllocateBuffer` block; NULL if the allocation failed.
pub fn copy_to_host(allocators: &Allocators, bytes: &[u8]) -> *mut u8 {
    let block = allocate(allocators, bytes.len());
    if !block.is_null() {
        // SAFETY: the block has room for `bytes`.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), block, bytes.len()) };
    }
    block
}

/// One `MAPIAllocateBuffer` block of `size` bytes, or NULL (too large, or the host failed).
fn allocate(allocators: &Allocators, size: usize) -> *mut u8 {
    let (Ok(size), Some(allocate)) = (u32::try_from(size), allocators.allocate_buffer) else {
        return core::ptr::null_mut();
    };
    let mut block: *mut c_void = core::ptr::null_mut();
    // SAFETY: a MAPI allocator with a valid out-pointer.
    let hr = unsafe { allocate(size, &mut block) };
    if hr.is_ok() {
        block.cast()
    } else {
        core::ptr::null_mut()
    }
}

/// A `MAPIERROR` with its two strings, all in one `MAPIAllocateBuffer` block (one host call; the
/// strings follow the struct, whose size keeps them aligned). NULL if the allocation failed.
pub fn mapi_error(
    allocators: &Allocators,
    message: &str,
    component: &str,
    unicode: bool,
) -> *mut MAPIERROR {
    let encode = |text: &str| -> Vec<u8> {
        if unicode {
            text.encode_utf16()
                .chain([0])
                .flat_map(u16::to_ne_bytes)
                .collect()
        } else {
            text.bytes().chain([0]).collect()
        }
    };
    let (message, component) = (encode(message), encode(component));
    let header = size_of::<MAPIERROR>();
    let block = allocate(allocators, header + message.len() + component.len());
    if block.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: the block holds the header and both strings; MAPI blocks are pointer-aligned,
    // which is MAPIERROR's alignment, and `header` is a multiple of it (UTF-16 needs 2).
    unsafe {
        let text = block.add(header);
        core::ptr::copy_nonoverlapping(message.as_ptr(), text, message.len());
        let component_text = text.add(message.len());
        core::ptr::copy_nonoverlapping(component.as_ptr(), component_text, component.len());
        block.cast::<MAPIERROR>().write(MAPIERROR {
            ulVersion: MAPI_ERROR_VERSION,
            lpszError: text.cast(),
            lpszComponent: component_text.cast(),
            ulLowLevelError: 0,
            ulContext: 0,
        });
    }
    block.cast()
}
