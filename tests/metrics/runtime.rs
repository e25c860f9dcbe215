//! The runtime's metrics server as a process sees it: its port (taken, bad, 0),
//! `METRICS_ENABLED=false`, a worker with no HTTP server of its own, `service_ready`
//! on SIGTERM, scrapes during the drain, and a slow scraper at shutdown.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::process::{Proc, config_errors, get};
use crate::{Text, promtool_accepts, scrape};

fn find<'a>(lines: &'a [Value], message: &str) -> Option<&'a Value> {
    lines.iter().find(|l| l["message"] == message)
}

#[test]
fn metrics_port_zero_is_a_free_port_logged_on_started() {
    let mut web = Proc::start("web", &[]);
    web.wait_ready();
    let port = web.metrics_port();
    assert_ne!(port, 0);
    assert_ne!(port, web.port);
    let text = Text::parse(&scrape(port));
    let service = text
        .of("service_info")
        .next()
        .expect("service_info under the runtime");
    assert_eq!(service.labels["service"], "twelve");
    assert_eq!(service.labels["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(service.value, 1.0);
    assert_eq!(text.get("service_ready", &[]), Some(1.0));
    // Other paths and methods of the metrics port.
    assert_eq!(crate::http(port, "GET", "/").map(|r| r.0).ok(), Some(404));
    assert_eq!(
        crate::http(port, "POST", "/metrics").map(|r| r.0).ok(),
        Some(405)
    );
    web.signal("TERM");
    let (status, _) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_taken_metrics_port_exits_1_naming_metrics_port() {
    let taken = TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let web = Proc::start("web", &[("METRICS_PORT", &port)]);
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(1), "{lines:?}");
    let error = find(&lines, "cannot start the metrics server").expect("the error line");
    assert_eq!(error["level"], "error");
    assert_eq!(error["exit_code"], 1);
    let text = error["error"].as_str().unwrap_or_default();
    let expected = format!("cannot serve metrics on 0.0.0.0:{port} (METRICS_PORT={port}): ");
    assert!(text.starts_with(&expected), "{text}");
    assert!(
        find(&lines, "started").is_none(),
        "main never ran: {lines:?}"
    );
    drop(taken);
}

#[test]
fn a_metrics_port_that_is_no_number_is_a_configuration_error() {
    let web = Proc::start("web", &[("METRICS_PORT", "abc")]);
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(78), "{lines:?}");
    let error = find(&lines, "configuration error").expect("the error line");
    // One string per problem.
    let errors = config_errors(error);
    let errors = errors.join("\n");
    assert!(errors.contains("METRICS_PORT"), "{errors}");
    assert!(errors.contains("\"abc\""), "{errors}");
    let web = Proc::start("web", &[("METRICS_ENABLED", "perhaps")]);
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(78), "{lines:?}");
}

#[test]
fn metrics_port_equal_to_port_is_a_configuration_error_naming_both() {
    let port = crate::support::process::free_port().to_string();
    let web = Proc::start("web", &[("PORT", &port), ("METRICS_PORT", &port)]);
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(78), "{lines:?}");
    let error = find(&lines, "configuration error").expect("the error line");
    let errors = config_errors(error);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("PORT, METRICS_PORT: the same port twice")),
        "{errors:?}"
    );
    assert!(
        find(&lines, "started").is_none(),
        "main never ran: {lines:?}"
    );
}

#[test]
fn metrics_enabled_false_serves_no_metrics() {
    // 9090 may be anyone's: the port asked for is one that is free, and stays unbound.
    let free = crate::support::process::free_port().to_string();
    let mut web = Proc::start(
        "web",
        &[("METRICS_ENABLED", "false"), ("METRICS_PORT", &free)],
    );
    web.wait_ready();
    assert!(crate::http(free.parse().expect("port"), "GET", "/metrics").is_err());
    web.signal("TERM");
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let started = find(&lines, "started").expect("started");
    assert!(started.get("metrics_port").is_none(), "{started}");
}

#[test]
fn a_worker_without_an_http_server_serves_metrics() {
    let mut worker = Proc::start(
        "worker",
        &[("JOB_INTERVAL", "20ms"), ("JOB_DURATION", "10ms")],
    );
    worker.wait_ready();
    let port = worker.metrics_port();
    // Some jobs, each logging two lines.
    let start = Instant::now();
    while worker
        .lines()
        .iter()
        .filter(|l| l.contains("job done"))
        .count()
        < 3
    {
        assert!(start.elapsed() < Duration::from_secs(20), "no jobs done");
        std::thread::sleep(Duration::from_millis(20));
    }
    let body = scrape(port);
    promtool_accepts(&body);
    let text = Text::parse(&body);
    let info_lines = text
        .get("log_events_total", &[("level", "info")])
        .expect("log_events_total");
    assert!(
        info_lines >= 7.0,
        "started, health up, 3 x 2 job lines: {info_lines}"
    );
    assert_eq!(
        text.get("log_events_total", &[("level", "error")]),
        Some(0.0)
    );
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_threads",
        "tokio_workers",
        "tokio_alive_tasks",
        "service_ready",
    ] {
        assert!(text.of(name).next().is_some(), "{name} missing:\n{body}");
    }
    worker.signal("TERM");
    let (status, _) = worker.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn service_ready_is_0_from_the_first_signal_and_scrapes_go_on_during_the_drain() {
    let mut web = Proc::start(
        "web",
        &[("SHUTDOWN_DELAY", "1s"), ("SHUTDOWN_TIMEOUT", "10s")],
    );
    web.wait_ready();
    let port = web.metrics_port();
    assert_eq!(
        Text::parse(&scrape(port)).get("service_ready", &[]),
        Some(1.0)
    );
    let http_port = web.port;
    let slow = std::thread::spawn(move || get(http_port, "/slow?ms=4000"));
    let active = [("http_request_method", "GET")];
    let start = Instant::now();
    while Text::parse(&scrape(port)).get("http_server_active_requests", &active) != Some(1.0) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the slow request is not in flight"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    web.signal("TERM");
    // During the pre-drain delay: not ready, on the metrics port as on the health one.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        Text::parse(&scrape(port)).get("service_ready", &[]),
        Some(0.0)
    );
    assert_eq!(get(http_port, "/health/ready").map(|r| r.0), Some(503));
    // During the drain (after the 1 s delay), the slow request still in flight: the
    // metrics port still answers, and counts it.
    std::thread::sleep(Duration::from_millis(1000));
    let text = Text::parse(&scrape(port));
    assert_eq!(text.get("http_server_active_requests", &active), Some(1.0));
    assert_eq!(text.get("service_ready", &[]), Some(0.0));
    assert_eq!(slow.join().expect("the request").map(|r| r.0), Some(200));
    let (status, lines) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{lines:?}");
    // The metrics server is gone with the process.
    assert!(crate::http(port, "GET", "/metrics").is_err());
}

