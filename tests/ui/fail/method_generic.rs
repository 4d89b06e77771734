// Mistake: a generic method.
// Why: a vtable slot is one function with one signature; a generic method would be a family of
// functions with no single slot.
// Fix: use the concrete C type, or a raw pointer (`*const c_void`) with a type or size parameter.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Get<T>(&self, #[out] value: *mut T) -> HRESULT;
}

fn main() {}
