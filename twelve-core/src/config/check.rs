//! [`check_env_example`]: keeps a committed `.env.example` in sync with a settings
//! struct.

use std::path::Path;

use super::config_trait::Config;

/// The variable that, when set to `1`, makes [`check_env_example`] rewrite the file.
pub const UPDATE_ENV_EXAMPLE: &str = "TWELVE_UPDATE_ENV_EXAMPLE";

/// Checks that the file at `path` holds `C::env_example()`.
///
/// Meant for a test of yours, so that a committed `.env.example` never drifts from
/// the struct. With `TWELVE_UPDATE_ENV_EXAMPLE=1` in the environment it writes the
/// file instead. The error says how to fix the file.
///
/// ```no_run
/// # extern crate twelve_core as twelve;
/// # use twelve::config::Config;
/// # #[derive(twelve_macros::Config)]
/// # struct Settings { port: Option<u16> }
/// #[test]
/// fn env_example_is_current() {
///     twelve::config::check_env_example::<Settings>(".env.example").unwrap();
/// }
/// ```
pub fn check_env_example<C: Config>(path: impl AsRef<Path>) -> Result<(), String> {
    let path = path.as_ref();
    let expected = C::env_example();
    if std::env::var(UPDATE_ENV_EXAMPLE).is_ok_and(|v| v == "1") {
        return std::fs::write(path, &expected)
            .map_err(|e| format!("cannot write {}: {e}", path.display()));
    }
    let actual = std::fs::read_to_string(path)
        .map_err(|e| {
            format!(
                "cannot read {}: {e}\nrun once with {UPDATE_ENV_EXAMPLE}=1 to write it",
                path.display()
            )
        })?
        .replace("\r\n", "\n");
    if actual == expected {
        return Ok(());
    }
    let line = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    Err(format!(
        "{} is out of date: it first differs at line {}\n  file:     {:?}\n  expected: {:?}\n\
         run with {UPDATE_ENV_EXAMPLE}=1 to rewrite it",
        path.display(),
        line + 1,
        actual.lines().nth(line).unwrap_or("<end of file>"),
        expected.lines().nth(line).unwrap_or("<end of file>"),
    ))
}