/// A drain that uses up the whole `SHUTDOWN_TIMEOUT` (a request slower than it) while
/// a scraper holds an idle keep-alive connection: no scrape is in flight at the
/// deadline, so no "were cut" warning.
#[test]
fn an_idle_keep_alive_scraper_is_no_scrape_cut_at_the_deadline() {
    let mut web = Proc::start("web", &[("SHUTDOWN_TIMEOUT", "1s")]);
    web.wait_ready();
    let port = web.metrics_port();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    write!(stream, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("sent");
    // The whole response (its length from the header), then the connection idles.
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    let complete = |got: &[u8]| {
        let text = String::from_utf8_lossy(got);
        let (head, body) = text.split_once("\r\n\r\n")?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_owned())
            })?
            .parse()
            .ok()?;
        (body.len() >= length).then_some(())
    };
    while complete(&got).is_none() {
        let n = stream.read(&mut buf).expect("the response");
        assert!(n > 0, "the server closed the keep-alive connection");
        got.extend_from_slice(&buf[..n]);
    }
    let http_port = web.port;
    let slow = std::thread::spawn(move || get(http_port, "/slow?ms=3000"));
    std::thread::sleep(Duration::from_millis(300));
    web.signal("TERM");
    let (_, lines) = web.wait_exit(Duration::from_secs(20));
    let _ = slow.join();
    assert!(
        find(
            &lines,
            "scrapes of /metrics still in flight at the drain deadline were cut"
        )
        .is_none(),
        "{lines:?}"
    );
    assert!(find(&lines, "stopped").is_some(), "{lines:?}");
}

/// A scraper that asks for `/metrics` and then reads one byte a second, on a socket
/// with a small receive buffer: the body, made larger than the largest send buffer of
/// the kernel (`tcp_wmem`, 4 MiB) by the probe's filler series, can't all be sent
/// before the shutdown.
#[test]
fn a_slow_scraper_does_not_hold_the_exit_past_the_deadline() {
    let mut probe = Proc::start(
        "metrics-probe",
        &[
            ("METRICS_PROBE_SERIES", "30000"),
            ("SHUTDOWN_TIMEOUT", "2s"),
        ],
    );
    probe.wait_ready();
    let port = probe.metrics_port();
    let mut stream = small_buffer_connection(port);
    write!(stream, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("the request is sent");
    let mut byte = [0u8; 1];
    stream.read_exact(&mut byte).expect("the response begins");
    assert_eq!(&byte, b"H");
    // Until the test is done: what the kernel holds of the body after the exit would
    // keep it reading for hours.
    let done = Arc::new(AtomicBool::new(false));
    let reading = done.clone();
    let reader = std::thread::spawn(move || {
        let mut read = 1usize;
        while !reading.load(Ordering::Relaxed) && stream.read(&mut byte).is_ok_and(|n| n == 1) {
            read += 1;
            std::thread::sleep(Duration::from_secs(1));
        }
        read
    });
    std::thread::sleep(Duration::from_millis(200));
    let signalled = Instant::now();
    probe.signal("TERM");
    let (status, lines) = probe.wait_exit(Duration::from_secs(20));
    let took = signalled.elapsed();
    done.store(true, Ordering::Relaxed);
    // Held by the scraper, it would take hours; a loaded machine may add seconds.
    assert!(
        took < Duration::from_millis(2000 + 5000),
        "exit {took:?} after SIGTERM, SHUTDOWN_TIMEOUT 2s"
    );
    assert_eq!(status.code(), Some(0), "{lines:?}");
    let cut = find(
        &lines,
        "scrapes of /metrics still in flight at the drain deadline were cut",
    );
    assert!(cut.is_some_and(|l| l["level"] == "warn"), "{lines:?}");
    let stopped = find(&lines, "stopped").expect("stopped");
    assert_eq!(stopped["exit_code"], 0);
    let read = reader.join().expect("the reader");
    assert!(read < 100, "the scraper was slow: {read} bytes read");
}

/// A connection to 127.0.0.1:`port` whose receive buffer is as small as the kernel
/// allows, so the server can't hand it a large body at once.
fn small_buffer_connection(port: u16) -> std::net::TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime");
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.set_recv_buffer_size(1024).expect("SO_RCVBUF");
        socket
            .connect(([127, 0, 0, 1], port).into())
            .await
            .expect("connect")
    });
    let stream = stream.into_std().expect("a std stream");
    stream.set_nonblocking(false).expect("blocking");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream
}
