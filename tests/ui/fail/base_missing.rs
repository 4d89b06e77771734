// Mistake: an interface without a base.
// Why: every COM vtable starts with its base's slots, at least IUnknown's QueryInterface, AddRef
// and Release.
// Fix: name the base: `pub unsafe trait IFoo: IUnknown` (or the interface it extends).
use mapi_spi_runtime::{HRESULT, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
