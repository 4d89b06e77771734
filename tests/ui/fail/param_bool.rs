// Mistake: `bool` as a parameter.
// Why: Rust's `bool` is one byte and must be 0 or 1; the Windows BOOL is a four-byte `int`
// where any non-zero value means true. A caller passing BOOL 2 would be undefined behaviour.
// Fix: `i32` (BOOL) and test `!= 0`, or a `u32` flags word, as MAPI usually does.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Enable(&self, on: bool) -> HRESULT;
}

fn main() {}
