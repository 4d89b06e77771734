// Mistake: implementing a derived interface but not its base.
// Why: the derived interface's vtable starts with its base's slots, which the base's
// implementer trait provides; `IDogImpl` requires `IAnimalImpl`.
// Fix: implement every interface of the chain: `impl IAnimalImpl for Rex { .. }` too.
use mapi_spi_runtime::{HRESULT, IUnknown, Object, mapi_interface, mapi_object};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IAnimal: IUnknown {
    fn Legs(&self, #[out] count: *mut u32) -> HRESULT;
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A12")]
pub unsafe trait IDog: IAnimal {
    fn Bark(&self) -> HRESULT;
}

#[mapi_object(IDog)]
struct Rex;

impl IDogImpl for Rex {
    unsafe fn Bark(_: &Object<Self>) -> HRESULT {
        HRESULT(0)
    }
}

fn main() {}
