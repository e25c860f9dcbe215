//! [`Loader`]: the state of one load, called by the code that `#[derive(Config)]`
//! generates. Not public API: reached through `twelve::__private`.
//!
//! By hand, for the load's speed (BENCHMARKS.md, "Config loading"): the entry points
//! the derive calls per field (`required`, `optional`, `or_default_str`, `or_default`)
//! and the path of a variable that is set (`value`, `parsed`) are
//! `#[inline(always)]`, so that they inline into the struct's `__load` where the
//! field's `static` [`Field`] and its check are constants: the `secret` flag, the
//! `absolute` flag, an absent check and the parse context fold away, and no call,
//! register saves or `Option` returns are paid per field. Everything else (an unset
//! variable, `X_FILE`, `.env`, every error, the report's records) is a `#[cold]` or
//! `#[inline(never)]` function, so the inlined part stays a few dozen instructions.

use std::borrow::Cow;

use super::context::ParseContext;
use super::error::{ConfigError, Problem, show_bare};
use super::generated::join;
use super::lookalike::lookalike_warnings;
use super::report::{Report, VarReport};
use super::rule::Invalid;
use super::source::{Found, LookupError, Source};
use super::value_source::ValueSource;
use super::vars::{DefaultValue, VarInfo};

/// A field's parser: the text of one variable to the field's type. It may take the
/// text (`String` fields do, instead of copying it) only when it succeeds; a field
/// with a check gets a parser that does not, so that a failed check can show it. The
/// loader takes any `Fn` of this shape (the derive passes a closure, which inlines).
pub type Parser<T> = fn(&mut String, &ParseContext) -> Result<T, String>;

/// A field's checks (`range`, `validate`), run on the parsed value.
pub type Check<T> = fn(&T) -> Result<(), String>;

/// What `#[derive(Config)]` knows about one field, computed at compile time.
#[derive(Debug)]
pub struct Field {
    /// The variable name: the struct's prefix included, the outer prefix not.
    pub name: &'static str,
    /// `true` for `#[config(env = "...")]`: no outer prefix applies.
    pub absolute: bool,
    /// The type as written in the struct.
    pub ty: &'static str,
    /// The value is a secret (`ConfigValue::SECRET`: a `Secret<T>`, an alias of one,
    /// a list or map of them), never shown.
    pub secret: bool,
    /// Neither `Option` nor with a default.
    pub required: bool,
    /// The default as written.
    pub default: Option<DefaultValue>,
    /// The field's doc comment.
    pub doc: &'static str,
    /// The values it accepts, when a fixed set (an enum's variants).
    pub choices: &'static [&'static str],
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
            choices: self.choices,
        }
    }

    /// The default as a report shows it.
    fn shown_default(&self) -> Option<String> {
        match self.default? {
            _ if self.secret => Some(crate::secret::REDACTED.to_owned()),
            DefaultValue::Text(text) | DefaultValue::Code(text) => Some(show_bare(text)),
        }
    }
}

#[inline(always)]
fn full_name<'a>(prefix: &str, field: &'a Field) -> Cow<'a, str> {
    if field.absolute || prefix.is_empty() {
        Cow::Borrowed(field.name)
    } else {
        Cow::Owned(format!("{prefix}{}", field.name))
    }
}

/// What one field's lookup gave.
enum Got<T> {
    Value(T),
    Unset,
    /// A problem was recorded.
    Failed,
}

/// One load in progress: the source and every problem found so far.
pub struct Loader<'a> {
    source: &'a Source,
    problems: Vec<Problem>,
    /// `Some` when a [`Report`] is made: each variable read, in field order.
    records: Option<Vec<VarReport>>,
    /// Whether the records hold the values as shown (else names and sources only).
    values: bool,
    /// The values of secret fields, taken out of the messages of checks.
    secrets: Vec<String>,
}

/// Without the secret values it holds (their count only), nor the source's values.
impl std::fmt::Debug for Loader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("source", self.source)
            .field("problems", &self.problems.len())
            .field("records", &self.records.as_ref().map(Vec::len))
            .field("values", &self.values)
            .field(
                "secrets",
                &format_args!("[{} REDACTED]", self.secrets.len()),
            )
            .finish()
    }
}

impl<'a> Loader<'a> {
    /// Starts a load from `source`.
    pub fn new(source: &'a Source) -> Self {
        Loader {
            source,
            problems: Vec::new(),
            records: None,
            values: false,
            secrets: Vec::new(),
        }
    }

