//! The generated code: `impl Config`, wrapped in `const _: () = { ... };`, reaching the
//! runtime only through fully qualified `::twelve::__private` paths so that it compiles
//! under `#![no_implicit_prelude]` and in crates that depend on `twelve` alone.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Lit, Type};

use super::parse::{Field, Input};
use super::types;
use crate::spans::respan;

/// The variable name of a non-nested field, the struct's prefix included.
pub(crate) fn var_name(input: &Input, field: &Field) -> String {
    match &field.env {
        Some(env) => env.value(),
        None => format!("{}{}", struct_prefix(input), upper(&field.ident)),
    }
}

fn struct_prefix(input: &Input) -> String {
    input.prefix.as_ref().map(|p| p.value()).unwrap_or_default()
}

fn upper(ident: &syn::Ident) -> String {
    syn::ext::IdentExt::unraw(ident).to_string().to_uppercase()
}

fn private(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::twelve::__private),
    }
}

pub(crate) fn expand(input: &Input) -> TokenStream {
    let p = private(input.krate.as_ref());
    let ident = &input.ident;
    let mut statics = Vec::new();
    let mut loads = Vec::new();
    let mut inits = Vec::new();
    let mut vars = Vec::new();
    for (i, field) in input.fields.iter().enumerate() {
        let name = &field.ident;
        let local = format_ident!("__twelve_field_{}", i);
        inits.push(quote!(#name: #local?));
        if field.nested.is_some() {
            let ty = &field.ty;
            let segment = format!(
                "{}{}",
                struct_prefix(input),
                field
                    .prefix
                    .as_ref()
                    .map_or_else(|| format!("{}_", upper(name)), |p| p.value())
            );
            let config = quote_spanned!(ty.span()=> <#ty as #p::Config>);
            loads.push(quote! {
                let #local = __loader.nested(__prefix, #segment, #config::__load);
            });
            vars.push(quote! {
                #config::__vars(&#p::join(__prefix, #segment), __out);
            });
            continue;
        }
        let meta = format_ident!("__TWELVE_FIELD_{}", i);
        statics.push(field_static(input, field, &meta, &p));
        let option = types::inner(&field.ty, "Option");
        let value_ty = option.unwrap_or(&field.ty);
        let parser = parser(field, value_ty, &p);
        let call = match (&field.default, option) {
            (_, Some(_)) => quote!(__loader.optional(__prefix, &#meta, __parse)),
            (
                Some((
                    _,
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Str(text),
                        ..
                    }),
                )),
                None,
            ) => quote!(__loader.or_default_str(__prefix, &#meta, __parse, #text)),
            (Some((_, expr)), None) => {
                let value = quote_spanned!(expr.span()=> || -> #value_ty { #expr });
                quote!(__loader.or_default(__prefix, &#meta, __parse, #value))
            }
            (None, None) => quote!(__loader.required(__prefix, &#meta, __parse)),
        };
        loads.push(quote! {
            let #local = {
                let __parse: #p::Parser<#value_ty> = #parser;
                #call
            };
        });
        vars.push(quote!(__out.push(#meta.info(__prefix));));
    }
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
                    ::core::option::Option::Some(Self { #(#inits),* })
                }

                fn __vars(__prefix: &::core::primitive::str, __out: &mut #p::Vec<#p::VarInfo>) {
                    #(#vars)*
                }
            }
        };
    }
}

/// The parser of a non-nested field, as a `Parser<value_ty>`.
fn parser(field: &Field, value_ty: &Type, p: &TokenStream) -> TokenStream {
    let secret = types::inner(value_ty, "Secret");
    let plain_ty = secret.unwrap_or(value_ty);
    let parse = if let Some((_, path)) = &field.with {
        // The function is first coerced to the pointer type that `with` promises, spanned
        // on the path: a wrong signature is one error on `parse_fn`, naming both types.
        let sp = path.span();
        let ps = respan(p, sp);
        quote_spanned!(sp=> {
            let __f: fn(&::core::primitive::str) -> ::core::result::Result<#plain_ty, _> = #path;
            #ps::with(__f(__raw))
        })
    } else if field.from_str.is_some() {
        // Spanned on the (item) type, `#p` included: a type without `FromStr` gets the error.
        match types::inner(plain_ty, "Vec") {
            Some(item) => {
                let ps = respan(p, item.span());
                quote_spanned!(item.span()=> #p::list(__raw, __ctx, #ps::from_str::<#item>))
            }
            None => {
                let ps = respan(p, plain_ty.span());
                quote_spanned!(plain_ty.span()=> #ps::from_str::<#plain_ty>(__raw))
            }
        }
    } else {
        // Spanned on the type, so that a type without `ConfigValue` gets the error.
        let parse = quote_spanned!(value_ty.span()=> <#value_ty as #p::ConfigValue>::parse_value);
        return quote!(#parse);
    };
    let wrap = secret.map(|_| quote!(.map(#p::Secret::new)));
    quote!(|__raw, __ctx| { let _ = __ctx; #parse #wrap })
}

fn field_static(input: &Input, field: &Field, meta: &syn::Ident, p: &TokenStream) -> TokenStream {
    let name = var_name(input, field);
    let absolute = field.env.is_some();
    let option = types::inner(&field.ty, "Option");
    let value_ty = option.unwrap_or(&field.ty);
    let ty = types::display(&field.ty);
    let secret = types::inner(value_ty, "Secret").is_some();
    let required = option.is_none() && field.default.is_none();
    let doc = &field.doc;
    let default = match &field.default {
        None => quote!(::core::option::Option::None),
        Some((_, expr)) => {
            let value = match default_text(expr) {
                Some(text) => quote!(#p::DefaultValue::Text(#text)),
                None => {
                    let code = types::tidy(&expr.to_token_stream().to_string());
                    quote!(#p::DefaultValue::Code(#code))
                }
            };
            quote!(::core::option::Option::Some(#value))
        }
    };
    let separator = field
        .separator
        .as_ref()
        .map_or_else(|| ",".to_string(), |s| s.value());
    quote! {
        static #meta: #p::Field = #p::Field {
            name: #name,
            absolute: #absolute,
            ty: #ty,
            secret: #secret,
            required: #required,
            default: #default,
            doc: #doc,
            ctx: #p::ParseContext::with_separator(#separator),
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
