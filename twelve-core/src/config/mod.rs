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
//! succeeds. A file that can't be read or isn't UTF-8 is reported the same way, by its
//! name alone, and none of it is used.

//!
//! # Enums and maps
//!
//! `#[derive(ConfigValue)]` on an enum of unit variants reads a variant by name,
//! ignoring ASCII case, `-` and `_` (`FastPath` reads `fast_path`, `fast-path`,
//! `FASTPATH`); `#[config(rename = "x")]` on a variant replaces its name. An unknown
//! value's error lists the names; so do [`VarInfo::choices`] and the `.env.example`.
//! `HashMap<K, V>` and `BTreeMap<K, V>` read `key=value` pairs with the list rules;
//! the first `=` splits; a repeated key or a pair without `=` is an error.
//! [`parse_map`], [`parse_percent_encoded_map`] and [`percent_decode`] serve
//! `#[config(with = ...)]` functions (the OpenTelemetry variables).
//!
//! # Validation
//!
//! `#[config(range = 1..=64)]` (any range literal of the field's type; `"1s"..="1h"`
//! for a `Duration`), `#[config(validate = path)]` on a field (`fn(&T) -> Result<(),
//! E: Display>`), and `#[config(validate = path)]` on the struct (`fn(&Self) ->
//! Result<(), Invalid>`, run once every field parsed, naming the variables it concerns
//! by their full names). Their problems are reported with every other of the load; a
//! secret's value never appears.
//!
//! # Where values came from, and variables nobody reads
//!
//! Each value has a [`ValueSource`]: `env`, `file:<path>`, `.env:<line>`, `default` or
//! `unset`; a problem with a value from a file or `.env` names it.
//! [`Config::load_report`] gives a [`Report`]: per variable its name, source and value
//! as it may be shown (secrets `[REDACTED]`), and [`Warning`]s for variables that are
//! set, read by nothing, and within edit distance 2 of a read name (1 under 8
//! characters) or under the settings' prefix. Variables that platforms set are never
//! warned about: [`WELL_KNOWN`], [`WELL_KNOWN_PREFIXES`] and Kubernetes service links
//! ([`is_well_known`]).

// The files below import one way, leaves first; nothing imports this facade.
//
// - `context` (ParseContext), `duration`, `vars` (VarInfo, the .env.example text),
//   `value_source` (ValueSource), `rule` (Invalid): leaves.
// - `list` -> context; `map` -> context, list; `value` (ConfigValue) -> context,
//   list, map, duration.
// - `error` (ConfigError, Problem) -> value_source; `report` (Report, Warning) ->
//   error, value_source; `lookalike` -> report, value_source; `dotenv` -> error;
//   `source` -> dotenv, error, value_source.
// - `generated` (the adapters derived code calls) -> context, list, value.
// - `loader` -> context, error, generated, lookalike, report, rule, source,
//   value_source, vars.
// - `config_trait` (Config) -> loader, report, source, vars, error; `check`
//   (check_env_example) -> config_trait.
mod check;
mod config_trait;
mod context;
mod dotenv;
mod duration;
mod error;
mod generated;
mod list;
mod loader;
mod lookalike;
mod map;
mod report;
mod rule;
mod source;
mod value;
mod value_source;
mod vars;

pub use check::{UPDATE_ENV_EXAMPLE, check_env_example};
pub use config_trait::Config;
pub use context::ParseContext;
pub use error::{ConfigError, Problem, ProblemKind};
pub use lookalike::{WELL_KNOWN, WELL_KNOWN_PREFIXES, is_well_known, lookalike_warnings};
pub use map::{parse_map, parse_percent_encoded_map, percent_decode};
pub use report::{Report, VarReport, Warning};
pub use rule::Invalid;
pub use source::Source;
pub use value::ConfigValue;
pub use value_source::ValueSource;
pub use vars::{DefaultValue, VarInfo, render_env_example};

#[doc(hidden)]
pub use generated::{
    RangeValue, bound, from_str, in_range, join, list, unknown_variant, variant, with,
};
#[doc(hidden)]
pub use loader::{Check, Field, Loader, Parser};
