//! [`ValueSource`]: where one variable's value came from. A leaf: the source, the
//! loader, errors and reports use it; it imports none of them.

use std::fmt;

/// Where the value of one variable came from: shown in reports (`config.sources` on
/// the `config loaded` line, `--check-config`), and in errors about a value read from
/// a file or `.env`.
///
/// `Display` gives the texts of the contract: `env`, `file:<path>` (the path as
/// `X_FILE` gives it), `.env:<line>` (1-based; another name than `.env` when the
/// [`Source`](super::Source) was given one), `default` and `unset`.
///
/// ```
/// use twelve_core::config::ValueSource;
/// assert_eq!(ValueSource::Env.to_string(), "env");
/// assert_eq!(ValueSource::File("/run/secrets/db".into()).to_string(), "file:/run/secrets/db");
/// assert_eq!(ValueSource::Dotenv { file: ".env".into(), line: 3 }.to_string(), ".env:3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueSource {
    /// The process environment (or the pairs given to
    /// [`Source::from_vars`](super::Source::from_vars)).
    Env,
    /// The file that `X_FILE` names, the path as given.
    File(String),
    /// A line of the `.env` file.
    Dotenv {
        /// The file, as the [`Source`](super::Source) names it (`.env` by default).
        file: String,
        /// The line, from 1.
        line: usize,
    },
    /// Unset: the field's default was used.
    Default,
    /// Unset, and the field has no default (an `Option` is `None`, a required field is
    /// a problem).
    Unset,
}

impl ValueSource {
    /// Whether the value came from a file or `.env`, which errors about it then name.
    pub fn is_file(&self) -> bool {
        matches!(self, ValueSource::File(_) | ValueSource::Dotenv { .. })
    }
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::Env => f.write_str("env"),
            ValueSource::File(path) => write!(f, "file:{path}"),
            ValueSource::Dotenv { file, line } => write!(f, "{file}:{line}"),
            ValueSource::Default => f.write_str("default"),
            ValueSource::Unset => f.write_str("unset"),
        }
    }
}
