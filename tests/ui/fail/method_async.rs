// Mistake: an `async` method.
// Why: a vtable call is synchronous: the caller expects the result when the call returns, and
// has no way to poll a future.
// Fix: a plain `fn`; do the work before returning (MAPI's own asynchronous operations are
// separate interfaces, such as IMAPIProgress or notifications).
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    async fn Refresh(&self) -> HRESULT;
}

fn main() {}
