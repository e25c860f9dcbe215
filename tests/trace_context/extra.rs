//! Beyond `test.py`, what Trace Context Level 2 and DESIGN add, checked the same way:
//! the flags (sampled and the level-2 random flag: kept as they came, undefined bits
//! dropped, `03` for a trace this service starts), `tracestate` passed on verbatim in
//! one header, the correlation ID on the callbacks, and this service's span on its log
//! lines.

use std::collections::HashSet;

use crate::harness::{Harness, traceparent, tracestate};

const TRACE: &str = "12345678901234567890123456789012";

#[test]
fn a_trace_this_service_starts_is_sampled_and_random() {
    let mut harness = Harness::start();
    for headers in [
        vec![],
        vec![(
            "traceparent",
            "00-00000000000000000000000000000000-1234567890123456-01",
        )],
        vec![("tracestate", "foo=1")],
    ] {
        let callbacks = harness.make_request(&headers, 3);
        let sent: Vec<_> = callbacks.iter().map(traceparent).collect();
        let traces: HashSet<&str> = sent.iter().map(|t| t.trace_id.as_str()).collect();
        let parents: HashSet<&str> = sent.iter().map(|t| t.parent_id.as_str()).collect();
        assert_eq!(traces.len(), 1, "one trace per request: {headers:?}");
        assert_eq!(parents.len(), 3, "{headers:?}");
        for t in &sent {
            assert_eq!(t.flags, 0x03, "sampled and random: {headers:?}");
        }
        for callback in &callbacks {
            assert_eq!(tracestate(callback).len(), 0, "{headers:?}");
        }
    }
}

#[test]
fn incoming_flags_are_kept_but_the_undefined_bits() {
    let mut harness = Harness::start();
    for (version, flags, kept) in [
        ("00", "00", 0x00),
        ("00", "01", 0x01),
        ("00", "02", 0x02),
        ("00", "03", 0x03),
        ("00", "ff", 0x03),
        ("00", "04", 0x00),
        ("cc", "02", 0x02),
        ("cc", "03", 0x03),
    ] {
        let value = format!("{version}-{TRACE}-1234567890123456-{flags}");
        let (sent, _) = harness.single(&[("traceparent", &value)]);
        assert_eq!(sent.trace_id, TRACE, "{value}");
        assert_eq!(sent.flags, kept, "{value}");
        assert_ne!(sent.parent_id, "1234567890123456", "{value}");
    }
}

#[test]
fn a_valid_tracestate_goes_out_verbatim_in_one_header() {
    let mut harness = Harness::start();
    let traceparent_00 = format!("00-{TRACE}-1234567890123456-00");
    for (values, expected) in [
        (
            &["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"][..],
            Some("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
        ),
        (
            &["foo=1 \t , \t bar=2", "baz=3"][..],
            Some("foo=1 \t , \t bar=2,baz=3"),
        ),
        (&["foo=1", ""][..], Some("foo=1")),
        (&["", " "][..], None),
        (&["foo=1", "bar=2,foo=3"][..], None),
    ] {
        let mut headers = vec![("traceparent", traceparent_00.as_str())];
        headers.extend(values.iter().map(|v| ("tracestate", *v)));
        let callback = harness.make_request(&headers, 1).remove(0);
        let sent: Vec<&str> = callback
            .iter()
            .filter(|(n, _)| n == "tracestate")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(sent, expected.into_iter().collect::<Vec<_>>(), "{values:?}");
    }
}

#[test]
fn callbacks_carry_the_correlation_id_and_the_lines_this_services_span() {
    let mut harness = Harness::start();
    let traceparent_01 = format!("00-{TRACE}-1234567890123456-01");
    let headers = [
        ("x-correlation-id", "w3c-suite-1"),
        ("traceparent", traceparent_01.as_str()),
    ];
    let callbacks = harness.make_request(&headers, 3);
    let parents: HashSet<String> = callbacks.iter().map(|c| traceparent(c).parent_id).collect();
    for callback in &callbacks {
        let id = callback
            .iter()
            .find(|(n, _)| n == "x-correlation-id")
            .map(|(_, v)| v.as_str());
        assert_eq!(id, Some("w3c-suite-1"));
    }
    let finished = |l: &serde_json::Value| {
        l["correlation_id"] == "w3c-suite-1" && l["message"] == "request finished"
    };
    let lines: Vec<serde_json::Value> = harness
        .log_lines(finished)
        .into_iter()
        .filter(|l| l["correlation_id"] == "w3c-suite-1")
        .collect();
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["message"].as_str()).collect();
    assert_eq!(messages, ["called", "called", "called", "request finished"]);
    let span = lines[0]["span_id"].as_str().unwrap_or_default();
    assert_eq!(span.len(), 16);
    for line in &lines {
        assert_eq!(line["trace_id"], TRACE, "{line}");
        assert_eq!(line["span_id"], span, "one span for the request: {line}");
    }
    assert_ne!(span, "1234567890123456", "not the caller's span");
    assert!(!parents.contains(span), "each call has a parent of its own");
}
