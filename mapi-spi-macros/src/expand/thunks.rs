//! The implementer side of each vtable slot: an `extern "system"` function, generic over the
//! object type and the slot, that recovers the object, converts the arguments, calls the trait
//! method under the panic guard, and converts the result.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::{base as base_type, runtime, runtime_at, safety};
use crate::model::{Interface, Method, Output, ParamKind};

/// The parameters of a method's vtable slot, `#[bytes]` ones as their count and pointer.
pub fn abi_params(method: &Method) -> impl Iterator<Item = TokenStream> + '_ {
    method.params.iter().map(|param| {
        let name = &param.ident;
        let ty = &param.ty;
        match &param.kind {
            ParamKind::Interface { .. } => quote!(#name: *mut ::core::ffi::c_void),
            ParamKind::Bytes { count, .. } => quote!(#count: u32, #name: #ty),
            ParamKind::Value | ParamKind::Out { .. } | ParamKind::InterfaceOut { .. } => {
                quote!(#name: #ty)
            }
        }
    })
}

/// Statements that set every `#[out]` parameter of `method` to zero (NULL), unless it is NULL.
/// With `interfaces` (in the thunk, which set the `#[out(IFoo)]` slots to NULL before the call),
/// also those slots, releasing what they hold; the implementer's default bodies leave them to the
/// thunk.
pub fn clear_outs(method: &Method, interfaces: bool) -> Vec<TokenStream> {
    method
        .params
        .iter()
        .filter_map(|param| {
            let name = &param.ident;
            let pointee = match &param.kind {
                ParamKind::Out { pointee } => pointee,
                ParamKind::InterfaceOut { .. } if interfaces => return Some(release_out(name)),
                _ => return None,
            };
            // Spanned at the pointee: its `AbiSafe` bound is this out-parameter's type check.
            let rt = runtime_at(pointee.span());
            let clear_out = quote_spanned!(pointee.span()=> #rt::com::abi::clear_out::<#pointee>);
            let reason =
                safety("an out-parameter is NULL or valid for a write, per the method's contract.");
            Some(quote!(#reason unsafe { #clear_out(#name) };))
        })
        .collect()
}

/// Releases what the `#[out(IFoo)]` slot `name` holds and leaves it NULL.
fn release_out(name: &syn::Ident) -> TokenStream {
    let rt = runtime();
    let reason = safety(
        "the thunk set this slot to NULL before the call: it holds NULL or a reference put there through `InterfaceOut`.",
    );
    quote!(#reason unsafe { #rt::com::abi::release_out(#name) };)
}

/// `impl IFooVtbl { pub const fn new<T, SLOT>() -> Self }`: the thunks of every method and the
/// vtable that holds them.
pub fn vtable_constructor(interface: &Interface) -> TokenStream {
    let rt = runtime();
    let name = &interface.ident;
    let vtbl = format_ident!("{}Vtbl", name);
    let implementer = format_ident!("{}Impl", name);
    let base = base_type(interface);
    let base_part = if interface.base_is_unknown() {
        quote!(#rt::com::query::unknown_vtbl::<T, SLOT>())
    } else {
        quote!(<<#base as #rt::windows_core::Interface>::Vtable>::new::<T, SLOT>())
    };
    let methods = || interface.methods.iter().filter(|m| !m.rejected);
    let thunks = methods().map(|method| thunk(name, method, &implementer));
    let slots = methods().map(|method| {
        let ident = &method.ident;
        quote!(#ident: #ident::<T, SLOT>)
    });
    let doc = format!(
        "The vtable of [`{name}`] for an object of type `T`, served from its vtable-pointer slot `SLOT`."
    );
    let reason = safety(&format!(
        "`{vtbl}::new` builds the thunks that call `T`'s `{implementer}` on the object whose slot `SLOT` points at the vtable."
    ));
    quote! {
        impl #vtbl {
            #[doc = #doc]
            pub const fn new<T: #implementer, const SLOT: usize>() -> Self {
                #(#thunks)*
                Self {
                    base__: #base_part,
                    #(#slots,)*
                }
            }
        }

        #reason
        unsafe impl<T: #implementer, const SLOT: usize> #rt::com::VtableFor<T, SLOT> for #name {
            const VTABLE: #vtbl = #vtbl::new::<T, SLOT>();
        }
    }
}

fn thunk(interface: &syn::Ident, method: &Method, implementer: &syn::Ident) -> TokenStream {
    let rt = runtime();
    let ident = &method.ident;
    let abi_params = abi_params(method);
    let clear_outs = clear_outs(method, true);
    let interface_outs: Vec<&syn::Ident> = method
        .params
        .iter()
        .filter(|param| matches!(param.kind, ParamKind::InterfaceOut { .. }))
        .map(|param| &param.ident)
        .collect();
    // `#[out(IFoo)]` slots start NULL, so that a failure or a panic can release what the
    // implementer put in them; a NULL slot is refused before the call.
    let start_null = interface_outs.iter().map(|name| {
        let reason = safety("the caller passes NULL or a slot writable for a pointer.");
        quote!(#reason unsafe { #rt::com::abi::clear_out(#name) };)
    });
    let refuse_null = (!interface_outs.is_empty()).then(|| {
        quote! {
            if #(#interface_outs.is_null())||* {
                #(#clear_outs)*
                return #rt::codes::MAPI_E_INVALID_PARAMETER;
            }
        }
    });
    // `#[bytes]` pointers become slices; NULL with a non-zero count is refused before the call.
    let slices = method.params.iter().filter_map(|param| {
        let ParamKind::Bytes { count, .. } = &param.kind else {
            return None;
        };
        let name = &param.ident;
        let reason = safety(&format!("the caller passes `{count}` readable bytes at `{name}`, or NULL."));
        Some(quote! {
            #reason
            let ::core::option::Option::Some(#name) = (unsafe { #rt::com::abi::counted_bytes(#count, #name.cast()) }) else {
                #(#clear_outs)*
                return #rt::codes::MAPI_E_INVALID_PARAMETER;
            };
        })
    });
    let borrow_interfaces = method.params.iter().filter_map(|param| {
        let ParamKind::Interface { interface } = &param.kind else {
            return None;
        };
        let name = &param.ident;
        let rt = runtime_at(interface.span());
        let from_raw = quote_spanned! {interface.span()=>
            <#interface as #rt::windows_core::Interface>::from_raw_borrowed
        };
        let reason =
            safety("the caller passes NULL or an interface pointer it keeps alive for the call.");
        Some(quote! {
            #reason
            let #name = unsafe { #from_raw(&#name) };
        })
    });
    let args = method.params.iter().map(|param| {
        let name = &param.ident;
        match param.kind {
            // The slot checked and set to NULL above; the interface is the implementer's.
            ParamKind::InterfaceOut { .. } => quote!(#rt::com::InterfaceOut::new(#name)),
            _ => quote!(#name),
        }
    });
    let call_safety = safety(
        "COM calls this slot with the interface pointer it belongs to, so `block_of_slot` is the live `Object<T>` whose method is erased; the arguments are the caller's, valid as the method's MAPI contract says (the implementer trait's Safety section).",
    );
    // The implementer's method as a function pointer, its parameter types left to inference
    // (one `_` each), its object erased: `guard_method` is then one function per signature.
    let inferred = method.params.iter().map(|_| quote!(_));
    let erased = quote! {
        #rt::com::abi::EraseObject::erase(
            <T as #implementer>::#ident as unsafe fn(&_, #(#inferred),*) -> _
        )
    };
    let on_panic = match (&method.on_panic, &method.output) {
        (Some(value), _) => quote_spanned!(value.span()=> #value),
        (None, Output::Unit) => quote!(),
        (None, Output::Type { ty, .. }) => {
            let rt = runtime_at(ty.span());
            quote_spanned!(ty.span()=> <#ty as #rt::com::AbiReturn>::ON_PANIC)
        }
    };
    // Spanned at the result type: if it is not `AbiReturn`, the conversion is reported there, as
    // `is_abi_return` reports it, rather than a second time at the attribute.
    let (span, convert) = match &method.output {
        Output::Unit => (
            proc_macro2::Span::call_site(),
            quote!(#rt::com::AbiReturn::into_abi),
        ),
        Output::Type { ty, .. } => {
            let rt = runtime_at(ty.span());
            (
                ty.span(),
                quote_spanned!(ty.span()=> <#ty as #rt::com::AbiReturn>::into_abi),
            )
        }
    };
    let result = quote_spanned! {span=>
        match result {
            Some(value) => #convert(value),
            None => {
                #(#clear_outs)*
                #on_panic
            }
        }
    };
    // A failed call hands out nothing: what the implementer put in a slot is released.
    let result = if interface_outs.is_empty() {
        result
    } else {
        let releases = interface_outs.iter().map(|name| release_out(name));
        quote! {
            let abi = #result;
            if abi.is_err() {
                #(#releases)*
            }
            abi
        }
    };
    let abi_return = abi_return(&method.output);
    // What a caught panic is reported as having panicked in.
    let boundary = format!("{interface}::{ident}");
    quote! {
        #[allow(non_snake_case, clippy::too_many_arguments)]
        unsafe extern "system" fn #ident<T: #implementer, const SLOT: usize>(
            this: *mut ::core::ffi::c_void,
            #(#abi_params),*
        ) #abi_return {
            #(#start_null)*
            #refuse_null
            #(#borrow_interfaces)*
            #(#slices)*
            #call_safety
            let result = unsafe {
                #rt::com::abi::guard_method(
                    #boundary,
                    ::core::any::type_name::<T>,
                    #erased,
                    (#rt::com::object::block_of_slot::<SLOT>(this), #(#args,)*),
                )
            };
            #result
        }
    }
}

/// The `-> T` of the vtable slot: `HRESULT` for `HRESULT` and `Result`, the type itself otherwise.
pub fn abi_return(output: &Output) -> TokenStream {
    let rt = runtime();
    match output {
        Output::Unit => quote!(),
        Output::Type {
            crosses_as_hresult: true,
            ..
        } => quote!(-> #rt::windows_core::HRESULT),
        Output::Type { ty, .. } => quote_spanned!(ty.span()=> -> #ty),
    }
}
