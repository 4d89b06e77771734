//! syn -> model. What cannot be read is recorded as a [`Problem`] for [`crate::check`] to word:
//! every message lives there.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, FnArg, GenericArgument, Ident, Item, LitStr, Pat, PathArguments, ReturnType,
    Token, TraitItem, Type, TypeParamBound,
};

use crate::iid;
use crate::model::{
    Iid, Interface, Method, Object, Output, Param, ParamKind, Problem, Receiver, ReceiverProblem,
    Unsupported,
};

// Once per macro call: the size of the error does not matter.
#[allow(clippy::result_large_err)]
pub fn interface(attr: TokenStream, item: TokenStream) -> Result<Interface, Problem> {
    let item = match syn::parse2::<Item>(item) {
        Ok(Item::Trait(item)) => item,
        Ok(other) => return Err(Problem::InterfaceNotATrait(item_keyword(&other))),
        Err(error) => return Err(Problem::Syntax(error)),
    };
    let mut problems = Vec::new();
    let options = interface_options(attr, &mut problems);
    let mut bases = Vec::new();
    for bound in &item.supertraits {
        match bound {
            TypeParamBound::Trait(bound) => bases.push(bound.path.clone()),
            other => problems.push(Problem::BaseNotAPath(other.to_token_stream())),
        }
    }
    let generics = (!item.generics.params.is_empty() || item.generics.where_clause.is_some())
        .then(|| item.generics.clone());

    let mut methods = Vec::new();
    for trait_item in &item.items {
        match trait_item {
            TraitItem::Fn(function) => methods.push(method(function, &mut problems)),
            other => problems.push(Problem::TraitItemNotAMethod(other.to_token_stream())),
        }
    }

    Ok(Interface {
        attrs: item.attrs,
        vis: item.vis,
        unsafety: item.unsafety,
        trait_token: item.trait_token,
        ident: item.ident,
        iid: options.iid,
        default: options.default,
        thread_affine: options.thread_affine,
        bases,
        generics,
        methods,
        problems,
    })
}

#[derive(Default)]
struct InterfaceOptions {
    iid: Option<Iid>,
    default: Option<Expr>,
    thread_affine: bool,
}

/// `"IID"`, then `default = EXPR` and `thread_affine` in any order.
fn interface_options(attr: TokenStream, problems: &mut Vec<Problem>) -> InterfaceOptions {
    let mut options = InterfaceOptions::default();
    if attr.is_empty() {
        problems.push(Problem::IidMissing);
        return options;
    }
    let parser = Punctuated::<syn::Meta, Token![,]>::parse_separated_nonempty;
    let mut args = attr.clone().into_iter().peekable();
    // The IID literal comes first; everything after its comma is options.
    let first: TokenStream = args
        .by_ref()
        .take_while(|tt| !matches!(tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ','))
        .collect();
    let rest: TokenStream = args.collect();
    match syn::parse2::<LitStr>(first.clone()) {
        Ok(literal) => match iid::parse(&literal.value()) {
            Ok(value) => options.iid = Some(Iid { literal, value }),
            Err(problem) => problems.push(Problem::IidMalformed(literal, problem)),
        },
        Err(_) => problems.push(Problem::IidNotAString(first)),
    }
    if rest.is_empty() {
        return options;
    }
    match syn::parse::Parser::parse2(parser, rest.clone()) {
        Ok(metas) => {
            for meta in metas {
                match meta {
                    syn::Meta::NameValue(nv) if nv.path.is_ident("default") => {
                        options.default = Some(nv.value)
                    }
                    syn::Meta::Path(path) if path.is_ident("thread_affine") => {
                        options.thread_affine = true
                    }
                    other => problems.push(Problem::InterfaceOption(other.to_token_stream())),
                }
            }
        }
        Err(_) => problems.push(Problem::InterfaceOption(rest)),
    }
    options
}

