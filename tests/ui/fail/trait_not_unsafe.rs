// Mistake: `trait` instead of `unsafe trait`.
// Why: the declaration asserts a vtable layout (slot order, parameter types) that must match the
// C header, and the compiler cannot check that; `unsafe` marks the promise.
// Fix: `pub unsafe trait IFoo: IUnknown { .. }`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
