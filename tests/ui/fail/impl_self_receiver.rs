// Mistake: implementing a method with `&self`, as it is declared in the interface.
// Why: the implementer trait's methods receive the whole COM object, `this: &Object<Self>`, so
// that they can hand out interface pointers to it (`this.to_interface()`); it dereferences to
// the struct.
// Fix: `unsafe fn Ping(this: &Object<Self>) -> HRESULT`, and use `this.field` as `self.field`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Ping(&self) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
