// Mistake: `home = ` names a type that is not a home of COM objects.
// Why: the home says which block the object is in and what its last Release does: `Alone` (the
// default) or one of the two objects of a `Pair`.
// Fix: leave `home` out, or `home = First<S>` / `home = Second<S>` with `S: Shared` naming this
// type as its `First` / `Second`.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo, home = String)]
struct Foo;

impl IFooImpl for Foo {
    unsafe fn Ping(_: &Object<Self>) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
