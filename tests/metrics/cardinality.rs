//! No client can grow the number of series: 10,000 requests, each to a path of its own
//! that no route matches or with a method of its own, add none once the first of each
//! kind has made its series.

use std::time::Duration;

use crate::support::process::Proc;
use crate::{Conn, Text, scrape};

const REQUESTS: usize = 10_000;
const CLIENTS: usize = 4;

/// A pseudo-random number per request (xorshift), so each path and method is new.
fn random(seed: u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// An invented method token: `X` and letters.
fn method(n: u64) -> String {
    let letters: String = (0..6)
        .map(|i| char::from(b'A' + ((n >> (i * 5)) % 26) as u8))
        .collect();
    format!("X{letters}")
}

/// Request `i`: an unmatched path, an invented method on an unmatched path, or an
/// invented method on a route.
fn request(i: usize) -> (String, String, u16) {
    let n = random(i as u64);
    match i % 3 {
        0 => ("GET".into(), format!("/r/{n:016x}"), 404),
        1 => (method(n), format!("/r/{n:016x}/x"), 404),
        _ => (method(n), format!("/quote?items={}", n % 100), 405),
    }
}

#[test]
fn random_paths_and_invented_methods_add_no_series() {
    let mut probe = Proc::start("metrics-probe", &[("RUST_LOG", "info,twelve::http=warn")]);
    probe.wait_ready();
    let (http_port, port) = (probe.port, probe.metrics_port());
    // The first request of each kind makes its series.
    let mut conn = Conn::connect(http_port).expect("connect");
    for i in 0..3 {
        let (method, path, status) = request(REQUESTS + i);
        assert_eq!(conn.send(&method, &path).expect("an answer"), status);
    }
    let before = Text::parse(&scrape(port));

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            std::thread::spawn(move || {
                let mut conn = Conn::connect(http_port).expect("connect");
                for i in (client..REQUESTS).step_by(CLIENTS) {
                    let (method, path, status) = request(i);
                    let got = conn.send(&method, &path).expect("an answer");
                    assert_eq!(got, status, "{method} {path}");
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("a client");
    }

    let after = Text::parse(&scrape(port));
    let names = |text: &Text| -> Vec<(String, Vec<(String, String)>)> {
        let mut series: Vec<_> = text
            .samples
            .iter()
            .filter(|s| !s.name.starts_with("process_") && !s.name.starts_with("tokio_"))
            .map(|s| (s.name.clone(), s.labels.clone().into_iter().collect()))
            .collect();
        series.sort();
        series
    };
    assert_eq!(names(&before), names(&after), "the series changed");
    // The requests were all counted, in the three shared series.
    let count = |text: &Text, method: &str, status: &str, route: &str| {
        text.get(
            "http_server_request_duration_seconds_count",
            &[
                ("http_request_method", method),
                ("http_response_status_code", status),
                ("http_route", route),
            ],
        )
        .unwrap_or(0.0)
    };
    let added = |method, status, route| {
        count(&after, method, status, route) - count(&before, method, status, route)
    };
    let third = (REQUESTS / 3) as f64;
    assert_eq!(
        added("GET", "404", ""),
        (REQUESTS - 2 * (REQUESTS / 3)) as f64
    );
    assert_eq!(added("_OTHER", "404", ""), third);
    assert_eq!(added("_OTHER", "405", "/quote"), third);
    probe.signal("TERM");
    let (status, _) = probe.wait_exit(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0));
}
