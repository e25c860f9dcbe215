//! Checks of what parsing read that parsing alone does not make (values that must be
//! variable names, keys that don't go together, two fields reading one variable), and
//! the [model](super::model) built from it.
//!
//! Every problem is recorded before the model is built; the model then takes from each
//! field only what makes sense together, so it is complete even when there were errors
//! (and is then not expanded).

use std::collections::HashMap;

use proc_macro2::Span;
use syn::{Expr, Lit, LitStr};

use super::model::{
    self, Bound, Checks, DefaultExpr, Kind, Leaf, Nested, Parse, Presence, Range, Shape, Var,
};
use super::parse::{Field, Input};
use crate::attr::{is_prefix, is_var_name};
use crate::errors::Errors;
use crate::types;

/// The model of `input`, every problem with it recorded in `errors`.
pub(crate) fn validate(input: Input, errors: &mut Errors) -> model::Input {
    if let Some(prefix) = &input.prefix {
        check_prefix(prefix, errors);
    }
    let prefix = input.prefix.as_ref().map(LitStr::value).unwrap_or_default();
    let mut names: HashMap<String, syn::Ident> = HashMap::new();
    let mut fields = Vec::with_capacity(input.fields.len());
    for field in input.fields {
        check_field(&field, errors);
        let field = build_field(&prefix, field);
        if let Kind::Leaf(leaf) = &field.kind {
            if let Some(first) = names.get(&leaf.var.name) {
                errors.at(
                    leaf.var.span,
                    format!(
                        "variable `{}` is already read by field `{first}`",
                        leaf.var.name
                    ),
                );
            } else {
                names.insert(leaf.var.name.clone(), field.ident.clone());
            }
        }
        fields.push(field);
    }
    model::Input {
        ident: input.ident,
        krate: input.krate,
        prefix,
        validate: input.validate.map(|(_, path)| path),
        fields,
    }
}

/// The model of one field. A key that does not go with the others (already reported
/// by [`check_field`]) is left out: `nested` decides the kind, an `Option` has no
/// default, `with` wins over `from_str`, and only a list keeps a separator.
fn build_field(prefix: &str, field: Field) -> model::Field {
    let name = upper(&field.ident);
    let kind = if field.nested.is_some() {
        let segment = match &field.prefix {
            Some(own) => format!("{prefix}{}", own.value()),
            None => format!("{prefix}{name}_"),
        };
        Kind::Nested(Nested { segment })
    } else {
        let var = match &field.env {
            Some(env) => Var {
                name: env.value(),
                absolute: true,
                span: env.span(),
            },
            None => Var {
                name: format!("{prefix}{name}"),
                absolute: false,
                span: field.ident.span(),
            },
        };
        Kind::Leaf(Box::new(leaf(var, &field)))
    };
    model::Field {
        ident: field.ident,
        ty: field.ty,
        kind,
    }
}

fn leaf(var: Var, field: &Field) -> Leaf {
    let option = types::inner(&field.ty, "Option");
    let value_ty = option.unwrap_or(&field.ty);
    let secret = types::inner(value_ty, "Secret");
    let plain_ty = secret.unwrap_or(value_ty);
    let presence = match (option, &field.default) {
        (Some(_), _) => Presence::Optional,
        (None, None) => Presence::Required,
        (None, Some((_, expr))) => Presence::Default(default_expr(expr)),
    };
    let separator = || field.separator.as_ref().map(LitStr::value);
    let list = || {
        types::inner(plain_ty, "Vec").map(|item| Shape::List {
            item: Box::new(item.clone()),
            separator: separator(),
        })
    };
    let parse = match (&field.with, field.from_str) {
        (Some((_, path)), _) => Parse::With(path.clone()),
        (None, Some(_)) => Parse::FromStr(list().unwrap_or(Shape::One)),
        (None, None) => Parse::Value(list().unwrap_or_else(|| {
            if types::is_map(plain_ty) {
                Shape::Map {
                    separator: separator(),
                }
            } else {
                Shape::One
            }
        })),
    };
    let checks = Checks {
        range: field
            .range
            .as_ref()
            .and_then(|(span, expr)| range(*span, expr)),
        validate: field.validate.as_ref().map(|(_, path)| path.clone()),
    };
    Leaf {
        var,
        doc: field.doc.clone(),
        presence,
        value_ty: value_ty.clone(),
        plain_ty: plain_ty.clone(),
        secret: secret.is_some(),
        parse,
        checks,
    }
}

