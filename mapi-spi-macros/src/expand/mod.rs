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
