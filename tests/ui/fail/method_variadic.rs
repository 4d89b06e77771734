// Mistake: a C-variadic method (`...`).
// Why: no MAPI interface method is variadic, and a Rust implementation could not read the
// arguments through a vtable thunk.
// Fix: pass a count and a pointer to an array: `fn Set(&self, cValues: u32, lpValues: *const u32)`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Set(&self, count: u32, args: ...) -> HRESULT;
}

fn main() {}
