//! Feature `metrics`, with real processes and real tools: the examples and the
//! `metrics-probe` fixture (`tests/fixtures/metrics_probe.rs`) run as processes,
//! `/metrics` scraped over HTTP, its text checked by `promtool check metrics` and by
//! the parser below, and scraped by a real Prometheus server.
//!
//! `promtool` and `prometheus` come from Debian's `prometheus` package, which `.ci/run`
//! installs when they are missing. Without them the tests that need them fail, saying
//! so: they never pass by doing nothing.
//!
//! - [`load`]: promtool accepts the text under a 16-client load and after errors, and
//!   every scrape during the load is a complete, consistent body;
//! - [`cardinality`]: 10,000 requests to random unmatched paths and with invented
//!   methods add no series;
//! - [`prometheus`]: a Prometheus server scrapes the web example every second and its
//!   query API gives the counts of the requests sent and the process metrics;
//! - [`runtime`]: `METRICS_PORT` taken, bad or 0, `METRICS_ENABLED=false`, the worker,
//!   `service_ready` on SIGTERM, scrapes during the drain, a slow scraper at shutdown.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

#[path = "../support/mod.rs"]
mod support;

mod cardinality;
mod load;
mod prometheus;
mod runtime;

/// A tool of Debian's `prometheus` package, found on `PATH`; a test that needs it fails
/// without it.
pub(crate) fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is not on PATH: these tests run the real tool. Install Debian's \
             `prometheus` package (`apt-get install -y prometheus`, as .ci/run does)"
        )
    })
}

/// `promtool check metrics` on `text`: it must accept it, lint included (within
/// [`support::process::LIMIT`]).
pub(crate) fn promtool_accepts(text: &str) {
    use support::process::{LIMIT, clean_command, output_with_input};
    let mut promtool = clean_command(tool("promtool"));
    promtool.args(["check", "metrics"]);
    let output = output_with_input(
        &mut promtool,
        text.as_bytes(),
        LIMIT,
        "promtool check metrics",
    );
    assert!(
        output.status.success(),
        "promtool check metrics refused the text ({}):\n{}{}\n--- text ---\n{text}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// A raw HTTP/1.1 exchange on a fresh connection (`Connection: close`): the status,
/// the headers (names lower-cased) and the body, checked to be as long as
/// `Content-Length` says (or de-chunked).
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
) -> std::io::Result<(u16, BTreeMap<String, String>, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8(raw).map_err(std::io::Error::other)?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no end of head: {raw:?}")))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line: {head:?}")))?;
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = if headers.get("transfer-encoding").map(String::as_str) == Some("chunked") {
        dechunk(body)?
    } else {
        body.to_owned()
    };
    if let Some(length) = headers.get("content-length") {
        let length: usize = length.parse().map_err(std::io::Error::other)?;
        if length != body.len() {
            return Err(std::io::Error::other(format!(
                "body of {} bytes, content-length {length}",
                body.len()
            )));
        }
    }
    Ok((status, headers, body))
}

fn dechunk(mut body: &str) -> std::io::Result<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body
            .split_once("\r\n")
            .ok_or_else(|| std::io::Error::other("bad chunk"))?;
        let size = usize::from_str_radix(size.trim(), 16).map_err(std::io::Error::other)?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest
            .get(..size)
            .ok_or_else(|| std::io::Error::other("short chunk"))?;
        out.push_str(chunk);
        body = rest.get(size + 2..).unwrap_or_default();
    }
}

