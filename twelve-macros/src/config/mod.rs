//! `#[derive(Config)]`: parse the struct and its attributes, validate them into the
//! model, expand the model.

mod expand;
mod model;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::errors::Errors;

/// The expansion of `#[derive(Config)]` on `input`, or a stand-in impl and the errors.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::new();
    let model =
        parse::parse(&input, &mut errors).map(|parsed| validate::validate(parsed, &mut errors));
    match (model, errors.finish()) {
        (Some(model), Ok(())) => expand::expand(&model),
        (model, result) => {
            // Still implement the trait, so that the rest of the crate type-checks and
            // only the real errors are shown.
            let krate = model.as_ref().and_then(|m| m.krate.as_ref());
            let mut out = expand::fallback(&input, krate);
            out.extend(result.err());
            out
        }
    }
}
