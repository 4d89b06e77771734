// Mistake: extending an interface declared in another module, importing only the interface.
// Why: the derived interface's implementer trait `IDogImpl` extends the base's, `IAnimalImpl`,
// which the macro names next to the base: `IAnimal` -> `IAnimalImpl`, `animals::IAnimal` ->
// `animals::IAnimalImpl`.
// Fix: import both (`use animals::{IAnimal, IAnimalImpl};`), or write the base as a path that
// reaches both (`pub unsafe trait IDog: animals::IAnimal`).
mod animals {
    use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

    #[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
    pub unsafe trait IAnimal: IUnknown {
        fn Legs(&self, #[out] count: *mut u32) -> HRESULT;
    }
}

use animals::IAnimal;
use mapi_spi_runtime::{HRESULT, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A12")]
pub unsafe trait IDog: IAnimal {
    fn Bark(&self) -> HRESULT;
}

fn main() {}
