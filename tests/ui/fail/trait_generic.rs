// Mistake: a generic interface.
// Why: an interface has one IID and one vtable layout; `IList<u32>` and `IList<u64>` would be two
// interfaces with the same IID.
// Fix: declare one interface per element type, each with its own IID, or pass untyped data as
// `*const c_void` with a size.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IList<T>: IUnknown {
    fn Get(&self, index: u32, #[out] item: *mut T) -> HRESULT;
}

fn main() {}