/// `GET /metrics`: 200, the Prometheus text content type, a whole body.
pub(crate) fn scrape(port: u16) -> String {
    let (status, headers, body) =
        http(port, "GET", "/metrics").unwrap_or_else(|e| panic!("scrape of :{port}: {e}"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        headers.get("content-type").map(String::as_str),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    body
}

/// One sample line: its metric name, its labels and its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) value: f64,
}

/// A scraped text, parsed and checked: every line a comment or a sample, the body
/// ending in a line feed, no series twice, each family's `# TYPE` before its samples,
/// and every histogram whole (buckets that never decrease, `+Inf` equal to `_count`).
pub(crate) struct Text {
    pub(crate) samples: Vec<Sample>,
    pub(crate) types: BTreeMap<String, String>,
}

impl Text {
    pub(crate) fn parse(text: &str) -> Text {
        assert!(
            text.ends_with('\n'),
            "the text does not end with a line feed"
        );
        let mut samples = Vec::new();
        let mut types = BTreeMap::new();
        for line in text.lines() {
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix("# ") {
                let words: Vec<&str> = comment.splitn(3, ' ').collect();
                if words.first() == Some(&"TYPE") {
                    let (name, kind) = (words[1], words[2]);
                    let old = types.insert(name.to_owned(), kind.to_owned());
                    assert_eq!(old, None, "# TYPE {name} twice");
                }
                continue;
            }
            samples.push(parse_sample(line));
        }
        let parsed = Text { samples, types };
        parsed.check();
        parsed
    }

    fn check(&self) {
        let mut seen = BTreeSet::new();
        for s in &self.samples {
            assert!(
                seen.insert((s.name.clone(), s.labels.clone())),
                "series twice: {s:?}"
            );
            assert!(
                self.family_type(&s.name).is_some(),
                "no # TYPE for {}",
                s.name
            );
        }
        // Histograms: buckets in order of `le`, never decreasing, +Inf = _count.
        // (histogram, labels but `le`) -> (le, count) of each bucket.
        type Series = (String, Vec<(String, String)>);
        let mut buckets: BTreeMap<Series, Vec<(f64, f64)>> = BTreeMap::new();
        for s in &self.samples {
            let Some(base) = s.name.strip_suffix("_bucket") else {
                continue;
            };
            if self.types.get(base).map(String::as_str) != Some("histogram") {
                continue;
            }
            let mut labels = s.labels.clone();
            let le = labels.remove("le").expect("a bucket has le");
            let le: f64 = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("le is a number")
            };
            let key = (base.to_owned(), labels.into_iter().collect());
            buckets.entry(key).or_default().push((le, s.value));
        }
        for ((base, labels), mut counts) in buckets {
            counts.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(
                counts.windows(2).all(|w| w[0].1 <= w[1].1),
                "{base}{labels:?}: buckets decrease: {counts:?}"
            );
            let labels: BTreeMap<String, String> = labels.into_iter().collect();
            let count = self
                .value(&format!("{base}_count"), &labels)
                .unwrap_or_else(|| panic!("{base}{labels:?} has no _count"));
            assert_eq!(
                counts.last().map(|c| (c.0, c.1)),
                Some((f64::INFINITY, count))
            );
        }
    }

    /// The `# TYPE` of the family a sample name belongs to.
    fn family_type(&self, name: &str) -> Option<&str> {
        if let Some(kind) = self.types.get(name) {
            return Some(kind);
        }
        ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
            let base = name.strip_suffix(suffix)?;
            self.types
                .get(base)
                .filter(|k| *k == "histogram" || *k == "summary")
                .map(String::as_str)
        })
    }

    /// The value of the series `name` with exactly `labels`.
    pub(crate) fn value(&self, name: &str, labels: &BTreeMap<String, String>) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| s.name == name && &s.labels == labels)
            .map(|s| s.value)
    }

    /// The value of `name` with these labels (others may differ only by absence).
    pub(crate) fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.value(name, &labels_of(labels))
    }

    /// The series of `name`.
    pub(crate) fn of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| s.name == name)
    }
}

pub(crate) fn labels_of(labels: &[(&str, &str)]) -> BTreeMap<String, String> {
    labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `name{a="x",b="y"} value`, label values unescaped.
fn parse_sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).unwrap_or(line.len());
    let name = &line[..name_end];
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "bad metric name in {line:?}"
    );
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inside) = rest.strip_prefix('{') {
        let mut chars = inside.char_indices();
        let mut key = String::new();
        let end = loop {
            let Some((i, c)) = chars.next() else {
                panic!("unclosed labels in {line:?}");
            };
            match c {
                '}' => break i,
                ',' => {}
                '=' => {
                    assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line:?}");
                    let mut value = String::new();
                    loop {
                        match chars.next().map(|(_, c)| c) {
                            Some('"') => break,
                            Some('\\') => match chars.next().map(|(_, c)| c) {
                                Some('n') => value.push('\n'),
                                Some(c @ ('\\' | '"')) => value.push(c),
                                other => panic!("bad escape {other:?} in {line:?}"),
                            },
                            Some(c) => value.push(c),
                            None => panic!("unclosed value in {line:?}"),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                c => key.push(c),
            }
        };
        rest = &inside[end + 1..];
    }
    let value = rest.trim();
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v
            .parse()
            .unwrap_or_else(|_| panic!("bad value {v:?} in {line:?}")),
    };
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

/// One keep-alive HTTP/1.1 connection that sends any method and reads the response.
pub(crate) struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    pub(crate) fn connect(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream: BufReader::new(stream),
        })
    }

    /// `method path` on the connection; the status code (the body is read and dropped).
    pub(crate) fn send(&mut self, method: &str, path: &str) -> std::io::Result<u16> {
        write!(
            self.stream.get_mut(),
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
        )?;
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line)?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            self.stream.read_line(&mut header)?;
            if header == "\r\n" || header.is_empty() {
                break;
            }
            if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body)?;
        Ok(status)
    }
}

#[test]
fn the_parser_refuses_what_it_must() {
    let ok = "# HELP a_total x\n# TYPE a_total counter\na_total{r=\"/o/{id}\",q=\"\\\"\"} 2\n";
    let text = Text::parse(ok);
    assert_eq!(
        text.get("a_total", &[("r", "/o/{id}"), ("q", "\"")]),
        Some(2.0)
    );
    for bad in [
        "# TYPE a gauge\na 1",          // no final line feed
        "# TYPE a gauge\na 1\na 2\n",   // a series twice
        "a 1\n",                        // no TYPE
        "# TYPE a gauge\na{x=\"1} 1\n", // unclosed
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n",
    ] {
        let refused = std::panic::catch_unwind(|| Text::parse(bad)).is_err();
        assert!(refused, "accepted {bad:?}");
    }
}
