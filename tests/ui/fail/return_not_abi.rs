// Mistake: a result type that cannot cross a vtable.
// Why: a vtable method returns an `HRESULT` or a register-sized value (`ULONG`, a pointer);
// `u64`, structs and Rust types have no agreed return convention in MAPI.
// Fix: return `HRESULT` (or `Result<()>`) and write the value through an out-parameter:
// `fn Size(&self, #[out] size: *mut u64) -> HRESULT;`.
use mapi_spi_runtime::{IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Size(&self) -> u64;
}

fn main() {}
