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
