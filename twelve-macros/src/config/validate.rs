//! Checks of the model that parsing alone does not make: values that must be variable
//! names, and keys that don't go together.

use std::collections::HashMap;

use proc_macro2::Span;

use super::parse::{Field, Input};
use super::types;
use crate::attr::{is_prefix, is_var_name};
use crate::errors::Errors;

pub(crate) fn validate(input: &Input, errors: &mut Errors) {
    if let Some(prefix) = &input.prefix {
        check_prefix(prefix, errors);
    }
    let mut names: HashMap<String, &syn::Ident> = HashMap::new();
    for field in &input.fields {
        check_field(field, errors);
        if field.nested.is_none() {
            let name = super::expand::var_name(input, field);
            if let Some(first) = names.get(&name) {
                errors.at(
                    field
                        .env
                        .as_ref()
                        .map_or_else(|| field.ident.span(), |e| e.span()),
                    format!("variable `{name}` is already read by field `{first}`"),
                );
            } else {
                names.insert(name, &field.ident);
            }
        }
    }
}

fn check_prefix(prefix: &syn::LitStr, errors: &mut Errors) {
    if !is_prefix(&prefix.value()) {
        errors.at(
            prefix.span(),
            format!(
                "`{}` is not a valid prefix of variable names: use letters, digits and `_`, \
                 not starting with a digit (e.g. \"APP_\")",
                prefix.value()
            ),
        );
    }
}

fn check_field(field: &Field, errors: &mut Errors) {
    if let Some(env) = &field.env {
        if env.value().is_empty() {
            errors.at(env.span(), "`env` can't be empty: give the variable's name");
        } else if !is_var_name(&env.value()) {
            errors.at(
                env.span(),
                format!(
                    "`{}` is not a valid variable name: use letters, digits and `_`, not \
                     starting with a digit (e.g. \"DATABASE_URL\")",
                    env.value()
                ),
            );
        }
    }
    if let Some(prefix) = &field.prefix {
        check_prefix(prefix, errors);
        if field.nested.is_none() {
            errors.at(
                prefix.span(),
                "`prefix` on a field goes with `nested`; to rename one variable, use \
                 `env = \"NAME\"`",
            );
        }
    }
    let option = types::inner(&field.ty, "Option");
    if let (Some((span, _)), Some(_)) = (&field.default, option) {
        errors.at(
            *span,
            "`default` on an `Option` field: an `Option` is already `None` when unset; \
             remove `default`, or the `Option` to always have a value",
        );
    }
    if field.nested.is_some() {
        let conflicts: [(&str, Option<Span>); 5] = [
            ("env", field.env.as_ref().map(|e| e.span())),
            ("default", field.default.as_ref().map(|d| d.0)),
            ("separator", field.separator.as_ref().map(|s| s.span())),
            ("from_str", field.from_str),
            ("with", field.with.as_ref().map(|w| w.0)),
        ];
        for (key, span) in conflicts {
            if let Some(span) = span {
                errors.at(
                    span,
                    format!(
                        "`nested` can't go with `{key}`: a nested field's variables are read \
                         by its own type's #[derive(Config)]"
                    ),
                );
            }
        }
        if option.is_some() {
            errors.spanned(
                &field.ty,
                "a `nested` field can't be an `Option`: its own fields say which are optional",
            );
        }
    }
    if let (Some(from_str), Some(_)) = (field.from_str, &field.with) {
        errors.at(
            from_str,
            "`from_str` and `with` both say how to parse this field; keep one",
        );
    }
    if let (Some(separator), None) = (&field.separator, field.nested) {
        let value_ty = option.unwrap_or(&field.ty);
        let value_ty = types::inner(value_ty, "Secret").unwrap_or(value_ty);
        if separator.value().is_empty() {
            errors.at(separator.span(), "`separator` can't be empty");
        } else if types::inner(value_ty, "Vec").is_none() {
            errors.at(
                separator.span(),
                "`separator` is for `Vec<T>` fields, which are read as lists",
            );
        } else if field.with.is_some() {
            errors.at(
                separator.span(),
                "`separator` can't go with `with`: the function gets the whole text",
            );
        }
    }
}