fn method(function: &syn::TraitItemFn, problems: &mut Vec<Problem>) -> Method {
    let sig = &function.sig;
    let mut unsupported: Vec<(TokenStream, Unsupported)> = Vec::new();
    if let Some(token) = &sig.asyncness {
        unsupported.push((token.to_token_stream(), Unsupported::Async));
    }
    if let Some(token) = &sig.constness {
        unsupported.push((token.to_token_stream(), Unsupported::Const));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        unsupported.push((sig.generics.to_token_stream(), Unsupported::Generic));
    }
    if let Some(variadic) = &sig.variadic {
        unsupported.push((variadic.to_token_stream(), Unsupported::Variadic));
    }
    if let Some(abi) = &sig.abi {
        unsupported.push((abi.to_token_stream(), Unsupported::Abi));
    }
    if let Some(body) = &function.default {
        unsupported.push((body.to_token_stream(), Unsupported::Body));
    }

    let mut attrs = Vec::new();
    let mut on_panic = None;
    let mut default = None;
    let mut required = None;
    for attr in &function.attrs {
        if attr.path().is_ident("on_panic") {
            match attr.parse_args::<Expr>() {
                Ok(value) => on_panic = Some(value),
                Err(_) => problems.push(Problem::MethodAttributeValue(attr.clone(), "on_panic")),
            }
        } else if attr.path().is_ident("default") {
            match attr.parse_args::<Expr>() {
                Ok(value) => default = Some(value),
                Err(_) => problems.push(Problem::MethodAttributeValue(attr.clone(), "default")),
            }
        } else if attr.path().is_ident("required") {
            required = Some(attr.clone());
        } else {
            attrs.push(attr.clone());
        }
    }

    let mut inputs = sig.inputs.iter();
    let receiver = match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => {
            inputs.next();
            let tokens = receiver.to_token_stream();
            if receiver.colon_token.is_some() || receiver.reference.is_none() {
                Receiver::Other(tokens, ReceiverProblem::ByValue)
            } else if receiver.mutability.is_some() {
                Receiver::Other(tokens, ReceiverProblem::Mutable)
            } else {
                Receiver::Shared
            }
        }
        _ => Receiver::Other(sig.ident.to_token_stream(), ReceiverProblem::Missing),
    };

    let params = inputs.filter_map(|input| param(input, problems)).collect();
    let output = match &sig.output {
        ReturnType::Default => Output::Unit,
        ReturnType::Type(_, ty) => Output::Type {
            crosses_as_hresult: last_ident(ty).is_some_and(|i| i == "HRESULT" || i == "Result"),
            ty: (**ty).clone(),
        },
    };

    Method {
        attrs,
        ident: sig.ident.clone(),
        receiver,
        params,
        output,
        on_panic,
        default,
        required,
        unsupported,
        rejected: false,
    }
}

fn param(input: &FnArg, problems: &mut Vec<Problem>) -> Option<Param> {
    let FnArg::Typed(typed) = input else {
        problems.push(Problem::SelfNotFirst(input.to_token_stream()));
        return None;
    };
    let ident = match &*typed.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
        other => {
            problems.push(Problem::ParamPattern(other.to_token_stream()));
            return None;
        }
    };
    let mut out_attr: Option<Attribute> = None;
    let mut bytes: Option<(Ident, Attribute)> = None;
    let mut interface_out: Option<(Type, Attribute)> = None;
    for attr in &typed.attrs {
        if attr.path().is_ident("out") && matches!(attr.meta, syn::Meta::Path(_)) {
            out_attr = Some(attr.clone());
        } else if let Some(interface) = argument::<Type>(attr, "out") {
            interface_out = Some((interface, attr.clone()));
        } else if let Some(count) = argument::<Ident>(attr, "bytes") {
            bytes = Some((count, attr.clone()));
        } else {
            problems.push(Problem::ParamAttribute(attr.clone()));
        }
    }
    let ty = (*typed.ty).clone();
    if let Some((interface, attr)) = interface_out {
        // An out-parameter is not also an input: a second attribute is reported as unknown.
        if let Some(other) = out_attr.or(bytes.map(|(_, attr)| attr)) {
            problems.push(Problem::ParamAttribute(other));
        }
        return Some(Param {
            ident,
            ty,
            kind: ParamKind::InterfaceOut { interface, attr },
            out_attr: None,
        });
    }
    let kind = match (&out_attr, bytes, &ty) {
        (None, Some((count, attr)), _) => ParamKind::Bytes { count, attr },
        (Some(_), _, Type::Ptr(pointer)) if pointer.mutability.is_some() => ParamKind::Out {
            pointee: (*pointer.elem).clone(),
        },
        // `#[out]` on anything else is reported by check; the parameter stays a value.
        (Some(_), _, _) => ParamKind::Value,
        (None, None, _) => match borrowed_interface(&ty) {
            Some(interface) => ParamKind::Interface { interface },
            None => ParamKind::Value,
        },
    };
    Some(Param {
        ident,
        ty,
        kind,
        out_attr,
    })
}

