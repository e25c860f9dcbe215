//! [`TraceContext`]: one W3C Trace Context span (trace ID, span ID, parent, flags,
//! `tracestate`), and reading a `traceparent` header.

use std::fmt;
use std::sync::Arc;

/// One span of a W3C trace: the trace ID, the span's own ID, the ID of its parent (the
/// caller's span, when a valid `traceparent` came in), the trace flags and the
/// `tracestate`, all as the [W3C Trace Context](https://www.w3.org/TR/trace-context-2/)
/// defines them.
///
/// The scopes twelve makes ([`Context::new`](super::Context::new),
/// [`Context::from_headers`](super::Context::from_headers), `CorrelationLayer`) each
/// hold a span of **this service**: a new span ID, whose parent is the caller's span.
/// [`TraceContext::parse_traceparent`] gives the span a header names, the caller's.
///
/// ```
/// # use twelve_core as twelve;
/// use twelve::correlation::{Context, CorrelationId};
///
/// let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// let context = Context::from_headers([("traceparent", caller)]);
/// let span = &context.trace;
/// assert_eq!(span.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736"); // the caller's trace
/// assert_eq!(span.parent_span_id(), Some("00f067aa0ba902b7")); // the caller's span
/// assert_ne!(span.span_id(), "00f067aa0ba902b7"); // a span of its own
/// assert!(span.sampled());
///
/// // No (or no valid) traceparent: a new trace, sampled and random (flags 03).
/// let context = Context::new(CorrelationId::new());
/// assert_eq!(context.trace.parent_span_id(), None);
/// assert_eq!(context.trace.flags(), 0x03);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// The trace ID's 32 hex digits, then the span ID's 16: one text, so that a log
    /// line gets both with one UTF-8 check.
    ids: [u8; 48],
    parent_span_id: Option<[u8; 16]>,
    flags: u8,
    tracestate: Option<Arc<str>>,
    /// Under `otel`, when twelve exports spans: the OpenTelemetry span these IDs are
    /// those of (shared by the clones, ignored by `==`).
    #[cfg(feature = "otel")]
    pub(crate) otel: crate::otel::SpanSlot,
}

impl TraceContext {
    /// The `sampled` trace flag: the caller may have recorded trace data.
    pub const SAMPLED: u8 = 0x01;
    /// The `random` trace flag (Trace Context Level 2): the right-most 7 bytes of the
    /// trace ID are random.
    pub const RANDOM: u8 = 0x02;
    /// The flags this version of the specification defines; others are sent as zero.
    const KNOWN_FLAGS: u8 = Self::SAMPLED | Self::RANDOM;

    /// The span a `traceparent` header names: the caller's (its ID is [`span_id`]), with
    /// no parent and no `tracestate`. `None` unless the value is valid W3C: lower-case
    /// hex, IDs not all zero, version not `ff`, exactly 55 characters for version `00`;
    /// a later version may append `-` and more, which is ignored (the specification's
    /// forward-compatibility rules). Spaces and tabs around the value are ignored.
    /// Flags the specification does not define are dropped (sent as zero).
    ///
    /// ```
    /// # use twelve_core as twelve;
    /// use twelve::correlation::TraceContext;
    ///
    /// let span = TraceContext::parse_traceparent(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    /// )
    /// .unwrap();
    /// assert_eq!(span.span_id(), "00f067aa0ba902b7");
    /// assert!(TraceContext::parse_traceparent("00-4BF92F35-00f067aa0ba902b7-01").is_none());
    /// ```
    ///
    /// [`span_id`]: TraceContext::span_id
    pub fn parse_traceparent(header: &str) -> Option<TraceContext> {
        Self::parse_traceparent_bytes(header.as_bytes())
    }