    /// Starts a load that also makes a [`Report`]: names and sources, and, with
    /// `values`, each value as it may be shown.
    pub fn with_report(source: &'a Source, values: bool) -> Self {
        Loader {
            records: Some(Vec::new()),
            values,
            ..Loader::new(source)
        }
    }

    /// The loaded value, or every problem found (with the `.env` file's own problems
    /// after them, which may explain a missing variable).
    #[inline]
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ConfigError> {
        match value {
            // The common case, without a report to build: nothing to warn about either
            // unless a `.env` file was read.
            Some(value) if self.problems.is_empty() && self.records.is_none() => {
                if self.source.dotenv_was_read() {
                    for warning in self.source.warnings() {
                        tracing::warn!(target: "twelve::config", "{warning}");
                    }
                }
                Ok(value)
            }
            value => self.finish_inner(value, true).0,
        }
    }

    /// Like [`finish`](Self::finish), with the [`Report`]: the variables read and the
    /// look-alike warnings (`prefix`: the settings' prefix, which any unread variable
    /// under it is warned about). The `.env` file's problems, when the load succeeds,
    /// are in [`Report::source_problems`] rather than logged.
    pub fn finish_report<T>(
        self,
        value: Option<T>,
        prefix: &str,
    ) -> (Result<T, ConfigError>, Report) {
        let source = self.source;
        let (result, mut report) = self.finish_inner(value, false);
        let read: Vec<&str> = report.vars.iter().map(|v| v.name.as_str()).collect();
        let warnings = lookalike_warnings(&source.set_names(), &read, prefix);
        report.warnings = warnings;
        if result.is_ok() {
            report.source_problems = source.warnings();
        }
        (result, report)
    }

    fn finish_inner<T>(mut self, value: Option<T>, log: bool) -> (Result<T, ConfigError>, Report) {
        let report = Report {
            vars: self.records.take().unwrap_or_default(),
            ..Report::default()
        };
        let result = match value {
            Some(value) if self.problems.is_empty() => {
                if log {
                    for warning in self.source.warnings() {
                        tracing::warn!(target: "twelve::config", "{warning}");
                    }
                }
                Ok(value)
            }
            _ => {
                self.problems.extend(self.source.warnings());
                if !self.secrets.is_empty() {
                    for problem in &mut self.problems {
                        problem.scrub_secrets(&self.secrets);
                    }
                }
                Err(ConfigError::new(self.problems))
            }
        };
        (result, report)
    }

    /// A field without default: a problem when unset.
    ///
    /// By hand, inlined into the derive's `__load` (see the module docs): the unset
    /// branch is the out-of-line `missing`.
    #[inline(always)]
    pub fn required<T>(
        &mut self,
        prefix: &str,
        field: &'static Field,
        parse: impl Fn(&mut String, &ParseContext) -> Result<T, String>,
        check: Option<Check<T>>,
    ) -> Option<T> {
        self.value(
            prefix,
            field,
            parse,
            check,
            |v| v,
            |this| {
                this.missing(prefix, field);
                None
            },
        )
    }

    /// A required field is unset: recorded, and a problem.
    #[cold]
    #[inline(never)]
    fn missing(&mut self, prefix: &str, field: &Field) {
        let name = full_name(prefix, field).into_owned();
        self.record_unset(&name, field, ValueSource::Unset);
        self.problems.push(Problem::missing(name, field.ty));
    }

    /// An `Option<T>` field: `Some(None)` when unset, `None` after a problem.
    /// Inlined by hand, like [`required`](Self::required).
    #[inline(always)]
    pub fn optional<T>(
        &mut self,
        prefix: &str,
        field: &'static Field,
        parse: impl Fn(&mut String, &ParseContext) -> Result<T, String>,
        check: Option<Check<T>>,
    ) -> Option<Option<T>> {
        self.value(prefix, field, parse, check, Some, |this| {
            if this.records.is_some() {
                this.record_unset(&full_name(prefix, field), field, ValueSource::Unset);
            }
            Some(None)
        })
    }

    /// A field with `default = "text"`: the text goes through the field's parser.
    /// Inlined by hand, like [`required`](Self::required); the default's parse is out
    /// of line.
    #[inline(always)]
    pub fn or_default_str<T>(
        &mut self,
        prefix: &str,
        field: &'static Field,
        parse: impl Fn(&mut String, &ParseContext) -> Result<T, String>,
        default: &str,
        check: Option<Check<T>>,
    ) -> Option<T> {
        self.value(
            prefix,
            field,
            &parse,
            check,
            |v| v,
            |this| this.default_str(prefix, field, &parse, default, check),
        )
    }

