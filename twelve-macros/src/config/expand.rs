//! The generated code: `impl Config`, wrapped in `const _: () = { ... };`, reaching the
//! runtime only through fully qualified `::twelve::__private` paths so that it compiles
//! under `#![no_implicit_prelude]` and in crates that depend on `twelve` alone.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Lit};

use super::model::{
    Bound, DefaultExpr, Field, Input, Kind, Leaf, Nested, Parse, Presence, Range, Shape,
};
use crate::paths::private;
use crate::spans::respan;
use crate::types;

/// The separator of a list without `separator = "..."`; the same as the runtime's
/// `ParseContext::DEFAULT`.
const DEFAULT_SEPARATOR: &str = ",";

/// `impl Config` for the struct of `input`.
pub(crate) fn expand(input: &Input) -> TokenStream {
    let p = private(input.krate.as_ref());
    let ident = &input.ident;
    let mut statics = Vec::new();
    let mut loads = Vec::new();
    let mut inits = Vec::new();
    let mut vars = Vec::new();
    let mut table = Vec::new();
    for (i, field) in input.fields.iter().enumerate() {
        let name = &field.ident;
        let local = format_ident!("__twelve_field_{}", i);
        inits.push(quote!(#name: #local?));
        match &field.kind {
            Kind::Nested(nested) => {
                let (load, var) = nested_field(field, nested, &local, &p);
                loads.push(load);
                vars.push(var);
            }
            Kind::Leaf(leaf) => {
                let meta = format_ident!("__TWELVE_FIELD_{}", i);
                statics.push(field_static(field, leaf, &meta, &p));
                loads.push(leaf_load(leaf, &meta, &local, &p));
                let ident = syn::ext::IdentExt::unraw(name).to_string();
                table.push(quote!((#ident, &#meta)));
                vars.push(quote!(__out.push(#meta.info(__prefix));));
            }
        }
    }
    let build = quote!(Self { #(#inits),* });
    let value = match &input.validate {
        None => quote!(::core::option::Option::Some(#build)),
        Some(path) => {
            // Coerced first, spanned on the path: a wrong signature is one error there.
            let sp = path.span();
            let ps = respan(&p, sp);
            let rule = quote_spanned!(sp=>
                let __rule: fn(&Self) -> ::core::result::Result<(), #ps::Invalid> = #path;
            );
            quote! {
                #rule
                __loader.validate(__prefix, #build, &[#(#table),*], __rule)
            }
        }
    };
    let prefix = &input.prefix;
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #(#statics)*

            #[automatically_derived]
            impl #p::Config for #ident {
                fn __load(
                    __loader: &mut #p::Loader<'_>,
                    __prefix: &::core::primitive::str,
                ) -> ::core::option::Option<Self> {
                    #(#loads)*
                    #value
                }

                fn __vars(__prefix: &::core::primitive::str, __out: &mut #p::Vec<#p::VarInfo>) {
                    #(#vars)*
                }

                fn __prefix() -> &'static ::core::primitive::str {
                    #prefix
                }
            }
        };
    }
}

/// The load and the `vars()` entries of a nested field: its type's own.
fn nested_field(
    field: &Field,
    nested: &Nested,
    local: &syn::Ident,
    p: &TokenStream,
) -> (TokenStream, TokenStream) {
    let ty = &field.ty;
    let segment = &nested.segment;
    let config = quote_spanned!(ty.span()=> <#ty as #p::Config>);
    let load = quote! {
        let #local = __loader.nested(__prefix, #segment, #config::__load);
    };
    let vars = quote! {
        #config::__vars(&#p::join(__prefix, #segment), __out);
    };
    (load, vars)
}

/// The load of a leaf: its parser, and the loader call its presence asks for.
fn leaf_load(leaf: &Leaf, meta: &syn::Ident, local: &syn::Ident, p: &TokenStream) -> TokenStream {
    let value_ty = &leaf.value_ty;
    let parser = parser(leaf, p);
    let check = check(leaf, meta, p);
    let call = match &leaf.presence {
        Presence::Optional => quote!(__loader.optional(__prefix, &#meta, __parse, __check)),
        Presence::Default(DefaultExpr::Text(text)) => {
            quote!(__loader.or_default_str(__prefix, &#meta, __parse, #text, __check))
        }
        Presence::Default(DefaultExpr::Value(expr)) => {
            let value = quote_spanned!(expr.span()=> || -> #value_ty { #expr });
            quote!(__loader.or_default(__prefix, &#meta, __parse, #value, __check))
        }
        Presence::Required => quote!(__loader.required(__prefix, &#meta, __parse, __check)),
    };
    quote! {
        let #local = {
            let __parse = #parser;
            let __check: ::core::option::Option<#p::Check<#value_ty>> = #check;
            #call
        };
    }
}

/// The checks of a leaf (`range`, then `validate`) as an `Option<Check<value_ty>>`.
fn check(leaf: &Leaf, meta: &syn::Ident, p: &TokenStream) -> TokenStream {
    if leaf.checks.is_empty() {
        return quote!(::core::option::Option::None);
    }
    let value_ty = &leaf.value_ty;
    let range = leaf
        .checks
        .range
        .as_ref()
        .map(|r| range_check(r, leaf, meta, p));
    let validate = leaf.checks.validate.as_ref().map(|path| {
        // Called with `&T`, spanned on the path (a wrong signature is an error there);
        // not coerced to a `fn(&T)`, so that `fn(&str)` takes a `String` field's value.
        let sp = path.span();
        let ps = respan(p, sp);
        quote_spanned!(sp=> {
            let __result: ::core::result::Result<(), _> = #path(__value);
            #ps::with(__result)?;
        })
    });
    quote! {
        ::core::option::Option::Some(|__value: &#value_ty| -> ::core::result::Result<(), #p::String> {
            #range
            #validate
            ::core::result::Result::Ok(())
        })
    }
}

/// `in_range(value, start..=end, text)?`, spanned on the `range` key so that a type
/// without an order gets the error there.
fn range_check(range: &Range, leaf: &Leaf, meta: &syn::Ident, p: &TokenStream) -> TokenStream {
    let ty = &leaf.plain_ty;
    let bound = |b: &Option<Bound>| match b {
        None => quote!(),
        Some(Bound::Value(e)) => quote!(#e),
        Some(Bound::Text(t)) => quote!(#p::bound::<#ty>(#t, &#meta.ctx)?),
    };
    let (start, end) = (bound(&range.start), bound(&range.end));
    let dots = if range.inclusive {
        quote!(..=)
    } else {
        quote!(..)
    };
    let text = &range.text;
    let ps = respan(p, range.span);
    let ts = respan(&quote!(#ty), range.span);
    quote_spanned!(range.span=> #ps::in_range::<#ts, _>(__value, #start #dots #end, #text)?;)
}

/// The parser of a leaf, as a `Parser<value_ty>`.
fn parser(leaf: &Leaf, p: &TokenStream) -> TokenStream {
    let plain_ty = &leaf.plain_ty;
    let parse = match &leaf.parse {
        Parse::With(path) => {
            // The function is first coerced to the pointer type that `with` promises,
            // spanned on the path: a wrong signature is one error on `parse_fn`, naming
            // both types.
            let sp = path.span();
            let ps = respan(p, sp);
            quote_spanned!(sp=> {
                let __f: fn(&::core::primitive::str) -> ::core::result::Result<#plain_ty, _> = #path;
                #ps::with(__f(__raw))
            })
        }
        // Spanned on the (item) type, `#p` included: a type without `FromStr` gets the
        // error.
        Parse::FromStr(Shape::List { item, .. }) => {
            let ps = respan(p, item.span());
            quote_spanned!(item.span()=> #p::list(__raw, __ctx, #ps::from_str::<#item>))
        }
        Parse::FromStr(Shape::One | Shape::Map { .. }) => {
            let ps = respan(p, plain_ty.span());
            quote_spanned!(plain_ty.span()=> #ps::from_str::<#plain_ty>(__raw))
        }
        Parse::Value(_) => {
            // Spanned on the type, so that a type without `ConfigValue` gets the error.
            // A field with checks keeps the text (for the error of a failed check).
            let value_ty = &leaf.value_ty;
            let parse = if leaf.checks.is_empty() {
                quote_spanned!(value_ty.span()=> <#value_ty as #p::ConfigValue>::parse_owned)
            } else {
                quote_spanned!(value_ty.span()=> <#value_ty as #p::ConfigValue>::parse_value)
            };
            return quote!(|__raw: &mut #p::String, __ctx: &#p::ParseContext| -> ::core::result::Result<#value_ty, #p::String> { #parse(__raw, __ctx) });
        }
    };
    let wrap = leaf.secret.then(|| quote!(.map(#p::Secret::new)));
    let value_ty = &leaf.value_ty;
    quote!(|__raw: &mut #p::String, __ctx: &#p::ParseContext| -> ::core::result::Result<#value_ty, #p::String> {
        let __raw: &::core::primitive::str = __raw; let _ = __ctx; #parse #wrap
    })
}

/// The `static` `Field` of a leaf: what the runtime knows of it.
fn field_static(field: &Field, leaf: &Leaf, meta: &syn::Ident, p: &TokenStream) -> TokenStream {
    let name = &leaf.var.name;
    let absolute = leaf.var.absolute;
    let ty = types::display(&field.ty);
    // Secrecy follows the type for every `ConfigValue` (aliases, `Vec<Secret<_>>`,
    // maps of secrets); `from_str`/`with` fields go by the type's spelling.
    let secret = match &leaf.parse {
        Parse::Value(_) => {
            let value_ty = &leaf.value_ty;
            quote!(<#value_ty as #p::ConfigValue>::SECRET)
        }
        Parse::FromStr(_) | Parse::With(_) => {
            let spelled = leaf.secret;
            quote!(#spelled)
        }
    };
    let required = matches!(leaf.presence, Presence::Required);
    let doc = &leaf.doc;
    let default = match &leaf.presence {
        Presence::Required | Presence::Optional => quote!(::core::option::Option::None),
        Presence::Default(default) => {
            let value = match default {
                DefaultExpr::Text(text) => {
                    let text = text.value();
                    quote!(#p::DefaultValue::Text(#text))
                }
                DefaultExpr::Value(expr) => match default_text(expr) {
                    Some(text) => quote!(#p::DefaultValue::Text(#text)),
                    None => {
                        let code = types::tidy(&expr.to_token_stream().to_string());
                        quote!(#p::DefaultValue::Code(#code))
                    }
                },
            };
            quote!(::core::option::Option::Some(#value))
        }
    };
    let separator = leaf.parse.separator().unwrap_or(DEFAULT_SEPARATOR);
    let choices = match &leaf.parse {
        Parse::Value(_) => {
            let value_ty = &leaf.value_ty;
            quote!(<#value_ty as #p::ConfigValue>::CHOICES)
        }
        Parse::FromStr(_) | Parse::With(_) => quote!(&[]),
    };
    quote! {
        static #meta: #p::Field = #p::Field {
            name: #name,
            absolute: #absolute,
            ty: #ty,
            secret: #secret,
            required: #required,
            default: #default,
            doc: #doc,
            choices: #choices,
            ctx: #p::ParseContext::with_separator(#separator).secret(#secret),
        };
    }
}

/// The text a variable would hold for a literal default (`"30s"`, `1025`, `true`).
fn default_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(s.value()),
            Lit::Int(i) => Some(i.base10_digits().to_string()),
            Lit::Float(f) => Some(f.base10_digits().to_string()),
            Lit::Bool(b) => Some(b.value.to_string()),
            Lit::Char(c) => Some(c.value().to_string()),
            _ => None,
        },
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => default_text(expr).map(|t| format!("-{t}")),
        Expr::Group(g) => default_text(&g.expr),
        _ => None,
    }
}

/// The impl emitted next to the errors: it lets the rest of the crate type-check, so
/// that only the real errors are shown.
pub(crate) fn fallback(input: &syn::DeriveInput, krate: Option<&syn::Path>) -> TokenStream {
    let p = private(krate);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            impl #impl_generics #p::Config for #ident #ty_generics #where_clause {
                fn __load(
                    _: &mut #p::Loader<'_>,
                    _: &::core::primitive::str,
                ) -> ::core::option::Option<Self> {
                    ::core::unimplemented!()
                }

                fn __vars(_: &::core::primitive::str, _: &mut #p::Vec<#p::VarInfo>) {}
            }
        };
    }
}
