// Mistake: the IID written as a number (or as `GUID::from_u128(..)`) instead of a string literal.
// Why: the macro reads the IID itself, to check it and to print it in the docs.
// Fix: write it as the header does, in a string: #[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface(0x6E2A3F10_6B2C_4F5E_9A61_0C7D2E9B4A11)]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
