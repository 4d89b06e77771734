// Mistake: a slice as a parameter.
// Why: a Rust slice is a (pointer, length) pair in one argument; C passes an array as two.
// Fix: a count and a pointer, as MAPI does: `cValues: u32, lpValues: *const u32`; build the
// slice inside the method with `std::slice::from_raw_parts` after checking for NULL.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn SetValues(&self, values: &[u32]) -> HRESULT;
}

fn main() {}
