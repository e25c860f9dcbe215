//! `#[twelve::main]`: parse the function and the macro's keys, validate the signature,
//! expand to a sync `fn main() -> ExitCode` that calls `twelve::Runtime`.

mod expand;
mod parse;

use proc_macro2::TokenStream;

use crate::errors::Errors;

/// The expansion of `#[twelve::main]` on `item`, or `item` and the errors.
pub(crate) fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let options = parse::attr(attr, &mut errors);
    let Ok(function) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        let span = item
            .clone()
            .into_iter()
            .find(|t| matches!(t, proc_macro2::TokenTree::Ident(_)))
            .map_or_else(proc_macro2::Span::call_site, |t| t.span());
        errors.at(
            span,
            "#[twelve::main] goes on a function: `async fn main(settings: Settings, app: App)`",
        );
        let mut out = item;
        out.extend(errors.finish().err());
        return out;
    };
    let signature = parse::signature(&function, &mut errors);
    match errors.finish() {
        Ok(()) => expand::expand(&function, &signature, &options),
        Err(errors) => {
            let mut out = expand::fallback(&function);
            out.extend(errors);
            out
        }
    }
}
