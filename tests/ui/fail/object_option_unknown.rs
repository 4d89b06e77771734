// Mistake: an option of `#[mapi_object]` misspelt (`hmoe` for `home`).
// Why: besides the interfaces, the attribute takes only `home = Type`, the block the object
// lives in.
// Fix: `#[mapi_object(IFoo, home = First<Shared>)]`, or no option for an object of its own.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

#[mapi_object(IFoo, hmoe = Foo)]
struct Foo;

fn main() {}
