// Mistake: `#[mapi_interface]` without the interface's IID.
// Why: callers find an interface by its IID (QueryInterface); without one it cannot be asked for.
// Fix: give the IID of the C header's `DEFINE_GUID`/`DECLARE_INTERFACE`, as a string literal:
//     #[mapi_interface("00020310-0000-0000-C000-000000000046")]
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[mapi_interface]
pub unsafe trait IFoo: IUnknown {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
