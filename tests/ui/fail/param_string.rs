// Mistake: a Rust string (`&str`, `String`) as a parameter.
// Why: MAPI strings are NUL-terminated arrays of 8-bit (LPSTR) or UTF-16 (LPWSTR) characters,
// passed as one pointer; a Rust string is UTF-8 with a length and no terminator.
// Fix: `*const u8` (LPSTR) or `*const u16` (LPWSTR), and convert inside the method.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn SetName(&self, name: &str) -> HRESULT;
}

fn main() {}
