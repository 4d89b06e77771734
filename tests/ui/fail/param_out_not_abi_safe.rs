// Mistake: an out-parameter pointing to a Rust type that is not an ABI type.
// Why: the caller owns the memory an out-parameter points to and reads it as a C type; the thunk
// also writes zeros there if the method panics, which is only valid for ABI types (`AbiSafe`).
// Fix: point to the C type the header uses: a `#[repr(C)]` structure from the runtime
// (`*mut FILETIME`), an integer (`*mut u32`), or a pointer the method allocates
// (`*mut *mut SPropValue`).
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[derive(Clone, Copy)]
pub struct Stats {
    pub count: u32,
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Stats(&self, #[out] stats: *mut Stats) -> HRESULT;
}

fn main() {}
