//! [`Secret`]: a value that never shows up in logs, errors or serialized output.

use std::fmt;

/// The text that stands for a secret wherever it would be printed.
pub const REDACTED: &str = "[REDACTED]";

/// A value that is never printed.
///
/// `Debug` prints `Secret([REDACTED])`, `Display` and serde serialization print
/// `[REDACTED]`. The value is reached only through [`Secret::expose`] (or
/// [`Secret::into_exposed`]), which makes every use of a secret easy to find in review.
///
/// In a [`Config`](crate::config::Config) struct a `Secret<T>` field is read like a
/// `T`, and its value is never printed in a [`ConfigError`](crate::config::ConfigError).
///
/// ```
/// use twelve_core::Secret;
///
/// let token = Secret::new(String::from("hunter2"));
/// assert_eq!(format!("{token:?}"), "Secret([REDACTED])");
/// assert_eq!(token.to_string(), "[REDACTED]");
/// assert_eq!(token.expose(), "hunter2");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub const fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value itself. Every call is a place where the secret leaves its box.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_exposed(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> serde::Serialize for Secret<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::new(vec![1u8, 2, 3]);
        assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
        assert_eq!(format!("{s:#?}"), "Secret([REDACTED])");
        assert_eq!(format!("{s}"), "[REDACTED]");
        assert_eq!(
            serde_json::to_string(&s).expect("serializes"),
            "\"[REDACTED]\""
        );
        assert_eq!(s.expose(), &[1, 2, 3]);
        assert_eq!(s.into_exposed(), vec![1, 2, 3]);
    }
}
