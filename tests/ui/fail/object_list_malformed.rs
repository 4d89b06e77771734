// Mistake: the interface list written with a missing comma (or as strings).
// Why: the attribute takes the interface types themselves, separated by commas.
// Fix: `#[mapi_object(IFoo, IBar)]`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A12")]
pub unsafe trait IBar: IUnknown {
    fn Pong(&self) -> HRESULT;
}

#[mapi_object(IFoo IBar)]
struct Foo;

fn main() {}
