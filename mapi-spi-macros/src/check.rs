//! The rules, each reported at the offending tokens with what to write instead; every message of
//! the macros is worded here. Checking returns a [`Checked`] model, the only input of
//! [`crate::expand`]: what was rejected is left out of it or replaced by a placeholder, so that
//! the expansion still gives the user's other code the names it uses, and never re-validates.

use proc_macro2::Span;
use quote::ToTokens;
use std::collections::HashSet;
use syn::{GenericArgument, LitStr, PathArguments, Type};

use crate::errors::Errors;
use crate::model::{
    Iid, Interface, Object, Output, ParamKind, Problem, Receiver, ReceiverProblem, Unsupported,
};
use crate::parse::{last_ident, option_argument};

/// The most parameters a method can have after `&self`: the runtime's `com::abi::MAX_PARAMS`, the
/// arities its panic guard calls implementers with.
const MAX_PARAMS: usize = 16;

const IID_EXAMPLE: &str = "`#[mapi_interface(\"00020310-0000-0000-C000-000000000046\")]`";

/// A model that went through check. Only this module can make one, so expand cannot run on
/// unchecked input.
pub struct Checked<T>(T);

impl<T> core::ops::Deref for Checked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Words a problem parse recorded.
pub fn problem(problem: Problem, errors: &mut Errors) {
    match problem {
        Problem::InterfaceNotATrait(keyword) => errors.at(
            keyword,
            "`#[mapi_interface]` goes on a trait: `pub unsafe trait IFoo: IUnknown { fn Method(&self) -> HRESULT; }`",
        ),
        Problem::ObjectNotAStruct(keyword, what) => errors.at(
            keyword,
            format!("`#[mapi_object]` goes on a struct, not on {what}: a COM object is one heap block holding a struct; put the enum in a field"),
        ),
        Problem::Syntax(error) => errors.push(error),
        // The attribute's own tokens are not passed to the macro; the call site is the attribute.
        Problem::IidMissing => errors.push(syn::Error::new(
            Span::call_site(),
            format!("`#[mapi_interface]` needs the interface's IID: {IID_EXAMPLE}"),
        )),
        Problem::IidNotAString(tokens) => errors.at(
            tokens,
            format!("expected the IID as a string literal: {IID_EXAMPLE}"),
        ),
        Problem::IidMalformed(literal, problem) => errors.at(
            literal,
            format!("malformed IID: {problem}; write it as {IID_EXAMPLE}"),
        ),
        Problem::InterfaceOption(tokens) => errors.at(
            tokens,
            "after the IID, `#[mapi_interface]` takes `default = CODE` (what methods left out answer, e.g. `default = MAPI_E_NO_SUPPORT`) and `thread_affine` (for callback interfaces that are not free-threaded)",
        ),
        Problem::BaseNotAPath(tokens) => errors.at(
            tokens,
            "the base of an interface is another interface, not a lifetime",
        ),
        Problem::TraitItemNotAMethod(tokens) => errors.at(
            tokens,
            "an interface trait holds only methods, each one vtable slot: move constants and types out of the trait",
        ),
        Problem::MethodAttributeValue(attr, "on_panic") => errors.at(
            attr,
            "write the value to return on panic: `#[on_panic(-1)]`",
        ),
        Problem::MethodAttributeValue(attr, _) => errors.at(
            attr,
            "write the value the method answers when an implementer leaves it out: `#[default(MAPI_E_NO_SUPPORT)]`",
        ),
        Problem::SelfNotFirst(tokens) => {
            errors.at(tokens, "`self` can only be the first parameter")
        }
        Problem::ParamPattern(tokens) => errors.at(
            tokens,
            "name each parameter with a plain identifier: it names the vtable slot's argument",
        ),
        Problem::ParamAttribute(attr) => errors.at(
            attr,
            "a parameter takes one of `#[out]` (on a `*mut T` the method writes its result through), `#[out(IFoo)]` (on the `*mut *mut c_void` an interface is returned through, seen as `InterfaceOut<'_, IFoo>`) or `#[bytes(cbName)]` (on a pointer counted by the parameter `cbName`, seen as `&[u8]`): remove this one",
        ),
        Problem::ObjectListMalformed(span) => errors.push(syn::Error::new(
            span,
            "expected a comma-separated list of interfaces, and optionally the object's home: `#[mapi_object(IMsgStore, IMSLogon)]`, `#[mapi_object(IMsgStore, home = First<Shared>)]`",
        )),
        Problem::ObjectHomeTwice(span) => errors.push(syn::Error::new(
            span,
            "`home` is given twice: an object lives in one block; keep one `home = ...`",
        )),
    }
}

