//! [`Loader`]: the state of one load, called by the code that `#[derive(Config)]`
//! generates. Not public API: reached through `twelve::__private`.

use super::context::ParseContext;
use super::error::{ConfigError, Problem};
use super::generated::join;
use super::source::{Found, LookupError, Source};
use super::vars::{DefaultValue, VarInfo};

/// A field's parser: the text of one variable to the field's type.
pub type Parser<T> = fn(&str, &ParseContext) -> Result<T, String>;

/// What `#[derive(Config)]` knows about one field, computed at compile time.
#[derive(Debug)]
pub struct Field {
    /// The variable name: the struct's prefix included, the outer prefix not.
    pub name: &'static str,
    /// `true` for `#[config(env = "...")]`: no outer prefix applies.
    pub absolute: bool,
    /// The type as written in the struct.
    pub ty: &'static str,
    /// The field is a `Secret<T>` (or `Option<Secret<T>>`).
    pub secret: bool,
    /// Neither `Option` nor with a default.
    pub required: bool,
    /// The default as written.
    pub default: Option<DefaultValue>,
    /// The field's doc comment.
    pub doc: &'static str,
    /// Parser options.
    pub ctx: ParseContext,
}

impl Field {
    /// This field's entry in [`Config::vars`](super::Config::vars).
    pub fn info(&self, prefix: &str) -> VarInfo {
        VarInfo {
            name: full_name(prefix, self).into_owned(),
            type_name: self.ty,
            required: self.required,
            default: self.default,
            secret: self.secret,
            doc: self.doc,
        }
    }
}

fn full_name<'a>(prefix: &str, field: &'a Field) -> std::borrow::Cow<'a, str> {
    if field.absolute || prefix.is_empty() {
        std::borrow::Cow::Borrowed(field.name)
    } else {
        std::borrow::Cow::Owned(format!("{prefix}{}", field.name))
    }
}

/// One load in progress: the source and every problem found so far.
#[derive(Debug)]
pub struct Loader<'a> {
    source: &'a Source,
    problems: Vec<Problem>,
}

impl<'a> Loader<'a> {
    /// Starts a load from `source`.
    pub fn new(source: &'a Source) -> Self {
        Loader {
            source,
            problems: Vec::new(),
        }
    }

    /// The loaded value, or every problem found (with the `.env` file's own problems
    /// after them, which may explain a missing variable).
    pub fn finish<T>(mut self, value: Option<T>) -> Result<T, ConfigError> {
        match value {
            Some(value) if self.problems.is_empty() => {
                for warning in self.source.warnings() {
                    tracing::warn!(target: "twelve::config", "{warning}");
                }
                Ok(value)
            }
            _ => {
                self.problems.extend(self.source.warnings());
                Err(ConfigError::new(self.problems))
            }
        }
    }

    /// A field without default: a problem when unset.
    pub fn required<T>(&mut self, prefix: &str, field: &Field, parse: Parser<T>) -> Option<T> {
        match self.value(prefix, field, parse) {
            Some(Some(value)) => Some(value),
            Some(None) => {
                let name = full_name(prefix, field).into_owned();
                self.problems.push(Problem::missing(name, field.ty));
                None
            }
            None => None,
        }
    }

    /// An `Option<T>` field: `Some(None)` when unset, `None` after a problem.
    pub fn optional<T>(
        &mut self,
        prefix: &str,
        field: &Field,
        parse: Parser<T>,
    ) -> Option<Option<T>> {
        self.value(prefix, field, parse)
    }

    /// A field with `default = "text"`: the text goes through the field's parser.
    pub fn or_default_str<T>(
        &mut self,
        prefix: &str,
        field: &Field,
        parse: Parser<T>,
        default: &str,
    ) -> Option<T> {
        match self.value(prefix, field, parse)? {
            Some(value) => Some(value),
            None => match parse(default, &field.ctx) {
                Ok(value) => Some(value),
                Err(reason) => {
                    self.invalid(prefix, field, default, Some("the default".into()), reason);
                    None
                }
            },
        }
    }

    /// A field with `default = expression`.
    pub fn or_default<T>(
        &mut self,
        prefix: &str,
        field: &Field,
        parse: Parser<T>,
        default: impl FnOnce() -> T,
    ) -> Option<T> {
        Some(self.value(prefix, field, parse)?.unwrap_or_else(default))
    }

    /// A `#[config(nested)]` field: `load` reads it with `segment` added to the prefix.
    pub fn nested<T>(
        &mut self,
        prefix: &str,
        segment: &str,
        load: fn(&mut Loader<'a>, &str) -> Option<T>,
    ) -> Option<T> {
        load(self, &join(prefix, segment))
    }

    /// `Some(Some(value))`, `Some(None)` when unset, or `None` after recording a problem.
    fn value<T>(&mut self, prefix: &str, field: &Field, parse: Parser<T>) -> Option<Option<T>> {
        let name = full_name(prefix, field);
        match self.source.get(&name) {
            Ok(None) => Some(None),
            Ok(Some(Found { value, origin })) => match parse(&value, &field.ctx) {
                Ok(parsed) => Some(Some(parsed)),
                Err(reason) => {
                    self.invalid(prefix, field, &value, origin, reason);
                    None
                }
            },
            Err(LookupError::NotUtf8 { var, lossy, origin }) => {
                self.problems.push(Problem::invalid(
                    var,
                    field.ty,
                    &lossy,
                    field.secret,
                    origin,
                    "not valid UTF-8".into(),
                ));
                None
            }
            Err(LookupError::Unreadable { var, path, reason }) => {
                self.problems
                    .push(Problem::unreadable(var, field.ty, path, reason));
                None
            }
        }
    }

    fn invalid(
        &mut self,
        prefix: &str,
        field: &Field,
        value: &str,
        origin: Option<String>,
        reason: String,
    ) {
        let name = full_name(prefix, field).into_owned();
        self.problems.push(Problem::invalid(
            name,
            field.ty,
            value,
            field.secret,
            origin,
            reason,
        ));
    }
}
