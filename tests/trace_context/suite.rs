//! The W3C trace-context test suite (github.com/w3c/trace-context, `test/test.py`), at
//! `STRICT_LEVEL` 2: each of its tests, under its own name, sending the same headers and
//! asserting what it asserts. `TraceContextTest` here, `AdvancedTest` in
//! [`advanced`](super::advanced).

use crate::harness::Harness;

const TRACE: &str = "12345678901234567890123456789012";
const VALID_01: &str = "00-12345678901234567890123456789012-1234567890123456-01";
const VALID_00: &str = "00-12345678901234567890123456789012-1234567890123456-00";

/// Sends `traceparent` alone; asserts that the callback starts a new trace (the
/// suite's `assertNotEqual(traceparent.trace_id.hex(), …)` for each of `not`).
fn restarts(harness: &mut Harness, traceparent: &str, not: &[&str]) {
    let (sent, _) = harness.single(&[("traceparent", traceparent)]);
    for trace in not {
        assert_ne!(sent.trace_id, *trace, "{traceparent:?}");
    }
}

/// Sends `traceparent` alone; asserts the trace goes on.
fn continues(harness: &mut Harness, name: &str, traceparent: &str) {
    let (sent, _) = harness.single(&[(name, traceparent)]);
    assert_eq!(sent.trace_id, TRACE, "{name}: {traceparent:?}");
}

#[test]
fn test_both_traceparent_and_tracestate_missing() {
    let mut harness = Harness::start();
    // A valid traceparent (the harness checks it) and a readable tracestate.
    let _ = harness.single(&[]);
}

#[test]
fn test_traceparent_included_tracestate_missing() {
    let mut harness = Harness::start();
    let (sent, _) = harness.single(&[("traceparent", VALID_01)]);
    assert_eq!(sent.trace_id, TRACE);
    assert_ne!(sent.parent_id, "1234567890123456");
}

#[test]
fn test_traceparent_duplicated() {
    let mut harness = Harness::start();
    let (sent, _) = harness.single(&[
        (
            "traceparent",
            "00-12345678901234567890123456789011-1234567890123456-01",
        ),
        ("traceparent", VALID_01),
    ]);
    assert_ne!(sent.trace_id, "12345678901234567890123456789011");
    assert_ne!(sent.trace_id, TRACE);
}

#[test]
fn test_traceparent_header_name() {
    let mut harness = Harness::start();
    for name in ["trace-parent", "trace.parent"] {
        let (sent, _) = harness.single(&[(name, VALID_01)]);
        assert_ne!(sent.trace_id, TRACE, "{name}");
    }
}

#[test]
fn test_traceparent_header_name_valid_casing() {
    let mut harness = Harness::start();
    for name in ["TraceParent", "TrAcEpArEnT", "TRACEPARENT"] {
        continues(&mut harness, name, VALID_01);
    }
}