    /// [`parse_traceparent`](Self::parse_traceparent) of a header's bytes.
    pub(crate) fn parse_traceparent_bytes(header: &[u8]) -> Option<TraceContext> {
        let h = trim_ows(header);
        if h.len() < 55 || h[2] != b'-' || h[35] != b'-' || h[52] != b'-' {
            return None;
        }
        let version = &h[0..2];
        if !is_hex(version) || version == b"ff" {
            return None;
        }
        // Version 00 is exactly 55 characters; a later one may go on after a dash.
        if (version == b"00" && h.len() != 55) || (h.len() > 55 && h[55] != b'-') {
            return None;
        }
        let (trace, span, flags) = (&h[3..35], &h[36..52], &h[53..55]);
        if !is_hex(trace) || !is_hex(span) || !is_hex(flags) {
            return None;
        }
        if trace.iter().all(|&b| b == b'0') || span.iter().all(|&b| b == b'0') {
            return None;
        }
        let mut context = TraceContext {
            ids: [0; 48],
            parent_span_id: None,
            flags: (hex_value(flags[0]) << 4 | hex_value(flags[1])) & Self::KNOWN_FLAGS,
            tracestate: None,
            #[cfg(feature = "otel")]
            otel: crate::otel::SpanSlot::default(),
        };
        context.ids[..32].copy_from_slice(trace);
        context.ids[32..].copy_from_slice(span);
        Some(context)
    }

    /// A span from its parts, the IDs as lower-case hex (made by `span`, the only
    /// place that makes new IDs, and by the `otel` module from an OpenTelemetry span).
    pub(crate) fn from_parts(
        trace_id: [u8; 32],
        span_id: [u8; 16],
        parent_span_id: Option<[u8; 16]>,
        flags: u8,
        tracestate: Option<Arc<str>>,
    ) -> TraceContext {
        let mut ids = [0; 48];
        ids[..32].copy_from_slice(&trace_id);
        ids[32..].copy_from_slice(&span_id);
        TraceContext {
            ids,
            parent_span_id,
            flags: flags & Self::KNOWN_FLAGS,
            tracestate,
            #[cfg(feature = "otel")]
            otel: crate::otel::SpanSlot::default(),
        }
    }

    /// The trace ID as bytes of lower-case hex.
    pub(crate) fn trace_id_hex(&self) -> [u8; 32] {
        let mut id = [0; 32];
        id.copy_from_slice(&self.ids[..32]);
        id
    }

    /// The span ID as bytes of lower-case hex.
    pub(crate) fn span_id_hex(&self) -> [u8; 16] {
        let mut id = [0; 16];
        id.copy_from_slice(&self.ids[32..]);
        id
    }

    /// The trace ID and the span ID, as [`trace_id`](Self::trace_id) and
    /// [`span_id`](Self::span_id) give them (one check of the text for both).
    pub(crate) fn ids(&self) -> (&str, &str) {
        let ids = std::str::from_utf8(&self.ids).unwrap_or_default();
        ids.split_at_checked(32).unwrap_or_default()
    }

    /// The `tracestate` as shared text (cloned without copying).
    pub(crate) fn tracestate_shared(&self) -> Option<&Arc<str>> {
        self.tracestate.as_ref()
    }

    /// The 32 lower-case hex digits of the trace ID.
    pub fn trace_id(&self) -> &str {
        std::str::from_utf8(&self.ids[..32]).unwrap_or_default()
    }

    /// The 16 lower-case hex digits of this span's ID: in a scope twelve made, the span
    /// of this service (not the caller's, which is [`parent_span_id`]).
    ///
    /// [`parent_span_id`]: TraceContext::parent_span_id
    pub fn span_id(&self) -> &str {
        std::str::from_utf8(&self.ids[32..]).unwrap_or_default()
    }

    /// The 16 lower-case hex digits of the parent span's ID: the caller's span, when a
    /// valid `traceparent` came in; `None` for a trace this span started.
    pub fn parent_span_id(&self) -> Option<&str> {
        self.parent_span_id
            .as_ref()
            .map(|id| std::str::from_utf8(id).unwrap_or_default())
    }

