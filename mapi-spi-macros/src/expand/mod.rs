//! Code generation from checked models.
//!
//! - [`interface`]: the interface type, its vtable struct, IID, caller side and implementer trait;
//! - [`thunks`]: the `extern "system"` functions that turn a vtable call into a trait call;
//! - [`object`]: the vtable table, QueryInterface map and `Implements` impls of an object.

pub mod interface;
pub mod object;
pub mod thunks;

use proc_macro2::TokenStream;
use quote::quote;

/// The runtime crate, as generated code names it. The runtime names itself the same way
/// (`extern crate self as mapi_spi_runtime`), so its own declarations expand identically.
fn runtime() -> TokenStream {
    quote!(::mapi_spi_runtime)
}

/// [`runtime`] with every token at `span`. Inside `quote_spanned!`, an interpolated `#rt` keeps
/// its own (call-site) span, and rustc reports an unsatisfied bound on a path at the path's first
/// token: paths that should be reported at the user's token start with this instead.
fn runtime_at(span: proc_macro2::Span) -> TokenStream {
    quote::quote_spanned!(span=> ::mapi_spi_runtime)
}

/// Why an `unsafe` block or impl of the expansion is sound, as `#[doc = " SAFETY: ..."]` on the
/// statement or item that holds it: a `// SAFETY:` comment would not survive tokenizing, and this
/// way `cargo expand` shows it (as `/// SAFETY: ...`), where a reviewer reads the expansion. Doc
/// attributes on statements of a macro expansion draw no `unused_doc_comments` warning.
fn safety(reason: &str) -> TokenStream {
    let text = format!(" SAFETY: {reason}");
    quote!(#[doc = #text])
}

/// The base interface as code bodies name it: `<IFoo as MapiInterface>::Base`. `type Base = ...`
/// names the user's path, and its `MapiInterface` bound reports a base that is not an interface
/// at the user's token; the bodies (the thunks' base vtable, the checks) use the projection so
/// that such a base is not reported again by each of them. Signatures that rustdoc shows (the
/// vtable's base field, `Deref`, `From`) keep the user's path.
fn base(interface: &crate::model::Interface) -> TokenStream {
    let rt = runtime();
    let ident = &interface.ident;
    quote!(<#ident as #rt::com::MapiInterface>::Base)
}
