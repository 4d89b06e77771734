// Mistake: listing an interface that is not declared (here, a typo).
// Why: the object's vtables are built from each listed interface's `#[mapi_interface]`
// declaration.
// Fix: list interfaces declared with `#[mapi_interface]`, and import them (`use ...::IFoo;`).
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFooo)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Ping(_: &Object<Self>) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
