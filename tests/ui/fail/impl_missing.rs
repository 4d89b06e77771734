// Mistake: an object that lists an interface but does not implement it.
// Why: each vtable slot calls the implementation of the method on the struct.
// Fix: `impl IFooImpl for Foo { unsafe fn Ping(this: &Object<Self>) -> HRESULT { .. } }`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Foo;

fn main() {}
