//! Collects every problem found, each at its own span, so the user sees them all at once.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    /// Records `message` at the span of `tokens`.
    pub fn at(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.0.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error syn already built.
    pub fn push(&mut self, error: syn::Error) {
        self.0.push(error);
    }

    /// How many problems are recorded, to tell whether a step found any.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `compile_error!`s for every problem, followed by `keep` (what should still be emitted).
    pub fn into_compile_errors(self, keep: TokenStream) -> TokenStream {
        let mut out: TokenStream = self.0.iter().map(syn::Error::to_compile_error).collect();
        out.extend(keep);
        out
    }
}
