// Mistake: listing a type that is not a MAPI interface.
// Why: only interfaces declared with `#[mapi_interface]` have the vtable and implementer trait
// the object needs.
// Fix: list only interfaces; keep other types as fields of the struct.
// Every part of the object that uses the interface reports it, all at `String`; the message
// "`String` is not a MAPI interface" is the one to read.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo, String)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Ping(_: &Object<Self>) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