/// Checks an interface and returns what can be expanded: rejected methods keep their place in
/// the implementer trait only, a rejected IID or base is replaced by a placeholder.
pub fn interface(mut interface: Interface, errors: &mut Errors) -> Checked<Interface> {
    for found in core::mem::take(&mut interface.problems) {
        problem(found, errors);
    }
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
        // Its methods name the parameters, which the expansion does not declare.
        interface.methods.clear();
    }
    match interface.bases.len() {
        0 => {
            errors.at(
                &interface.ident,
                format!(
                    "name the base interface: `unsafe trait {}: IUnknown` (or the interface it extends)",
                    interface.ident
                ),
            );
            interface
                .bases
                .push(syn::parse_quote!(::mapi_spi_runtime::IUnknown));
        }
        1 => {}
        _ => {
            errors.at(
                &interface.bases[1],
                "a COM interface extends exactly one base; its vtable starts with that base's vtable",
            );
            interface.bases.truncate(1);
        }
    }
    if interface.iid.is_none() {
        // Reported above; a zero IID keeps the rest of the expansion.
        interface.iid = Some(Iid {
            literal: LitStr::new("", Span::call_site()),
            value: 0,
        });
    }

    // A second method of the same name is reported and left out entirely: the implementer trait
    // cannot hold it twice.
    let mut seen = HashSet::new();
    interface.methods.retain(|method| {
        let first = seen.insert(method.ident.to_string());
        if !first {
            errors.at(
                &method.ident,
                format!(
                    "`{}` is declared twice: each method is one vtable slot",
                    method.ident
                ),
            );
        }
        first
    });
    for method in &mut interface.methods {
        let before = errors.len();
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
        for (tokens, unsupported) in &method.unsupported {
            errors.at(tokens, unsupported_message(*unsupported));
        }
        if method.ident == "forward" {
            errors.at(
                &method.ident,
                "`forward` names the implementer trait's delegation hook: give the method another name",
            );
        }
        for param in &method.params {
            match (&param.kind, &param.out_attr) {
                (ParamKind::Out { pointee }, _) => value_type(pointee, errors),
                (ParamKind::Value, Some(out)) => errors.at(
                    { let ty = &param.ty; quote::quote!(#out #ty) },
                    "`#[out]` goes on a `*mut T` parameter, the pointer the method writes its result through",
                ),
                (ParamKind::Value, None) => value_type(&param.ty, errors),
                (ParamKind::Interface { interface }, _) => interface_type(
                    interface,
                    "`Option<&T>` is only for interface arguments (`Option<&IFoo>`, NULL for `None`); pass data as a raw pointer, `*const T`, and check it for NULL",
                    errors,
                ),
                (ParamKind::InterfaceOut { interface, attr }, _) => {
                    interface_type(
                        interface,
                        "`#[out(IFoo)]` names the interface the method hands out (`#[out(IMAPITable)] lppTable: *mut *mut c_void`); for data, write `#[out] lpValue: *mut T`",
                        errors,
                    );
                    let pointer_to_pointer = matches!(&param.ty, Type::Ptr(outer)
                        if outer.mutability.is_some()
                            && matches!(&*outer.elem, Type::Ptr(inner) if inner.mutability.is_some()));
                    if !pointer_to_pointer {
                        errors.at(
                            &param.ty,
                            "`#[out(IFoo)]` goes on the `*mut *mut c_void` the C header passes (`LPMAPITABLE *lppTable`); the implementer sees it as `InterfaceOut<'_, IFoo>`",
                        );
                    }
                    if !method.output.crosses_as_hresult() {
                        errors.at(
                            attr,
                            "`#[out(IFoo)]` needs a method returning `HRESULT` or `Result`: a NULL slot is answered with MAPI_E_INVALID_PARAMETER, and a failure releases what the slot holds",
                        );
                    }
                }
                (ParamKind::Bytes { attr, .. }, out) => {
                    if let Some(out) = out {
                        errors.at(out, "`#[bytes(..)]` is an input: remove `#[out]`");
                    }
                    if !matches!(param.ty, Type::Ptr(_)) {
                        errors.at(
                            &param.ty,
                            "`#[bytes(cbName)]` goes on the pointer the C header passes (`lpEntryID: *mut ENTRYID`); the implementer sees it as `&[u8]`",
                        );
                    }
                    if !method.output.crosses_as_hresult() {
                        errors.at(
                            attr,
                            "`#[bytes(..)]` needs a method returning `HRESULT` or `Result`: a NULL pointer with a non-zero count is answered with MAPI_E_INVALID_PARAMETER before the implementer runs",
                        );
                    }
                }
            }
        }
        if let Some(first_extra) = method.params.get(MAX_PARAMS) {
            let (ident, ty) = (&first_extra.ident, &first_extra.ty);
            errors.at(
                quote::quote!(#ident: #ty),
                format!("an interface method takes at most {MAX_PARAMS} parameters after `&self` (MAPI's longest, `IMAPISupport::DoCopyTo`, takes 11): pass the others in a struct, through a pointer"),
            );
        }
        if let (Some(required), Some(default)) = (&method.required, &method.default) {
            errors.at(
                quote::quote!(#required #default),
                "a method is either `#[required]` or has a `#[default(..)]`: remove one",
            );
        }
        match &method.output {
            Output::Unit => {
                if let Some(value) = method.on_panic.take() {
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
        method.rejected = errors.len() > before;
        if method.rejected {
            // A rejected method keeps its place in the implementer trait with its parameters as
            // written, so that a wrong `#[out(T)]` is not reported again there.
            for param in &mut method.params {
                if matches!(param.kind, ParamKind::InterfaceOut { .. }) {
                    param.kind = ParamKind::Value;
                }
            }
        }
    }
    Checked(interface)
}

fn unsupported_message(unsupported: Unsupported) -> &'static str {
    match unsupported {
        Unsupported::Async => {
            "an interface method cannot be `async`: a vtable call returns when the work is done"
        }
        Unsupported::Const => "an interface method cannot be `const`",
        Unsupported::Generic => {
            "an interface method cannot be generic: a vtable slot has one signature; use a concrete type or a raw pointer"
        }
        Unsupported::Variadic => {
            "an interface method cannot be variadic: pass a count and a pointer to an array instead"
        }
        Unsupported::Abi => {
            "leave the ABI out: every interface method is `extern \"system\"` (stdcall on 32-bit Windows)"
        }
        Unsupported::Body => {
            "an interface method has no body here; implement it in `impl IFooImpl for YourType`, or declare what it answers when left out with `#[default(CODE)]`"
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

/// `I` of an `Option<&I>` or `#[out(I)]` parameter: rejects what is plainly data, not an
/// interface, with `message`. Anything else
/// is checked by the `MapiInterface` bound in the expansion.
fn interface_type(interface: &Type, message: &str, errors: &mut Errors) {
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
        errors.at(interface, message);
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
/// rejected ones, or the struct alone (`Err`) when it cannot be an object at all. Expanding the
/// rest keeps the user's `impl IFooImpl` blocks from also reporting that the struct is not a
/// `MapiObject`.
// Once per macro call: the size of the error does not matter.
#[allow(clippy::result_large_err)]
pub fn object(mut object: Object, errors: &mut Errors) -> Result<Checked<Object>, syn::ItemStruct> {
    let mut expandable = true;
    for lifetime in object.item.generics.lifetimes() {
        errors.at(
            lifetime,
            "a MAPI object cannot borrow: MAPI holds it for as long as it likes, so it is `'static`; own the data or hold an `Arc`",
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
    for interface in core::mem::take(&mut object.interfaces) {
        let name = interface.to_token_stream().to_string();
        if interface
            .segments
            .last()
            .is_some_and(|s| s.ident == "IUnknown")
        {
            errors.at(
                &interface,
                "every object implements `IUnknown`: remove it and list only the interfaces beyond it",
            );
        } else if !seen.insert(name) {
            errors.at(
                &interface,
                format!(
                    "`{}` is listed twice: each interface has one vtable in the object; remove this one",
                    interface.to_token_stream()
                ),
            );
        } else {
            accepted.push(interface);
        }
    }
    if expandable && !accepted.is_empty() {
        object.interfaces = accepted;
        Ok(Checked(object))
    } else {
        Err(object.item)
    }
}
