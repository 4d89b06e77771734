// Mistake: an attribute on a parameter other than `#[out]` (here `#[in_out]`).
// Why: `#[out]` is the only parameter attribute the macro knows: it makes the thunk clear the
// pointer if the method panics. Input and in-out parameters need no attribute.
// Fix: remove the attribute; keep `#[out]` for a `*mut T` the method only writes.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Update(&self, #[in_out] value: *mut u32) -> HRESULT;
}

fn main() {}
