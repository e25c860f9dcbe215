//! `#[derive(Config)]`: parse the struct and its attributes, validate them, expand.

mod expand;
mod parse;
pub(crate) mod types;
mod validate;

use proc_macro2::TokenStream;

use crate::errors::Errors;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let parsed = parse::parse(&input, &mut errors);
    if let Some(parsed) = &parsed {
        validate::validate(parsed, &mut errors);
    }
    match parsed {
        Some(parsed) if errors.is_empty() => expand::expand(&parsed),
        parsed => {
            // Still implement the trait, so that the rest of the crate type-checks and
            // only the real errors are shown.
            let krate = parsed.and_then(|p| p.krate);
            let mut out = expand::fallback(&input, krate.as_ref());
            out.extend(errors.to_compile_errors());
            out
        }
    }
}
