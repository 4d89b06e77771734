//! The rules, each reported at the offending tokens with what to write instead. The expansion
//! never re-validates: it runs only when this found nothing.

use quote::ToTokens;
use std::collections::HashSet;
use syn::{GenericArgument, Path, PathArguments, Type};

use crate::errors::Errors;
use crate::model::{Interface, Object, Output, ParamKind, Receiver, ReceiverProblem};
use crate::parse::{last_ident, option_argument};

pub fn interface(interface: &Interface, errors: &mut Errors) {
    if interface.unsafety.is_none() {
        errors.at(
            interface.trait_token,
            "write `unsafe trait`: declaring a MAPI interface asserts a vtable layout (slot order, parameter types) that the compiler cannot check against the C header",
        );
    }
    if let Some(generics) = &interface.generics {
        let where_clause = &generics.where_clause;
        errors.at(
            quote::quote!(#generics #where_clause),
            "an interface cannot be generic: it has one IID and one vtable layout; declare one interface per type, each with its IID, or pass untyped data as `*const c_void`",
        );
    }
    match interface.bases.len() {
        0 => errors.at(
            &interface.ident,
            format!(
                "name the base interface: `unsafe trait {}: IUnknown` (or the interface it extends)",
                interface.ident
            ),
        ),
        1 => {}
        _ => errors.at(
            &interface.bases[1],
            "a COM interface extends exactly one base; its vtable starts with that base's vtable",
        ),
    }

    let mut seen = HashSet::new();
    for method in &interface.methods {
        if !seen.insert(method.ident.to_string()) {
            errors.at(
                &method.ident,
                format!(
                    "`{}` is declared twice: each method is one vtable slot",
                    method.ident
                ),
            );
        }
        match &method.receiver {
            Receiver::Shared => {}
            Receiver::Other(tokens, problem) => errors.at(
                tokens,
                match problem {
                    ReceiverProblem::Missing => "an interface method takes `&self` first: every vtable slot receives the interface pointer",
                    ReceiverProblem::Mutable => "`&mut self` is not allowed: COM objects are shared between threads and callers; take `&self` and use interior mutability (Mutex, atomics)",
                    ReceiverProblem::ByValue => "take `&self`: a vtable method borrows the object; references are counted with AddRef and Release, never moved",
                },
            ),
        }
        for (tokens, message) in &method.unsupported {
            errors.at(tokens, message);
        }
        for param in &method.params {
            match (&param.kind, &param.out_attr) {
                (ParamKind::Out { pointee }, _) => value_type(pointee, errors),
                (ParamKind::Value, Some(out)) => errors.at(
                    { let ty = &param.ty; quote::quote!(#out #ty) },
                    "`#[out]` goes on a `*mut T` parameter, the pointer the method writes its result through",
                ),
                (ParamKind::Value, None) => value_type(&param.ty, errors),
                (ParamKind::Interface { interface }, _) => interface_type(interface, errors),
            }
        }
        match &method.output {
            Output::Unit => {
                if let Some(value) = &method.on_panic {
                    errors.at(
                        value,
                        "`#[on_panic]` needs a result to return: this method returns nothing",
                    );
                }
            }
            Output::Type {
                ty,
                crosses_as_hresult: true,
            } => result_type(ty, errors),
            Output::Type {
                ty,
                crosses_as_hresult: false,
            } => value_type(ty, errors),
        }
    }
}

/// A type passed by value through a vtable: rejects the forms that cannot work, with a fix.
/// Anything else is checked by the `AbiSafe` bound in the expansion.
fn value_type(ty: &Type, errors: &mut Errors) {
    let problem = match ty {
        Type::Reference(reference) if matches!(*reference.elem, Type::Slice(_)) => Some(
            "a slice cannot cross a vtable: pass a count and a pointer (`cValues: u32, lpValues: *const T`)",
        ),
        Type::Reference(reference) if last_ident(&reference.elem).is_some_and(|i| i == "str") => {
            Some(
                "a Rust string cannot cross a vtable: use `*const u8` (LPSTR) or `*const u16` (LPWSTR), NUL-terminated",
            )
        }
        Type::Reference(_) => Some(
            "a reference cannot cross a vtable: use `*const T` or `*mut T`, or `Option<&IFoo>` for an interface argument",
        ),
        Type::Slice(_) => Some(
            "a slice cannot cross a vtable: pass a count and a pointer (`cValues: u32, lpValues: *const T`)",
        ),
        Type::Array(_) => Some("an array cannot cross a vtable by value: pass a pointer to it"),
        Type::Tuple(tuple) if !tuple.elems.is_empty() => {
            Some("a tuple cannot cross a vtable: pass each value as its own parameter")
        }
        Type::ImplTrait(_) | Type::TraitObject(_) => Some(
            "a trait cannot cross a vtable: pass a concrete ABI type, or `Option<&IFoo>` for an interface",
        ),
        Type::BareFn(function) if function.abi.is_none() => Some(
            "a Rust `fn` cannot cross a vtable: use `Option<unsafe extern \"system\" fn(...)>`",
        ),
        _ => None,
    };
    if let Some(problem) = problem {
        errors.at(ty, problem);
        return;
    }
    if option_argument(ty).is_some() && !matches!(option_argument(ty), Some(Type::BareFn(_))) {
        errors.at(ty, "`Option` crosses a vtable only as `Option<&IFoo>` (an interface argument) or `Option<unsafe extern \"system\" fn(...)>`");
        return;
    }
    let fix = last_ident(ty).and_then(|ident| match ident.to_string().as_str() {
        "bool" => Some("`bool` is one byte, C's BOOL is four: use `i32` (BOOL) or `u32` (ULONG)"),
        "char" => Some("`char` is a Unicode scalar value: use `u16` (WCHAR) or `u8` (CHAR)"),
        "String" | "str" | "CString" | "CStr" | "OsString" => Some("a Rust string cannot cross a vtable: use `*const u8` (LPSTR) or `*const u16` (LPWSTR), NUL-terminated"),
        "Vec" | "Box" | "Rc" | "Arc" => Some("an owning Rust type cannot cross a vtable: pass a raw pointer, and a count for arrays"),
        "u128" | "i128" => Some("128-bit integers have no MAPI counterpart: pass a pointer to a GUID or 16 bytes"),
        _ => None,
    });
    if let Some(fix) = fix {
        errors.at(ty, fix);
    }
}

/// `I` of an `Option<&I>` parameter: rejects what is plainly data, not an interface. Anything else
/// is checked by the `MapiInterface` bound in the expansion.
fn interface_type(interface: &Type, errors: &mut Errors) {
    const DATA: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char", "str", "String", "GUID", "HRESULT",
    ];
    let is_data = match interface {
        Type::Reference(_) | Type::Ptr(_) | Type::Slice(_) | Type::Array(_) | Type::Tuple(_) => {
            true
        }
        _ => last_ident(interface).is_some_and(|ident| DATA.iter().any(|data| ident == data)),
    };
    if is_data {
        errors.at(
            interface,
            "`Option<&T>` is only for interface arguments (`Option<&IFoo>`, NULL for `None`); pass data as a raw pointer, `*const T`, and check it for NULL",
        );
    }
}

/// `HRESULT`, or `Result<()>` / `Result<SuccessCode>`: the value part of a `Result` must fit in an
/// HRESULT.
fn result_type(ty: &Type, errors: &mut Errors) {
    let Type::Path(path) = ty else { return };
    let Some(last) = path.path.segments.last() else {
        return;
    };
    if last.ident != "Result" {
        return;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return;
    };
    let Some(GenericArgument::Type(ok)) = arguments.args.first() else {
        return;
    };
    let fits = matches!(ok, Type::Tuple(tuple) if tuple.elems.is_empty())
        || last_ident(ok).is_some_and(|ident| ident == "SuccessCode");
    if !fits {
        errors.at(
            ok,
            "a method's `Result` crosses the vtable as an HRESULT alone: use `Result<()>` or `Result<SuccessCode>`, and return values through `#[out]` pointer parameters",
        );
    }
}

/// Checks the object and returns what can still be expanded: the listed interfaces minus the
/// rejected ones, or `None` when the struct itself cannot be an object. Expanding the rest keeps
/// the user's `impl IFooImpl` blocks from also reporting that the struct is not a `MapiObject`.
pub fn object<'a>(object: &'a Object, errors: &mut Errors) -> Option<Vec<&'a Path>> {
    let mut expandable = true;
    let generics = &object.item.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        errors.at(
            generics,
            "a MAPI object cannot be generic: its vtables are statics built for one concrete type; keep the varying part in a field (for example `Box<dyn Trait + Send + Sync>`)",
        );
        expandable = false;
    }
    if object.interfaces.is_empty() {
        errors.push(syn::Error::new(
            object.attr_span,
            "list the interfaces the object implements: `#[mapi_object(IFoo)]`, or `#[mapi_object(IMsgStore, IMSLogon)]` for several",
        ));
        expandable = false;
    }
    let mut seen = HashSet::new();
    let mut accepted = Vec::new();
    for interface in &object.interfaces {
        let name = interface.to_token_stream().to_string();
        if interface
            .segments
            .last()
            .is_some_and(|s| s.ident == "IUnknown")
        {
            errors.at(
                interface,
                "every object implements `IUnknown`: remove it and list only the interfaces beyond it",
            );
        } else if !seen.insert(name) {
            errors.at(
                interface,
                format!(
                    "`{}` is listed twice: each interface has one vtable in the object; remove this one",
                    interface.to_token_stream()
                ),
            );
        } else {
            accepted.push(interface);
        }
    }
    (expandable && !accepted.is_empty()).then_some(accepted)
}