    /// The default text of an unset field, parsed and checked. Out of line: the set
    /// variable's path stays small.
    #[inline(never)]
    fn default_str<T>(
        &mut self,
        prefix: &str,
        field: &'static Field,
        parse: &dyn Fn(&mut String, &ParseContext) -> Result<T, String>,
        default: &str,
        check: Option<Check<T>>,
    ) -> Option<T> {
        if self.records.is_some() {
            self.record_unset(&full_name(prefix, field), field, ValueSource::Default);
        }
        let mut text = default.to_owned();
        let parsed = parse(&mut text, &field.ctx)
            .and_then(|value| check.map_or(Ok(()), |c| c(&value)).map(|()| value));
        match parsed {
            Ok(value) => Some(value),
            Err(reason) => {
                self.invalid(prefix, field, default, ValueSource::Default, reason);
                None
            }
        }
    }

    /// A field with `default = expression`. Inlined by hand, like
    /// [`required`](Self::required).
    #[inline(always)]
    pub fn or_default<T>(
        &mut self,
        prefix: &str,
        field: &'static Field,
        parse: impl Fn(&mut String, &ParseContext) -> Result<T, String>,
        default: impl FnOnce() -> T,
        check: Option<Check<T>>,
    ) -> Option<T> {
        self.value(
            prefix,
            field,
            parse,
            check,
            |v| v,
            |this| {
                if this.records.is_some() {
                    this.record_unset(&full_name(prefix, field), field, ValueSource::Default);
                }
                let value = default();
                match check.map_or(Ok(()), |c| c(&value)) {
                    Ok(()) => Some(value),
                    Err(reason) => {
                        this.default_failed(prefix, field, reason);
                        None
                    }
                }
            },
        )
    }

