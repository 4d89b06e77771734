// Mistakes: an option `#[mapi_interface]` does not have, a method both `#[required]` and given a
// `#[default(..)]`, `#[bytes]` on a parameter that is not a pointer and on a method that does not
// return an HRESULT.
// Why: after the IID the attribute takes `default = CODE` and `thread_affine`; a method with a
// default may be left out, a required one may not; `#[bytes(cb)]` names the count of the pointer
// the C header passes, and a NULL pointer with a count is refused with an HRESULT.
// Fix: as each message says.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11", agile)]
pub unsafe trait IFoo: IUnknown {
    #[required]
    #[default(HRESULT(0))]
    fn Ping(&self) -> HRESULT;
    fn Open(&self, #[bytes(cbEntryID)] lpEntryID: u32) -> HRESULT;
    fn Count(&self, #[bytes(cbData)] lpData: *mut u8) -> u32;
}

fn main() {}
