//! What the tests of this binary share: a service started against a receiver, raw
//! HTTP/1.1 requests with the headers a test chooses, a callback server that records
//! the headers of the calls it receives, and lookups in log lines and spans.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::support::otlp::{ReceivedSpan, Receiver};
use crate::support::process::Proc;

/// The exports of a test come quickly: a batch every 50 ms.
pub(crate) const SCHEDULE_DELAY: &str = "50";

/// How long a test waits for spans.
pub(crate) const SPANS_WITHIN: Duration = Duration::from_secs(20);

/// Starts example `name` exporting to `receiver` over `protocol`, with `vars` on top,
/// and waits until it answers on `/health/ready` (or, `http` false, logs `started`).
pub(crate) fn start(
    name: &str,
    receiver: &Receiver,
    protocol: &str,
    vars: &[(&str, &str)],
    http: bool,
) -> Proc {
    let endpoint = receiver.endpoint();
    let mut all = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_BSP_SCHEDULE_DELAY", SCHEDULE_DELAY),
    ];
    all.extend_from_slice(vars);
    let mut service = Proc::start(name, &all);
    if http {
        service.wait_ready();
    } else {
        service.wait_ready_by_log();
    }
    service
}

/// One HTTP/1.1 response: status and headers (names in lower case).
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    /// The value of header `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `method path` on 127.0.0.1:`port` with `headers` (and `Host: 127.0.0.1:<port>`),
/// `body` as JSON when given; one connection, closed after the answer.
pub(crate) fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut text =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        text.push_str("\r\n");
    }
    stream.write_all(text.as_bytes()).expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The headers of one call, names in lower case.
pub(crate) type Headers = Vec<(String, String)>;

/// A server on 127.0.0.1 that answers every request 200 and keeps the headers of each
/// (names in lower case), for what a service sends downstream.
pub(crate) struct Callbacks {
    pub(crate) port: u16,
    received: Arc<Mutex<Vec<Headers>>>,
}

impl Callbacks {
    pub(crate) fn start() -> Callbacks {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received: Arc<Mutex<Vec<Headers>>> = Arc::default();
        let sink = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let sink = sink.clone();
                std::thread::spawn(move || serve(stream, &sink));
            }
        });
        Callbacks { port, received }
    }

    /// `http://127.0.0.1:<port>/callback`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// The headers of every call received so far.
    pub(crate) fn received(&self) -> Vec<Headers> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// Reads requests on one connection (keep-alive) and answers each 200.
fn serve(stream: TcpStream, sink: &Mutex<Vec<Headers>>) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse().unwrap_or(0);
                }
                headers.push((name, value.trim().to_owned()));
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if let Ok(mut sink) = sink.lock() {
            sink.push(headers);
        }
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// The value of header `name` among `headers`.
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The stdout lines of `service` so far, as JSON (lines that are not JSON are skipped).
pub(crate) fn json_lines(service: &Proc) -> Vec<Value> {
    service
        .lines()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The lines with `correlation_id` `id`.
pub(crate) fn lines_of(lines: &[Value], id: &str) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| l["correlation_id"] == id)
        .cloned()
        .collect()
}

/// The lines with `correlation_id` `id` once one of them says `message` (the reader
/// of the service's stdout may be behind the answer).
pub(crate) fn wait_lines(service: &Proc, id: &str, message: &str) -> Vec<Value> {
    let start = std::time::Instant::now();
    loop {
        let lines = lines_of(&json_lines(service), id);
        if lines.iter().any(|l| l["message"] == message) || start.elapsed() > SPANS_WITHIN {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The line with `message`.
pub(crate) fn line<'a>(lines: &'a [Value], message: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["message"] == message)
        .unwrap_or_else(|| panic!("no {message:?} line in {lines:#?}"))
}

/// The span named `name`.
pub(crate) fn span<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name:?} in {spans:#?}"))
}

/// The string attribute `key` of `span`.
pub(crate) fn text<'a>(span: &'a ReceivedSpan, key: &str) -> &'a str {
    span.attributes
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no text attribute {key} on {span:#?}"))
}

/// The integer attribute `key` of `span`.
pub(crate) fn int(span: &ReceivedSpan, key: &str) -> i64 {
    span.attributes
        .get(key)
        .and_then(|v| v.as_i64())
        .unwrap_or_else(|| panic!("no integer attribute {key} on {span:#?}"))
}

/// The spans of the trace `trace_id`.
pub(crate) fn of_trace(spans: &[ReceivedSpan], trace_id: &str) -> Vec<ReceivedSpan> {
    spans
        .iter()
        .filter(|s| s.trace_id == trace_id)
        .cloned()
        .collect()
}

/// Waits until the spans of trace `trace_id` number `n`, and returns them.
pub(crate) fn wait_trace(receiver: &Receiver, trace_id: &str, n: usize) -> Vec<ReceivedSpan> {
    let start = std::time::Instant::now();
    loop {
        let spans = of_trace(&receiver.spans(), trace_id);
        if spans.len() >= n {
            return spans;
        }
        if start.elapsed() > SPANS_WITHIN {
            panic!(
                "expected {n} spans of trace {trace_id}, got {spans:#?} (all: {:#?})",
                receiver.spans()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One request of a test: `method path` with `x-correlation-id: id`, `body` as JSON.
pub(crate) struct Call<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) id: &'a str,
    pub(crate) body: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub(crate) fn get(path: &'a str, id: &'a str) -> Self {
        Call {
            method: "GET",
            path,
            id,
            body: None,
        }
    }
}

/// Sends `call` to `service`, checks its answer is `status`, and returns the call's
/// lines (once `request finished` is logged) and the `n` spans exported of its trace,
/// whose ID the `request finished` line holds under `trace_key` (the schema's name).
pub(crate) fn traced(
    service: &Proc,
    receiver: &Receiver,
    call: Call<'_>,
    status: u16,
    trace_key: &str,
    n: usize,
) -> (Vec<Value>, Vec<ReceivedSpan>) {
    let headers = [("x-correlation-id", call.id)];
    let answer = request(service.port, call.method, call.path, &headers, call.body);
    assert_eq!(answer.status, status, "{}", answer.body);
    let lines = wait_lines(service, call.id, "request finished");
    let trace_id = line(&lines, "request finished")[trace_key]
        .as_str()
        .unwrap_or_else(|| panic!("no {trace_key} on the request line: {lines:#?}"))
        .to_owned();
    let spans = wait_trace(receiver, &trace_id, n);
    (lines, spans)
}
