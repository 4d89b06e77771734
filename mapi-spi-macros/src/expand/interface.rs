//! What `#[mapi_interface]` generates for `unsafe trait IFoo: IBase { ... }`:
//!
//! - `struct IFoo`: the caller side, a counted interface pointer implementing
//!   `windows_core::Interface`, with one `unsafe fn` per method, `Deref` to `IBase`, and `From`
//!   conversions to `IBase` and `IUnknown`;
//! - `struct IFooVtbl`: the `#[repr(C)]` vtable, `IBase`'s vtable first;
//! - `trait IFooImpl`: the implementer side, one method per slot taking `this: &Object<Self>`;
//! - `impl MapiInterface for IFoo`: its IIDs and method names, for QueryInterface and the checks;
//! - compile-time checks that every type can cross a vtable and no method shadows a base method.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::thunks::{abi_params, abi_return, clear_outs, vtable_constructor};
use super::{base as base_type, runtime, runtime_at, safety};
use crate::check::Checked;
use crate::model::{Interface, Method, Output, ParamKind};

pub fn expand(interface: &Checked<Interface>) -> TokenStream {
    // The checks come first: when a type is wrong, their message, which says what to write
    // instead, is the first the compiler prints.
    let parts = [
        compile_time_checks(interface),
        interface_struct(interface),
        vtable_struct(interface),
        vtable_constructor(interface),
        interface_impls(interface),
        conversions(interface),
        caller_methods(interface),
        implementer_trait(interface),
    ];
    quote!(#(#parts)*)
}

fn iid_text(interface: &Interface) -> String {
    let value = interface.iid().value;
    let hex = format!("{value:032X}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn interface_struct(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let Interface {
        attrs, vis, ident, ..
    } = interface;
    let doc = format!(
        "\n\nIID `{{{}}}`. Call its methods through this counted pointer; implement it on a `#[mapi_object({ident})]` type with [`{ident}Impl`].{}",
        iid_text(interface),
        if interface.thread_affine {
            " Not `Send` or `Sync`: MAPI does not guarantee that this callback can be called from any thread; call it on the thread that handed it over."
        } else {
            ""
        }
    );
    let thread_safe = if interface.thread_affine {
        quote!()
    } else {
        // MAPI is free-threaded: objects it returns, and objects it is given, may be called from
        // any thread (reference doc §8.6).
        let send = safety(
            "MAPI objects are free-threaded: a counted pointer to one may move between threads.",
        );
        let sync = safety(
            "MAPI objects are free-threaded: a pointer to one may be used from several threads at once.",
        );
        quote! {
            #send
            unsafe impl ::core::marker::Send for #ident {}
            #sync
            unsafe impl ::core::marker::Sync for #ident {}
        }
    };
    quote! {
        #(#attrs)*
        #[doc = #doc]
        #[repr(transparent)]
        #[derive(Clone, PartialEq, Eq, Debug)]
        #vis struct #ident(#rt::windows_core::IUnknown);

        #thread_safe
    }
}

fn vtable_struct(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let Interface { vis, ident, .. } = interface;
    let vtbl = format_ident!("{}Vtbl", ident);
    // The user's path, as the field's type reads in the docs.
    let base = interface.base();
    let slots = interface.methods.iter().filter(|m| !m.rejected).map(|method| {
        let name = &method.ident;
        let params = abi_params(method);
        let ret = abi_return(&method.output);
        quote! {
            pub #name: unsafe extern "system" fn(this: *mut ::core::ffi::c_void, #(#params),*) #ret
        }
    });
    let doc = format!(
        "The vtable of [`{ident}`]: the base interface's slots, then one per method in declaration order."
    );
    quote! {
        #[doc = #doc]
        #[repr(C)]
        #[allow(non_snake_case)]
        #vis struct #vtbl {
            pub base__: <#base as #rt::windows_core::Interface>::Vtable,
            #(#slots,)*
        }
    }
}

