// Mistake: two bases, as Rust traits allow.
// Why: a COM vtable extends exactly one base's vtable; there is no multiple inheritance of
// vtables.
// Fix: extend one interface, and list the other separately on the object:
// `#[mapi_object(IFoo, IOther)]`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IOther: IUnknown {
    fn Other(&self) -> HRESULT;
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A12")]
pub unsafe trait IFoo: IUnknown + IOther {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
