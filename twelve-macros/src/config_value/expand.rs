//! The generated `impl ConfigValue`, wrapped in `const _: () = { ... };`, reaching the
//! runtime only through fully qualified `::twelve::__private` paths.

use proc_macro2::TokenStream;
use quote::quote;

use super::parse::Input;
use crate::paths::private;

/// `impl ConfigValue` for the enum of `input`.
pub(crate) fn expand(input: &Input) -> TokenStream {
    let p = private(input.krate.as_ref());
    let ident = &input.ident;
    let names = input.variants.iter().map(|v| &v.name);
    let keys = input.variants.iter().map(|v| &v.key);
    let arms = input.variants.iter().enumerate().map(|(i, v)| {
        let variant = &v.ident;
        quote!(::core::option::Option::Some(#i) => ::core::result::Result::Ok(Self::#variant),)
    });
    quote! {
        #[doc(hidden)]
        #[allow(clippy::all)]
        const _: () = {
            #[automatically_derived]
            impl #p::ConfigValue for #ident {
                const CHOICES: &'static [&'static ::core::primitive::str] = &[#(#names),*];

                fn parse_value(
                    __raw: &::core::primitive::str,
                    _: &#p::ParseContext,
                ) -> ::core::result::Result<Self, #p::String> {
                    match #p::variant(__raw, &[#(#keys),*]) {
                        #(#arms)*
                        _ => ::core::result::Result::Err(#p::unknown_variant(
                            <Self as #p::ConfigValue>::CHOICES,
                        )),
                    }
                }
            }
        };
    }
}

/// The impl emitted next to the errors, so that the rest of the crate type-checks and
/// only the real errors are shown.
pub(crate) fn fallback(input: &syn::DeriveInput, krate: Option<&syn::Path>) -> TokenStream {
    let p = private(krate);
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            impl #impl_generics #p::ConfigValue for #ident #ty_generics #where_clause {
                fn parse_value(
                    _: &::core::primitive::str,
                    _: &#p::ParseContext,
                ) -> ::core::result::Result<Self, #p::String> {
                    ::core::unimplemented!()
                }
            }
        };
    }
}
