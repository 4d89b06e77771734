// Mistake: `#[out]` on a parameter that is not a `*mut` pointer.
// Why: an out-parameter is the pointer the method writes its result through; `#[out]` tells the
// thunk to clear it (write zero or NULL) if the method panics, which needs a `*mut T`.
// Fix: `#[out] count: *mut u32`, and write through it: `unsafe { count.write(n) }`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Count(&self, #[out] count: u32) -> HRESULT;
}

fn main() {}
