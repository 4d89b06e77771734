// Mistake: a base that is an ordinary Rust trait, not a declared interface.
// Why: the base's vtable is the first part of this interface's vtable, so the base must be a
// COM interface: `IUnknown`, or a trait declared with `#[mapi_interface]`.
// Fix: extend `IUnknown` or a declared interface; an ordinary trait cannot be a base.
// Limit: a macro sees only tokens and cannot tell a trait from a type, so rustc reports this one,
// at the base: "cannot find trait `NamedImpl`" and "expected a type, found a trait". A base that
// is a type but not a declared interface gets the macro's own message (`base_not_declared.rs`).
use mapi_spi_runtime::{HRESULT, mapi_interface};

pub trait Named {
    fn name(&self) -> String;
}

#[mapi_interface("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")]
pub unsafe trait IFoo: Named {
    fn Ping(&self) -> HRESULT;
}

fn main() {}
