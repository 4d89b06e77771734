//! Procedural macros of mapi-spi. Use them through `mapi_spi_runtime`, which re-exports them and
//! holds everything their expansion refers to.
//!
//! Each macro runs three phases (private modules): `parse` turns the tokens into the `model` of
//! what the user wrote, `check` collects every rule violation at its own span, and `expand`
//! generates code from the checked model only.

mod check;
mod errors;
mod expand;
mod iid;
mod model;
mod parse;

use proc_macro::TokenStream;

/// Declares a MAPI (COM) interface from a trait. See `mapi_spi_runtime::mapi_interface` for the
/// documentation.
#[proc_macro_attribute]
pub fn mapi_interface(attr: TokenStream, item: TokenStream) -> TokenStream {
    interface_core(attr.into(), item.into()).into()
}

/// Makes a struct a COM object implementing the listed interfaces. See
/// `mapi_spi_runtime::mapi_object` for the documentation.
#[proc_macro_attribute]
pub fn mapi_object(attr: TokenStream, item: TokenStream) -> TokenStream {
    object_core(attr.into(), item.into()).into()
}

fn interface_core(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let mut errors = errors::Errors::default();
    let Some(interface) = parse::interface(attr, item.clone(), &mut errors) else {
        // Not a trait: the item is kept, so that the only error is the macro's.
        return errors.into_compile_errors(item);
    };
    check::interface(&interface, &mut errors);
    if errors.is_empty() {
        expand::interface::expand(&interface)
    } else {
        errors.into_compile_errors(proc_macro2::TokenStream::new())
    }
}

fn object_core(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let mut errors = errors::Errors::default();
    let Some(object) = parse::object(attr, item.clone(), &mut errors) else {
        return errors.into_compile_errors(item);
    };
    let expandable = check::object(&object, &mut errors);
    if errors.is_empty() {
        return expand::object::expand(&object);
    }
    match expandable {
        // A rejected interface is left out of the expansion; the rest is generated as usual.
        Some(interfaces) => {
            let object = model::Object {
                interfaces: interfaces.into_iter().cloned().collect(),
                ..object
            };
            errors.into_compile_errors(expand::object::expand(&object))
        }
        // The struct itself is kept so that the user's other code still resolves its name.
        None => errors.into_compile_errors(quote::ToTokens::to_token_stream(&object.item)),
    }
}

#[cfg(test)]
mod tests {
    use super::{interface_core, object_core};
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The messages of the `compile_error!`s in `output`, in order.
    fn messages(output: &TokenStream) -> Vec<String> {
        let file: syn::File = syn::parse2(output.clone()).expect("the output parses as items");
        file.items
            .iter()
            .filter_map(|item| match item {
                // `::core::compile_error! { "..." }`, as syn emits it.
                syn::Item::Macro(m)
                    if m.mac.path.segments.last().unwrap().ident == "compile_error" =>
                {
                    let message: syn::LitStr = m.mac.parse_body().expect("a string literal");
                    Some(message.value())
                }
                _ => None,
            })
            .collect()
    }

    fn items_named(output: &TokenStream, name: &str) -> usize {
        let file: syn::File = syn::parse2(output.clone()).expect("the output parses as items");
        file.items
            .iter()
            .filter(|item| match item {
                syn::Item::Struct(s) => s.ident == name,
                syn::Item::Trait(t) => t.ident == name,
                _ => false,
            })
            .count()
    }

    #[test]
    fn a_valid_interface_expands_without_errors() {
        let output = interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11"),
            quote! {
                pub unsafe trait IFoo: IUnknown {
                    fn Add(&self, by: u32, #[out] total: *mut u32) -> HRESULT;
                }
            },
        );
        assert!(messages(&output).is_empty());
        assert_eq!(items_named(&output, "IFoo"), 1);
        assert_eq!(items_named(&output, "IFooVtbl"), 1);
        assert_eq!(items_named(&output, "IFooImpl"), 1);
    }

