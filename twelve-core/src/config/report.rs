//! [`Report`]: what one load read (each variable's name, source and showable value)
//! and the look-alike [`Warning`]s. A leaf of the loading side: the loader fills it.

use std::fmt;

use super::error::Problem;
use super::value_source::ValueSource;

/// What one load read, from [`Config::load_report`](super::Config::load_report): each
/// variable of the settings, in field order, with where its value came from and the
/// value as it may be shown, and the warnings about variables that nothing reads.
///
/// ```
/// # extern crate twelve_core as twelve;
/// use twelve::config::{Config, Source, ValueSource};
/// # use twelve_macros::Config;
/// #[derive(Config)]
/// struct Settings {
///     database_url: twelve::Secret<String>,
///     #[config(default = 8000)]
///     port: u16,
///     release_id: Option<String>,
/// }
///
/// # fn main() {
/// let source = Source::from_vars([("DATABASE_URL", "postgres://pw@db"), ("DATABSE_URL", "x")]);
/// let (settings, report) = Settings::load_report_from(&source);
/// assert!(settings.is_ok());
/// let shown: Vec<String> = report.vars().iter()
///     .map(|v| format!("{}={} ({})", v.name(), v.value().unwrap_or("-"), v.source()))
///     .collect();
/// assert_eq!(shown, ["DATABASE_URL=[REDACTED] (env)", "PORT=8000 (default)", "RELEASE_ID=- (unset)"]);
/// assert_eq!(
///     report.warnings()[0].to_string(),
///     "DATABSE_URL is set but nothing reads it; did you mean DATABASE_URL?"
/// );
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub(crate) vars: Vec<VarReport>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) source_problems: Vec<Problem>,
}

impl Report {
    /// Every variable the settings read, nested ones included, in field order. A
    /// variable that a problem stopped (a value that did not parse) is listed too.
    pub fn vars(&self) -> &[VarReport] {
        &self.vars
    }

    /// Variables set but read by no field that look like one that is (or that start
    /// with the settings' prefix). Never errors.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// When the load succeeded: the problems of the `.env` file (lines that could not
    /// be parsed and were skipped, a file that could not be used), which
    /// [`Config::from_env`](super::Config::from_env) logs as warnings. When it failed,
    /// they are in the [`ConfigError`](super::ConfigError) instead.
    pub fn source_problems(&self) -> &[Problem] {
        &self.source_problems
    }
}

/// One variable of a [`Report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarReport {
    pub(crate) name: String,
    pub(crate) source: ValueSource,
    pub(crate) value: Option<String>,
    pub(crate) secret: bool,
}

impl VarReport {
    /// The full name, prefixes included.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the value came from.
    pub fn source(&self) -> &ValueSource {
        &self.source
    }

    /// The value as it may be shown: `[REDACTED]` for a secret, others escaped and cut
    /// at 64 characters as in errors; a default as written; `None` when unset.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The field is a `Secret<T>`.
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

/// A variable that is set but that nothing reads, and looks like one that is read
/// (edit distance at most 2, or 1 for names under 8 characters), or starts with the
/// settings' prefix. Shown as a `warn` line at start-up and by `--check-config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub(crate) var: String,
    pub(crate) source: ValueSource,
    pub(crate) suggestion: Option<String>,
}

impl Warning {
    /// The variable that nothing reads.
    pub fn var(&self) -> &str {
        &self.var
    }

    /// Where it is set: `env`, or a line of `.env`.
    pub fn source(&self) -> &ValueSource {
        &self.source
    }

    /// The read variable it looks like, if any.
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.var)?;
        if self.source.is_file() {
            write!(f, " (from {})", self.source)?;
        }
        f.write_str(" is set but nothing reads it")?;
        if let Some(name) = &self.suggestion {
            write!(f, "; did you mean {name}?")?;
        }
        Ok(())
    }
}