/// The model of `range = ...`; `None` when it is not a range with a bound (reported by
/// [`check_range`]).
fn range(span: Span, expr: &Expr) -> Option<Range> {
    let Expr::Range(range) = expr else {
        return None;
    };
    let bound = |e: &Option<Box<Expr>>| {
        e.as_deref().map(|e| match e {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(text),
                ..
            }) => Bound::Text(text.clone()),
            e => Bound::Value(e.clone()),
        })
    };
    let (start, end) = (bound(&range.start), bound(&range.end));
    let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
    let shown = |b: &Bound| match b {
        Bound::Text(t) => t.value(),
        Bound::Value(e) => types::tidy(&quote::ToTokens::to_token_stream(e).to_string()),
    };
    let text = match (&start, &end, inclusive) {
        (Some(a), Some(b), true) => format!("must be between {} and {}", shown(a), shown(b)),
        (Some(a), Some(b), false) => {
            format!("must be at least {} and less than {}", shown(a), shown(b))
        }
        (Some(a), None, _) => format!("must be at least {}", shown(a)),
        (None, Some(b), true) => format!("must be at most {}", shown(b)),
        (None, Some(b), false) => format!("must be less than {}", shown(b)),
        (None, None, _) => return None,
    };
    Some(Range {
        span,
        start,
        end,
        inclusive,
        text,
    })
}

/// `range` must be a range with a bound, on a field whose value can be compared.
fn check_range(field: &Field, span: Span, expr: &Expr, errors: &mut Errors) {
    match expr {
        Expr::Range(r) if r.start.is_some() || r.end.is_some() => {}
        Expr::Range(_) => {
            errors.spanned(
                expr,
                "`range` needs at least one bound, e.g. `1..=64` or `1..`",
            );
            return;
        }
        _ => {
            errors.spanned(
                expr,
                "`range` takes a range literal: `1..=64`, `1..`, `..=64`, or `\"1s\"..=\"1h\"` \
                 for a `Duration`",
            );
            return;
        }
    }
    let value_ty = types::inner(&field.ty, "Option").unwrap_or(&field.ty);
    if types::inner(value_ty, "Secret").is_some() {
        errors.at(
            span,
            "`range` can't go on a `Secret`: its value is never compared in the open; use \
             `validate = path` with a function that does",
        );
    } else if types::inner(value_ty, "Vec").is_some() || types::is_map(value_ty) {
        errors.at(
            span,
            "`range` is for one number or `Duration`, not a list or a map; check items with \
             `validate = path`",
        );
    }
}

/// A string literal is text for the field's parser; anything else is a value.
fn default_expr(expr: &Expr) -> DefaultExpr {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(text),
            ..
        }) => DefaultExpr::Text(text.clone()),
        expr => DefaultExpr::Value(expr.clone()),
    }
}

