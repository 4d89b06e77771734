// Mistake: a Rust struct passed by value as a parameter.
// Why: only types whose layout matches a C type can cross a vtable (`AbiSafe`): the integers,
// raw pointers, `GUID`, `HRESULT`, the runtime's `#[repr(C)]` MAPI structures, nullable
// `extern "system"` function pointers.
// Fix: pass the C type the header uses, usually a pointer to a `#[repr(C)]` structure:
// `position: *const Point`. If the header passes the structure by value, make it `#[repr(C)]`
// and declare it an ABI type: `unsafe impl mapi_spi_runtime::com::AbiSafe for Point {}`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[derive(Clone, Copy)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Move(&self, position: Point) -> HRESULT;
}

fn main() {}
