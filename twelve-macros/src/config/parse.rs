//! The struct and its `#[config(...)]` attributes, read as written, each key with its
//! span. Every problem is recorded and parsing goes on, so that all of them are
//! reported at once; `validate` then checks what was read and builds the model.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Ident, LitStr, Type};

use crate::attr::{self, Keys};
use crate::errors::Errors;

const STRUCT_KEYS: &[&str] = &["prefix", "crate", "validate"];
const FIELD_KEYS: &[&str] = &[
    "env",
    "default",
    "nested",
    "prefix",
    "separator",
    "from_str",
    "with",
    "range",
    "validate",
];

/// The struct being derived, its attributes as written.
pub(crate) struct Input {
    pub(crate) ident: Ident,
    /// `crate = "..."`: the path of the `twelve` crate.
    pub(crate) krate: Option<syn::Path>,
    pub(crate) prefix: Option<LitStr>,
    /// `validate = path`: a check across fields.
    pub(crate) validate: Option<(Span, syn::Path)>,
    pub(crate) fields: Vec<Field>,
}

/// One named field and its attributes, each with the span of its key.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    pub(crate) doc: String,
    pub(crate) env: Option<LitStr>,
    pub(crate) default: Option<(Span, Expr)>,
    pub(crate) nested: Option<Span>,
    pub(crate) prefix: Option<LitStr>,
    pub(crate) separator: Option<LitStr>,
    pub(crate) from_str: Option<Span>,
    pub(crate) with: Option<(Span, syn::Path)>,
    /// `range = a..=b`, as written.
    pub(crate) range: Option<(Span, Expr)>,
    pub(crate) validate: Option<(Span, syn::Path)>,
}

/// The struct's attributes, or `None` when the item is not a struct with named fields
/// (the error is recorded). Attribute errors are recorded and the rest is still read.
pub(crate) fn parse(input: &DeriveInput, errors: &mut Errors) -> Option<Input> {
    let mut out = Input {
        ident: input.ident.clone(),
        krate: None,
        prefix: None,
        validate: None,
        fields: Vec::new(),
    };
    struct_attrs(&input.attrs, &mut out, errors);
    if !input.generics.params.is_empty() {
        errors.spanned(
            &input.generics,
            "#[derive(Config)] does not support generic structs: settings are read once, \
             into concrete types",
        );
    }
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named,
            Fields::Unnamed(fields) => {
                errors.at(
                    fields.span(),
                    "#[derive(Config)] needs named fields: a variable's name comes from its \
                     field's name",
                );
                return None;
            }
            Fields::Unit => {
                errors.at(
                    input.ident.span(),
                    "#[derive(Config)] needs a struct with named fields, one per variable",
                );
                return None;
            }
        },
        Data::Enum(data) => {
            errors.at(
                data.enum_token.span,
                "#[derive(Config)] works on structs with named fields, not on enums; \
                 for a variable holding one of several values, use \
                 #[derive(twelve::ConfigValue)] on the enum and make it a field's type",
            );
            return None;
        }
        Data::Union(data) => {
            errors.at(
                data.union_token.span,
                "#[derive(Config)] works on structs with named fields, not on unions",
            );
            return None;
        }
    };
    for field in &named.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        let mut parsed = Field {
            ident,
            ty: field.ty.clone(),
            doc: doc(&field.attrs),
            env: None,
            default: None,
            nested: None,
            prefix: None,
            separator: None,
            from_str: None,
            with: None,
            range: None,
            validate: None,
        };
        field_attrs(&field.attrs, &mut parsed, errors);
        out.fields.push(parsed);
    }
    Some(out)
}

fn struct_attrs(attrs: &[Attribute], out: &mut Input, errors: &mut Errors) {
    let mut keys = Keys::new("config", STRUCT_KEYS);
    for attr in attrs.iter().filter(|a| a.path().is_ident("config")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            match keys.key(&meta, errors).as_deref() {
                Some("prefix") => out.prefix = Some(attr::string(&meta)?),
                Some("crate") => out.krate = Some(attr::path(&meta)?),
                Some("validate") => out.validate = Some((span, attr::path(&meta)?)),
                _ => {}
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
}

fn field_attrs(attrs: &[Attribute], field: &mut Field, errors: &mut Errors) {
    let mut keys = Keys::new("config", FIELD_KEYS);
    for attr in attrs.iter().filter(|a| a.path().is_ident("config")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            match keys.key(&meta, errors).as_deref() {
                Some("env") => field.env = Some(attr::string(&meta)?),
                Some("default") => field.default = Some((span, attr::expr(&meta)?)),
                Some("nested") => field.nested = Some(attr::flag(&meta, "nested")?),
                Some("prefix") => field.prefix = Some(attr::string(&meta)?),
                Some("separator") => field.separator = Some(attr::string(&meta)?),
                Some("from_str") => field.from_str = Some(attr::flag(&meta, "from_str")?),
                Some("with") => field.with = Some((span, attr::path(&meta)?)),
                Some("range") => field.range = Some((span, attr::expr(&meta)?)),
                Some("validate") => field.validate = Some((span, attr::path(&meta)?)),
                _ => {}
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
}

/// The doc comment: one leading space per line removed, lines joined with `\n`.
pub(crate) fn doc(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let text = s.value();
                for line in text.lines() {
                    lines.push(
                        line.strip_prefix(' ')
                            .unwrap_or(line)
                            .trim_end()
                            .to_string(),
                    );
                }
            }
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    lines.join("\n")
}
