// Mistake: a method with more than 16 parameters after `&self`.
// Why: the panic guard calls implementers through signatures of up to 16 parameters (MAPI's
// longest method, `IMAPISupport::DoCopyTo`, has 11).
// Fix: pass the others in a `#[repr(C)]` struct, through a pointer.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Fine(&self, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32, a6: u32, a7: u32, a8: u32,
        a9: u32, a10: u32, a11: u32, a12: u32, a13: u32, a14: u32, a15: u32, a16: u32) -> HRESULT;
    fn Long(&self, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32, a6: u32, a7: u32, a8: u32,
        a9: u32, a10: u32, a11: u32, a12: u32, a13: u32, a14: u32, a15: u32, a16: u32,
        a17: u32) -> HRESULT;
}

fn main() {}
