//! What the user asked for, as plain data. [`crate::parse`] builds it; [`crate::check`] validates
//! it; [`crate::expand`] reads only checked models. Every part keeps the user's tokens, so errors
//! and generated code point back at what the user wrote.

use proc_macro2::Span;
use syn::{Attribute, Expr, Ident, LitStr, Path, Token, Type, Visibility};

/// A trait under `#[mapi_interface("IID")]`.
pub struct Interface {
    /// Attributes other than the macro's own, such as docs: copied to the generated items.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub unsafety: Option<Token![unsafe]>,
    /// The `trait` keyword, where "not `unsafe`" is reported.
    pub trait_token: Token![trait],
    pub ident: Ident,
    /// `None` when it is missing or malformed (reported by the parser).
    pub iid: Option<Iid>,
    /// The supertraits as written; exactly one is expected.
    pub bases: Vec<Path>,
    /// The generics, if any were written (`<T>` and the where clause), to point at.
    pub generics: Option<syn::Generics>,
    pub methods: Vec<Method>,
}

pub struct Iid {
    pub literal: LitStr,
    pub value: u128,
}

impl Interface {
    /// The IID, once checked.
    pub fn iid(&self) -> &Iid {
        self.iid.as_ref().expect("checked IID")
    }

    /// The base interface, once checked.
    pub fn base(&self) -> &Path {
        &self.bases[0]
    }

    /// Whether the base is `IUnknown`, whose vtable part comes from the runtime rather than from
    /// a `#[mapi_interface]` expansion.
    pub fn base_is_unknown(&self) -> bool {
        self.base()
            .segments
            .last()
            .is_some_and(|s| s.ident == "IUnknown")
    }
}

pub struct Method {
    pub attrs: Vec<Attribute>,
    pub ident: Ident,
    pub receiver: Receiver,
    pub params: Vec<Param>,
    pub output: Output,
    /// `#[on_panic(value)]`: returned instead of the result type's default when the method panics.
    pub on_panic: Option<Expr>,
    /// Parts of the signature a vtable method cannot have, each with the tokens to point at.
    pub unsupported: Vec<(proc_macro2::TokenStream, &'static str)>,
}

pub enum Receiver {
    /// `&self`: the only supported form.
    Shared,
    /// Anything else (`&mut self`, `self`, `self: Box<Self>`, none), with its tokens.
    Other(proc_macro2::TokenStream, ReceiverProblem),
}

#[derive(Clone, Copy)]
pub enum ReceiverProblem {
    Missing,
    Mutable,
    ByValue,
}

pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    pub kind: ParamKind,
    /// The `#[out]` attribute, where it was written.
    pub out_attr: Option<Attribute>,
}

pub enum ParamKind {
    /// Passed through unchanged; the type must be `AbiSafe`.
    Value,
    /// `Option<&I>`: a borrowed interface pointer, NULL for `None`.
    Interface { interface: Type },
    /// `#[out] p: *mut T`: set to zero (NULL) if the method panics.
    Out { pointee: Type },
}

// One per method, built once per macro call: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Output {
    /// No `->`: nothing returned.
    Unit,
    /// `-> T`: `HRESULT` and `Result<..>` cross as `HRESULT`, anything else as itself.
    Type { ty: Type, crosses_as_hresult: bool },
}

/// A struct under `#[mapi_object(I1, I2, ...)]`.
pub struct Object {
    /// The item as written (returned unchanged in the expansion).
    pub item: syn::ItemStruct,
    pub interfaces: Vec<Path>,
    /// The attribute's own span, for an empty interface list.
    pub attr_span: Span,
}
