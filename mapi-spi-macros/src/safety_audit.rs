//! Every `unsafe` the macros emit says why it is sound. Clippy's `undocumented_unsafe_blocks`
//! does not lint proc-macro output, so this test does it: it expands representative inputs and
//! every `#[mapi_interface]` and `#[mapi_object]` item of the runtime's sources, walks the
//! expansion's syntax tree and lists each unsafe obligation not carried by a SAFETY doc.
//!
//! What is checked (the obligations, as clippy's lint sees them): `unsafe { ... }` blocks,
//! `unsafe impl`s, `unsafe extern { ... }` blocks, and any `unsafe` token inside a macro call's
//! tokens (which syn leaves unparsed, so they count conservatively). Not checked: `unsafe fn` and
//! `unsafe extern "system" fn` items and types, and `unsafe trait`s, which state a contract for
//! their callers or implementers (their `# Safety` docs) rather than discharge one.
//!
//! What "carries" means: an obligation is documented when the nearest statement or item around
//! it (the smallest `Stmt`, `Item`, `ImplItem`, `TraitItem` or `ForeignItem` that contains it;
//! for an `unsafe impl` or `unsafe extern` block, that item itself) has among its own outer
//! attributes a `#[doc = "..."]` whose text starts with `" SAFETY:"`, which is what
//! `expand::safety` emits (`/// SAFETY: ...` in `cargo expand`). A statement's doc covers the
//! closures in it (`let r = guard(|| unsafe { ... });`); a function's doc covers none of its
//! statements, and a statement's doc none of the statements of a block nested in it.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::visit::{self, Visit};

/// The obligations of an expansion, and those no SAFETY doc carries.
#[derive(Debug, Default)]
struct Audit {
    /// For each enclosing statement or item, innermost last: whether it carries a SAFETY doc.
    documented: Vec<bool>,
    /// How many obligations were seen.
    obligations: usize,
    /// The undocumented ones: what each is, and its tokens (shortened).
    undocumented: Vec<String>,
}

impl Audit {
    /// Walks `tokens`, which parse as a file (items).
    fn of(tokens: TokenStream) -> Self {
        let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
        let mut audit = Audit::default();
        audit.visit_file(&file);
        audit
    }

    /// Visits `node`, a statement or an item, as the nearest one around what it contains.
    fn within(&mut self, node: &impl ToTokens, visit: impl FnOnce(&mut Self)) {
        self.documented.push(carries_safety(node));
        visit(self);
        self.documented.pop();
    }

    /// An obligation, `what`, at `node`: documented by the nearest statement or item.
    fn obligation(&mut self, what: &str, node: &impl ToTokens) {
        self.obligations += 1;
        if !self.documented.last().copied().unwrap_or(false) {
            let mut text = node.to_token_stream().to_string();
            if text.len() > 160 {
                let end = text.floor_char_boundary(160);
                text.truncate(end);
                text.push_str(" ...");
            }
            self.undocumented.push(format!("{what}: {text}"));
        }
    }

    /// `unsafe` tokens anywhere in `tokens`, at any depth of groups.
    fn unsafe_tokens(&mut self, tokens: TokenStream) {
        for tree in tokens {
            match tree {
                TokenTree::Ident(ident) if ident == "unsafe" => {
                    self.obligation("`unsafe` in a macro call", &ident);
                }
                TokenTree::Group(group) => self.unsafe_tokens(group.stream()),
                _ => {}
            }
        }
    }
}

/// Whether `node`'s own outer attributes (the `#[...]` its tokens start with) include a doc
/// starting with `" SAFETY:"`.
fn carries_safety(node: &impl ToTokens) -> bool {
    let leading = |input: ParseStream| {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        input.parse::<TokenStream>()?;
        Ok(attrs)
    };
    let attrs = leading
        .parse2(node.to_token_stream())
        .expect("attributes, then anything");
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::NameValue(doc) if doc.path.is_ident("doc") => matches!(
            &doc.value,
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. })
                if text.value().starts_with(" SAFETY:")
        ),
        _ => false,
    })
}