/// The name as a variable name: `r#type` -> `TYPE`.
fn upper(ident: &syn::Ident) -> String {
    syn::ext::IdentExt::unraw(ident).to_string().to_uppercase()
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
    if let (Some((span, expr)), None) = (&field.range, field.nested) {
        check_range(field, *span, expr, errors);
    }
    if field.nested.is_some() {
        if let Some((span, _)) = &field.validate {
            errors.at(
                *span,
                "`validate` can't go on a `nested` field: put #[config(validate = path)] on \
                 the nested struct itself, where it checks across its fields",
            );
        }
        let conflicts: [(&str, Option<Span>); 6] = [
            ("env", field.env.as_ref().map(|e| e.span())),
            ("default", field.default.as_ref().map(|d| d.0)),
            ("separator", field.separator.as_ref().map(|s| s.span())),
            ("from_str", field.from_str),
            ("with", field.with.as_ref().map(|w| w.0)),
            ("range", field.range.as_ref().map(|r| r.0)),
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
        } else if types::inner(value_ty, "Vec").is_none() && !types::is_map(value_ty) {
            errors.at(
                separator.span(),
                "`separator` is for `Vec<T>` and map fields, which are read as lists",
            );
        } else if field.with.is_some() {
            errors.at(
                separator.span(),
                "`separator` can't go with `with`: the function gets the whole text",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model of `item`, and the errors' text (empty when there were none).
    fn model(item: syn::DeriveInput) -> (model::Input, String) {
        let mut errors = Errors::new();
        let parsed = super::super::parse::parse(&item, &mut errors).expect("a struct");
        let model = validate(parsed, &mut errors);
        let errors = errors
            .finish()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        (model, errors)
    }

    fn leaf(field: &model::Field) -> &Leaf {
        match &field.kind {
            Kind::Leaf(leaf) => leaf,
            Kind::Nested(_) => panic!("`{}` is nested", field.ident),
        }
    }

    #[test]
    fn names_are_decided_in_the_model() {
        let (model, errors) = model(syn::parse_quote! {
            #[config(prefix = "APP_")]
            struct S {
                r#type: u8,
                #[config(env = "PORT")]
                port: u16,
                #[config(nested)]
                smtp: Smtp,
                #[config(nested, prefix = "DB_")]
                database: Db,
            }
        });
        assert_eq!(errors, "");
        let var = &leaf(&model.fields[0]).var;
        assert_eq!((var.name.as_str(), var.absolute), ("APP_TYPE", false));
        let var = &leaf(&model.fields[1]).var;
        assert_eq!((var.name.as_str(), var.absolute), ("PORT", true));
        let segments: Vec<&str> = model.fields[2..]
            .iter()
            .map(|f| match &f.kind {
                Kind::Nested(n) => n.segment.as_str(),
                Kind::Leaf(_) => panic!("`{}` is a leaf", f.ident),
            })
            .collect();
        assert_eq!(segments, ["APP_SMTP_", "APP_DB_"]);
    }

    #[test]
    fn presence_and_parse_follow_the_type_and_keys() {
        let (model, errors) = model(syn::parse_quote! {
            struct S {
                a: Option<Secret<String>>,
                #[config(default = "30s")]
                b: Duration,
                #[config(default = 8)]
                c: u8,
                #[config(from_str, separator = ";")]
                d: Vec<Level>,
                #[config(with = parse_e)]
                e: Vec<u8>,
                f: u8,
            }
        });
        assert_eq!(errors, "");
        let [a, b, c, d, e, f] = &model.fields[..] else {
            panic!("six fields")
        };
        let a = leaf(a);
        assert!(matches!(a.presence, Presence::Optional));
        assert!(a.secret);
        assert_eq!(types::display(&a.value_ty), "Secret<String>");
        assert_eq!(types::display(&a.plain_ty), "String");
        assert!(matches!(
            &leaf(b).presence,
            Presence::Default(DefaultExpr::Text(t)) if t.value() == "30s"
        ));
        assert!(matches!(
            leaf(c).presence,
            Presence::Default(DefaultExpr::Value(_))
        ));
        assert!(matches!(
            &leaf(d).parse,
            Parse::FromStr(Shape::List { item, .. }) if types::display(item) == "Level"
        ));
        assert_eq!(leaf(d).parse.separator(), Some(";"));
        assert!(matches!(leaf(e).parse, Parse::With(_)));
        assert_eq!(leaf(e).parse.separator(), None);
        assert!(matches!(leaf(f).presence, Presence::Required));
        assert!(matches!(leaf(f).parse, Parse::Value(Shape::One)));
    }

    #[test]
    fn wrong_combinations_are_reported_and_left_out_of_the_model() {
        let (model, errors) = model(syn::parse_quote! {
            struct S {
                #[config(default = "x")]
                a: Option<String>,
                #[config(nested, env = "B")]
                b: B,
                #[config(from_str, with = parse_c, separator = ";")]
                c: Vec<u8>,
                #[config(env = "C")]
                d: u8,
            }
        });
        for message in [
            "`default` on an `Option` field",
            "`nested` can't go with `env`",
            "`from_str` and `with` both say how to parse this field",
            "`separator` can't go with `with`",
            "variable `C` is already read by field `c`",
        ] {
            assert!(errors.contains(message), "{message} missing in: {errors}");
        }
        assert!(matches!(
            leaf(&model.fields[0]).presence,
            Presence::Optional
        ));
        assert!(matches!(model.fields[1].kind, Kind::Nested(_)));
        assert!(matches!(leaf(&model.fields[2]).parse, Parse::With(_)));
    }
}
