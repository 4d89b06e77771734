// Mistake: the same interface listed twice.
// Why: each listed interface gets one vtable pointer in the object; QueryInterface would only
// ever answer with the first.
// Fix: list each interface once. A base need not be listed at all: listing `IDog` answers
// QueryInterface for its bases too.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo, IFoo)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Ping(_: &Object<Self>) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
