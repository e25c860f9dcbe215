//! `traceparent`: valid ones put the trace on every line, malformed ones are ignored.

use axum::http::{HeaderValue, StatusCode};

use crate::TRACEPARENT;
use crate::capture::{captured, lines_of, messages};
use crate::service::{Client, app, serve, value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_traceparent_puts_trace_and_span_ids_on_every_line() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let id = "traced-request-1";
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value(id)),
                ("traceparent", value(TRACEPARENT)),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let lines = lines_of(id);
    assert_eq!(
        messages(&lines),
        ["handler line", "spawned line", "request finished"]
    );
    for line in &lines {
        assert_eq!(
            line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736",
            "{line}"
        );
        assert_eq!(line["span_id"], "00f067aa0ba902b7", "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_traceparent_is_ignored_and_the_request_served() {
    captured();
    let mut client = Client::connect(serve(app()).await).await;
    let malformed = [
        "garbage",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "",
    ];
    for (i, traceparent) in malformed.iter().enumerate() {
        let id = format!("bad-traceparent-{i}");
        let answer = client
            .get(
                "/work",
                &[
                    ("x-correlation-id", value(&id)),
                    ("traceparent", value(traceparent)),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{traceparent:?}");
        assert_eq!(answer.id(), id);
        let lines = lines_of(&id);
        assert_eq!(lines.len(), 3, "{traceparent:?}: {lines:#?}");
        for line in &lines {
            assert!(line.get("trace_id").is_none(), "{traceparent:?}: {line}");
            assert!(line.get("span_id").is_none(), "{traceparent:?}: {line}");
        }
    }

    // Non-ASCII bytes, and a valid header sent twice (invalid per W3C): ignored too.
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("bad-traceparent-bytes")),
                (
                    "traceparent",
                    HeaderValue::from_bytes(b"00-\xff\xfe-01").expect("obs-text"),
                ),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = client
        .get(
            "/work",
            &[
                ("x-correlation-id", value("two-traceparents")),
                ("traceparent", value(TRACEPARENT)),
                ("traceparent", value(TRACEPARENT)),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    for id in ["bad-traceparent-bytes", "two-traceparents"] {
        let lines = lines_of(id);
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(
            lines.iter().all(|l| l.get("trace_id").is_none()),
            "{lines:#?}"
        );
    }
}
