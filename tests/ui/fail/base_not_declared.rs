// Mistake: a base that is a COM interface, but not one declared with `#[mapi_interface]` (here
// windows-core's `IInspectable`, the WinRT base).
// Why: the macro builds this interface's vtable and implementer trait on top of the base's, which
// only `#[mapi_interface]` declarations (and `IUnknown`) provide.
// Fix: declare the base with `#[mapi_interface("<IID>")]` first, then extend it, or extend
// `IUnknown`.
// The compiler also reports that `IInspectableImpl` does not exist: the implementer trait of a
// derived interface extends the base's, named by appending `Impl`.
use mapi_spi_runtime::windows_core::IInspectable;
use mapi_spi_runtime::{HRESULT, mapi_interface};

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IInspectable {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
