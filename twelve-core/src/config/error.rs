//! [`ConfigError`]: every problem of one load, each naming its variable.

use std::fmt;
use std::path::PathBuf;

use super::value_source::ValueSource;

/// How many characters of a bad value an error shows.
const SHOWN_CHARS: usize = 64;

/// Every problem found while loading a [`Config`](super::Config), in field order.
///
/// `Display` prints one problem per line; [`errors`](Self::errors) iterates them. A
/// secret's value never appears; other values are shown escaped and cut at 64
/// characters.
///
/// ```
/// # extern crate twelve_core as twelve;
/// use twelve::config::{Config, ConfigError};
/// use twelve::Secret;
/// # use twelve_macros::Config;
///
/// #[derive(Config, Debug)]
/// struct Settings {
///     port: u16,
///     database_url: Secret<String>,
/// }
///
/// # fn main() {
/// let err: ConfigError = Settings::from_vars([("PORT", "eighty")]).unwrap_err();
/// assert_eq!(err.errors().count(), 2);
/// assert_eq!(
///     err.to_string(),
///     "PORT: invalid value \"eighty\": expected a whole number (expected u16)\n\
///      DATABASE_URL: required but not set (expected Secret<String>)"
/// );
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    problems: Vec<Problem>,
}

impl ConfigError {
    pub(crate) fn new(problems: Vec<Problem>) -> Self {
        ConfigError { problems }
    }

    /// The problems, in the order of the fields that have them.
    pub fn errors(&self) -> std::slice::Iter<'_, Problem> {
        self.problems.iter()
    }

    /// How many problems there are (at least one).
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// Always `false`: a `ConfigError` has at least one problem.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            fmt::Display::fmt(problem, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl<'a> IntoIterator for &'a ConfigError {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors()
    }
}

/// One problem of a [`ConfigError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    var: Option<String>,
    expected: &'static str,
    kind: ProblemKind,
}

/// What went wrong with one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A required variable is unset or empty.
    Missing,
    /// The value could not be parsed.
    Invalid {
        /// The value, escaped and cut at 64 characters; `None` for a secret.
        shown: Option<String>,
        /// Where the value came from; `Display` names it when it is a file or `.env`.
        source: ValueSource,
        /// Why it was rejected, e.g. `out of range: must be between 0 and 65535`.
        reason: String,
    },
    /// A check across fields (`#[config(validate = path)]` on the struct) failed.
    Rule {
        /// Every variable the check names, by its full name; the first is also
        /// [`Problem::var`].
        vars: Vec<String>,
        /// The check's message.
        reason: String,
    },
    /// `X_FILE` names a file that could not be read.
    UnreadableFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// A line of the `.env` file could not be parsed. The line was skipped.
    Dotenv {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// Why it was rejected.
        reason: String,
    },
    /// The `.env` file as a whole could not be used (unreadable, or not UTF-8): none of
    /// its variables were read.
    DotenvFile {
        /// The file.
        path: PathBuf,
        /// Why it could not be used.
        reason: String,
    },
}

impl Problem {
    pub(crate) fn missing(var: String, expected: &'static str) -> Self {
        Problem {
            var: Some(var),
            expected,
            kind: ProblemKind::Missing,
        }
    }

    pub(crate) fn invalid(
        var: String,
        expected: &'static str,
        value: &str,
        secret: bool,
        source: ValueSource,
        reason: String,
    ) -> Self {
        // A parser (a user's `with` function, a `FromStr` error) may quote its input:
        // a secret's reason is scrubbed of the value too.
        let reason = if secret { scrub(reason, value) } else { reason };
        Problem {
            var: Some(var),
            expected,
            kind: ProblemKind::Invalid {
                shown: (!secret).then(|| show(value)),
                source,
                reason,
            },
        }
    }

    /// A problem of a check across fields, naming `vars` (at least one).
    pub(crate) fn rule(vars: Vec<String>, expected: &'static str, reason: String) -> Self {
        Problem {
            var: vars.first().cloned(),
            expected,
            kind: ProblemKind::Rule { vars, reason },
        }
    }

    /// Every `secret` value taken out of the reason (for reasons that a user's
    /// function wrote, which may quote any field).
    pub(crate) fn scrub_secrets(&mut self, secrets: &[String]) {
        if let ProblemKind::Invalid { reason, .. } | ProblemKind::Rule { reason, .. } =
            &mut self.kind
        {
            for secret in secrets {
                *reason = scrub(std::mem::take(reason), secret);
            }
        }
    }

    pub(crate) fn unreadable(
        var: String,
        expected: &'static str,
        path: PathBuf,
        reason: String,
    ) -> Self {
        Problem {
            var: Some(var),
            expected,
            kind: ProblemKind::UnreadableFile { path, reason },
        }
    }

    pub(crate) fn dotenv(path: PathBuf, line: usize, reason: String) -> Self {
        Problem {
            var: None,
            expected: "",
            kind: ProblemKind::Dotenv { path, line, reason },
        }
    }

    pub(crate) fn dotenv_file(path: PathBuf, reason: String) -> Self {
        Problem {
            var: None,
            expected: "",
            kind: ProblemKind::DotenvFile { path, reason },
        }
    }

