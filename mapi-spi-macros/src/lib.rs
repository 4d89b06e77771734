//! Procedural macros of mapi-spi. Use them through `mapi_spi_runtime`, which re-exports them and
//! holds everything their expansion refers to.
//!
//! Each macro runs three phases: [`parse`] turns the tokens into the [`model`] of what the user
//! wrote, [`check`] collects every rule violation at its own span, and [`expand`] generates code
//! from the checked model only.

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