    #[test]
    fn check_reports_every_mistake_at_once_and_nothing_else() {
        let output = interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11"),
            quote! {
                pub trait IFoo: IUnknown {
                    fn SetValue(&mut self, on: bool) -> HRESULT;
                    async fn Refresh(&self, name: &str) -> Result<u32>;
                }
            },
        );
        let errors = messages(&output);
        assert_eq!(errors.len(), 6, "{errors:#?}");
        for (error, expected) in errors.iter().zip([
            "write `unsafe trait`",
            "`&mut self` is not allowed",
            "`bool` is one byte",
            "cannot be `async`",
            "a Rust string cannot cross a vtable",
            "a method's `Result` crosses the vtable as an HRESULT alone",
        ]) {
            assert!(
                error.contains(expected),
                "{error:?} should say {expected:?}"
            );
        }
        // Nothing is generated from a rejected interface.
        assert_eq!(items_named(&output, "IFoo"), 0);
    }

    #[test]
    fn iid_problems_are_reported_with_the_rest() {
        let output = interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A1"),
            quote! {
                pub unsafe trait IFoo {
                    fn Ping(&self) -> HRESULT;
                }
            },
        );
        let errors = messages(&output);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains("group 5 of the IID has 11 digits"));
        assert!(errors[1].contains("name the base interface"));

        let missing = errors_of_interface(TokenStream::new());
        assert_eq!(missing.len(), 1);
        assert!(missing[0].contains("needs the interface's IID"));
        let not_a_string = errors_of_interface(quote!(0x1234));
        assert!(not_a_string[0].contains("expected the IID as a string literal"));
    }

    fn errors_of_interface(attr: TokenStream) -> Vec<String> {
        messages(&interface_core(
            attr,
            quote!(
                pub unsafe trait IFoo: IUnknown {}
            ),
        ))
    }

    #[test]
    fn the_attribute_on_another_item_keeps_the_item() {
        let output = interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11"),
            quote!(
                struct IFoo;
            ),
        );
        assert_eq!(messages(&output).len(), 1);
        assert_eq!(items_named(&output, "IFoo"), 1);
    }

    #[test]
    fn a_rejected_list_entry_is_left_out_and_the_rest_expanded() {
        let output = object_core(
            quote!(IUnknown, IFoo, IFoo),
            quote!(
                struct Foo;
            ),
        );
        let errors = messages(&output);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains("every object implements `IUnknown`"));
        assert!(errors[1].contains("`IFoo` is listed twice"));
        // The struct and its `MapiObject` impl, with one vtable: the user's `impl IFooImpl` still
        // finds a `MapiObject`.
        assert_eq!(items_named(&output, "Foo"), 1);
        let text = output.to_string();
        assert!(text.contains("MapiObject for Foo"), "{text}");
        assert!(
            text.contains("[:: mapi_spi_runtime :: com :: VtablePtr ; 1usize]"),
            "{text}"
        );
    }

    #[test]
    fn a_malformed_list_is_reported_once() {
        let output = object_core(
            quote!(IFoo IBar),
            quote!(
                struct Foo;
            ),
        );
        let errors = messages(&output);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("comma-separated list"));
        assert_eq!(items_named(&output, "Foo"), 1);
    }

    #[test]
    fn a_rejected_struct_is_kept_without_an_expansion() {
        let output = object_core(
            quote!(IFoo),
            quote!(
                struct Store<B> {
                    backend: B,
                }
            ),
        );
        let errors = messages(&output);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("cannot be generic"));
        assert_eq!(items_named(&output, "Store"), 1);
        assert!(!output.to_string().contains("MapiObject"));

        let output = object_core(
            TokenStream::new(),
            quote!(
                struct Foo;
            ),
        );
        assert!(messages(&output)[0].contains("list the interfaces"));
    }
}
