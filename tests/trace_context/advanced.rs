//! The suite's `AdvancedTest`: three callbacks per request, each with a parent of its
//! own, in the request's trace.

use std::collections::HashSet;

use crate::harness::{Harness, traceparent};

/// Three callbacks for `headers`: their trace IDs and parent IDs.
fn three(headers: &[(&str, &str)]) -> (HashSet<String>, HashSet<String>) {
    let mut harness = Harness::start();
    let (mut traces, mut parents) = (HashSet::new(), HashSet::new());
    for callback in harness.make_request(headers, 3) {
        let sent = traceparent(&callback);
        traces.insert(sent.trace_id);
        parents.insert(sent.parent_id);
    }
    (traces, parents)
}

#[test]
fn test_multiple_requests_with_valid_traceparent() {
    let (traces, parents) = three(&[(
        "traceparent",
        "00-12345678901234567890123456789012-1234567890123456-01",
    )]);
    assert_eq!(traces.len(), 1);
    assert!(traces.contains("12345678901234567890123456789012"));
    assert_eq!(parents.len(), 3);
}

#[test]
fn test_multiple_requests_without_traceparent() {
    let (_, parents) = three(&[]);
    assert_eq!(parents.len(), 3);
}

#[test]
fn test_multiple_requests_with_illegal_traceparent() {
    let (traces, parents) = three(&[(
        "traceparent",
        "00-00000000000000000000000000000000-1234567890123456-01",
    )]);
    assert!(!traces.contains("00000000000000000000000000000000"));
    assert_eq!(parents.len(), 3);
}