impl<'ast> Visit<'ast> for Audit {
    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        match stmt {
            // The item is its own nearest item (`visit_item`).
            syn::Stmt::Item(_) => visit::visit_stmt(self, stmt),
            _ => self.within(stmt, |audit| visit::visit_stmt(audit, stmt)),
        }
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.within(item, |audit| visit::visit_item(audit, item));
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        self.within(item, |audit| visit::visit_impl_item(audit, item));
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        self.within(item, |audit| visit::visit_trait_item(audit, item));
    }

    fn visit_foreign_item(&mut self, item: &'ast syn::ForeignItem) {
        self.within(item, |audit| visit::visit_foreign_item(audit, item));
    }

    fn visit_expr_unsafe(&mut self, block: &'ast syn::ExprUnsafe) {
        self.obligation("unsafe block", block);
        visit::visit_expr_unsafe(self, block);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if item.unsafety.is_some() {
            self.obligation("unsafe impl", &item.self_ty);
        }
        visit::visit_item_impl(self, item);
    }

    fn visit_item_foreign_mod(&mut self, item: &'ast syn::ItemForeignMod) {
        if item.unsafety.is_some() {
            self.obligation("unsafe extern block", &item.abi);
        }
        visit::visit_item_foreign_mod(self, item);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.unsafe_tokens(mac.tokens.clone());
        visit::visit_macro(self, mac);
    }
}

/// The `#[mapi_interface]` and `#[mapi_object]` items of `file` (inline modules included),
/// expanded as the macros expand them.
fn expansions_in(file: &syn::File) -> Vec<(String, TokenStream)> {
    fn collect(items: &[syn::Item], out: &mut Vec<(String, TokenStream)>) {
        for item in items {
            let (attrs, name) = match item {
                syn::Item::Trait(t) => (&t.attrs, t.ident.to_string()),
                syn::Item::Struct(s) => (&s.attrs, s.ident.to_string()),
                syn::Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        collect(items, out);
                    }
                    continue;
                }
                _ => continue,
            };
            // The macro's name, `mapi_interface` or `mapi_object`, however the path reaches it.
            let macro_name = |a: &syn::Attribute| {
                let last = a.path().segments.last()?.ident.to_string();
                ["mapi_interface", "mapi_object"]
                    .contains(&last.as_str())
                    .then_some(last)
            };
            let Some((at, macro_name)) = attrs
                .iter()
                .enumerate()
                .find_map(|(at, a)| Some((at, macro_name(a)?)))
            else {
                continue;
            };
            let attr = &attrs[at];
            let args = match &attr.meta {
                syn::Meta::List(list) => list.tokens.clone(),
                _ => TokenStream::new(),
            };
            let mut item = item.clone();
            match &mut item {
                syn::Item::Trait(t) => drop(t.attrs.remove(at)),
                syn::Item::Struct(s) => drop(s.attrs.remove(at)),
                _ => unreachable!("only traits and structs are collected"),
            }
            let item = item.into_token_stream();
            let expansion = if macro_name == "mapi_interface" {
                crate::interface_core(args, item)
            } else {
                crate::object_core(args, item)
            };
            out.push((name, expansion));
        }
    }
    let mut out = Vec::new();
    collect(&file.items, &mut out);
    out
}

