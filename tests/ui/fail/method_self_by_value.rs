// Mistake: `self` by value.
// Why: a vtable method borrows the object; ownership of a COM object is counted with AddRef and
// Release, never moved into a call.
// Fix: take `&self`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Close(self) -> HRESULT;
}

fn main() {}
