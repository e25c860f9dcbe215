//! The request line: what is kept of the request until it ends ([`RequestInfo`]), and
//! the macro that logs it with the fields every kind of line has.

use std::time::Instant;

use ::http::{Method, Uri};

use super::incoming::Rejected;

/// The `target` of the request lines, for filters (`RUST_LOG=twelve::http=warn`); the
/// log layer names their fields per schema by it.
pub(super) const TARGET: &str = crate::log::REQUEST_TARGET;

/// The parts of the request the line needs once the response is there.
pub(super) struct RequestInfo {
    pub(super) method: Method,
    pub(super) path: Path,
    #[cfg(feature = "axum")]
    pub(super) route: Option<axum::extract::MatchedPath>,
    pub(super) start: Instant,
    pub(super) rejected: Option<Rejected>,
    /// In `http_server_active_requests` until dropped (feature `metrics`).
    #[cfg(feature = "metrics")]
    pub(super) metrics: crate::metrics::Started,
}

impl RequestInfo {
    pub(super) fn route(&self) -> Option<&str> {
        #[cfg(feature = "axum")]
        return self.route.as_ref().map(axum::extract::MatchedPath::as_str);
        #[cfg(not(feature = "axum"))]
        return None;
    }

    /// Milliseconds, to the microsecond: `2.404`, not `2.4040000000000004` (shorter
    /// to print, and no false precision).
    pub(super) fn duration_ms(&self) -> f64 {
        let micros = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        micros as f64 / 1e3
    }
}

/// The request's path, for its line. Copied when short, as nearly all are: a clone of
/// the `Uri` costs an atomic increment and decrement per request, or an allocation
/// where its bytes are not yet shared, and makes the response future 40 bytes larger
/// (it is moved several times per request). Hand-written for the hot path; see
/// BENCHMARKS.md, correlation layer.
pub(super) enum Path {
    Short { len: u8, bytes: [u8; SHORT_PATH] },
    Long(Uri),
}

const SHORT_PATH: usize = 46;

impl Path {
    pub(super) fn of(uri: &Uri) -> Path {
        let path = uri.path().as_bytes();
        let mut bytes = [0; SHORT_PATH];
        match (bytes.get_mut(..path.len()), u8::try_from(path.len())) {
            (Some(short), Ok(len)) => {
                short.copy_from_slice(path);
                Path::Short { len, bytes }
            }
            _ => Path::Long(uri.clone()),
        }
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            Path::Short { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            Path::Long(uri) => uri.path(),
        }
    }
}

/// Logs one request line of `$info` (a `&RequestInfo`) at `$level`, with the fields
/// every kind of line has, the status fields `{ .. }` (empty when there is no status),
/// and the rest (more fields, then the message).
///
/// The names are OpenTelemetry's semantic conventions (`http.request.method`,
/// `url.path`, `http.route`, `http.response.status_code`) and `duration_ms`: the
/// default schema's; the log layer renames them for the others (`log/schema.rs`,
/// `request`).
macro_rules! request_line {
    ($level:ident, $info:expr, { $($status:tt)* }, $($rest:tt)+) => {{
        let info: &$crate::http::server::line::RequestInfo = $info;
        let rejected = info.rejected;
        // `event!`: `info!(target: .., a.b = ..)` with dotted names doesn't parse. The
        // callers give `message = "..."`, a `&str`: recorded as a string, where a
        // literal message is a `fmt::Arguments` formatted through `Debug` (about 110 more
        // instructions a line, BENCHMARKS.md, HTTP).
        tracing::event!(
            target: $crate::http::server::line::TARGET,
            tracing::Level::$level,
            http.request.method = info.method.as_str(),
            url.path = info.path.as_str(),
            http.route = info.route(),
            $($status)*
            duration_ms = info.duration_ms(),
            http.correlation_id_rejected = rejected.map(|r| r.reason),
            http.correlation_id_rejected_len = rejected.map(|r| r.len),
            $($rest)+
        )
    }};
}
pub(super) use request_line;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_short_and_long_read_back_whole() {
        for len in [
            0,
            1,
            SHORT_PATH - 1,
            SHORT_PATH,
            SHORT_PATH + 1,
            300,
            255,
            256,
        ] {
            let path = format!("/{}", "a".repeat(len));
            let uri: Uri = format!("{path}?q=1").parse().expect("a valid URI");
            let kept = Path::of(&uri);
            assert_eq!(kept.as_str(), path, "{len}");
            assert_eq!(
                matches!(kept, Path::Short { .. }),
                path.len() <= SHORT_PATH,
                "{len}"
            );
        }
        let uri: Uri = "http://example.com".parse().expect("a valid URI");
        assert_eq!(Path::of(&uri).as_str(), "/");
    }
}
