//! Collecting every error of one macro call, to report them together.
//!
//! Like serde's `Ctxt`, the collector must be consumed with [`Errors::finish`]: dropping
//! it unconsumed panics, so that no path of a macro can lose the errors it recorded.

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// The errors of one macro call, in the order found.
pub(crate) struct Errors {
    /// `None` once [`Errors::finish`] took them.
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    /// An empty collector, to be consumed with [`Errors::finish`].
    pub(crate) fn new() -> Self {
        Errors {
            errors: Some(Vec::new()),
        }
    }

    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error spanning all of `tokens` (not only their first token).
    pub(crate) fn spanned(&mut self, tokens: impl quote::ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error from syn.
    pub(crate) fn push(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// Consumes the collector: `Ok` when nothing was recorded, else one
    /// `compile_error!` per error, in order, each with its own span.
    pub(crate) fn finish(mut self) -> Result<(), TokenStream> {
        let errors = self.errors.take().unwrap_or_default();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.iter().map(syn::Error::to_compile_error).collect())
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("twelve-macros bug: an `Errors` was dropped without `finish()`");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reports_every_error_in_order() {
        assert!(Errors::new().finish().is_ok());
        let mut errors = Errors::new();
        errors.at(Span::call_site(), "first");
        errors.push(syn::Error::new(Span::call_site(), "second"));
        let out = errors.finish().expect_err("two errors").to_string();
        let first = out.find("first").expect("first reported");
        let second = out.find("second").expect("second reported");
        assert!(first < second, "{out}");
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    }

    #[test]
    #[should_panic(expected = "without `finish()`")]
    fn dropping_unfinished_panics() {
        let mut errors = Errors::new();
        errors.at(Span::call_site(), "lost");
        drop(errors);
    }
}
