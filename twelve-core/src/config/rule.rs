//! [`Invalid`]: what a struct-level `#[config(validate = path)]` function returns when a
//! check across fields fails. A leaf: the loader turns it into problems.

use std::fmt;

/// One or more failed checks across fields, returned by a struct-level
/// `#[config(validate = path)]` function `fn(&Self) -> Result<(), Invalid>`.
///
/// Each check names the fields it concerns, by their Rust names (`"tls_cert"`), or by
/// their variable names as the struct writes them (`"TLS_CERT"`); the error then
/// names the variables by their full names, outer prefixes included. Don't put a
/// value in the message: a secret's value is taken out of it, but a message should
/// not need any.
///
/// ```
/// # extern crate twelve_core as twelve;
/// use twelve::config::{Config, Invalid};
/// # use twelve_macros::Config;
///
/// #[derive(Config)]
/// #[config(validate = tls_pair)]
/// struct Tls {
///     cert: Option<String>,
///     key: Option<String>,
/// }
///
/// fn tls_pair(tls: &Tls) -> Result<(), Invalid> {
///     if tls.cert.is_some() != tls.key.is_some() {
///         return Err(Invalid::new(["cert", "key"], "give both or neither"));
///     }
///     Ok(())
/// }
///
/// #[derive(Config)]
/// struct Settings {
///     #[config(nested)]
///     tls: Tls,
/// }
///
/// # fn main() {
/// let err = Settings::from_vars([("TLS_CERT", "/c.pem")]).err().unwrap();
/// assert_eq!(err.to_string(), "TLS_CERT, TLS_KEY: give both or neither");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub(crate) checks: Vec<(Vec<String>, String)>,
}

impl Invalid {
    /// A failed check about `fields`, saying `message`.
    pub fn new<I, S>(fields: I, message: impl fmt::Display) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Invalid { checks: Vec::new() }.and(fields, message)
    }

    /// One more failed check, reported with the others.
    pub fn and<I, S>(mut self, fields: I, message: impl fmt::Display) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let fields = fields.into_iter().map(|f| f.as_ref().to_owned()).collect();
        self.checks.push((fields, message.to_string()));
        self
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (fields, message)) in self.checks.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}: {message}", fields.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}