    /// The variable, e.g. `PORT` or `DATABASE_URL_FILE` (the first one, for a check
    /// across fields); `None` for a problem of the `.env` file itself.
    pub fn var(&self) -> Option<&str> {
        self.var.as_deref()
    }

    /// The expected type as written in the struct, e.g. `u16` or `Secret<String>`.
    pub fn expected(&self) -> &str {
        self.expected
    }

    /// What went wrong.
    pub fn kind(&self) -> &ProblemKind {
        &self.kind
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.var, &self.kind) {
            (_, ProblemKind::Rule { vars, reason }) => {
                return write!(f, "{}: {reason}", vars.join(", "));
            }
            (Some(var), ProblemKind::Invalid { source, .. }) if source.is_file() => {
                write!(f, "{var} (from {source}): ")?
            }
            (Some(var), _) => write!(f, "{var}: ")?,
            (None, _) => {}
        }
        match &self.kind {
            ProblemKind::Missing => f.write_str("required but not set")?,
            ProblemKind::Invalid { shown, reason, .. } => {
                match shown {
                    Some(value) => write!(f, "invalid value {value}")?,
                    None => f.write_str("invalid value (secret, not shown)")?,
                }
                write!(f, ": {reason}")?;
            }
            ProblemKind::Rule { .. } => {}
            ProblemKind::UnreadableFile { path, reason } => {
                write!(f, "cannot read {:?}: {reason}", path.display().to_string())?
            }
            ProblemKind::Dotenv { path, line, reason } => {
                return write!(f, "{}:{line}: {reason}; line skipped", path.display());
            }
            ProblemKind::DotenvFile { path, reason } => {
                return write!(f, "{}: {reason}; the file was not used", path.display());
            }
        }
        write!(f, " (expected {})", self.expected)
    }
}

/// `reason` with every occurrence of `value` (and of its trimmed form) redacted.
fn scrub(reason: String, value: &str) -> String {
    let mut reason = reason;
    for v in [value, value.trim()] {
        if !v.is_empty() && reason.contains(v) {
            reason = reason.replace(v, crate::secret::REDACTED);
        }
    }
    reason
}

/// The value escaped as a Rust string literal, cut at [`SHOWN_CHARS`] characters.
fn show(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!(
            "{:?}... ({} characters)",
            &value[..cut],
            value.chars().count()
        ),
    }
}

/// The value as a report shows it: escaped as in errors, without the quotes, cut at
/// [`SHOWN_CHARS`] characters.
pub(crate) fn show_bare(value: &str) -> String {
    let (cut, rest) = match value.char_indices().nth(SHOWN_CHARS) {
        None => (value, None),
        Some((cut, _)) => (&value[..cut], Some(value.chars().count())),
    };
    let quoted = format!("{cut:?}");
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted);
    match rest {
        None => inner.to_owned(),
        Some(count) => format!("{inner}... ({count} characters)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_escaped() {
        let long = "x".repeat(100);
        let p = Problem::invalid(
            "A".into(),
            "u8",
            &long,
            false,
            ValueSource::Env,
            "bad".into(),
        );
        let text = p.to_string();
        assert!(text.contains(&format!("\"{}\"... (100 characters)", "x".repeat(64))));
        let p = Problem::invalid(
            "A".into(),
            "u8",
            "a\"b\n\u{1b}",
            false,
            ValueSource::Env,
            "bad".into(),
        );
        assert_eq!(
            p.to_string(),
            "A: invalid value \"a\\\"b\\n\\u{1b}\": bad (expected u8)"
        );
    }

    #[test]
    fn files_are_named_and_reports_show_bare_values() {
        let p = Problem::invalid(
            "SMTP_PORT".into(),
            "u16",
            "x",
            false,
            ValueSource::Dotenv {
                file: ".env".into(),
                line: 3,
            },
            "bad".into(),
        );
        assert_eq!(
            p.to_string(),
            "SMTP_PORT (from .env:3): invalid value \"x\": bad (expected u16)"
        );
        assert_eq!(show_bare("a\"b\n"), "a\\\"b\\n");
        assert_eq!(
            show_bare(&"y".repeat(70)),
            format!("{}... (70 characters)", "y".repeat(64))
        );
        let mut p = Problem::rule(
            vec!["A".into(), "B".into()],
            "",
            "A (s3cret) needs B".into(),
        );
        p.scrub_secrets(&["s3cret".into()]);
        assert_eq!(p.to_string(), "A, B: A ([REDACTED]) needs B");
        assert_eq!(p.var(), Some("A"));
    }

    #[test]
    fn secrets_are_not_shown() {
        let p = Problem::invalid(
            "K".into(),
            "Secret<u8>",
            "hunter2",
            true,
            ValueSource::Env,
            "bad".into(),
        );
        assert!(!p.to_string().contains("hunter2"));
        assert_eq!(
            p.to_string(),
            "K: invalid value (secret, not shown): bad (expected Secret<u8>)"
        );
        let p = Problem::invalid(
            "K".into(),
            "Secret<Url>",
            " hunter2 ",
            true,
            ValueSource::Env,
            "cannot parse 'hunter2'".into(),
        );
        assert_eq!(
            p.to_string(),
            "K: invalid value (secret, not shown): cannot parse '[REDACTED]' (expected Secret<Url>)"
        );
    }
}
