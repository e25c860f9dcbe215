//! [`CorrelationId`]: the ID on every log line of one request or job, and the rules an
//! incoming one must meet.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::scope::{Scoped, scope_context, sync_scope, with_current};
use super::{Context, X_CORRELATION_ID};

/// The most characters an incoming ID may have.
pub const MAX_LEN: usize = 128;

/// An ID that ties together every log line of one request or job.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CorrelationId(Arc<str>);

/// Why a text was refused as a [`CorrelationId`]. It never holds the text itself, so
/// that a hostile header value is never logged raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidId {
    /// Empty.
    Empty,
    /// More than 128 characters.
    TooLong,
    /// A character outside `A-Z a-z 0-9 - _ . :`.
    BadCharacter,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidId::Empty => "empty correlation ID",
            InvalidId::TooLong => "correlation ID longer than 128 characters",
            InvalidId::BadCharacter => {
                "correlation ID with a character outside A-Z a-z 0-9 - _ . :"
            }
        })
    }
}

impl std::error::Error for InvalidId {}

/// For each byte, whether an ID may hold it: `A-Z a-z 0-9 - _ . :`. A table, not a
/// chain of comparisons: every request with an incoming ID is checked with it.
static ID_BYTE: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':') {
            table[b] = 1;
        }
        b += 1;
    }
    table
};

/// Whether every byte is one an ID may hold (so the text is ASCII and never needs
/// escaping in JSON). Eight bytes at a time without a branch per byte.
fn is_id(bytes: &[u8]) -> bool {
    let ok = |b: &u8| ID_BYTE[usize::from(*b)];
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        if word.iter().fold(1, |all, b| all & ok(b)) == 0 {
            return false;
        }
    }
    words.remainder().iter().fold(1, |all, b| all & ok(b)) == 1
}

impl CorrelationId {
    /// A new ID: a UUID v7 (time-ordered), e.g. `0193a1f0-7c2e-7a31-8f0e-3b9c1d2e4f5a`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf);
        CorrelationId(Arc::from(&*text))
    }

    /// Accepts 1 to 128 characters of `A-Z a-z 0-9 - _ . :`.
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        Self::parse_bytes(text.as_bytes()).map(|()| CorrelationId(Arc::from(text)))
    }

    /// Checks `bytes` by the rules of [`parse`](Self::parse).
    pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<(), InvalidId> {
        if bytes.is_empty() {
            return Err(InvalidId::Empty);
        }
        if bytes.len() > MAX_LEN {
            return Err(InvalidId::TooLong);
        }
        if !is_id(bytes) {
            return Err(InvalidId::BadCharacter);
        }
        Ok(())
    }

    /// `bytes` as an ID when they are a valid one.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Self::parse_bytes(bytes).ok()?;
        // Checked: ASCII only.
        std::str::from_utf8(bytes)
            .ok()
            .map(|text| CorrelationId(Arc::from(text)))
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ID of the scope this code runs in, if any.
    pub fn current() -> Option<CorrelationId> {
        with_current(|c| c.id.clone())
    }

    /// `("x-correlation-id", id)` for the current scope. For every header an outgoing
    /// call should carry (the trace too), see
    /// [`outgoing_headers`](super::outgoing_headers).
    pub fn current_header() -> Option<(&'static str, String)> {
        with_current(|c| (X_CORRELATION_ID, c.id.as_str().to_owned()))
    }

    /// Runs `future` inside a scope with this ID, for jobs and any work that is not
    /// an HTTP request. The scope starts a new trace ([`Context::new`]); to continue a
    /// trace that came with a message, see [`Context::from_headers`].
    pub fn scope<F: Future>(id: CorrelationId, future: F) -> Scoped<F> {
        scope_context(Context::new(id), future)
    }

    /// Runs `f` inside a scope with this ID (a new trace), for synchronous code.
    pub fn in_scope<R>(id: CorrelationId, f: impl FnOnce() -> R) -> R {
        sync_scope(Context::new(id), f)
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CorrelationId({})", self.0)
    }
}

impl std::str::FromStr for CorrelationId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        assert!(CorrelationId::parse("a").is_ok());
        assert!(CorrelationId::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            CorrelationId::parse(&"a".repeat(129)),
            Err(InvalidId::TooLong)
        );
        assert_eq!(CorrelationId::parse(""), Err(InvalidId::Empty));
        for bad in ["a b", "a\nb", "é", "a/b", "a\"b", "\u{0}"] {
            assert_eq!(
                CorrelationId::parse(bad),
                Err(InvalidId::BadCharacter),
                "{bad:?}"
            );
        }
        // Every byte value in every position, across the word size.
        for len in [1, 7, 8, 9, 16, 36] {
            for b in 0..=255u8 {
                for pos in 0..len {
                    let mut text = vec![b'a'; len];
                    text[pos] = b;
                    let allowed = b.is_ascii_alphanumeric() || b"-_.:".contains(&b);
                    assert_eq!(is_id(&text), allowed, "{b:#x} at {pos} of {len}");
                }
            }
        }
        let id = CorrelationId::new();
        assert_eq!(id.as_str().len(), 36);
        assert_eq!(CorrelationId::parse(id.as_str()), Ok(id));
        assert_eq!(
            CorrelationId::from_bytes(b"req-1").map(|id| id.to_string()),
            Some("req-1".into())
        );
        assert_eq!(CorrelationId::from_bytes(b"caf\xc3\xa9"), None);
    }
}
