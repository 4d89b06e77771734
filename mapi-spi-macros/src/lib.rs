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
#[cfg(test)]
mod safety_audit;

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
    match parse::interface(attr, item.clone()) {
        // What check accepted is expanded even when it reported problems, so that code using
        // the interface keeps compiling and the user sees only the real mistakes.
        Ok(interface) => {
            let checked = check::interface(interface, &mut errors);
            errors.into_compile_errors(expand::interface::expand(&checked))
        }
        // Not a trait: the item is kept, so that the only error is the macro's.
        Err(problem) => {
            check::problem(problem, &mut errors);
            errors.into_compile_errors(item)
        }
    }
}

fn object_core(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let mut errors = errors::Errors::default();
    match parse::object(attr, item.clone()) {
        Ok(object) => match check::object(object, &mut errors) {
            // A rejected interface is left out of the expansion; the rest is generated as usual.
            Ok(checked) => errors.into_compile_errors(expand::object::expand(&checked)),
            // The struct itself is kept so that the user's other code still resolves its name.
            Err(item) => errors.into_compile_errors(quote::ToTokens::to_token_stream(&item)),
        },
        Err(problem) => {
            check::problem(problem, &mut errors);
            errors.into_compile_errors(item)
        }
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
        // What was accepted is still generated: code using the interface keeps resolving its
        // names, and the rejected methods keep their place in the implementer trait only.
        assert_eq!(items_named(&output, "IFoo"), 1);
        assert_eq!(items_named(&output, "IFooImpl"), 1);
        let vtable = item_text(&output, "IFooVtbl");
        assert!(
            !vtable.contains("SetValue") && !vtable.contains("Refresh"),
            "{vtable}"
        );
        let implementer = item_text(&output, "IFooImpl");
        assert!(
            implementer.contains("SetValue") && implementer.contains("Refresh"),
            "{implementer}"
        );
    }

    /// The tokens of the struct or trait named `name` in `output`.
    fn item_text(output: &TokenStream, name: &str) -> String {
        let file: syn::File = syn::parse2(output.clone()).expect("the output parses as items");
        file.items
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == name => Some(quote!(#s).to_string()),
                syn::Item::Trait(t) if t.ident == name => Some(quote!(#t).to_string()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no item {name}"))
    }

    #[test]
    fn defaults_give_bodies_and_a_forward_hook() {
        let output = interface_core(
            quote!(
                "6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11",
                default = MAPI_E_NO_SUPPORT
            ),
            quote! {
                pub unsafe trait IFoo: IUnknown {
                    fn Open(&self, #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID, #[out] lppUnk: *mut *mut c_void) -> HRESULT;
                    #[required]
                    fn Must(&self) -> HRESULT;
                    #[default(7)]
                    fn Count(&self) -> u32;
                    fn Plain(&self) -> u32;
                }
            },
        );
        assert!(messages(&output).is_empty(), "{:?}", messages(&output));
        let implementer = item_text(&output, "IFooImpl");
        assert!(implementer.contains("fn forward"), "{implementer}");
        // Open and Count have bodies; Must and Plain end with `;`.
        assert!(implementer.contains("lpEntryID : & [u8]"), "{implementer}");
        assert!(implementer.contains("MAPI_E_NO_SUPPORT"), "{implementer}");
        assert!(
            implementer.contains(
                "fn Must (this : & :: mapi_spi_runtime :: com :: Object < Self > ,) -> HRESULT ;"
            ),
            "{implementer}"
        );
        assert!(
            implementer.contains(
                "fn Plain (this : & :: mapi_spi_runtime :: com :: Object < Self > ,) -> u32 ;"
            ),
            "{implementer}"
        );
        let vtable = item_text(&output, "IFooVtbl");
        assert!(
            vtable.contains("cbEntryID : u32 , lpEntryID : * mut ENTRYID"),
            "{vtable}"
        );

        let without = interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11"),
            quote!(
                pub unsafe trait IFoo: IUnknown {
                    fn Must(&self) -> HRESULT;
                }
            ),
        );
        assert!(!item_text(&without, "IFooImpl").contains("fn forward"));
    }

    #[test]
    fn over_iunknown_only_its_own_names_are_checked_for_shadowing() {
        let output = interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11"),
            quote! {
                pub unsafe trait IFoo: IUnknown {
                    fn Release(&self) -> u32;
                    fn Ping(&self) -> HRESULT;
                }
            },
        );
        let text = output.to_string();
        assert!(text.contains("METHOD_NAMES , \"Release\")"), "{text}");
        assert!(!text.contains("METHOD_NAMES , \"Ping\")"), "{text}");
    }

    #[test]
    fn thread_affine_interfaces_are_not_send() {
        let send_impls = |attr: TokenStream| {
            let output = interface_core(
                attr,
                quote!(
                    pub unsafe trait IFoo: IUnknown {}
                ),
            );
            assert!(messages(&output).is_empty());
            output
                .to_string()
                .matches("marker :: Send for IFoo")
                .count()
        };
        assert_eq!(
            send_impls(quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11")),
            1
        );
        assert_eq!(
            send_impls(quote!(
                "6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11",
                thread_affine
            )),
            0
        );
        let bad = messages(&interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11", agile),
            quote!(
                pub unsafe trait IFoo: IUnknown {}
            ),
        ));
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("`default = CODE`"), "{bad:?}");
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
    fn a_generic_struct_is_an_object_and_a_borrowing_one_is_kept_without_an_expansion() {
        let output = object_core(
            quote!(IFoo),
            quote!(
                struct Store<B: Backend> {
                    backend: B,
                }
            ),
        );
        assert!(messages(&output).is_empty());
        let text = output.to_string();
        assert!(
            text.contains(
                "impl < B : Backend > :: mapi_spi_runtime :: com :: MapiObject for Store < B >"
            ),
            "{text}"
        );

        let output = object_core(
            quote!(IFoo),
            quote!(
                struct Store<'a> {
                    backend: &'a str,
                }
            ),
        );
        let errors = messages(&output);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("cannot borrow"));
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