/// Asserts that every obligation of `expansion` (of `name`) is documented, and returns how many
/// there were.
fn assert_documented(name: &str, expansion: TokenStream) -> usize {
    let audit = Audit::of(expansion);
    assert!(
        audit.undocumented.is_empty(),
        "{name}: unsafe without a SAFETY doc:\n{}",
        audit.undocumented.join("\n")
    );
    audit.obligations
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn undocumented(tokens: TokenStream) -> Vec<String> {
        Audit::of(tokens).undocumented
    }

    #[test]
    fn the_walker_finds_each_kind_of_undocumented_unsafe_and_accepts_documented_ones() {
        let documented = quote! {
            fn f() {
                #[doc = " SAFETY: g has no preconditions."]
                let a = unsafe { g() };
                #[doc = " SAFETY: the closure runs g, which has none."]
                let b = guard(|| unsafe { g() });
                #[doc = " SAFETY: as above."]
                unsafe { g() };
            }
            #[doc = " SAFETY: X holds no thread-bound state."]
            unsafe impl Send for X {}
            #[doc = " SAFETY: the signatures are the C library's."]
            unsafe extern "C" {
                fn g();
            }
            // Contracts, not obligations: not checked.
            unsafe fn h() {}
            unsafe trait T {}
            struct V { f: unsafe extern "system" fn() }
        };
        let audit = Audit::of(documented);
        assert_eq!(audit.obligations, 5);
        assert!(audit.undocumented.is_empty(), "{:#?}", audit.undocumented);

        let found = undocumented(quote! {
            #[doc = " SAFETY: a function's doc covers none of its statements."]
            fn f() {
                let a = unsafe { g() };
                /// Safety: not the SAFETY prefix.
                let b = unsafe { g() };
                #[doc = " SAFETY: the statement's, not the nested block's statements'."]
                let c = {
                    let d = unsafe { g() };
                    d
                };
                #[doc = " SAFETY: this statement's own block only."]
                let e = unsafe { g() } + m!(unsafe { g() });
                n!(unsafe { g() });
            }
            unsafe impl Send for X {}
            unsafe extern "C" {
                fn g();
            }
        });
        let kinds: Vec<&str> = found.iter().map(|f| f.split(':').next().unwrap()).collect();
        assert_eq!(
            kinds,
            [
                "unsafe block",
                "unsafe block",
                "unsafe block",
                "`unsafe` in a macro call",
                "unsafe impl",
                "unsafe extern block",
            ],
            "{found:#?}"
        );
    }

    #[test]
    fn representative_interfaces_and_objects_expand_with_every_unsafe_documented() {
        // Every parameter kind (value, #[out], #[out(IFoo)], #[bytes], interface), a #[required]
        // method, a #[default] value, methods that take the declared default and `forward`
        // (delegation), and one without defaults.
        let with_defaults = crate::interface_core(
            quote!(
                "6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A11",
                default = MAPI_E_NO_SUPPORT
            ),
            quote! {
                pub unsafe trait IFoo: IUnknown {
                    fn Open(
                        &self,
                        ulFlags: u32,
                        #[bytes(cbEntryID)] lpEntryID: *mut ENTRYID,
                        lpSink: Option<&IMAPIAdviseSink>,
                        #[out] lppUnk: *mut *mut c_void,
                        #[out(IMAPITable)] lppTable: *mut *mut c_void,
                    ) -> HRESULT;
                    fn Check(&self) -> Result<()>;
                    #[required]
                    fn Must(&self) -> HRESULT;
                    #[default(7)]
                    fn Count(&self) -> u32;
                    fn Plain(&self) -> u32;
                    fn Nothing(&self);
                }
            },
        );
        let derived = crate::interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A12"),
            quote! {
                pub unsafe trait IBar: IFoo {
                    fn Write(&self, #[bytes(cb)] lpb: *mut u8, #[out] lpcbWritten: *mut u32) -> HRESULT;
                }
            },
        );
        let thread_affine = crate::interface_core(
            quote!("6E2A3F10-6B2C-4F5E-9A61-0C7D2E9B4A13", thread_affine),
            quote!(
                pub unsafe trait IUi: IUnknown {
                    fn Show(&self, hwnd: usize) -> HRESULT;
                }
            ),
        );
        let several = crate::object_core(
            quote!(IFoo, IBar, IUi),
            quote!(
                struct Object {
                    count: u32,
                }
            ),
        );
        let generic = crate::object_core(
            quote!(IBar),
            quote!(
                struct Store<B: Backend>
                where
                    B: Send,
                {
                    backend: B,
                }
            ),
        );
        let mut obligations = 0;
        for (name, expansion) in [
            ("IFoo", with_defaults),
            ("IBar", derived),
            ("IUi", thread_affine),
            ("Object", several),
            ("Store", generic),
        ] {
            obligations += assert_documented(name, expansion);
        }
        // Not vacuous: the thunks, the caller side, the conversions and the impls were seen.
        assert!(obligations > 40, "only {obligations} obligations");
    }

    #[test]
    fn the_runtime_declarations_expand_with_every_unsafe_documented() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mapi-spi-runtime/src");
        let mut files = vec![root.clone()];
        let mut expanded = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                let entries = std::fs::read_dir(&path).expect("a readable directory");
                files.extend(entries.map(|e| e.expect("an entry").path()));
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a readable source");
                let file =
                    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                expanded.extend(expansions_in(&file));
            }
        }
        let names: Vec<&str> = expanded.iter().map(|(name, _)| name.as_str()).collect();
        // Interfaces of each SPI, and generic and multi-interface objects.
        for expected in [
            "IMAPIProp",
            "IMsgStore",
            "IMAPITable",
            "StoreObject",
            "ProviderObject",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} not found in {names:?}"
            );
        }
        for (name, expansion) in expanded {
            assert_documented(&name, expansion);
        }
    }
}
