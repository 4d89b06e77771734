// Mistake: an implementation that leaves out a method.
// Why: every vtable slot needs a function; there are no default methods.
// Fix: implement every method of the interface; return `MAPI_E_NO_SUPPORT` from
// those the provider does not support.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
    fn Pong(&self) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Ping(_: &Object<Self>) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
