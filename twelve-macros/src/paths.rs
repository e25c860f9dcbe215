//! The one path through which generated code reaches the runtime.

use proc_macro2::TokenStream;
use quote::quote;

/// `::twelve::__private`, or `<path>::__private` under `crate = "path"` (a renamed
/// dependency). Every name the generated code uses is reached through it.
pub(crate) fn private(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::twelve::__private),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_renamed_crate() {
        assert_eq!(private(None).to_string(), ":: twelve :: __private");
        let path: syn::Path = syn::parse_quote!(my_twelve);
        assert_eq!(private(Some(&path)).to_string(), "my_twelve :: __private");
    }
}
