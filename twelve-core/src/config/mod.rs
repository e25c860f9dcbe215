//! Typed settings from the environment: the [`Config`] trait, derived with
//! `#[derive(Config)]`.
//!
//! ```
//! # extern crate twelve_core as twelve;
//! use std::time::Duration;
//! use twelve::config::Config;
//! use twelve::Secret;
//! # use twelve_macros::Config;
//!
//! #[derive(Config, Debug)]
//! struct Settings {
//!     /// Postgres connection string.
//!     database_url: Secret<String>,
//!     /// How long one upstream call may take.
//!     #[config(default = "2s")]
//!     upstream_timeout: Duration,
//!     #[config(nested)]
//!     smtp: Smtp, // SMTP_HOST, SMTP_PORT
//! }
//!
//! #[derive(Config, Debug)]
//! struct Smtp {
//!     host: String,
//!     #[config(default = 1025)]
//!     port: u16,
//! }
//!
//! # fn main() {
//! let settings = Settings::from_vars([
//!     ("DATABASE_URL", "postgres://app:pw@db/app"),
//!     ("SMTP_HOST", "mail"),
//! ])
//! .unwrap();
//! assert_eq!(settings.upstream_timeout, Duration::from_secs(2));
//! assert_eq!(settings.smtp.port, 1025);
//! // Secrets never print:
//! assert!(!format!("{settings:?}").contains("pw@db"));
//!
//! // Every problem at once, each naming its variable:
//! let err = Settings::from_vars([("SMTP_PORT", "99999"), ("UPSTREAM_TIMEOUT", "30")])
//!     .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "DATABASE_URL: required but not set (expected Secret<String>)\n\
//!      UPSTREAM_TIMEOUT: invalid value \"30\": a unit is required \
//!      (use ns, us, ms, s, m, h or d, e.g. 250ms, 30s, 1h30m) (expected Duration)\n\
//!      SMTP_HOST: required but not set (expected String)\n\
//!      SMTP_PORT: invalid value \"99999\": out of range: must be between 0 and 65535 \
//!      (expected u16)"
//! );
//! # }
//! ```
//!
//! # Names
//!
//! A field reads the variable named by its name in upper case (`database_url` reads
//! `DATABASE_URL`). `#[config(prefix = "APP_")]` on the struct puts a prefix before
//! every name; `#[config(env = "NAME")]` on a field replaces the whole name (no prefix
//! applies). A `#[config(nested)]` field's variables get the field's name as a prefix
//! (`smtp` gives `SMTP_`), or `#[config(nested, prefix = "MAIL_")]`. Prefixes compose
//! through levels. Names are computed when the code is compiled, never split when it
//! runs.
//!
//! # Values
//!
//! - A field is required unless its type is `Option<T>` or it has a default. An empty
//!   variable counts as unset, always: give `default = ""` where empty is meaningful.
//! - `#[config(default = "30s")]`: a string literal goes through the field's parser
//!   when loading; any other expression (`default = 1025`) is a value of the field's
//!   type.
//! - Types with no annotation are those implementing [`ConfigValue`]: `String`,
//!   integers (errors name the range), floats, `bool` (`true/false/1/0/yes/no/on/off`,
//!   any case), `char`, `PathBuf`, IP and socket addresses, `Duration` (units are
//!   required: `250ms`, `30s`, `5m`, `1h30m`, `1.5s`), `Vec<T>` (comma separated,
//!   items trimmed, empty items skipped, `\,` for a comma in an item,
//!   `#[config(separator = ";")]`), `Option<T>` and [`Secret<T>`](crate::Secret).
//!   Surrounding white space is ignored except for `String`, `PathBuf` and `char`.
//! - Any `T: FromStr` with `#[config(from_str)]` (for `Vec<T>`, each item), or a
//!   function `fn(&str) -> Result<T, E: Display>` with `#[config(with = path)]`.
//!
//! # Sources
//!
//! [`Config::from_env`] reads, for each variable `X`, the first that is set and not
//! empty: `X` in the process environment; the file named by `X_FILE` (Docker and
//! Kubernetes secrets; one trailing newline is trimmed; an unreadable file is an error
//! naming `X_FILE`); `X`, then `X_FILE`, in `./.env`. The `.env` file is a
//! development convenience: it never overrides the real environment, is read only when
//! a variable is missing there, never changes the process environment, and is turned
//! off by `TWELVE_DOTENV=0`. A line of it that can't be parsed is skipped and reported
//! (file and line) with the other problems, or as a `tracing` warning when the load
//! succeeds.

