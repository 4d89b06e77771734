// Mistake: an interface method without a receiver, like an associated function.
// Why: every vtable slot is called with the interface pointer as its first argument.
// Fix: take `&self` first: `fn Create(&self, #[out] value: *mut u32) -> HRESULT;`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Create(#[out] value: *mut u32) -> HRESULT;
}

fn main() {}