    /// The trace flags: [`SAMPLED`](Self::SAMPLED) and [`RANDOM`](Self::RANDOM) as
    /// they came in (or `03` for a trace this service started); other bits are zero.
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the `sampled` flag is set: the trace is recorded.
    pub fn sampled(&self) -> bool {
        self.flags & Self::SAMPLED != 0
    }

    /// Whether the `random` flag is set: the right-most 7 bytes of the trace ID are
    /// random (Trace Context Level 2).
    pub fn random(&self) -> bool {
        self.flags & Self::RANDOM != 0
    }

    /// The `tracestate` that came with the caller's `traceparent`, verbatim (repeated
    /// headers joined with `,`), when it was valid; `None` when there was none or it
    /// was not valid W3C (it is then dropped whole).
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// The low 64 bits of the trace ID, as Datadog correlates them.
    pub fn trace_id_low_u64(&self) -> u64 {
        u64::from_str_radix(&self.trace_id()[16..], 16).unwrap_or(0)
    }

    /// The span ID as a number, as Datadog correlates it.
    pub fn span_id_u64(&self) -> u64 {
        u64::from_str_radix(self.span_id(), 16).unwrap_or(0)
    }
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceContext")
            .field("trace_id", &self.trace_id())
            .field("span_id", &self.span_id())
            .field("parent_span_id", &self.parent_span_id())
            .field("flags", &format_args!("{:02x}", self.flags))
            .field("tracestate", &self.tracestate())
            .finish()
    }
}

/// `bytes` without the spaces and tabs (HTTP's optional whitespace) around them.
pub(super) fn trim_ows(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

fn is_hex(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// The value of one lower-case hex digit (checked by `is_hex` first).
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        _ => digit.wrapping_sub(b'a').wrapping_add(10) & 0x0f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_names_the_callers_span() {
        let span = TraceContext::parse_traceparent(VALID).expect("valid");
        assert_eq!(span.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(span.span_id(), "00f067aa0ba902b7");
        assert_eq!(span.parent_span_id(), None);
        assert_eq!(span.tracestate(), None);
        assert_eq!(span.trace_id_low_u64(), 0xa3ce929d0e0e4736);
        assert_eq!(span.span_id_u64(), 0x00f067aa0ba902b7);
        assert!(span.sampled() && !span.random());
        assert_eq!(span.ids(), (span.trace_id(), span.span_id()));
    }

    #[test]
    fn invalid_traceparents_are_refused() {
        for bad in [
            "",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-001",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-.0",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.future",
        ] {
            assert_eq!(TraceContext::parse_traceparent(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn later_versions_optional_whitespace_and_flags() {
        // A later version may append fields; it is read as version 00.
        for later in [
            format!("cc{}", &VALID[2..]),
            format!("cc{}-what-the-future-will-be-like", &VALID[2..]),
        ] {
            let span = TraceContext::parse_traceparent(&later).expect("read");
            assert_eq!(span.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        }
        for padded in [
            format!(" {VALID}"),
            format!("\t{VALID}"),
            format!("{VALID} "),
            format!("\t {VALID} \t"),
        ] {
            assert!(
                TraceContext::parse_traceparent(&padded).is_some(),
                "{padded:?}"
            );
        }
        // Flags: sampled and random kept, the undefined bits dropped.
        for (flags, kept) in [
            ("00", 0),
            ("01", 1),
            ("02", 2),
            ("03", 3),
            ("ff", 3),
            ("fc", 0),
        ] {
            let header = format!("{}{flags}", &VALID[..53]);
            let span = TraceContext::parse_traceparent(&header).expect("valid");
            assert_eq!(span.flags(), kept, "{flags}");
        }
    }

    #[test]
    fn trim_ows_trims_spaces_and_tabs_only() {
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b" \t "), b"");
        assert_eq!(trim_ows(b""), b"");
        assert_eq!(trim_ows(b"\na\n"), b"\na\n");
    }
}