mod dotenv;
mod duration;
mod error;
mod list;
mod loader;
mod source;
mod value;
mod vars;

pub use error::{ConfigError, Problem, ProblemKind};
pub use source::Source;
pub use value::{ConfigValue, ParseContext};
pub use vars::{DefaultValue, UPDATE_ENV_EXAMPLE, VarInfo, check_env_example, render_env_example};

#[doc(hidden)]
pub use loader::{Field, Loader, Parser, from_str, join, list, with};

/// Typed settings read from the environment. Derive it with `#[derive(Config)]`; see
/// the [module docs](self) for names, types and sources.
///
/// ```
/// # extern crate twelve_core as twelve;
/// use twelve::config::Config;
/// # use twelve_macros::Config;
///
/// #[derive(Config)]
/// #[config(prefix = "APP_")]
/// struct Settings {
///     /// Port of the HTTP server.
///     #[config(default = 8000)]
///     port: u16,
///     #[config(env = "RUST_LOG")]
///     log: Option<String>,
/// }
///
/// # fn main() {
/// let s = Settings::from_vars([("APP_PORT", "9000"), ("RUST_LOG", "debug")]).unwrap();
/// assert_eq!((s.port, s.log.as_deref()), (9000, Some("debug")));
///
/// let names: Vec<String> = Settings::vars().into_iter().map(|v| v.name).collect();
/// assert_eq!(names, ["APP_PORT", "RUST_LOG"]);
/// assert!(Settings::env_example().contains("# Port of the HTTP server.\n"));
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a twelve `Config`",
    label = "not a `Config`",
    note = "add `#[derive(twelve::Config)]` to it: a `nested` field and the settings of `#[twelve::main]` must be `Config` types"
)]
pub trait Config: Sized {
    /// Reads the process environment (plus `X_FILE` secrets and, in development,
    /// `./.env`), reporting every problem at once.
    fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Source::from_env())
    }

    /// Reads the given pairs only: for tests, no global state touched.
    fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Self::from_source(&Source::from_vars(vars))
    }

    /// Reads from a [`Source`] you built.
    fn from_source(source: &Source) -> Result<Self, ConfigError> {
        let mut loader = Loader::new(source);
        let value = Self::__load(&mut loader, "");
        loader.finish(value)
    }

    /// Every variable this struct reads, nested ones included, in field order.
    fn vars() -> Vec<VarInfo> {
        let mut vars = Vec::new();
        Self::__vars("", &mut vars);
        vars
    }

    /// A `.env.example` text: one commented block per variable (doc, type, default).
    /// [`check_env_example`] keeps a committed one in sync.
    fn env_example() -> String {
        render_env_example(&Self::vars())
    }

    /// Loads the fields, recording problems in `loader`; `None` when any failed.
    #[doc(hidden)]
    fn __load(loader: &mut Loader<'_>, prefix: &str) -> Option<Self>;

    /// Appends the variables of the fields, names prefixed with `prefix`.
    #[doc(hidden)]
    fn __vars(prefix: &str, out: &mut Vec<VarInfo>);
}

/// No settings: for a `main` that takes none.
impl Config for () {
    fn __load(_: &mut Loader<'_>, _: &str) -> Option<Self> {
        Some(())
    }

    fn __vars(_: &str, _: &mut Vec<VarInfo>) {}
}
