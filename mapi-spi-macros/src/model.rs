//! What the user asked for, as plain data. [`crate::parse`] builds it, recording what it could not
//! read as [`Problem`]s; [`crate::check`] words every problem, enforces the rules and returns a
//! [`crate::check::Checked`] model, the only input [`crate::expand`] takes. Every part keeps the
//! user's tokens, so errors and generated code point back at what the user wrote.

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, Expr, Ident, LitStr, Path, Token, Type, Visibility};

/// A trait under `#[mapi_interface("IID", ...)]`.
pub struct Interface {
    /// Attributes other than the macro's own, such as docs: copied to the generated items.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub unsafety: Option<Token![unsafe]>,
    /// The `trait` keyword, where "not `unsafe`" is reported.
    pub trait_token: Token![trait],
    pub ident: Ident,
    /// `None` when it is missing or malformed (a [`Problem`] says which).
    pub iid: Option<Iid>,
    /// `default = EXPR` in the attribute: what every method returning `HRESULT` or `Result`
    /// answers when its implementer leaves it out, unless the method says otherwise.
    pub default: Option<Expr>,
    /// `thread_affine` in the attribute: the interface pointer is not `Send + Sync`, for callback
    /// interfaces MAPI does not guarantee to be callable from any thread.
    pub thread_affine: bool,
    /// The supertraits as written; exactly one is expected.
    pub bases: Vec<Path>,
    /// The generics, if any were written (`<T>` and the where clause), to point at.
    pub generics: Option<syn::Generics>,
    pub methods: Vec<Method>,
    /// What parse could not read, for check to word.
    pub problems: Vec<Problem>,
}

pub struct Iid {
    pub literal: LitStr,
    pub value: u128,
}

impl Interface {
    /// The IID, once checked (a placeholder where the user's was rejected).
    pub fn iid(&self) -> &Iid {
        self.iid.as_ref().expect("check supplies an IID")
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
    /// `#[default(value)]`: the method's own default, over the interface's.
    pub default: Option<Expr>,
    /// `#[required]`: no default, even where the interface declares one.
    pub required: Option<Attribute>,
    /// Parts of the signature a vtable method cannot have, each with the tokens to point at.
    pub unsupported: Vec<(TokenStream, Unsupported)>,
    /// Set by check when the method cannot cross a vtable: it keeps its place in the implementer
    /// trait (so the user's impl still matches) but gets no slot, thunk or caller method.
    pub rejected: bool,
}

impl Method {
    /// The value the method answers when its implementer leaves it out, if it has one.
    pub fn default_value<'a>(&'a self, interface: &'a Interface) -> Option<&'a Expr> {
        if self.required.is_some() {
            return None;
        }
        self.default.as_ref().or(match self.output {
            Output::Type {
                crosses_as_hresult: true,
                ..
            } => interface.default.as_ref(),
            _ => None,
        })
    }
}

#[derive(Clone, Copy)]
pub enum Unsupported {
    Async,
    Const,
    Generic,
    Variadic,
    Abi,
    Body,
}

pub enum Receiver {
    /// `&self`: the only supported form.
    Shared,
    /// Anything else (`&mut self`, `self`, `self: Box<Self>`, none), with its tokens.
    Other(TokenStream, ReceiverProblem),
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
    /// `#[out] p: *mut T`: set to zero (NULL) if the method panics or answers a default.
    Out { pointee: Type },
    /// `#[bytes(cb)] lp: *mut T`: the vtable passes `cb: u32` and `lp`; the implementer and the
    /// caller see `&[u8]`.
    Bytes { count: Ident, attr: Attribute },
    /// `#[out(IFoo)] lpp: *mut *mut c_void`: an interface out-parameter whose interface the
    /// signature fixes (`LPMAPITABLE *`). The vtable and the caller pass the pointer; the
    /// implementer sees `InterfaceOut<'_, IFoo>`, checked for NULL and cleared by the thunk.
    InterfaceOut { interface: Type, attr: Attribute },
}

// One per method, built once per macro call: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Output {
    /// No `->`: nothing returned.
    Unit,
    /// `-> T`: `HRESULT` and `Result<..>` cross as `HRESULT`, anything else as itself.
    Type { ty: Type, crosses_as_hresult: bool },
}

impl Output {
    pub fn crosses_as_hresult(&self) -> bool {
        matches!(
            self,
            Output::Type {
                crosses_as_hresult: true,
                ..
            }
        )
    }
}

/// A struct under `#[mapi_object(I1, I2, ...)]`.
pub struct Object {
    /// The item as written (returned unchanged in the expansion).
    pub item: syn::ItemStruct,
    pub interfaces: Vec<Path>,
    /// `home = Type`: the block the object lives in (`MapiObject::Home`); `Alone` when absent.
    pub home: Option<syn::Type>,
    /// The attribute's own span, for an empty interface list.
    pub attr_span: Span,
}

/// Something parse could not read into the model: check words it.
pub enum Problem {
    /// `#[mapi_interface]` on an item that is not a trait (its keyword).
    InterfaceNotATrait(TokenStream),
    /// `#[mapi_object]` on an item that is not a struct (its keyword, and what it is).
    ObjectNotAStruct(TokenStream, &'static str),
    /// syn could not parse the item at all.
    Syntax(syn::Error),
    IidMissing,
    IidNotAString(TokenStream),
    IidMalformed(LitStr, String),
    /// An option of `#[mapi_interface("IID", ...)]` that is not `default = ...` or
    /// `thread_affine`.
    InterfaceOption(TokenStream),
    BaseNotAPath(TokenStream),
    TraitItemNotAMethod(TokenStream),
    /// A method attribute of the macro's (`on_panic`, `default`) without its value.
    MethodAttributeValue(Attribute, &'static str),
    SelfNotFirst(TokenStream),
    ParamPattern(TokenStream),
    ParamAttribute(Attribute),
    ObjectListMalformed(Span),
    /// A second `home = ...` in one `#[mapi_object]`, at its type.
    ObjectHomeTwice(Span),
}