/// The argument of `#[name(argument)]`, if `attr` is that attribute with an argument of type `T`.
fn argument<T: syn::parse::Parse>(attr: &Attribute, name: &str) -> Option<T> {
    attr.path()
        .is_ident(name)
        .then(|| attr.parse_args::<T>().ok())
        .flatten()
}

/// `I` of `Option<&I>`.
pub fn borrowed_interface(ty: &Type) -> Option<Type> {
    match option_argument(ty)? {
        Type::Reference(reference) if reference.mutability.is_none() => {
            Some((*reference.elem).clone())
        }
        _ => None,
    }
}

/// `T` of `Option<T>`.
pub fn option_argument(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        GenericArgument::Type(inner) if arguments.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// The last identifier of a path type (`HRESULT` of `windows_core::HRESULT`).
pub fn last_ident(ty: &Type) -> Option<&syn::Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => Some(&path.path.segments.last()?.ident),
        _ => None,
    }
}

/// The keyword of an item, where "this attribute does not go here" is best reported.
fn item_keyword(item: &Item) -> TokenStream {
    match item {
        Item::Struct(s) => s.struct_token.to_token_stream(),
        Item::Enum(e) => e.enum_token.to_token_stream(),
        Item::Union(u) => u.union_token.to_token_stream(),
        Item::Fn(f) => f.sig.fn_token.to_token_stream(),
        Item::Impl(i) => i.impl_token.to_token_stream(),
        Item::Trait(t) => t.trait_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

/// One argument of `#[mapi_object(...)]`: an interface, or `home = Type`.
enum ObjectArg {
    Interface(syn::Path),
    Home(Type),
}

impl syn::parse::Parse for ObjectArg {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Ident) && input.peek2(Token![=]) {
            let name: Ident = input.parse()?;
            if name != "home" {
                return Err(syn::Error::new(name.span(), "unknown option"));
            }
            input.parse::<Token![=]>()?;
            return input.parse().map(ObjectArg::Home);
        }
        input.parse().map(ObjectArg::Interface)
    }
}

// Once per macro call: the size of the error does not matter.
#[allow(clippy::result_large_err)]
pub fn object(attr: TokenStream, item: TokenStream) -> Result<Object, Problem> {
    let attr_span = attr.span();
    // A malformed list is reported alone and no model is built (the item is kept as written),
    // so that check does not also report an empty list.
    let arguments =
        syn::parse::Parser::parse2(Punctuated::<ObjectArg, Token![,]>::parse_terminated, attr)
            .map_err(|error| Problem::ObjectListMalformed(error.span()));
    match syn::parse2::<Item>(item) {
        Ok(Item::Struct(item)) => {
            let (mut interfaces, mut home) = (Vec::new(), None);
            for argument in arguments? {
                match argument {
                    ObjectArg::Interface(path) => interfaces.push(path),
                    ObjectArg::Home(ty) if home.is_some() => {
                        return Err(Problem::ObjectHomeTwice(ty.span()));
                    }
                    ObjectArg::Home(ty) => home = Some(ty),
                }
            }
            Ok(Object {
                item,
                interfaces,
                home,
                attr_span,
            })
        }
        Ok(other) => {
            let what = match &other {
                Item::Enum(_) => "an enum",
                Item::Union(_) => "a union",
                _ => "this item",
            };
            Err(Problem::ObjectNotAStruct(item_keyword(&other), what))
        }
        Err(error) => Err(Problem::Syntax(error)),
    }
}
