// Mistake: a derived interface declares a method its base already has.
// Why: the derived method would take a new vtable slot, and in Rust it would hide the base's
// method on the derived pointer type; C callers would see a vtable the header does not describe.
// Fix: remove the repeated method (the base's slot is inherited), or give it the name the
// header gives the new slot.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IAnimal: IUnknown {
    fn Legs(&self, #[out] count: *mut u32) -> HRESULT;
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A12")]
pub unsafe trait IDog: IAnimal {
    fn Bark(&self) -> HRESULT;
    fn Legs(&self, #[out] count: *mut u32) -> HRESULT;
}

fn main() {}
