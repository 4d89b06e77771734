// Mistake: `&mut self`.
// Why: a COM object is shared: several callers and threads hold pointers to it at once, so no
// method can have exclusive access.
// Fix: take `&self`, and keep mutable state in a `Mutex`, `RwLock` or atomics in the struct.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn SetValue(&mut self, value: u32) -> HRESULT;
}

fn main() {}
