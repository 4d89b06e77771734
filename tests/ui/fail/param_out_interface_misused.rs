// Mistakes: `#[out(T)]` naming data rather than an interface; `#[out(IFoo)]` on something other
// than the `*mut *mut c_void` an interface is returned through; `#[out(IFoo)]` on a method that
// does not return an HRESULT.
// Why: the thunk hands the implementer an `InterfaceOut<'_, IFoo>`, a slot that takes a counted
// interface pointer. It answers a NULL slot with MAPI_E_INVALID_PARAMETER and releases what the
// slot holds when the method fails, which needs an HRESULT to answer and to read.
// Fix: `#[out(IMAPITable)] lppTable: *mut *mut c_void` on a method returning `HRESULT`;
// `#[out] lpValue: *mut u32` for data.
use core::ffi::c_void;
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Count(&self, #[out(u32)] lpCount: *mut *mut c_void) -> HRESULT;
    fn Table(&self, #[out(IFoo)] lpTable: *mut u32) -> HRESULT;
    fn Child(&self, #[out(IFoo)] lppChild: *mut *mut c_void) -> u32;
}

fn main() {}