#[test]
fn test_traceparent_version_0x00() {
    let mut harness = Harness::start();
    restarts(&mut harness, &format!("{VALID_01}."), &[TRACE]);
    restarts(
        &mut harness,
        &format!("{VALID_01}-what-the-future-will-be-like"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_version_0xcc() {
    let mut harness = Harness::start();
    let later = format!("cc{}", &VALID_01[2..]);
    continues(&mut harness, "traceparent", &later);
    continues(
        &mut harness,
        "traceparent",
        &format!("{later}-what-the-future-will-be-like"),
    );
    restarts(
        &mut harness,
        &format!("{later}.what-the-future-will-be-like"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_version_0xff() {
    let mut harness = Harness::start();
    restarts(&mut harness, &format!("ff{}", &VALID_01[2..]), &[TRACE]);
}

#[test]
fn test_traceparent_version_illegal_characters() {
    let mut harness = Harness::start();
    restarts(&mut harness, &format!(".0{}", &VALID_01[2..]), &[TRACE]);
    restarts(&mut harness, &format!("0.{}", &VALID_01[2..]), &[TRACE]);
}

#[test]
fn test_traceparent_version_too_long() {
    let mut harness = Harness::start();
    restarts(&mut harness, &format!("000{}", &VALID_01[2..]), &[TRACE]);
    restarts(&mut harness, &format!("0000{}", &VALID_01[2..]), &[TRACE]);
}

#[test]
fn test_traceparent_version_too_short() {
    let mut harness = Harness::start();
    restarts(&mut harness, &format!("0{}", &VALID_01[2..]), &[TRACE]);
}

#[test]
fn test_traceparent_trace_id_all_zero() {
    let mut harness = Harness::start();
    let zero = "00000000000000000000000000000000";
    restarts(
        &mut harness,
        &format!("00-{zero}-1234567890123456-01"),
        &[zero],
    );
}

#[test]
fn test_traceparent_trace_id_illegal_characters() {
    let mut harness = Harness::start();
    for trace in [
        ".2345678901234567890123456789012",
        "1234567890123456789012345678901.",
    ] {
        restarts(
            &mut harness,
            &format!("00-{trace}-1234567890123456-01"),
            &[trace],
        );
    }
}

#[test]
fn test_traceparent_trace_id_too_long() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        "00-123456789012345678901234567890123-1234567890123456-01",
        &[
            "123456789012345678901234567890123",
            TRACE,
            "23456789012345678901234567890123",
        ],
    );
}

#[test]
fn test_traceparent_trace_id_too_short() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        "00-1234567890123456789012345678901-1234567890123456-01",
        &["1234567890123456789012345678901"],
    );
}

#[test]
fn test_traceparent_parent_id_all_zero() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        &format!("00-{TRACE}-0000000000000000-01"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_parent_id_illegal_characters() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        &format!("00-{TRACE}-.234567890123456-01"),
        &[TRACE],
    );
    restarts(
        &mut harness,
        &format!("00-{TRACE}-123456789012345.-01"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_parent_id_too_long() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        &format!("00-{TRACE}-12345678901234567-01"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_parent_id_too_short() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        &format!("00-{TRACE}-123456789012345-01"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_trace_flags_illegal_characters() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        &format!("00-{TRACE}-1234567890123456-.0"),
        &[TRACE],
    );
    restarts(
        &mut harness,
        &format!("00-{TRACE}-1234567890123456-0."),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_trace_flags_too_long() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        &format!("00-{TRACE}-1234567890123456-001"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_trace_flags_too_short() {
    let mut harness = Harness::start();
    restarts(
        &mut harness,
        &format!("00-{TRACE}-1234567890123456-1"),
        &[TRACE],
    );
}

#[test]
fn test_traceparent_ows_handling() {
    let mut harness = Harness::start();
    for padded in [
        format!(" {VALID_01}"),
        format!("\t{VALID_01}"),
        format!("{VALID_01} "),
        format!("{VALID_01}\t"),
        format!("\t {VALID_01} \t"),
    ] {
        continues(&mut harness, "traceparent", &padded);
    }
}

#[test]
fn test_tracestate_included_traceparent_missing() {
    let mut harness = Harness::start();
    let (_, one) = harness.single(&[("tracestate", "foo=1")]);
    let (_, two) = harness.single(&[("tracestate", "foo=1,bar=2")]);
    assert_eq!(one.len(), two.len());
}

#[test]
fn test_tracestate_included_traceparent_included() {
    let mut harness = Harness::start();
    let (sent, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", "foo=1,bar=2")]);
    assert_eq!(sent.trace_id, TRACE);
    assert_eq!(state.get("foo"), Some("1"));
    assert_eq!(state.get("bar"), Some("2"));
}

#[test]
fn test_tracestate_header_name() {
    let mut harness = Harness::start();
    for name in ["trace-state", "trace.state"] {
        let (_, state) = harness.single(&[("traceparent", VALID_00), (name, "foo=1")]);
        assert_eq!(state.get("foo"), None, "{name}");
    }
}

#[test]
fn test_tracestate_header_name_valid_casing() {
    let mut harness = Harness::start();
    for name in ["TraceState", "TrAcEsTaTe", "TRACESTATE"] {
        let (_, state) = harness.single(&[("traceparent", VALID_00), (name, "foo=1")]);
        assert_eq!(state.get("foo"), Some("1"), "{name}");
    }
}

#[test]
fn test_tracestate_empty_header() {
    let mut harness = Harness::start();
    let (sent, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", "")]);
    // `not tracestate or tracestate != ''`: empty, or not the empty string.
    assert!(state.len() == 0 || !state.to_text().is_empty());
    assert_eq!(sent.trace_id, TRACE);
    for headers in [
        [
            ("traceparent", VALID_00),
            ("tracestate", "foo=1"),
            ("tracestate", ""),
        ],
        [
            ("traceparent", VALID_00),
            ("tracestate", ""),
            ("tracestate", "foo=1"),
        ],
    ] {
        let (sent, state) = harness.single(&headers);
        assert_eq!(sent.trace_id, TRACE);
        assert_eq!(state.get("foo"), Some("1"), "{headers:?}");
    }
}

#[test]
fn test_tracestate_multiple_headers_different_keys() {
    let mut harness = Harness::start();
    let (sent, state) = harness.single(&[
        ("traceparent", VALID_00),
        ("tracestate", "foo=1,bar=2"),
        ("tracestate", "rojo=1,congo=2"),
        ("tracestate", "baz=3"),
    ]);
    assert_eq!(sent.trace_id, TRACE);
    let text = state.to_text();
    let at = |member: &str| {
        text.find(member)
            .unwrap_or_else(|| panic!("{member} in {text}"))
    };
    assert!(at("foo=1") < at("bar=2"));
    assert!(at("bar=2") < at("rojo=1"));
    assert!(at("rojo=1") < at("congo=2"));
    assert!(at("congo=2") < at("baz=3"));
}

#[test]
fn test_tracestate_duplicated_keys() {
    let mut harness = Harness::start();
    let cases: [&[&str]; 4] = [
        &["foo=1,foo=1"],
        &["foo=1,foo=2"],
        &["foo=1", "foo=1"],
        &["foo=1", "foo=2"],
    ];
    for values in cases {
        let mut headers = vec![("traceparent", VALID_00)];
        headers.extend(values.iter().map(|v| ("tracestate", *v)));
        let (sent, state) = harness.single(&headers);
        assert_eq!(sent.trace_id, TRACE);
        assert_eq!(state.get("foo"), None, "{values:?}");
    }
}

#[test]
fn test_tracestate_all_allowed_characters() {
    let mut harness = Harness::start();
    let key_without_vendor: String = ('a'..='z')
        .chain('0'..='9')
        .chain(['_', '-', '*', '/'])
        .collect();
    let key_with_vendor = format!("{key_without_vendor}@a-z0-9_-*/");
    let value: String = (0x20u8..=0x2b)
        .chain(0x2d..=0x3c)
        .chain(0x3e..=0x7e)
        .map(char::from)
        .collect();
    for key in [key_without_vendor, key_with_vendor] {
        let member = format!("{key}={value}");
        let (_, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", &member)]);
        assert_eq!(state.get(&key), Some(value.as_str()), "{key}");
    }
}

#[test]
fn test_tracestate_ows_handling() {
    let mut harness = Harness::start();
    for value in [
        "foo=1 \t , \t bar=2, \t baz=3",
        "foo=1\t \t,\t \tbar=2,\t \tbaz=3",
    ] {
        let (_, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", value)]);
        assert_eq!(state.get("foo"), Some("1"), "{value:?}");
        assert_eq!(state.get("bar"), Some("2"), "{value:?}");
        assert_eq!(state.get("baz"), Some("3"), "{value:?}");
    }
    for value in [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"] {
        let (sent, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", value)]);
        assert_eq!(sent.trace_id, TRACE);
        assert_eq!(state.get("foo"), Some("1"), "{value:?}");
    }
}

#[test]
fn test_tracestate_key_illegal_characters() {
    let mut harness = Harness::start();
    for (value, key) in [
        ("foo =1", "foo "),
        ("FOO=1", "FOO"),
        ("foo.bar=1", "foo.bar"),
    ] {
        let (_, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", value)]);
        assert_eq!(state.get(key), None, "{value:?}");
    }
}

#[test]
fn test_tracestate_key_illegal_vendor_format() {
    let mut harness = Harness::start();
    for value in [
        "foo@=1,bar=2",
        "@foo=1,bar=2",
        "foo@@bar=1,bar=2",
        "foo@bar@baz=1,bar=2",
    ] {
        let (_, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", value)]);
        assert_eq!(state.get("bar"), None, "{value:?}");
    }
}

#[test]
fn test_tracestate_member_count_limit() {
    let mut harness = Harness::start();
    let members = |range: std::ops::RangeInclusive<u32>| {
        range
            .map(|i| format!("bar{i:02}={i:02}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (a, b, c) = (members(1..=10), members(11..=20), members(21..=30));
    let thirty_two = members(31..=32);
    let (_, state) = harness.single(&[
        ("traceparent", VALID_00),
        ("tracestate", &a),
        ("tracestate", &b),
        ("tracestate", &c),
        ("tracestate", &thirty_two),
    ]);
    assert_eq!(state.get("bar01"), Some("01"));
    assert_eq!(state.len(), 32);
    let thirty_three = members(31..=33);
    let (_, state) = harness.single(&[
        ("traceparent", VALID_00),
        ("tracestate", &a),
        ("tracestate", &b),
        ("tracestate", &c),
        ("tracestate", &thirty_three),
    ]);
    assert_eq!(state.get("bar01"), None);
}

#[test]
fn test_tracestate_key_length_limit() {
    let mut harness = Harness::start();
    let cases = [
        (format!("{}=1", "z".repeat(256)), true),
        (format!("{}=1", "z".repeat(257)), false),
        (format!("{}@{}=1", "t".repeat(241), "v".repeat(14)), true),
        (format!("{}@v=1", "t".repeat(242)), false),
        (format!("t@{}=1", "v".repeat(15)), false),
    ];
    for (member, kept) in cases {
        let (_, state) = harness.single(&[
            ("traceparent", VALID_00),
            ("tracestate", "foo=1"),
            ("tracestate", &member),
        ]);
        assert_eq!(state.get("foo"), kept.then_some("1"), "{member}");
    }
}

#[test]
fn test_tracestate_value_illegal_characters() {
    let mut harness = Harness::start();
    let (_, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", "foo=bar=baz")]);
    assert_eq!(state.get("foo"), None);
    let (_, state) = harness.single(&[("traceparent", VALID_00), ("tracestate", "foo=,bar=3")]);
    assert_eq!(state.get("foo"), None);
    assert_eq!(state.get("bar"), None);
}
