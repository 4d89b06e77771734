// Mistake: `#[mapi_object]` on an enum.
// Why: a COM object is one heap block with its vtable pointers, its reference count and a
// struct; the generated code places the value after the vtable pointers.
// Fix: put the enum in a field of a struct: `#[mapi_object(IFoo)] struct Foo { state: State }`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo)]
enum State {
    Open,
    Closed,
}

fn main() {}
