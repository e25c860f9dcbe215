//! `#[derive(ConfigValue)]`: an enum of unit variants read from a variable by name.
//! Parse the enum and its attributes into the model (names decided there, collisions
//! found there), then expand it.

mod expand;
mod parse;

use proc_macro2::TokenStream;

use crate::errors::Errors;

/// The expansion of `#[derive(ConfigValue)]` on `input`, or a stand-in impl and the
/// errors.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::new();
    let model = parse::parse(&input, &mut errors);
    match (model, errors.finish()) {
        (Some(model), Ok(())) => expand::expand(&model),
        (model, result) => {
            let krate = model.as_ref().and_then(|m| m.krate.as_ref());
            let mut out = expand::fallback(&input, krate);
            out.extend(result.err());
            out
        }
    }
}
