//! The validated model of a `#[derive(Config)]` struct: what expansion works from.
//!
//! Built by `validate` from what `parse` read, it can only hold combinations that
//! make sense (confique's `ir.rs`): a field is a [`Leaf`] (one variable) or a
//! [`Nested`] struct, and a nested field has no variable name, parser, separator or
//! default; an `Option` leaf has no default ([`Presence`]); `with` has no separator
//! ([`Parse`]). Names are decided here (serde's `ast.rs`), so that neither validation
//! nor expansion computes them.
//!
//! A leaf's checks (`range`, `validate`) are [`Checks`]: a `range` can only hold a
//! range with at least one bound, of a type without `Secret`. A map type is a
//! [`Shape::Map`]; a `#[derive(ConfigValue)]` enum is a [`Parse::Value`] like any other
//! type.

use proc_macro2::Span;
use syn::{Expr, Ident, LitStr, Type};

/// The struct being derived.
pub(crate) struct Input {
    pub(crate) ident: Ident,
    /// `crate = "..."`: the path of the `twelve` crate, when renamed.
    pub(crate) krate: Option<syn::Path>,
    /// `prefix = "..."`, or empty.
    pub(crate) prefix: String,
    /// `validate = path`: a check across fields, run once every field parsed.
    pub(crate) validate: Option<syn::Path>,
    /// The named fields, in order.
    pub(crate) fields: Vec<Field>,
}

/// One named field.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    /// The type as written.
    pub(crate) ty: Type,
    pub(crate) kind: Kind,
}

/// What a field reads.
pub(crate) enum Kind {
    /// One variable.
    Leaf(Box<Leaf>),
    /// `#[config(nested)]`: the variables of the field's own `Config` type.
    Nested(Nested),
}

/// A field read from one variable.
pub(crate) struct Leaf {
    pub(crate) var: Var,
    /// The doc comment, shown in `vars()` and `.env.example`.
    pub(crate) doc: String,
    pub(crate) presence: Presence,
    /// The type a parse gives: the field's type without `Option`.
    pub(crate) value_ty: Type,
    /// The value type without `Secret`: what `from_str` and `with` give.
    pub(crate) plain_ty: Type,
    /// The type is spelled `Secret<T>` (or `Option<Secret<T>>`): the parse of a
    /// `from_str` or `with` field wraps its value. Whether a value is printed follows
    /// `ConfigValue::SECRET` for the other fields (aliases and collections included).
    pub(crate) secret: bool,
    pub(crate) parse: Parse,
    pub(crate) checks: Checks,
}

/// What is checked of a leaf's parsed value, in this order.
#[derive(Default)]
pub(crate) struct Checks {
    /// `range = ...`: never on a `Secret`, a list or a map.
    pub(crate) range: Option<Range>,
    /// `validate = path`: `fn(&T) -> Result<(), E: Display>`, `T` the value type.
    pub(crate) validate: Option<syn::Path>,
}

impl Checks {
    pub(crate) fn is_empty(&self) -> bool {
        self.range.is_none() && self.validate.is_none()
    }
}

/// `range = a..=b`, `a..b`, `a..`, `..=b` or `..b`: at least one bound.
pub(crate) struct Range {
    /// Where an error about the type's order points: the `range` key.
    pub(crate) span: Span,
    pub(crate) start: Option<Bound>,
    pub(crate) end: Option<Bound>,
    /// `..=`.
    pub(crate) inclusive: bool,
    /// The reason of a value outside it, e.g. `must be between 1 and 64`.
    pub(crate) text: String,
}

/// One bound of a range.
pub(crate) enum Bound {
    /// A value of the field's type (`1`, `0.5`, `Duration::from_secs(1)`).
    Value(Expr),
    /// Text read with the field's parser (`"1s"`).
    Text(LitStr),
}

/// The name of a leaf's variable, decided at compile time.
pub(crate) struct Var {
    /// The struct's prefix and the upper-cased field name, or `env` as written. An
    /// outer `nested` prefix is added at run time, unless `absolute`.
    pub(crate) name: String,
    /// `env = "..."`: the name is used as written, under no prefix.
    pub(crate) absolute: bool,
    /// Where an error about the name points: `env`'s value, or the field's name.
    pub(crate) span: Span,
}

/// Whether a leaf's variable must be set, and what stands in when it is not.
pub(crate) enum Presence {
    /// No default and not an `Option`: a missing variable is an error.
    Required,
    /// `default = ...`: used when the variable is unset.
    Default(DefaultExpr),
    /// `Option<T>`: `None` when unset. Never with a default.
    Optional,
}

/// A leaf's `default = ...`.
pub(crate) enum DefaultExpr {
    /// A string literal: parsed with the field's parser at load time (`"30s"`).
    Text(LitStr),
    /// Any other expression: a value of the field's type.
    Value(Expr),
}

/// How a variable's text becomes the value.
pub(crate) enum Parse {
    /// `<T as ConfigValue>::parse_value` of the value type (`Secret` included).
    Value(Shape),
    /// `#[config(from_str)]`: `FromStr` of the plain type, or of each item of a list.
    FromStr(Shape),
    /// `#[config(with = path)]`: a function of the whole text (so no separator).
    With(syn::Path),
}

/// The plain type as far as splitting goes.
pub(crate) enum Shape {
    /// One value.
    One,
    /// `Vec<T>`: items split at a separator.
    List {
        /// `T`.
        item: Box<Type>,
        /// `separator = "..."`, when given.
        separator: Option<String>,
    },
    /// `HashMap<K, V>` or `BTreeMap<K, V>`: `key=value` pairs split at a separator.
    Map {
        /// `separator = "..."`, when given.
        separator: Option<String>,
    },
}

/// A field holding a nested `Config` struct.
pub(crate) struct Nested {
    /// What the field adds to the prefix of its type's variables: the struct's prefix
    /// and then the field's `prefix`, or its upper-cased name and `_`.
    pub(crate) segment: String,
}

impl Parse {
    /// `separator = "..."`, when given (only a list can have one).
    pub(crate) fn separator(&self) -> Option<&str> {
        match self {
            Parse::Value(Shape::List { separator, .. } | Shape::Map { separator })
            | Parse::FromStr(Shape::List { separator, .. } | Shape::Map { separator }) => {
                separator.as_deref()
            }
            Parse::Value(Shape::One) | Parse::FromStr(Shape::One) | Parse::With(_) => None,
        }
    }
}
