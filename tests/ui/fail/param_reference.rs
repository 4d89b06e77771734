// Mistake: a Rust reference as a parameter.
// Why: a reference promises the callee a valid, aligned, non-NULL value for the whole call;
// a C caller makes no such promise, and MAPI passes NULL for optional arguments.
// Fix: a raw pointer, `*const T` (or `*mut T` for a buffer the method writes), and check it
// for NULL; `Option<&IFoo>` for an interface argument.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn SetLimit(&self, limit: &u32) -> HRESULT;
}

fn main() {}
