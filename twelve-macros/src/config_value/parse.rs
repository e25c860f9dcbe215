//! The enum, its attributes and the model of it: each variant with the name shown (in
//! errors, `vars()`, `.env.example`) and the key it is matched by. Every problem is
//! recorded and reading goes on, so that all are reported at once.

use proc_macro2::Span;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr};

use crate::attr::{self, Keys};
use crate::errors::Errors;

const ENUM_KEYS: &[&str] = &["crate"];
const VARIANT_KEYS: &[&str] = &["rename"];

/// The enum: only unit variants, each with its own key.
pub(crate) struct Input {
    pub(crate) ident: Ident,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) variants: Vec<Variant>,
}

/// One unit variant.
pub(crate) struct Variant {
    pub(crate) ident: Ident,
    /// The name shown: `rename`, or the variant's name in snake case.
    pub(crate) name: String,
    /// What a value is compared with: the name in lower case without `-` and `_`.
    pub(crate) key: String,
}

/// The model of `input`, or `None` when it is not an enum (the error is recorded).
pub(crate) fn parse(input: &DeriveInput, errors: &mut Errors) -> Option<Input> {
    let mut krate = None;
    let mut keys = Keys::new("config", ENUM_KEYS);
    for attr in config_attrs(&input.attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if let Some("crate") = keys.key(&meta, errors).as_deref() {
                krate = Some(attr::path(&meta)?);
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    let data = match &input.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            errors.at(
                data.struct_token.span,
                "#[derive(ConfigValue)] works on enums of unit variants; for a struct of \
                 settings use #[derive(Config)], for another type implement \
                 `twelve::config::ConfigValue` by hand",
            );
            return None;
        }
        Data::Union(data) => {
            errors.at(
                data.union_token.span,
                "#[derive(ConfigValue)] works on enums of unit variants, not on unions",
            );
            return None;
        }
    };
    if !input.generics.params.is_empty() {
        errors.spanned(
            &input.generics,
            "#[derive(ConfigValue)] does not support generic enums",
        );
    }
    if data.variants.is_empty() {
        errors.at(
            input.ident.span(),
            "#[derive(ConfigValue)] needs at least one variant: an empty enum can't be read \
             from any value",
        );
    }
    let mut variants: Vec<(Variant, Span)> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.spanned(
                &variant.fields,
                format!(
                    "variant `{}` carries data: #[derive(ConfigValue)] reads a variant by its \
                     name alone, so every variant must be a unit variant",
                    variant.ident
                ),
            );
        }
        let rename = rename(&variant.attrs, errors);
        let (name, span) = match &rename {
            Some(lit) => (lit.value(), lit.span()),
            None => (snake_case(&variant.ident.to_string()), variant.ident.span()),
        };
        let key = key(&name);
        if key.is_empty() {
            errors.at(
                span,
                format!("`{name}` can't name a variant: it has no letter or digit"),
            );
        }
        if let Some((first, _)) = variants
            .iter()
            .find(|(v, _)| v.key == key && !key.is_empty())
        {
            errors.at(
                span,
                format!(
                    "variants `{}` and `{}` both match the text `{name}` (case, `-` and `_` \
                     are ignored); give one another name with #[config(rename = \"...\")]",
                    first.ident, variant.ident
                ),
            );
        }
        variants.push((
            Variant {
                ident: variant.ident.clone(),
                name,
                key,
            },
            span,
        ));
    }
    Some(Input {
        ident: input.ident.clone(),
        krate,
        variants: variants.into_iter().map(|(v, _)| v).collect(),
    })
}

fn config_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("config"))
}

/// A variant's `#[config(rename = "...")]`.
fn rename(attrs: &[Attribute], errors: &mut Errors) -> Option<LitStr> {
    let mut keys = Keys::new("config", VARIANT_KEYS);
    let mut out = None;
    for attr in config_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            if let Some("rename") = keys.key(&meta, errors).as_deref() {
                out = Some(attr::string(&meta)?);
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    out
}

/// `FastPath` -> `fast_path`, `HTTP2` -> `http2`, `IOError` -> `io_error`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The text a value is compared with: ASCII lower case, without `-` and `_` (the
/// runtime's `variant` compares the same way).
pub(crate) fn key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys() {
        assert_eq!(snake_case("FastPath"), "fast_path");
        assert_eq!(snake_case("Fast"), "fast");
        assert_eq!(snake_case("HTTP2"), "http2");
        assert_eq!(snake_case("IOError"), "io_error");
        assert_eq!(snake_case("V2Beta"), "v2_beta");
        assert_eq!(key("Fast-Path_x"), "fastpathx");
    }
}