    /// A `default = expression` failed the field's check.
    #[cold]
    #[inline(never)]
    fn default_failed(&mut self, prefix: &str, field: &Field, reason: String) {
        let shown = match field.default {
            Some(DefaultValue::Text(t) | DefaultValue::Code(t)) => t,
            None => "",
        };
        self.invalid(prefix, field, shown, ValueSource::Default, reason);
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

    /// A struct-level `#[config(validate = path)]`: runs `rule` on the struct once
    /// every field parsed. `fields` maps the struct's field names to their fields, so
    /// that a problem names each variable by its full name.
    pub fn validate<T>(
        &mut self,
        prefix: &str,
        value: T,
        fields: &[(&str, &'static Field)],
        rule: fn(&T) -> Result<(), Invalid>,
    ) -> Option<T> {
        let Err(invalid) = rule(&value) else {
            return Some(value);
        };
        for (names, message) in invalid.checks {
            let vars = names
                .iter()
                .map(|name| {
                    let field = fields
                        .iter()
                        .find(|(ident, f)| ident == name || f.name == name)
                        .map(|(_, f)| *f);
                    match field {
                        Some(field) => full_name(prefix, field).into_owned(),
                        None => name.clone(),
                    }
                })
                .collect();
            self.problems.push(Problem::rule(vars, "", message));
        }
        None
    }

    /// The field's value, parsed and checked, made the field's type by `set`; what
    /// `unset` gives when the variable is not set anywhere; `None` when it failed (the
    /// problem recorded).
    ///
    /// By hand, on the load's hot path (BENCHMARKS.md, "Config loading"): a variable
    /// set in the environment goes from `var_os` to the parser with nothing larger than
    /// its `String` moved around; files, `.env` and errors are out of line. `set` and
    /// `unset` make the field's own result here, so that the hot path's value goes
    /// straight into it and not first through an intermediate enum of value, unset or
    /// failed.
    #[inline(always)]
    fn value<T, R>(
        &mut self,
        prefix: &str,
        field: &'static Field,
        parse: impl Fn(&mut String, &ParseContext) -> Result<T, String>,
        check: Option<Check<T>>,
        set: impl FnOnce(T) -> R,
        unset: impl FnOnce(&mut Self) -> Option<R>,
    ) -> Option<R> {
        let name = full_name(prefix, field);
        match self
            .source
            .primary(&name)
            .map(std::ffi::OsString::into_string)
        {
            Some(Ok(value)) => self
                .parsed(&name, field, value, ValueSource::Env, parse, check)
                .map(set),
            Some(Err(os)) => {
                self.not_utf8(&name, field, &os);
                None
            }
            None => match self.fallback(&name, field, &parse, check) {
                Got::Value(value) => Some(set(value)),
                Got::Unset => unset(self),
                Got::Failed => None,
            },
        }
    }

    /// A variable of the environment that is not UTF-8: out of line, like every error.
    #[cold]
    #[inline(never)]
    fn not_utf8(&mut self, name: &str, field: &Field, os: &std::ffi::OsStr) {
        let error = LookupError::NotUtf8 {
            var: name.to_owned(),
            lossy: os.to_string_lossy().into_owned(),
            source: ValueSource::Env,
        };
        self.lookup_error(name, field, error)
    }

    /// `name_FILE`, then `.env`: out of line.
    #[cold]
    #[inline(never)]
    fn fallback<T>(
        &mut self,
        name: &str,
        field: &'static Field,
        parse: &dyn Fn(&mut String, &ParseContext) -> Result<T, String>,
        check: Option<Check<T>>,
    ) -> Got<T> {
        match self.source.fallback(name) {
            Ok(None) => Got::Unset,
            Ok(Some(Found { value, source })) => {
                match self.parsed(name, field, value, source, parse, check) {
                    Some(value) => Got::Value(value),
                    None => Got::Failed,
                }
            }
            Err(error) => {
                self.lookup_error(name, field, error);
                Got::Failed
            }
        }
    }

    /// A value found: recorded, parsed, checked; `None` when it failed (the problem
    /// recorded).
    #[inline(always)]
    fn parsed<T>(
        &mut self,
        name: &str,
        field: &'static Field,
        mut value: String,
        source: ValueSource,
        parse: impl Fn(&mut String, &ParseContext) -> Result<T, String>,
        check: Option<Check<T>>,
    ) -> Option<T> {
        if self.records.is_some() {
            self.record(name, field, &source, Some(&value));
        }
        if field.secret {
            self.secrets.push(value.clone());
        }
        let parsed = parse(&mut value, &field.ctx);
        match parsed.and_then(|v| check.map_or(Ok(()), |c| c(&v)).map(|()| v)) {
            Ok(parsed) => Some(parsed),
            Err(reason) => {
                self.invalid_named(name, field, &value, source, reason);
                None
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn lookup_error(&mut self, name: &str, field: &Field, error: LookupError) {
        match error {
            LookupError::NotUtf8 { var, lossy, source } => {
                if self.records.is_some() {
                    self.record(name, field, &source, Some(&lossy));
                }
                self.problems.push(Problem::invalid(
                    var,
                    field.ty,
                    &lossy,
                    field.secret,
                    source,
                    "not valid UTF-8".into(),
                ));
            }
            LookupError::Unreadable { var, path, reason } => {
                if self.records.is_some() {
                    let source = ValueSource::File(path.display().to_string());
                    self.record(name, field, &source, None);
                }
                self.problems
                    .push(Problem::unreadable(var, field.ty, path, reason));
            }
        }
    }

    #[cold]
    fn record(&mut self, name: &str, field: &Field, source: &ValueSource, value: Option<&str>) {
        let value = match value {
            Some(_) if field.secret => Some(crate::secret::REDACTED.to_owned()),
            Some(value) if self.values => Some(show_bare(value)),
            _ => None,
        };
        if let Some(records) = &mut self.records {
            records.push(VarReport {
                name: name.to_owned(),
                source: source.clone(),
                value,
                secret: field.secret,
            });
        }
    }

    #[cold]
    fn record_unset(&mut self, name: &str, field: &Field, source: ValueSource) {
        let value = match source {
            ValueSource::Default if self.values => field.shown_default(),
            _ => None,
        };
        if let Some(records) = &mut self.records {
            records.push(VarReport {
                name: name.to_owned(),
                source,
                value,
                secret: field.secret,
            });
        }
    }

    fn invalid(
        &mut self,
        prefix: &str,
        field: &Field,
        value: &str,
        source: ValueSource,
        reason: String,
    ) {
        self.invalid_named(&full_name(prefix, field), field, value, source, reason);
    }

    #[cold]
    #[inline(never)]
    fn invalid_named(
        &mut self,
        name: &str,
        field: &Field,
        value: &str,
        source: ValueSource,
        reason: String,
    ) {
        let name = name.to_owned();
        self.problems.push(Problem::invalid(
            name,
            field.ty,
            value,
            field.secret,
            source,
            reason,
        ));
    }
}
