// Mistake: a default body on an interface method, as Rust traits allow.
// Why: the trait only declares the vtable; implementations live in `impl IFooImpl for YourType`,
// where every method must be written (a vtable slot has no default).
// Fix: end the declaration with `;` and move the body to the implementation, taking
// `this: &Object<Self>` instead of `&self`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
