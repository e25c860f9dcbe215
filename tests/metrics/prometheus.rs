//! A real Prometheus server (Debian's `prometheus` package) scrapes the web example on
//! 127.0.0.1 every second; its HTTP API (`/api/v1/query`) must then give the counts of
//! the requests this test sent, and the process metrics of the example. The server
//! gets its own temporary directory (config and data) and a free port; the test stops
//! it and removes the directory, also when it fails.

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::support::process::{Proc, clean_command, free_port, get, send_signal};
use crate::tool;

/// How long Prometheus may take to start, and then to have scraped what was sent.
const PATIENCE: Duration = Duration::from_secs(60);

/// A Prometheus server in a directory of its own; stopped and removed on drop.
struct Prometheus {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Prometheus {
    /// Starts Prometheus scraping `targets` (job name, port on 127.0.0.1) every second.
    fn start(targets: &[(&str, u16)]) -> Prometheus {
        let binary = tool("prometheus");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("twelve-prometheus-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).expect("a temporary directory");
        let mut config = String::from(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n",
        );
        for (job, port) in targets {
            config.push_str(&format!(
                "  - job_name: {job}\n    static_configs:\n      - targets: [\"127.0.0.1:{port}\"]\n"
            ));
        }
        let config_file = dir.join("prometheus.yml");
        std::fs::write(&config_file, config).expect("the config is written");
        let port = free_port();
        let child = clean_command(binary)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts");
        let prometheus = Prometheus { child, dir, port };
        prometheus.wait_ready();
        prometheus
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if let Ok((200, _, _)) = crate::http(self.port, "GET", "/-/ready") {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("prometheus not ready after {PATIENCE:?}");
    }

    /// The series of the instant query `query`: their labels and values. A query
    /// Prometheus refuses fails the test.
    fn results(&self, query: &str) -> Vec<(Value, f64)> {
        let path = format!("/api/v1/query?query={}", percent_encode(query));
        let Ok((status, _, body)) = crate::http(self.port, "GET", &path) else {
            return Vec::new();
        };
        assert_eq!(status, 200, "{query}: {body}");
        let answer: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(answer["status"], "success", "{query}: {body}");
        answer["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let value = r["value"][1].as_str().and_then(|v| v.parse().ok());
                (r["metric"].clone(), value.unwrap_or(f64::NAN))
            })
            .collect()
    }

    /// The value of the instant query `query` (one series expected), or `None` while it
    /// gives no result.
    fn query(&self, query: &str) -> Option<f64> {
        let results = self.results(query);
        assert!(
            results.len() <= 1,
            "{query}: more than one series: {results:?}"
        );
        results.first().map(|(_, value)| *value)
    }

    /// Polls `query` until `ok` holds for its value; the value.
    fn wait_for(&self, query: &str, ok: impl Fn(f64) -> bool) -> f64 {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < PATIENCE {
            last = self.query(query);
            if let Some(value) = last.filter(|v| ok(*v)) {
                return value;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!("{query}: {last:?} after {PATIENCE:?}");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            send_signal(self.child.id(), "TERM");
        }
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn prometheus_scrapes_the_request_counts_and_the_process_metrics() {
    let spawned = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    let mut web = Proc::start("web", &[]);
    web.wait_ready();
    let metrics_port = web.metrics_port();
    let prometheus = Prometheus::start(&[("web", metrics_port)]);
    let dir = prometheus.dir.clone();
    prometheus.wait_for("up{job=\"web\"}", |v| v == 1.0);

    const QUOTES: usize = 37;
    const BAD: usize = 3;
    for _ in 0..QUOTES {
        assert_eq!(get(web.port, "/quote?items=2").map(|r| r.0), Some(200));
    }
    for _ in 0..BAD {
        assert_eq!(get(web.port, "/quote?items=x").map(|r| r.0), Some(400));
    }
    let count = |status: &str| {
        format!(
            "http_server_request_duration_seconds_count{{job=\"web\",http_route=\"/quote\",\
             http_request_method=\"GET\",http_response_status_code=\"{status}\"}}"
        )
    };
    prometheus.wait_for(&count("200"), |v| v == QUOTES as f64);
    prometheus.wait_for(&count("400"), |v| v == BAD as f64);
    // Every request under /quote, whatever the status.
    let all = "sum(http_server_request_duration_seconds_count{job=\"web\",http_route=\"/quote\"})";
    prometheus.wait_for(all, |v| v == (QUOTES + BAD) as f64);
    // The quotes are fast: all in the first buckets that hold them, none above 10 s.
    let slow = "sum(http_server_request_duration_seconds_count{job=\"web\"}) - \
                sum(http_server_request_duration_seconds_bucket{job=\"web\",le=\"10\"})";
    prometheus.wait_for(slow, |v| v == 0.0);

    // The process metrics of the example.
    let rss = prometheus.wait_for("process_resident_memory_bytes{job=\"web\"}", |v| v > 1e6);
    assert!(rss < 1e9, "resident memory {rss}");
    let start = prometheus.wait_for("process_start_time_seconds{job=\"web\"}", |v| v > 0.0);
    assert!(
        (start - spawned).abs() < 30.0,
        "process_start_time_seconds {start}, spawned at {spawned}"
    );
    prometheus.wait_for("process_open_fds{job=\"web\"}", |v| v >= 3.0);
    prometheus.wait_for("process_max_fds{job=\"web\"}", |v| v >= 64.0);
    prometheus.wait_for("process_threads{job=\"web\"}", |v| v >= 2.0);
    prometheus.wait_for("process_cpu_seconds_total{job=\"web\"}", |v| v >= 0.0);
    prometheus.wait_for("tokio_workers{job=\"web\"}", |v| v >= 1.0);
    prometheus.wait_for("service_ready{job=\"web\"}", |v| v == 1.0);
    // The log lines: one `request finished` per request, plus the others.
    prometheus.wait_for("log_events_total{job=\"web\",level=\"info\"}", |v| {
        v >= (QUOTES + BAD) as f64
    });

    // The README's dashboard queries: accepted, and right for this traffic (no 5xx:
    // no error-rate series yet; a p99 for /quote, well under a second).
    let queries = readme_promql();
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert_eq!(
        prometheus.results(&queries[0]),
        Vec::new(),
        "{}",
        queries[0]
    );
    // rate() needs an increase between two scrapes of a series that already existed:
    // more quotes while waiting.
    let start = Instant::now();
    let p99 = loop {
        for _ in 0..5 {
            assert_eq!(get(web.port, "/quote?items=2").map(|r| r.0), Some(200));
        }
        let results = prometheus.results(&queries[1]);
        let quote = results
            .iter()
            .find(|(metric, _)| metric["http_route"] == "/quote")
            .map(|(_, v)| *v);
        if let Some(p99) = quote.filter(|v| v.is_finite()) {
            break p99;
        }
        assert!(start.elapsed() < PATIENCE, "{}: {results:?}", queries[1]);
        std::thread::sleep(Duration::from_millis(250));
    };
    // A debug build on a shared machine: some quotes may take milliseconds, none a second.
    assert!(p99 > 0.0 && p99 < 1.0, "p99 of /quote: {p99}");

    drop(prometheus);
    assert!(!dir.exists(), "the data directory is removed");
    web.signal("TERM");
    let (status, _) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
}

/// The queries of the README's `promql` block: separated by blank lines, comments
/// dropped, lines joined.
fn readme_promql() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let block = readme
        .split("```promql\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a promql block in the README");
    block
        .split("\n\n")
        .map(|query| {
            query
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|q| !q.is_empty())
        .collect()
}
