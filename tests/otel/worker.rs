//! A service with no HTTP of its own (`otel` works without `http`'s layers): the
//! example worker's producer scopes (`CorrelationId::scope`) and consumer scopes
//! (`Context::from_headers` of the message's `outgoing_headers()`).

use std::time::Duration;

use crate::helpers::{SPANS_WITHIN, start};
use crate::support::otlp::{Behaviour, Protocol, Receiver, SpanKind};

#[test]
fn a_consumers_span_is_a_child_of_the_producers_and_lines_carry_their_ids() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let worker = start(
        "worker",
        &receiver,
        "http/protobuf",
        &[("JOB_INTERVAL", "20ms"), ("JOB_DURATION", "10ms")],
        false,
    );
    // Two jobs: two producer scopes and two consumer scopes.
    let spans = receiver.wait_for_spans(4, SPANS_WITHIN);
    worker.signal("TERM");
    let (status, lines) = worker.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let spans = {
        let mut all = receiver.spans();
        all.extend(spans);
        all
    };

    let consumers: Vec<_> = spans.iter().filter(|s| s.name == "process").collect();
    assert!(!consumers.is_empty(), "{spans:#?}");
    let mut checked = 0;
    for consumer in consumers {
        assert_eq!(consumer.kind, SpanKind::Consumer);
        // Its parent: the producer's scope, in the same trace.
        let Some(producer) = spans
            .iter()
            .find(|s| Some(s.span_id.as_str()) == consumer.parent_span_id.as_deref())
        else {
            continue;
        };
        assert_eq!(producer.name, "scope");
        assert_eq!(producer.kind, SpanKind::Internal);
        assert_eq!(producer.parent_span_id, None);
        assert_eq!(producer.trace_id, consumer.trace_id);
        // The lines of the job name the spans exported for it.
        let of_trace: Vec<_> = lines
            .iter()
            .filter(|l| l["trace_id"] == consumer.trace_id.as_str())
            .collect();
        let queued = of_trace
            .iter()
            .find(|l| l["message"] == "job queued")
            .expect("the producer's line");
        assert_eq!(queued["span_id"], producer.span_id.as_str());
        for message in ["job started", "job done"] {
            let consumed = of_trace
                .iter()
                .find(|l| l["message"] == message)
                .expect("the consumer's lines");
            assert_eq!(consumed["span_id"], consumer.span_id.as_str());
            assert_eq!(consumed["correlation_id"], queued["correlation_id"]);
        }
        checked += 1;
    }
    assert!(
        checked >= 1,
        "no consumer span with its producer's: {spans:#?}"
    );
}
