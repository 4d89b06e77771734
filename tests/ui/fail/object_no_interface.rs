// Mistake: `#[mapi_object]` with no interface.
// Why: an object with no interface would only answer QueryInterface for IUnknown, which no
// MAPI caller asks of a provider object.
// Fix: list the interfaces the object implements: `#[mapi_object(IFoo)]`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object]
struct Foo;

fn main() {}
