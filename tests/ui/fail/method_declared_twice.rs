// Mistake: two methods of one interface with the same name (an overload, as in C++).
// Why: each method is one vtable slot, named in the vtable struct and the implementer trait;
// Rust has no overloading.
// Fix: name each slot as the header does (MAPI uses distinct names), or remove the duplicate.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Open(&self, flags: u32) -> HRESULT;
    fn Open(&self, flags: u32, #[out] handle: *mut usize) -> HRESULT;
}

fn main() {}
