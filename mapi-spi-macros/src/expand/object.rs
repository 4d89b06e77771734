//! What `#[mapi_object(I0, I1, ...)]` generates for a struct `S`, left as written:
//!
//! - `impl MapiObject for S`: the vtable-pointer table (slot `k` holds `Ik`'s vtable built for
//!   `S` and `k`) and QueryInterface's map from IID to slot, as data;
//! - `impl Implements<Ik> for S` for each listed interface, and `Implements<IUnknown>` (slot 0,
//!   the object's identity), so Rust code can get typed interface pointers.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{runtime, runtime_at, safety};
use crate::check::Checked;
use crate::model::Object;

pub fn expand(object: &Checked<Object>) -> TokenStream {
    let rt = runtime();
    let item = &object.item;
    let ident = &item.ident;
    // Every object is `'static` (MAPI holds it as long as it likes): the impls require it of the
    // type parameters, so that a missing bound is reported once, at the user's own impl.
    let mut generics = item.generics.clone();
    let statics: Vec<_> = generics.type_params().map(|p| p.ident.clone()).collect();
    for param in statics {
        generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(#param: 'static));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let (declared_impl_generics, _, declared_where_clause) = item.generics.split_for_impl();
    let count = object.interfaces.len();
    let vtables = object
        .interfaces
        .iter()
        .enumerate()
        .map(|(slot, interface)| {
            // Spanned at the listed interface, so a missing `impl IFooImpl` is reported there.
            let rt = runtime_at(interface.span());
            quote_spanned! {interface.span()=>
                &<#interface as #rt::com::VtableFor<Self, #slot>>::VTABLE
                    as *const _ as #rt::com::VtablePtr
            }
        });
    let slot_iids = object.interfaces.iter().map(|interface| {
        let rt = runtime_at(interface.span());
        quote_spanned!(interface.span()=> <#interface as #rt::com::MapiInterface>::IIDS)
    });
    let implements = object
        .interfaces
        .iter()
        .enumerate()
        .map(|(slot, interface)| {
            let rt = runtime_at(interface.span());
            let reason = safety(&format!(
                "slot {slot} holds `{}`'s vtable (see `VTABLES`).",
                quote!(#interface)
            ));
            quote_spanned! {interface.span()=>
                #reason
                unsafe impl #impl_generics #rt::com::Implements<#interface> for #ident #ty_generics #where_clause {
                    const SLOT: usize = #slot;
                }
            }
        });
    let self_type = quote_spanned!(ident.span()=> #ident #ty_generics);
    // Spanned at the struct's name: a field that is not `Send + Sync` is reported there, once.
    // A generic struct is checked in an impl, where its parameters' bounds are known.
    let thread_safe = {
        let rt = runtime_at(ident.span());
        if item.generics.params.is_empty() {
            quote_spanned!(ident.span()=> const _: () = #rt::com::object::must_be_send_and_sync::<#ident>();)
        } else {
            quote_spanned! {ident.span()=>
                // The struct's own bounds only, so that rustc suggests adding the missing bound there.
                impl #declared_impl_generics #ident #ty_generics #declared_where_clause {
                    #[doc(hidden)]
                    const __MAPI_OBJECT_IS_SEND_AND_SYNC: () =
                        #rt::com::object::must_be_send_and_sync::<Self>();
                }
            }
        }
    };
    let object_safety = safety(
        "`VTABLES[k]` is the vtable of the k-th listed interface, built for this type and slot k, and `SLOT_IIDS[k]` lists that interface's IIDs.",
    );
    let identity_safety =
        safety("slot 0 is the identity every QueryInterface(IID_IUnknown) returns.");
    let home = match &object.home {
        Some(home) => quote!(#home),
        None => quote!(#rt::com::Alone),
    };
    quote! {
        #item

        #thread_safe

        #object_safety
        unsafe impl #impl_generics #rt::com::MapiObject for #self_type #where_clause {
            /// One vtable pointer per listed interface; slot 0 is the object's identity.
            type Vtables = [#rt::com::VtablePtr; #count];

            const VTABLES: Self::Vtables = [#(#vtables),*];

            /// Slot k answers the IIDs of the k-th listed interface and its bases.
            const SLOT_IIDS: &'static [&'static [#rt::windows_core::GUID]] = &[#(#slot_iids),*];

            type Home = #home;
        }

        #identity_safety
        unsafe impl #impl_generics #rt::com::Implements<#rt::windows_core::IUnknown> for #ident #ty_generics #where_clause {
            const SLOT: usize = 0;
        }

        #(#implements)*
    }
}
