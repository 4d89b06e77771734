// Mistake: an IID with a digit missing from its last group.
// Why: an IID is 32 hex digits in groups of 8-4-4-4-12; a typo here would silently make the
// interface unreachable, so the macro parses it at compile time.
// Fix: copy the IID exactly, braces optional: "6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11".
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A1")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
