//! `/metrics` under load and after errors: every scrape taken while 16 clients load the
//! service is a complete body that promtool accepts and that parses into whole
//! histograms; afterwards the counts are those of the requests sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::support::process::Proc;
use crate::{Conn, Text, promtool_accepts, scrape};

const CLIENTS: usize = 16;

/// What one client sends, in turn: good requests, bad input, an unmatched path, a
/// method the route doesn't take, an invented method.
const MIX: [(&str, &str, u16); 5] = [
    ("GET", "/quote?items=3", 200),
    ("GET", "/quote?items=many", 400),
    ("GET", "/no/such/page", 404),
    ("DELETE", "/quote?items=1", 405),
    ("BREW", "/quote?items=1", 405),
];

#[test]
fn promtool_accepts_every_scrape_under_load_and_after_errors() {
    let mut web = Proc::start("metrics-probe", &[("RUST_LOG", "info,twelve::http=warn")]);
    web.wait_ready();
    let (http_port, port) = (web.port, web.metrics_port());
    let stop = Arc::new(AtomicBool::new(false));
    let sent: Arc<[AtomicU64; 5]> = Arc::new(Default::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (stop, sent) = (stop.clone(), sent.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::connect(http_port).expect("connect");
                let mut i = client;
                while !stop.load(Ordering::Relaxed) {
                    let (method, path, expected) = MIX[i % MIX.len()];
                    let status = conn.send(method, path).expect("an answer");
                    assert_eq!(status, expected, "{method} {path}");
                    sent[i % MIX.len()].fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();

    // Scrapes during the load: whole, consistent, accepted.
    let start = Instant::now();
    let mut scrapes = 0;
    while start.elapsed() < Duration::from_secs(3) || scrapes < 5 {
        let body = scrape(port);
        let text = Text::parse(&body);
        assert!(text.of("process_cpu_seconds_total").next().is_some());
        if scrapes % 3 == 0 {
            promtool_accepts(&body);
        }
        scrapes += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("a client");
    }

    // After the load: the counts are those sent, each under its series.
    let body = scrape(port);
    promtool_accepts(&body);
    let text = Text::parse(&body);
    let count = |method: &str, status: &str, route: &str| {
        text.get(
            "http_server_request_duration_seconds_count",
            &[
                ("http_request_method", method),
                ("http_response_status_code", status),
                ("http_route", route),
            ],
        )
        .unwrap_or(0.0) as u64
    };
    let sent: Vec<u64> = sent.iter().map(|n| n.load(Ordering::Relaxed)).collect();
    assert!(sent.iter().all(|n| *n > 10), "the load ran: {sent:?}");
    assert_eq!(count("GET", "200", "/quote"), sent[0]);
    assert_eq!(
        count("GET", "400", "/quote"),
        sent[1],
        "axum's Query rejection"
    );
    assert_eq!(
        count("GET", "404", ""),
        sent[2],
        "unmatched: one shared series"
    );
    assert_eq!(count("DELETE", "405", "/quote"), sent[3]);
    assert_eq!(count("_OTHER", "405", "/quote"), sent[4]);
    assert_eq!(
        text.get(
            "http_server_active_requests",
            &[("http_request_method", "GET")]
        ),
        Some(0.0)
    );
    // The probe's own counter, on the same endpoint, with the facade's labels.
    assert_eq!(
        text.get("probe_quotes_total", &[("currency", "EUR")]),
        Some(sent[0] as f64)
    );
    web.signal("TERM");
    let (status, _) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
}
