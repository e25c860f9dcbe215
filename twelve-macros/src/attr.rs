//! Reading `#[name(key = value, flag)]` attributes: unknown keys listed with the valid
//! ones, duplicates detected in one place, and parsing that goes on after an error so
//! that every error is reported.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, LitStr, Token};

use crate::errors::Errors;

/// The keys of one attribute list that were already seen, to report duplicates.
pub(crate) struct Keys {
    attr: &'static str,
    valid: &'static [&'static str],
    seen: Vec<String>,
}

impl Keys {
    pub(crate) fn new(attr: &'static str, valid: &'static [&'static str]) -> Self {
        Keys {
            attr,
            valid,
            seen: Vec::new(),
        }
    }

    /// The key of `meta` when it is valid and seen for the first time. Otherwise the
    /// error is recorded, the value skipped, and `None` returned.
    pub(crate) fn key(
        &mut self,
        meta: &ParseNestedMeta<'_>,
        errors: &mut Errors,
    ) -> Option<String> {
        let span = meta.path.span();
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .or_else(|| meta.path.is_ident("crate").then(|| "crate".to_string()))
            .unwrap_or_else(|| path_text(&meta.path));
        if !self.valid.contains(&key.as_str()) {
            let hint = self
                .valid
                .iter()
                .find(|v| edit_distance(v, &key) <= 2)
                .map(|v| format!(" (did you mean `{v}`?)"))
                .unwrap_or_default();
            errors.at(
                span,
                format!(
                    "unknown key `{key}` in #[{}(...)]{hint}; valid keys here: {}",
                    self.attr,
                    self.valid.join(", ")
                ),
            );
        } else if self.seen.contains(&key) {
            errors.at(
                span,
                format!("duplicate key `{key}` in #[{}(...)]", self.attr),
            );
        } else {
            self.seen.push(key.clone());
            return Some(key);
        }
        skip_value(meta, errors);
        None
    }
}

/// Levenshtein distance, for "did you mean" hints on short keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            row.push((prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()]
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Consumes `= value` or `(...)` after a key that is being rejected.
fn skip_value(meta: &ParseNestedMeta<'_>, errors: &mut Errors) {
    let result = if meta.input.peek(Token![=]) {
        meta.value().and_then(|v| v.parse::<Expr>()).map(drop)
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| {
            skip_value(&inner, errors);
            Ok(())
        })
    } else {
        Ok(())
    };
    if let Err(e) = result {
        errors.push(e);
    }
}

/// `key = "string"`.
pub(crate) fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse::<LitStr>()
}

/// `key = expression`.
pub(crate) fn expr(meta: &ParseNestedMeta<'_>) -> syn::Result<Expr> {
    meta.value()?.parse::<Expr>()
}

/// A bare `flag`: an error if a value follows.
pub(crate) fn flag(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Span> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("`{key}` takes no value: write just `{key}`")));
    }
    Ok(meta.path.span())
}

/// `key = path` or `key = "path"`.
pub(crate) fn path(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Path> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        value.parse::<LitStr>()?.parse()
    } else {
        value.parse()
    }
}

/// Whether `name` can name an environment variable: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_var_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `prefix` can start a variable name (empty, or a valid name).
pub(crate) fn is_prefix(prefix: &str) -> bool {
    prefix.is_empty() || is_var_name(prefix)
}
