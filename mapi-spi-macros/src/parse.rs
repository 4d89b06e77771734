//! syn -> model. Reports only what stops a model from being built (a malformed IID, an item of
//! the wrong kind); every other rule is [`crate::check`]'s.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, FnArg, GenericArgument, Item, LitStr, Pat, PathArguments, ReturnType, Token,
    TraitItem, Type, TypeParamBound,
};

use crate::errors::Errors;
use crate::iid;
use crate::model::{
    Iid, Interface, Method, Object, Output, Param, ParamKind, Receiver, ReceiverProblem,
};

const IID_EXAMPLE: &str = "`#[mapi_interface(\"00020310-0000-0000-C000-000000000046\")]`";

pub fn interface(attr: TokenStream, item: TokenStream, errors: &mut Errors) -> Option<Interface> {
    let item = match syn::parse2::<Item>(item) {
        Ok(Item::Trait(item)) => item,
        Ok(other) => {
            errors.at(
                item_keyword(&other),
                "`#[mapi_interface]` goes on a trait: `pub unsafe trait IFoo: IUnknown { fn Method(&self) -> HRESULT; }`",
            );
            return None;
        }
        Err(error) => {
            errors.push(error);
            return None;
        }
    };
    let iid = interface_iid(attr, errors);
    let mut bases = Vec::new();
    for bound in &item.supertraits {
        match bound {
            TypeParamBound::Trait(bound) => bases.push(bound.path.clone()),
            other => errors.at(
                other,
                "the base of an interface is another interface, not a lifetime",
            ),
        }
    }
    let generics = (!item.generics.params.is_empty() || item.generics.where_clause.is_some())
        .then(|| item.generics.clone());

    let mut methods = Vec::new();
    for trait_item in &item.items {
        match trait_item {
            TraitItem::Fn(function) => methods.push(method(function, errors)),
            other => errors.at(
                other,
                "an interface trait holds only methods, each one vtable slot: move constants and types out of the trait",
            ),
        }
    }

    Some(Interface {
        attrs: item.attrs,
        vis: item.vis,
        unsafety: item.unsafety,
        trait_token: item.trait_token,
        ident: item.ident,
        iid,
        bases,
        generics,
        methods,
    })
}

/// The IID literal of `#[mapi_interface("...")]`, reported at the attribute when it is missing
/// and at the literal when it is malformed.
fn interface_iid(attr: TokenStream, errors: &mut Errors) -> Option<Iid> {
    if attr.is_empty() {
        // The attribute's own tokens are not passed to the macro; the call site is the attribute.
        errors.push(syn::Error::new(
            proc_macro2::Span::call_site(),
            format!("`#[mapi_interface]` needs the interface's IID: {IID_EXAMPLE}"),
        ));
        return None;
    }
    let Ok(literal) = syn::parse2::<LitStr>(attr.clone()) else {
        errors.at(
            attr,
            format!("expected the IID as a string literal: {IID_EXAMPLE}"),
        );
        return None;
    };
    match iid::parse(&literal.value()) {
        Ok(value) => Some(Iid { literal, value }),
        Err(problem) => {
            errors.at(
                &literal,
                format!("malformed IID: {problem}; write it as {IID_EXAMPLE}"),
            );
            None
        }
    }
}

fn method(function: &syn::TraitItemFn, errors: &mut Errors) -> Method {
    let sig = &function.sig;
    let mut unsupported: Vec<(TokenStream, &'static str)> = Vec::new();
    if let Some(token) = &sig.asyncness {
        unsupported.push((
            token.to_token_stream(),
            "an interface method cannot be `async`: a vtable call returns when the work is done",
        ));
    }
    if let Some(token) = &sig.constness {
        unsupported.push((
            token.to_token_stream(),
            "an interface method cannot be `const`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        unsupported.push((sig.generics.to_token_stream(), "an interface method cannot be generic: a vtable slot has one signature; use a concrete type or a raw pointer"));
    }
    if let Some(variadic) = &sig.variadic {
        unsupported.push((variadic.to_token_stream(), "an interface method cannot be variadic: pass a count and a pointer to an array instead"));
    }
    if let Some(abi) = &sig.abi {
        unsupported.push((abi.to_token_stream(), "leave the ABI out: every interface method is `extern \"system\"` (stdcall on 32-bit Windows)"));
    }
    if let Some(body) = &function.default {
        unsupported.push((
            body.to_token_stream(),
            "an interface method has no body here; implement it in `impl IFooImpl for YourType`",
        ));
    }

    let mut attrs = Vec::new();
    let mut on_panic = None;
    for attr in &function.attrs {
        if attr.path().is_ident("on_panic") {
            match attr.parse_args::<Expr>() {
                Ok(value) => on_panic = Some(value),
                Err(_) => errors.at(
                    attr,
                    "write the value to return on panic: `#[on_panic(-1)]`",
                ),
            }
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

    let params = inputs.filter_map(|input| param(input, errors)).collect();
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
        unsupported,
    }
}

fn param(input: &FnArg, errors: &mut Errors) -> Option<Param> {
    let FnArg::Typed(typed) = input else {
        errors.at(input, "`self` can only be the first parameter");
        return None;
    };
    let ident = match &*typed.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
        other => {
            errors.at(
                other,
                "name each parameter with a plain identifier: it names the vtable slot's argument",
            );
            return None;
        }
    };
    let mut out_attr: Option<Attribute> = None;
    for attr in &typed.attrs {
        if attr.path().is_ident("out") && matches!(attr.meta, syn::Meta::Path(_)) {
            out_attr = Some(attr.clone());
        } else {
            errors.at(
                attr,
                "the only attribute a parameter takes is `#[out]`, on a `*mut T` out-parameter: remove this one",
            );
        }
    }
    let ty = (*typed.ty).clone();
    let kind = match (&out_attr, &ty) {
        (Some(_), Type::Ptr(pointer)) if pointer.mutability.is_some() => ParamKind::Out {
            pointee: (*pointer.elem).clone(),
        },
        // `#[out]` on anything else is reported by check; the parameter stays a value.
        (Some(_), _) => ParamKind::Value,
        (None, _) => match borrowed_interface(&ty) {
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

pub fn object(attr: TokenStream, item: TokenStream, errors: &mut Errors) -> Option<Object> {
    let attr_span = attr.span();
    // `None` when the list is malformed: reported here, and no model is built (the item is kept
    // as written), so that check does not also report an empty list.
    let interfaces = match syn::parse::Parser::parse2(
        Punctuated::<syn::Path, Token![,]>::parse_terminated,
        attr,
    ) {
        Ok(list) => Some(list.into_iter().collect()),
        Err(error) => {
            errors.push(syn::Error::new(
                error.span(),
                "expected a comma-separated list of interfaces: `#[mapi_object(IMsgStore, IMSLogon)]`",
            ));
            None
        }
    };
    match syn::parse2::<Item>(item) {
        Ok(Item::Struct(item)) => Some(Object {
            item,
            interfaces: interfaces?,
            attr_span,
        }),
        Ok(other) => {
            let what = match &other {
                Item::Enum(_) => "an enum",
                Item::Union(_) => "a union",
                _ => "this item",
            };
            errors.at(
                item_keyword(&other),
                format!("`#[mapi_object]` goes on a struct, not on {what}: a COM object is one heap block holding a struct; put the enum in a field"),
            );
            None
        }
        Err(error) => {
            errors.push(error);
            None
        }
    }
}
