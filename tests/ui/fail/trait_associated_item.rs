// Mistake: an associated type or constant in an interface trait.
// Why: the trait describes a vtable, and each of its items becomes a slot; a type or a constant
// has no slot.
// Fix: move the constant out of the trait (a `pub const` next to it), and use concrete types in
// the methods.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    const VERSION: u32;
    fn Ping(&self) -> HRESULT;
}

fn main() {}
