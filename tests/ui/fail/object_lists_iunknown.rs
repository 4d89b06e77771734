// Mistake: listing `IUnknown`.
// Why: every object implements IUnknown; its identity is the first listed interface's pointer.
// Fix: list only the interfaces beyond IUnknown: `#[mapi_object(IFoo)]`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IUnknown, IFoo)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Ping(_: &Object<Self>) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
