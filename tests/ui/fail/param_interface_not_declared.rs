// Mistake: `Option<&T>` with `T` a Rust type that is not a MAPI interface.
// Why: `Option<&IFoo>` is a borrowed interface pointer, NULL for `None`; the thunk converts the
// raw pointer the caller passes into it, which only works for a COM interface.
// Fix: `Option<&IFoo>` with `IFoo` declared with `#[mapi_interface]` (or `IUnknown`); for a
// pointer to data, `*const Point`.
// Reported twice at `Point`: by the macro's check ("not a MAPI interface", with the fix) and by
// the conversion of the argument (`Point: Interface`, windows-core's trait). Plain data such as
// `Option<&u32>` is caught by the macro itself: see `param_option_not_interface.rs`.
use mapi_spi_runtime::{HRESULT, IUnknown, mapi_interface};

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: IUnknown {
    fn Move(&self, position: Option<&Point>) -> HRESULT;
}

fn main() {}
