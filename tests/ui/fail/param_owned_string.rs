// Mistake: an owning Rust type (`String`, `Vec`, `Box`) as a parameter.
// Why: the callee cannot free memory the C caller allocated with its own allocator, and a C
// caller cannot build a Rust `String`.
// Fix: a raw pointer to the C data: `*const u16` (LPWSTR) for a string, a count and a pointer
// for an array.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn SetName(&self, name: String) -> HRESULT;
}

fn main() {}
