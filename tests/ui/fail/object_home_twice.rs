// Mistake: `home` given twice in one `#[mapi_object]`.
// Why: an object lives in one block: its own (no `home`) or one object of a `Pair`.
// Fix: keep one `home = ...`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A12")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo, home = Foo, home = Bar)]
struct Foo;

fn main() {}
