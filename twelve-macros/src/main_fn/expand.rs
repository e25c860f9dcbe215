//! The expansion: the user's function, kept as written under a private name, and a
//! sync `main` that hands it to `twelve::Runtime`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::parse::{Arg, Options, Signature};
use crate::paths::private;
use crate::spans::respan;

/// `fn main() -> ExitCode` running the user's function under `twelve::Runtime`.
pub(crate) fn expand(function: &ItemFn, sig: &Signature, options: &Options) -> TokenStream {
    let p = private(options.krate.as_ref());
    let cli = options.cli;
    let name = &function.sig.ident;
    let vis = &function.vis;
    let attrs = &function.attrs;
    let inner_name = format_ident!("__twelve_main_{}", name);
    let mut inner = function.clone();
    inner.sig.ident = inner_name.clone();
    inner.vis = syn::Visibility::Inherited;
    inner.attrs.retain(|a| !a.path().is_ident("doc"));

    let settings_ty = sig.args.iter().find_map(|a| match a {
        Arg::Settings(ty) => Some(ty.clone()),
        Arg::App => None,
    });
    let call_args = sig.args.iter().map(|a| match a {
        Arg::Settings(_) => quote!(__settings),
        Arg::App => quote!(__app),
    });
    // The `run` call is spanned on the settings type, so that a type that is not
    // `Config` gets the error there; the result goes through `into_outcome`, spanned on
    // the return type, so that a return type that can't be an exit code gets it there.
    let (settings_ty, run) = match &settings_ty {
        Some(ty) => (quote!(#ty), quote_spanned!(ty.span()=> run)),
        None => (quote!(()), quote!(run)),
    };
    let output_span = match &function.sig.output {
        syn::ReturnType::Type(_, ty) => ty.span(),
        syn::ReturnType::Default => function.sig.ident.span(),
    };
    let outcome = respan(&quote!(#p::into_outcome(__main.await)), output_span);
    quote! {
        #(#attrs)*
        #vis fn #name() -> #p::ExitCode {
            #inner

            #p::Runtime::new(#p::ServiceInfo::new(
                ::core::env!("CARGO_PKG_NAME"),
                ::core::env!("CARGO_PKG_VERSION"),
            ))
            .cli(#cli)
            .#run(|__settings: #settings_ty, __app: #p::App| {
                let _ = &__app;
                let __main = #inner_name(#(#call_args),*);
                async move { #outcome }
            })
        }
    }
}

/// Emitted with the errors: the function under a private name (so its body is still
/// type-checked) and a stub with the original name.
pub(crate) fn fallback(function: &ItemFn) -> TokenStream {
    let name = &function.sig.ident;
    let vis = &function.vis;
    let mut inner = function.clone();
    inner.sig.ident = format_ident!("__twelve_main_{}", name);
    quote! {
        #[allow(dead_code)]
        #inner
        #vis fn #name() {}
    }
}
