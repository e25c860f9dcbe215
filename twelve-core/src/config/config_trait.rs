//! The [`Config`] trait, which `#[derive(Config)]` implements.

use super::error::ConfigError;
use super::loader::Loader;
use super::report::Report;
use super::source::Source;
use super::vars::{VarInfo, render_env_example};

/// Typed settings read from the environment. Derive it with `#[derive(Config)]`; see
/// the [module docs](crate::config) for names, types and sources.
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

    /// Loads like [`from_env`](Self::from_env), and also tells what was read: each
    /// variable's name, [source](super::ValueSource) and value as it may be shown
    /// (secrets `[REDACTED]`), and the look-alike [warnings](super::Warning). The
    /// report is there whether the load succeeded or not.
    fn load_report() -> (Result<Self, ConfigError>, Report) {
        Self::load_report_from(&Source::from_env())
    }

    /// [`load_report`](Self::load_report) from a [`Source`] you built.
    fn load_report_from(source: &Source) -> (Result<Self, ConfigError>, Report) {
        let mut loader = Loader::with_report(source, true);
        let value = Self::__load(&mut loader, "");
        loader.finish_report(value, Self::__prefix())
    }

    /// Every variable this struct reads, nested ones included, in field order.
    fn vars() -> Vec<VarInfo> {
        let mut vars = Vec::new();
        Self::__vars("", &mut vars);
        vars
    }

    /// A `.env.example` text: one commented block per variable (doc, type, default).
    /// [`check_env_example`](crate::config::check_env_example) keeps a committed one in sync.
    fn env_example() -> String {
        render_env_example(&Self::vars())
    }

    /// Loads the fields, recording problems in `loader`; `None` when any failed.
    #[doc(hidden)]
    fn __load(loader: &mut Loader<'_>, prefix: &str) -> Option<Self>;

    /// Appends the variables of the fields, names prefixed with `prefix`.
    #[doc(hidden)]
    fn __vars(prefix: &str, out: &mut Vec<VarInfo>);

    /// `#[config(prefix = "...")]`, for the look-alike check.
    #[doc(hidden)]
    fn __prefix() -> &'static str {
        ""
    }
}

/// No settings: for a `main` that takes none.
impl Config for () {
    fn __load(_: &mut Loader<'_>, _: &str) -> Option<Self> {
        Some(())
    }

    fn __vars(_: &str, _: &mut Vec<VarInfo>) {}
}
