// Mistake: `Option<&T>` where `T` is not an interface.
// Why: `Option<&IFoo>` is the one borrowed form the thunk converts: a nullable interface pointer.
// Any other `Option<&T>` has no C counterpart the thunk could convert.
// Fix: `Option<&IFoo>` with `IFoo` a COM interface, or `*const T` for a pointer to data.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn SetLimit(&self, limit: Option<&u32>) -> HRESULT;
}

fn main() {}
