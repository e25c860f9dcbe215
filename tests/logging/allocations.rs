//! Zero heap allocations per event in steady state, counted by
//! `support::alloc::Counting`.

use std::sync::Arc;

use crate::support::alloc::allocations;
use crate::{capture, with_logs};

#[test]
fn no_allocation_per_event_once_warm() {
    let (_lines, builder) = capture();
    // A sink that keeps nothing, like writing to a file descriptor.
    let builder = builder.sink(Arc::new(|line: &[u8]| {
        std::hint::black_box(line);
    }));
    let mut count = usize::MAX;
    with_logs(builder, || {
        let span = tracing::info_span!(
            "request",
            correlation_id = "0193a1f0-7c2e-7000-8000-000000000000"
        );
        let _e = span.enter();
        let event = || {
            tracing::info!(
                order_id = "a1b2c3",
                item_count = 3,
                ok = true,
                ratio = 0.25,
                "order confirmed"
            )
        };
        for _ in 0..10 {
            event();
        }
        count = allocations(|| {
            for _ in 0..1000 {
                event();
            }
        });
    });
    assert_eq!(count, 0, "allocations in 1000 events");
}

/// The same under every schema, inside a scope with a W3C trace (so that the trace
/// keys, ECS's call site and GCP's `sourceLocation` are written), for a plain event, a
/// request line (GCP's `httpRequest`, ECS's nanoseconds), an event whose field takes
/// the place of a static key with a number, and one with a reserved name.
#[test]
fn no_allocation_per_event_under_any_schema() {
    use twelve::correlation::{self, Context, CorrelationId, TraceContext};

    for schema in crate::SCHEMAS {
        let (_lines, builder) = capture();
        let builder = builder
            .schema(schema)
            .release(Some("r1".into()))
            .gcp_project(Some("shop-prod".into()))
            .datadog_env(Some("prod".into()))
            .sink(Arc::new(|line: &[u8]| {
                std::hint::black_box(line);
            }));
        let context = Context {
            id: CorrelationId::parse("0193a1f0-7c2e-7000-8000-000000000000").expect("valid"),
            trace: TraceContext::parse_traceparent(crate::TRACEPARENT).expect("valid"),
        };
        let mut count = usize::MAX;
        with_logs(builder, || {
            crate::current_thread().block_on(correlation::scope_context(context, async {
                let span = tracing::info_span!("request", user = "u-1");
                let _e = span.enter();
                let events = || {
                    tracing::info!(order_id = "a1b2c3", item_count = 3, "order confirmed");
                    tracing::event!(
                        target: "twelve::http",
                        tracing::Level::INFO,
                        http.request.method = "GET",
                        url.path = "/orders/7",
                        http.route = "/orders/{id}",
                        http.response.status_code = 200u16,
                        duration_ms = 2.404,
                        "request finished"
                    );
                    tracing::warn!(service = 5, level = "x", "odd fields");
                };
                for _ in 0..10 {
                    events();
                }
                count = allocations(|| {
                    for _ in 0..300 {
                        events();
                    }
                });
            }));
        });
        assert_eq!(count, 0, "{schema:?}: allocations in 900 events");
    }
}
