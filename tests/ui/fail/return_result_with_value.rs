// Mistake: `Result<u32>` as a method's result.
// Why: the method crosses the vtable returning one HRESULT; there is no room for a `u32` next
// to it. (`Result<SuccessCode>` is allowed: a warning such as MAPI_W_ERRORS_RETURNED is an
// HRESULT.)
// Fix: `Result<()>` and an out-parameter for the value:
// `fn Count(&self, #[out] count: *mut u32) -> Result<()>;`.
use mapi_spi_runtime::{IUnknown, Result, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Count(&self) -> Result<u32>;
}

fn main() {}