fn interface_impls(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let ident = &interface.ident;
    let vtbl = format_ident!("{}Vtbl", ident);
    let base = interface.base();
    let value = interface.iid().value;
    let iid = syn::LitInt::new(&format!("0x{value:032x}"), interface.iid().literal.span());
    let iid_doc = format!("`{{{}}}`", iid_text(interface));
    let slots = || interface.methods.iter().filter(|m| !m.rejected);
    let names = slots().map(|m| m.ident.to_string());
    let own_count = slots().count();
    // `IUnknown` lists no names (its slots are the runtime's): over it the chain's names are the
    // interface's own, written out, which spares the compiler a constant evaluation with a
    // computed array length per interface (4% of the build of a crate of 20 interfaces).
    let method_names = if interface.base_is_unknown() {
        quote!(&[#(#names),*])
    } else {
        quote! {
            &#rt::com::interface::names::concat::<
                { <Self::Base as #rt::com::MapiInterface>::METHOD_NAMES.len() + #own_count },
            >(
                <Self::Base as #rt::com::MapiInterface>::METHOD_NAMES,
                &[#(#names),*],
            )
        }
    };
    // Over `IUnknown` the chain is the interface's own IID, written out (no constant evaluation
    // with a computed length, as for the names).
    let own_iid = quote!(<Self as #rt::windows_core::Interface>::IID);
    let iids = if interface.base_is_unknown() {
        quote!(&[#own_iid])
    } else {
        quote! {
            &#rt::com::interface::iid_chain::<
                { <Self::Base as #rt::com::MapiInterface>::IIDS.len() + 1 },
            >(#own_iid, <Self::Base as #rt::com::MapiInterface>::IIDS)
        }
    };
    let interface_safety = safety(&format!(
        "`{ident}` is a transparent COM pointer whose vtable is `{vtbl}`."
    ));
    let chain_safety = safety(&format!(
        "`{vtbl}` starts with the base's vtable; the names and IIDs below are the chain's."
    ));
    quote! {
        #interface_safety
        // `do_not_recommend` on both impls: rustc's "the following other types implement trait"
        // lists, shown when a type is not an interface, then name only `IUnknown`, not every
        // interface the crate and its dependencies happen to declare.
        #[diagnostic::do_not_recommend]
        unsafe impl #rt::windows_core::Interface for #ident {
            type Vtable = #vtbl;
            #[doc = #iid_doc]
            const IID: #rt::windows_core::GUID = #rt::windows_core::GUID::from_u128(#iid);
        }

        #chain_safety
        #[diagnostic::do_not_recommend]
        unsafe impl #rt::com::MapiInterface for #ident {
            type Base = #base;
            const METHOD_NAMES: &'static [&'static str] = #method_names;

            const IIDS: &'static [#rt::windows_core::GUID] = #iids;
        }
    }
}

/// `Deref` to the base and `From` into the base and into `IUnknown`: every interface pointer is
/// also a pointer to each of its bases, with the same vtable.
fn conversions(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let ident = &interface.ident;
    // The user's path rather than the projection of `base_type`: it is what rustdoc shows as the
    // `Deref` target, and with a base that is not an interface, an impl for the unresolved
    // projection would also conflict with `impl<T> From<T> for T`.
    let base = interface.base();
    let into = |target: TokenStream| {
        let reason = safety(&format!(
            "both are transparent COM pointers and `{ident}`'s vtable extends `{target}`'s."
        ));
        quote! {
            impl ::core::convert::From<#ident> for #target {
                fn from(value: #ident) -> Self {
                    #reason
                    let base = unsafe { ::core::mem::transmute::<#ident, #target>(value) };
                    base
                }
            }
            impl ::core::convert::From<&#ident> for #target {
                fn from(value: &#ident) -> Self {
                    ::core::convert::From::from(::core::clone::Clone::clone(value))
                }
            }
        }
    };
    let into_base = into(quote!(#base));
    let into_unknown = if interface.base_is_unknown() {
        quote!()
    } else {
        into(quote!(#rt::windows_core::IUnknown))
    };
    let deref_safety = safety(&format!(
        "both are transparent COM pointers and `{ident}`'s vtable extends the base's."
    ));
    quote! {
        impl ::core::ops::Deref for #ident {
            type Target = #base;
            fn deref(&self) -> &#base {
                #deref_safety
                let base = unsafe { ::core::mem::transmute::<&#ident, &#base>(self) };
                base
            }
        }
        #into_base
        #into_unknown
    }
}

fn caller_methods(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let ident = &interface.ident;
    let methods = interface.methods.iter().filter(|m| !m.rejected).map(|method| {
        let Method {
            attrs,
            ident: name,
            params,
            output,
            ..
        } = method;
        let declared = params.iter().map(caller_param);
        // A slice longer than a ULONG can count is refused before the call.
        let counts = params.iter().filter_map(|param| {
            let ParamKind::Bytes { count, .. } = &param.kind else {
                return None;
            };
            let param_name = &param.ident;
            let ty = match output {
                Output::Type { ty, .. } => ty,
                Output::Unit => unreachable!("check admits #[bytes] only with an HRESULT result"),
            };
            Some(quote! {
                let ::core::result::Result::Ok(#count) = <u32 as ::core::convert::TryFrom<usize>>::try_from(#param_name.len()) else {
                    return <#ty as #rt::com::AbiReturn>::from_abi(#rt::codes::MAPI_E_INVALID_PARAMETER);
                };
            })
        });
        let args = params.iter().map(|param| {
            let param_name = &param.ident;
            match &param.kind {
                ParamKind::Bytes { count, .. } => {
                    let ty = &param.ty;
                    quote!(#count, #param_name.as_ptr() as #ty)
                }
                ParamKind::Interface { interface } => {
                    let rt = runtime_at(interface.span());
                    quote_spanned! {interface.span()=>
                        ::core::option::Option::map_or(
                            #param_name,
                            ::core::ptr::null_mut(),
                            <#interface as #rt::windows_core::Interface>::as_raw,
                        )
                    }
                }
                ParamKind::Value | ParamKind::Out { .. } | ParamKind::InterfaceOut { .. } => {
                    quote!(#param_name)
                }
            }
        });
        let call_safety = safety(
            "`this` is a live interface pointer whose vtable is `vtable`; the arguments are valid as the method's contract requires (this function's contract).",
        );
        let call = quote!(unsafe { (vtable.#name)(this, #(#args),*) });
        let (ret, body) = match output {
            Output::Unit => (quote!(), quote!(#call_safety #call;)),
            Output::Type { ty, .. } => {
                // Spanned at the result type, as the thunk's conversion is: a type that is not
                // `AbiReturn` is reported once, there, and not at the attribute.
                let rt = runtime_at(ty.span());
                let body = quote_spanned! {ty.span()=>
                    #call_safety
                    let abi = #call;
                    <#ty as #rt::com::AbiReturn>::from_abi(abi)
                };
                (quote!(-> #ty), body)
            }
        };
        quote! {
            #(#attrs)*
            // One attribute rather than a `///` line each: the compiler parses and stores every
            // one, for every method.
            #[doc = "\n\n# Safety\n\nPointer arguments must be valid as the method's MAPI contract requires."]
            #[allow(non_snake_case, clippy::too_many_arguments)]
            // A few instructions: compiled where called, not in every crate that declares
            // interfaces (a debug build of 120 methods spent ~5% of its time on them).
            #[inline]
            pub unsafe fn #name(&self, #(#declared),*) #ret {
                #(#counts)*
                let vtable = #rt::windows_core::Interface::vtable(self);
                let this = #rt::windows_core::Interface::as_raw(self);
                #body
            }
        }
    });
    quote! {
        impl #ident {
            #(#methods)*
        }
    }
}

/// A parameter as the caller sees it: `#[bytes]` pointers as `&[u8]`; interface out-parameters
/// as the pointer the vtable passes, which callers fill from C-style code.
fn caller_param(param: &crate::model::Param) -> TokenStream {
    let (name, ty) = (&param.ident, &param.ty);
    match param.kind {
        ParamKind::Bytes { .. } => quote!(#name: &[u8]),
        _ => quote!(#name: #ty),
    }
}

/// A parameter as the implementer sees it: as the caller does, but `#[out(IFoo)]` slots as
/// `InterfaceOut<'_, IFoo>`.
fn implementer_param(param: &crate::model::Param) -> TokenStream {
    match &param.kind {
        ParamKind::InterfaceOut { interface, .. } => {
            let rt = runtime();
            let name = &param.ident;
            quote!(#name: #rt::com::InterfaceOut<'_, #interface>)
        }
        _ => caller_param(param),
    }
}

fn implementer_trait(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let Interface { vis, ident, .. } = interface;
    let implementer = format_ident!("{}Impl", ident);
    let supertrait = if interface.base_is_unknown() {
        quote!(#rt::com::MapiObject)
    } else {
        let mut path = interface.base().clone();
        let last = path.segments.last_mut().expect("a path has a segment");
        last.ident = format_ident!("{}Impl", last.ident, span = last.ident.span());
        quote!(#path)
    };
    let mut any_default = false;
    let methods: Vec<TokenStream> = interface
        .methods
        .iter()
        .map(|method| {
            let Method {
                attrs,
                ident: name,
                params,
                output,
                ..
            } = method;
            let declared = params.iter().map(implementer_param);
            let ret = match output {
                Output::Unit => quote!(),
                Output::Type { ty, .. } => quote!(-> #ty),
            };
            let default = method.default_value(interface).filter(|_| !method.rejected);
            let safety_doc = "\n\n# Safety\n\nCalled by the vtable with its caller's arguments, unchecked: \
                 an implementation may rely on them being valid as the method's MAPI contract says \
                 (see the trait's Safety section).";
            match default {
                None => quote! {
                    #(#attrs)*
                    #[doc = #safety_doc]
                    unsafe fn #name(this: &#rt::com::Object<Self>, #(#declared),*) #ret;
                },
                Some(value) => {
                    any_default = true;
                    let body = default_body(ident, &implementer, method, value);
                    let doc = format!(
                        "\n\nLeft out, it answers `{}` (out-parameters set to zero/NULL), or what [`{implementer}::forward`] says.",
                        quote!(#value)
                    );
                    quote! {
                        #(#attrs)*
                        #[doc = #doc]
                        #[doc = #safety_doc]
                        unsafe fn #name(this: &#rt::com::Object<Self>, #(#declared),*) #ret {
                            #body
                        }
                    }
                }
            }
        })
        .collect();
    let forward = any_default.then(|| {
        let doc = format!(
            "Where the methods of [`{ident}`] this type leaves out go: their declared defaults \
             (this default), another object's `{ident}` ([`Forward::To`](::mapi_spi_runtime::com::Forward::To), \
             [`Forward::Owned`](::mapi_spi_runtime::com::Forward::Owned)), or a failure code for all of them \
             ([`Forward::Fail`](::mapi_spi_runtime::com::Forward::Fail)). Called on every call of a method this type leaves out, \
             with the method's name (for logs and traces); methods this type implements are not affected."
        );
        quote! {
            #[doc = #doc]
            #[inline(always)]
            fn forward(this: &#rt::com::Object<Self>, method: #rt::com::MethodName) -> #rt::com::Forward<'_, #ident> {
                let _ = (this, method);
                #rt::com::Forward::Defaults
            }
        }
    });
    let doc = format!(
        "The implementer side of [`{ident}`]: implement it on a type marked `#[mapi_object({ident}, ...)]`. \
         Each method receives its object as `this`, which dereferences to the type and can hand out \
         interface pointers to itself with `this.to_interface()`. A panic is caught at the vtable and \
         returned as the result type's panic value (`MAPI_E_CALL_FAILED` for `HRESULT` and `Result`). \
         Methods with a default may be left out.\n\n\
         # Safety\n\n\
         Every method is `unsafe`: the vtable passes it its caller's arguments unchecked, so an \
         implementation may rely on them being valid as the method's MAPI contract says (pointers \
         readable or writable as documented, NULL only where allowed). Only the generated vtable \
         calls these methods."
    );
    // `{Self}` is substituted by the compiler; literal braces are doubled once more for it.
    let message = format!("`{{Self}}` does not implement `{ident}`");
    let label = format!("needs `impl {implementer} for {{Self}}`");
    let note = format!(
        "add `impl {implementer} for {{Self}} {{{{ ... }}}}` with the methods of `{ident}` that have no default, each an `unsafe fn` taking `this: &Object<Self>` instead of `&self`"
    );
    quote! {
        #[doc = #doc]
        #[diagnostic::on_unimplemented(
            message = #message,
            label = #label,
            note = #note
        )]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        #vis trait #implementer: #supertrait {
            #forward
            #(#methods)*
        }
    }
}

/// The body of a method with a default: the call forwarded where `forward` says so, the
/// failure it names, or the default value, with out-parameters cleared as a real provider does.
/// A forwarded call's `HRESULT` is passed back to the `Forward` (`Forward::returned`, which
/// tells a guard of a failure: the runtime's store describes a bare failure with it).
fn default_body(
    interface: &syn::Ident,
    implementer: &syn::Ident,
    method: &Method,
    value: &syn::Expr,
) -> TokenStream {
    let rt = runtime();
    // The body's own names, at mixed-site hygiene: they shadow no parameter of the same name.
    let [forward, target, result, code] =
        ["forward", "target", "result", "code"].map(|n| syn::Ident::new(n, Span::mixed_site()));
    let name = &method.ident;
    let args = method.params.iter().map(|param| {
        let name = &param.ident;
        match param.kind {
            // The target writes the slot as any caller's callee does; the thunk still releases
            // it if the call fails.
            ParamKind::InterfaceOut { .. } => quote!(#rt::com::InterfaceOut::as_raw(&#name)),
            _ => quote!(#name),
        }
    });
    let clear = clear_outs(method, false);
    let method_name = name.to_string();
    let (convert, fail) = match &method.output {
        Output::Unit => (quote!(#value), quote!()),
        Output::Type { ty, .. } => {
            let rt = runtime_at(value.span());
            let convert =
                quote_spanned!(value.span()=> <#ty as #rt::com::AbiReturn>::from_abi(#value));
            let fail = if method.output.crosses_as_hresult() {
                quote! {
                    #(#clear)*
                    return <#ty as #rt::com::AbiReturn>::from_abi(#code);
                }
            } else {
                quote!(let _ = #code;)
            };
            (convert, fail)
        }
    };
    let forward_safety =
        safety("the arguments are the caller's, passed on under the same contract.");
    let forwarded = match &method.output {
        Output::Type { ty, .. } if method.output.crosses_as_hresult() => {
            let qualified = format!("{interface}::{name}");
            quote! {
                #forward_safety
                let #result = unsafe { #target.#name(#(#args),*) };
                let #code = <#ty as #rt::com::AbiReturn>::into_abi(#result);
                #rt::com::Forward::returned(&#forward, #qualified, #code);
                return <#ty as #rt::com::AbiReturn>::from_abi(#code);
            }
        }
        _ => quote! {
            #forward_safety
            return unsafe { #target.#name(#(#args),*) };
        },
    };
    quote! {
        let #forward = <Self as #implementer>::forward(this, #rt::com::MethodName(#method_name));
        match #rt::com::Forward::target(&#forward) {
            ::core::result::Result::Ok(::core::option::Option::Some(#target)) => {
                #forwarded
            }
            ::core::result::Result::Ok(::core::option::Option::None) => {}
            ::core::result::Result::Err(#code) => { #fail }
        }
        #(#clear)*
        #convert
    }
}

/// Type-level checks the macro cannot make from syntax alone, each spanned at the user's tokens so
/// the compiler reports it there: parameter types can cross a vtable, interface arguments are
/// interfaces, and no method repeats a base's name. The other type-level rules are checked where
/// the expansion needs them, spanned the same way, so that each mistake is reported once: the base
/// by `type Base` of `MapiInterface`, result types by the `AbiReturn` conversions of the thunk and
/// the caller side, out-parameter pointees by the thunk's `clear_out`.
fn compile_time_checks(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let base = base_type(interface);
    let mut calls = Vec::new();
    // Each distinct type once, at its first use: the same bound on the same type would only be
    // checked (and reported) again, and a crate of 120 methods spent 1-3% of its build on those.
    let mut checked = std::collections::HashSet::new();
    for method in interface.methods.iter().filter(|m| !m.rejected) {
        for param in &method.params {
            match &param.kind {
                ParamKind::Value => {
                    let ty = &param.ty;
                    if checked.insert(ty.to_token_stream().to_string()) {
                        calls.push(quote_spanned!(ty.span()=> is_abi_safe::<#ty>();));
                    }
                }
                ParamKind::Interface { interface } | ParamKind::InterfaceOut { interface, .. } => {
                    if checked.insert(interface.to_token_stream().to_string()) {
                        calls.push(
                            quote_spanned!(interface.span()=> is_mapi_interface::<#interface>();),
                        );
                    }
                }
                ParamKind::Out { .. } | ParamKind::Bytes { .. } => {}
            }
        }
    }
    // Over `IUnknown` the base's names are known here: only a method repeating one of them needs
    // the check, which saves the compiler a constant evaluation per method (a tenth of the type
    // checking of a crate of 120 methods).
    let shadowing = interface
        .methods
        .iter()
        .filter(|m| !m.rejected)
        .filter(|m| {
            !interface.base_is_unknown()
                || ["QueryInterface", "AddRef", "Release"].contains(&&*m.ident.to_string())
        })
        .map(|method| {
        let name = method.ident.to_string();
        let message = format!(
            "`{name}` is already a method of a base interface of `{}`: a second `{name}` would take a new vtable slot and hide the base's from Rust callers; rename it or remove it",
            interface.ident
        );
        quote_spanned! {method.ident.span()=>
            const _: () = ::core::assert!(
                !#rt::com::interface::names::contains(<#base as #rt::com::MapiInterface>::METHOD_NAMES, #name),
                #message
            );
        }
    });
    quote! {
        const _: () = {
            fn is_mapi_interface<I: #rt::com::MapiInterface>() {}
            fn is_abi_safe<T: #rt::com::AbiSafe>() {}
            fn check() {
                #(#calls)*
            }
        };
        #(#shadowing)*
    }
}
