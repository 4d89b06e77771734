// Mistake: an `#[on_panic]` value of the wrong type (here an integer for an `HRESULT` method).
// Why: the value is returned through the vtable as is, so it has the type the vtable slot
// returns: `HRESULT` for `HRESULT` and `Result` methods, the declared type otherwise.
// Fix: an `HRESULT` constant, `#[on_panic(MAPI_E_NOT_ENOUGH_MEMORY)]`, or `HRESULT(..)`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    #[on_panic(-1)]
    fn Ping(&self) -> HRESULT;
}

fn main() {}
