//! Where spans come from: the IDs of new traces and spans, and the decision whether a
//! new trace is sampled. Everything else (scopes, headers, log lines) takes its spans
//! from here, so this is the one seam the `otel` feature plugs into: when twelve
//! exports spans (feature `otel`, an endpoint set), the IDs are those of the
//! OpenTelemetry spans the SDK's tracer opens (the scope's own span, exported) and its
//! sampler decides the `sampled` flag; otherwise what follows.
//!
//! Without `otel`: IDs are drawn from a per-thread xoshiro256++ generator seeded from
//! `rand`'s `ThreadRng` (ChaCha12 seeded from the OS, the one `uuid` uses for v7 IDs),
//! as OpenTelemetry's SDKs draw theirs: no system call per ID, a few nanoseconds each
//! (ChaCha12 itself cost ~270 instructions per request, more than a tenth of the
//! layer's budget; BENCHMARKS.md). Trace IDs need to be unique and uniformly random,
//! not secret. A trace started here has a fully random ID, so it is `sampled` and
//! `random` (flags `03`), as DESIGN says for a trace twelve starts without `otel`.

use std::cell::RefCell;
use std::sync::Arc;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng as _, SeedableRng as _};

use super::trace::TraceContext;

/// The flags of a trace this service starts: sampled and random.
const NEW_TRACE_FLAGS: u8 = TraceContext::SAMPLED | TraceContext::RANDOM;

thread_local! {
    /// This thread's generator of IDs.
    static IDS: RefCell<Xoshiro256PlusPlus> =
        RefCell::new(Xoshiro256PlusPlus::from_rng(&mut rand::rng()));
}

/// `draw` with this thread's generator of IDs.
fn with_ids<T>(draw: impl FnOnce(&mut Xoshiro256PlusPlus) -> T) -> T {
    IDS.with(|ids| draw(&mut ids.borrow_mut()))
}

/// A new trace, started by this service: a random trace ID, a new span, no parent.
pub(super) fn root() -> TraceContext {
    #[cfg(feature = "otel")]
    if let Some(opened) = crate::otel::open_scope(None) {
        return of_otel(opened, None, None);
    }
    let (trace, span) = with_ids(|rng| {
        let trace = nonzero(|| (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()));
        (trace, nonzero(|| rng.next_u64()))
    });
    TraceContext::from_parts(hex128(trace), hex64(span), None, NEW_TRACE_FLAGS, None)
}

/// A new span of this service under `caller` (the span a valid `traceparent` named):
/// the same trace and flags, `tracestate` (already checked) as given.
pub(super) fn child_of(caller: &TraceContext, tracestate: Option<Arc<str>>) -> TraceContext {
    #[cfg(feature = "otel")]
    if let Some(opened) = crate::otel::open_scope(Some((caller, tracestate.as_deref()))) {
        return of_otel(opened, Some(caller), tracestate);
    }
    TraceContext::from_parts(
        caller.trace_id_hex(),
        new_span_id(),
        Some(caller.span_id_hex()),
        caller.flags(),
        tracestate,
    )
}

/// The span of this service that an OpenTelemetry span `opened` is: its IDs and the
/// sampler's decision; `caller`'s span as the parent, and its `random` flag (a trace
/// the SDK starts has a random ID: `random`); `tracestate` as given.
#[cfg(feature = "otel")]
pub(crate) fn of_otel(
    opened: crate::otel::Opened,
    caller: Option<&TraceContext>,
    tracestate: Option<Arc<str>>,
) -> TraceContext {
    let random = caller.map_or(TraceContext::RANDOM, |c| c.flags() & TraceContext::RANDOM);
    let sampled = if opened.sampled {
        TraceContext::SAMPLED
    } else {
        0
    };
    let mut trace = TraceContext::from_parts(
        opened.trace_id,
        opened.span_id,
        caller.map(TraceContext::span_id_hex),
        sampled | random,
        tracestate,
    );
    trace.otel = opened.slot;
    trace
}

/// The `parent-id` and flags an outgoing call from the span `current` carries: a new
/// span ID for each call, so that each callee's parent is distinct, and `current`'s
/// flags. Under `otel`, when twelve exports spans, the ID of the current span (the
/// innermost span entered: one of the user's, or the scope's own), so that the
/// callee's parent exists in the backend, and its sampled flag.
pub(super) fn outgoing_parent(current: &TraceContext) -> ([u8; 16], u8) {
    #[cfg(feature = "otel")]
    if let Some((span_id, sampled)) = crate::otel::outgoing_parent(current) {
        let flags = current.flags() & TraceContext::RANDOM;
        return (span_id, flags | u8::from(sampled));
    }
    (new_span_id(), current.flags())
}

