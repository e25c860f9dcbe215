//! Allocations: the layer's own cost per request is the ID (and a `tracestate` when one
//! came with the trace) and nothing else: no allocation for the span.

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use axum::http::{HeaderValue, Request, Response};
use tower::Layer as _;
use twelve::http::CorrelationLayer;

use crate::TRACEPARENT;
use crate::support::alloc::allocations;

#[test]
fn the_layer_allocates_the_id_and_the_response_header_only() {
    use tower::Service as _;

    // Logging's own cost is measured in tests/logging/allocations.rs (none per line): off here.
    let _no_logs = tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
    // The inner service hands out a response prepared outside the count, with room
    // for the header: what is counted is the layer's work.
    let next: Rc<RefCell<Option<Response<()>>>> = Rc::default();
    let slot = next.clone();
    let inner = tower::service_fn(move |_: Request<()>| {
        std::future::ready(Ok::<_, Infallible>(
            slot.borrow_mut().take().unwrap_or_default(),
        ))
    });
    let mut service = CorrelationLayer::default().layer(inner);
    // New IDs draw from a per-thread generator, made (one allocation) on this thread's
    // first ID: not per request.
    let _ = twelve::correlation::CorrelationId::new();

    // Static header values and URIs: cloning them allocates nothing, as cloning the
    // shared buffers hyper parses into allocates nothing.
    type Headers = &'static [(&'static str, &'static str)];
    let cases: [(&str, Headers, usize); 6] = [
        ("a valid ID", &[("x-correlation-id", "req-42")], 1),
        ("a valid fallback ID", &[("x-request-id", "req-43")], 1),
        (
            "a valid ID and traceparent",
            &[("x-correlation-id", "req-44"), ("traceparent", TRACEPARENT)],
            1,
        ),
        (
            "a valid ID, traceparent and tracestate: the tracestate is kept",
            &[
                ("x-correlation-id", "req-45"),
                ("traceparent", TRACEPARENT),
                ("tracestate", "congo=t61rcWkgMzE"),
            ],
            2,
        ),
        ("no ID: a new one and its header value", &[], 2),
        (
            "a rejected ID: a new one and its header value",
            &[("x-correlation-id", "bad id")],
            2,
        ),
    ];
    for (what, headers, expected) in cases {
        let mut request = Request::get(axum::http::Uri::from_static("/orders/7"));
        for (name, value) in headers {
            request = request.header(*name, HeaderValue::from_static(value));
        }
        let request = request.body(()).expect("request");
        let mut response = Response::new(());
        response.headers_mut().reserve(4);
        *next.borrow_mut() = Some(response);

        let mut output = None;
        let count = allocations(|| {
            let future = pin!(service.call(request));
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            if let Poll::Ready(result) = future.poll(&mut cx) {
                output = Some(result);
            }
        });
        let response = output.expect("ready at once").expect("Ok");
        assert!(
            response.headers().contains_key("x-correlation-id"),
            "{what}"
        );
        assert_eq!(count, expected, "{what}");
    }
}
