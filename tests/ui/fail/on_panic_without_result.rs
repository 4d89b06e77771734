// Mistake: `#[on_panic(value)]` on a method that returns nothing.
// Why: `#[on_panic]` chooses the value returned when the implementation panics; a method
// without a result has nothing to return.
// Fix: remove `#[on_panic]`, or give the method a result (`-> HRESULT`).
use mapi_spi_runtime::{IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    #[on_panic(-1)]
    fn Reset(&self);
}

fn main() {}