/// A new random span ID, as hex.
fn new_span_id() -> [u8; 16] {
    hex64(with_ids(|rng| nonzero(|| rng.next_u64())))
}

/// A value of `draw` that is not zero (an all-zero ID is invalid in W3C).
fn nonzero<T: Default + PartialEq>(mut draw: impl FnMut() -> T) -> T {
    loop {
        let value = draw();
        if value != T::default() {
            return value;
        }
    }
}

/// The 8 lower-case hex digits of `value`, most significant first, as the bytes of a
/// big-endian `u64`: each nibble spread to a byte, then `0`-`9`/`a`-`f` added, eight at
/// a time (a table lookup per byte cost twice as much, per request).
fn hex32(value: u32) -> u64 {
    let mut x = u64::from(value);
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    // Each byte now holds one nibble, the most significant in the highest byte; a
    // byte above 9 gets the distance from `9` + 1 to `a` on top of `0`.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    x + 0x3030_3030_3030_3030 + letters * u64::from(b'a' - b'0' - 10)
}

/// `value` as 16 lower-case hex digits, most significant first.
pub(crate) fn hex64(value: u64) -> [u8; 16] {
    let mut out = [0; 16];
    out[..8].copy_from_slice(&hex32((value >> 32) as u32).to_be_bytes());
    out[8..].copy_from_slice(&hex32(value as u32).to_be_bytes());
    out
}

/// `value` as 32 lower-case hex digits, most significant first.
pub(crate) fn hex128(value: u128) -> [u8; 32] {
    let mut out = [0; 32];
    out[..16].copy_from_slice(&hex64((value >> 64) as u64));
    out[16..].copy_from_slice(&hex64(value as u64));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_and_most_significant_first() {
        assert_eq!(&hex64(0x00f0_67aa_0ba9_02b7), b"00f067aa0ba902b7");
        assert_eq!(&hex64(u64::MAX), b"ffffffffffffffff");
        assert_eq!(
            &hex128(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
            b"4bf92f3577b34da6a3ce929d0e0e4736"
        );
        for value in [
            0,
            1,
            9,
            10,
            15,
            16,
            0xdead_beef,
            0x0123_4567_89ab_cdef,
            u64::MAX,
        ] {
            assert_eq!(hex64(value), *format!("{value:016x}").as_bytes());
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            assert_eq!(hex64(x), *format!("{x:016x}").as_bytes());
        }
    }

    #[test]
    fn roots_are_new_sampled_random_traces_and_children_keep_the_trace() {
        let a = root();
        let b = root();
        assert_ne!(a.trace_id(), b.trace_id());
        assert_ne!(a.span_id(), b.span_id());
        assert_eq!(a.flags(), 0x03);
        assert_eq!(a.parent_span_id(), None);
        // What a root makes is what a valid traceparent holds.
        let header = format!("00-{}-{}-03", a.trace_id(), a.span_id());
        assert_eq!(TraceContext::parse_traceparent(&header), Some(a.clone()));

        let tracestate: Arc<str> = Arc::from("congo=t61rcWkgMzE");
        let child = child_of(&a, Some(tracestate));
        assert_eq!(child.trace_id(), a.trace_id());
        assert_eq!(child.parent_span_id(), Some(a.span_id()));
        assert_ne!(child.span_id(), a.span_id());
        assert_eq!(child.flags(), a.flags());
        assert_eq!(child.tracestate(), Some("congo=t61rcWkgMzE"));

        let calls: std::collections::HashSet<[u8; 16]> =
            (0..100).map(|_| outgoing_parent(&child).0).collect();
        assert_eq!(outgoing_parent(&child).1, child.flags());
        assert_eq!(calls.len(), 100, "a new ID per call");
        assert!(!calls.contains(&child.span_id_hex()));
    }

    #[test]
    fn nonzero_draws_again_on_zero() {
        let mut draws = [0u64, 0, 7].into_iter();
        assert_eq!(nonzero(|| draws.next().unwrap_or(1)), 7);
    }
}
