//! The receiver refuses, hangs and goes away as told, and survives all of it.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::SpanExporter as _;

use crate::spans::{Setup, assert_batch, batch, exporter};
use crate::support::otlp::{Behaviour, Protocol, Receiver};

const ALL: [Protocol; 3] = [Protocol::HttpProtobuf, Protocol::HttpJson, Protocol::Grpc];
const WAIT: Duration = Duration::from_secs(10);

/// Once the receiver accepts again, the same exporter's next batch arrives whole.
async fn accepts_again(receiver: &Receiver, exporter: &opentelemetry_otlp::SpanExporter) {
    receiver.set_behaviour(Behaviour::Accept);
    exporter
        .export(batch())
        .await
        .expect("accepted once the receiver accepts");
    assert_batch(&receiver.wait_for_spans(5, WAIT));
}

/// Refused with `status`: the export fails with what the exporter reports for it,
/// nothing is kept; once the receiver accepts again, the same exporter succeeds.
async fn refused(status: u16, grpc_code: &str) {
    for protocol in ALL {
        let receiver = Receiver::start(protocol, Behaviour::Status(status));
        let exporter = exporter(protocol, &receiver.endpoint(), &Setup::default());
        let error = exporter
            .export(batch())
            .await
            .expect_err("a refused export is an error")
            .to_string();
        let expected = match protocol {
            Protocol::Grpc => grpc_code.to_owned(),
            _ => format!("status {status}"),
        };
        assert!(
            error.contains(&expected),
            "{protocol:?}: {error:?} should say {expected:?}"
        );
        assert_eq!(receiver.requests(), 1, "{protocol:?}");
        assert!(
            receiver.spans().is_empty(),
            "{protocol:?}: refused, not kept"
        );

        accepts_again(&receiver, &exporter).await;
        assert_eq!(receiver.requests(), 2, "{protocol:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_fails_the_export_as_unavailable() {
    refused(503, "The service is currently unavailable").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_fails_the_export_as_internal() {
    refused(500, "Internal error").await;
}

/// A hanging receiver: the exporter's own timeout ends the export with an error; the
/// receiver then still accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_times_the_export_out_and_survives() {
    for protocol in ALL {
        let receiver = Receiver::start(protocol, Behaviour::Hang);
        let setup = Setup {
            timeout: Duration::from_millis(300),
            ..Setup::default()
        };
        let exporter = exporter(protocol, &receiver.endpoint(), &setup);
        let started = Instant::now();
        let result = tokio::time::timeout(WAIT, exporter.export(batch()))
            .await
            .expect("the exporter's timeout ends the export");
        let took = started.elapsed();
        assert!(result.is_err(), "{protocol:?}: a hung export is an error");
        assert!(
            took >= Duration::from_millis(250),
            "{protocol:?}: ended after {took:?}, before the timeout: it did not hang"
        );
        assert_eq!(receiver.requests(), 1, "{protocol:?}");
        assert!(receiver.spans().is_empty(), "{protocol:?}");

        accepts_again(&receiver, &exporter).await;
    }
}

/// Dropping a receiver that holds hung requests returns at once, closes them (the
/// export fails long before its own 30 s timeout) and closes the port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_receiver_ends_its_hung_requests_and_closes_the_port() {
    for protocol in ALL {
        let receiver = Receiver::start(protocol, Behaviour::Hang);
        let port = receiver.port();
        let setup = Setup {
            timeout: Duration::from_secs(30),
            ..Setup::default()
        };
        let exporter = exporter(protocol, &receiver.endpoint(), &setup);
        let export = tokio::spawn(async move { exporter.export(batch()).await });
        let deadline = Instant::now() + WAIT;
        while receiver.requests() == 0 {
            assert!(
                Instant::now() < deadline,
                "{protocol:?}: no request arrived"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!export.is_finished(), "{protocol:?}: the request hangs");

        let started = Instant::now();
        drop(receiver);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{protocol:?}: drop took {:?}",
            started.elapsed()
        );
        let result = tokio::time::timeout(WAIT, export)
            .await
            .expect("the export ends with the connection, not after its 30 s")
            .expect("the export task");
        assert!(result.is_err(), "{protocol:?}: {result:?}");
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "{protocol:?}: port {port} still accepts"
        );
    }
}

/// The endpoint is the base URL `OTEL_EXPORTER_OTLP_ENDPOINT` takes; two receivers
/// never share a port.
#[test]
fn endpoint_is_the_base_url_of_its_own_port() {
    let a = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let b = Receiver::start(Protocol::Grpc, Behaviour::Accept);
    assert_eq!(a.endpoint(), format!("http://127.0.0.1:{}", a.port()));
    assert_ne!(a.port(), b.port());
    assert!(TcpStream::connect(("127.0.0.1", a.port())).is_ok());
    assert_eq!(a.requests(), 0);
}

/// `wait_for_spans` panics after its timeout, saying what it has.
#[test]
fn waiting_for_spans_that_never_come_panics_with_what_there_is() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let started = Instant::now();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        receiver.wait_for_spans(1, Duration::from_millis(200))
    }))
    .expect_err("no span came");
    assert!(started.elapsed() >= Duration::from_millis(200));
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(
        message.contains("expected at least 1 spans") && message.contains("got 0 in 0 requests"),
        "{message}"
    );
}
