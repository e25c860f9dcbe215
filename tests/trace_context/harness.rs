//! The harness side of the W3C trace-context test suite (`test/test.py` and its
//! `tracecontext` package), in Rust: the service under test runs as a real process
//! (`trace-service`), the harness sends it the suite's requests over raw HTTP/1.1
//! (header names, casing, repetitions and whitespace exactly as the suite sends them),
//! receives its callbacks on a server of its own on 127.0.0.1, and reads their
//! `traceparent` and `tracestate` as the suite's `Traceparent` and `Tracestate` do.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};

use crate::support::otlp::{Behaviour, Protocol, Receiver};
use std::process::Stdio;

use crate::support::process::Proc;

/// The headers of one callback, in the order received, names in lower case.
pub(crate) type Headers = Vec<(String, String)>;

/// A started service and the harness's callback server.
pub(crate) struct Harness {
    service: Proc,
    callbacks: SocketAddr,
    received: Arc<Mutex<HashMap<String, Headers>>>,
    /// Runs the callback server (dropped after `service`: fields drop in order).
    _runtime: tokio::runtime::Runtime,
    next_scope: u64,
    /// The OTLP receiver the service exports to, in the run with `otel`.
    receiver: Option<Receiver>,
}

/// Set in the environment of the run of the suite whose services export their spans.
pub(crate) const EXPORTING: &str = "TWELVE_TRACE_CONTEXT_OTEL";

/// Set in the environment of the run of the suite against another build of the
/// service: the path of its binary (`the_suite_passes_without_otel`).
pub(crate) const SERVICE_BIN: &str = "TWELVE_TRACE_SERVICE_BIN";

/// Whether this run's services export their spans (feature `otel`).
fn exporting() -> bool {
    std::env::var_os(EXPORTING).is_some()
}

/// What the service answered to `POST /test`.
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// The response's headers, names in lower case.
    pub(crate) headers: Headers,
}

impl Harness {
    /// Starts the service and the callback server; checks the service answers an
    /// empty array (the suite's `setUpModule`).
    pub(crate) fn start() -> Harness {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the callback server");
        let received: Arc<Mutex<HashMap<String, Headers>>> = Arc::default();
        let state = received.clone();
        let callbacks = runtime.block_on(async move {
            let router = Router::new()
                .route("/callback/{id}", post(record))
                .with_state(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let addr = listener.local_addr().expect("local address");
            tokio::spawn(async move { axum::serve(listener, router).await });
            addr
        });
        // With `otel` (the run of `the_suite_passes_with_otel_exporting`), the service
        // exports its spans to a receiver of this harness.
        let receiver =
            exporting().then(|| Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept));
        let endpoint = receiver.as_ref().map(Receiver::endpoint);
        let mut vars = Vec::new();
        if let Some(endpoint) = &endpoint {
            vars.push(("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()));
            vars.push(("OTEL_BSP_SCHEDULE_DELAY", "50"));
        }
        let mut service = match std::env::var_os(SERVICE_BIN) {
            Some(program) => Proc::start_program(program.into(), &vars, Stdio::null()),
            None => Proc::start("trace-service", &vars),
        };
        service.wait_ready();
        let harness = Harness {
            service,
            callbacks,
            received,
            _runtime: runtime,
            next_scope: 0,
            receiver,
        };
        let (answer, _) = harness.post(&[], &json!([]));
        assert_eq!(answer.status, 200, "the service answers an empty array");
        if let Some(receiver) = &harness.receiver {
            // The service does export: the server span of that request arrives.
            let start = Instant::now();
            while !receiver.spans().iter().any(|s| s.name == "POST /test") {
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "no span of POST /test exported"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        harness
    }

    /// The suite's `make_request`: sends `headers` to the service with `count`
    /// callbacks to make; the headers of each callback, in order. Fails the test
    /// (with what was sent and received, as the suite's verbose text does) when a
    /// callback is missing.
    pub(crate) fn make_request(&mut self, headers: &[(&str, &str)], count: usize) -> Vec<Headers> {
        self.next_scope += 1;
        let scope = format!("{}-{}", std::process::id(), self.next_scope);
        let calls: Vec<Value> = (0..count)
            .map(|idx| {
                json!({
                    "url": format!("http://{}/callback/{scope}.{idx}", self.callbacks),
                    "arguments": [],
                })
            })
            .collect();
        let (answer, _) = self.post(headers, &Value::Array(calls));
        let received = self.received.lock().expect("lock");
        (0..count)
            .map(|idx| {
                received
                    .get(&format!("{scope}.{idx}"))
                    .cloned()
                    .unwrap_or_else(|| {
                        panic!(
                            "your test service failed to make a callback to the test harness: \
                             sent {headers:?}, the service answered {} {:?}",
                            answer.status, answer.headers
                        )
                    })
            })
            .collect()
    }

    /// The suite's `make_single_request_and_get_tracecontext`.
    pub(crate) fn single(&mut self, headers: &[(&str, &str)]) -> (Traceparent, Tracestate) {
        let callback = self.make_request(headers, 1).remove(0);
        (traceparent(&callback), tracestate(&callback))
    }

    /// `POST /test` with `headers` (written as given) and `body`; the answer and the
    /// correlation ID the service echoed.
    pub(crate) fn post(&self, headers: &[(&str, &str)], body: &Value) -> (Answer, Option<String>) {
        let body = body.to_string();
        let mut request = format!(
            "POST /test HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n",
            self.service.port,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.service.port)).expect("connect to the service");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read the answer");
        let text = String::from_utf8_lossy(&response);
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let echo = headers
            .iter()
            .find(|(n, _)| n == "x-correlation-id")
            .map(|(_, v)| v.clone());
        (Answer { status, headers }, echo)
    }

    /// The service's stdout lines so far (JSON), waiting up to 5 s for one that
    /// `until` accepts.
    pub(crate) fn log_lines(&self, until: impl Fn(&Value) -> bool) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let lines: Vec<Value> = self
                .service
                .lines()
                .iter()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            if lines.iter().any(&until) || start.elapsed() > Duration::from_secs(5) {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

async fn record(
    State(received): State<Arc<Mutex<HashMap<String, Headers>>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> &'static str {
    let headers: Headers = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Ok(mut received) = received.lock() {
        received.insert(id, headers);
    }
    "ok"
}

/// A `traceparent` as the suite's `Traceparent.from_string` reads one: exactly four
/// fields, version `00`, a 32-digit trace ID and a 16-digit parent ID in lower-case hex
/// (neither all zeros), two hex digits of flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Traceparent {
    pub(crate) trace_id: String,
    pub(crate) parent_id: String,
    pub(crate) flags: u8,
}

fn lower_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Traceparent {
    pub(crate) fn from_string(value: &str) -> Result<Traceparent, String> {
        let fields: Vec<&str> = value.split('-').collect();
        let [version, trace_id, parent_id, flags] = fields[..] else {
            return Err(format!("not four fields: {value:?}"));
        };
        if version != "00" {
            return Err(format!("unsupported version: {value:?}"));
        }
        if !lower_hex(trace_id, 32) || trace_id.bytes().all(|b| b == b'0') {
            return Err(format!("bad trace_id: {value:?}"));
        }
        if !lower_hex(parent_id, 16) || parent_id.bytes().all(|b| b == b'0') {
            return Err(format!("bad parent_id: {value:?}"));
        }
        if !lower_hex(flags, 2) {
            return Err(format!("bad trace_flags: {value:?}"));
        }
        let flags = u8::from_str_radix(flags, 16).map_err(|e| e.to_string())?;
        Ok(Traceparent {
            trace_id: trace_id.into(),
            parent_id: parent_id.into(),
            flags,
        })
    }
}

/// The suite's `get_traceparent`: exactly one `traceparent` header (any casing).
pub(crate) fn traceparent(headers: &Headers) -> Traceparent {
    let found: Vec<&(String, String)> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("traceparent"))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expect one traceparent header, got {found:?}"
    );
    Traceparent::from_string(&found[0].1).unwrap_or_else(|e| panic!("{e}"))
}

/// A `tracestate` as the suite's `Tracestate` reads one (`from_string`, here `add_header`, once per header): members split at optional
/// whitespace, a comma and optional whitespace; each non-empty member must be
/// `key=value` by the suite's grammar (else the test errs: the service sent an illegal
/// `tracestate`); of a key sent twice, the first is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tracestate {
    members: Vec<(String, String)>,
}

impl Tracestate {
    pub(crate) fn add_header(&mut self, value: &str) -> Result<(), String> {
        for member in split_members(value) {
            if member.is_empty() {
                continue;
            }
            let (key, value) = member
                .split_once('=')
                .filter(|(k, v)| is_key(k) && is_value(v))
                .ok_or_else(|| format!("illegal key-value format {member:?}"))?;
            if !self.members.iter().any(|(k, _)| k == key) {
                self.members.push((key.into(), value.into()));
            }
        }
        Ok(())
    }

    /// The value of `key`, as `tracestate[key]` (`None` where Python raises
    /// `KeyError`).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// `str(tracestate)`: the members joined with `,`.
    pub(crate) fn to_text(&self) -> String {
        self.members
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `re.split('[ \t]*,[ \t]*', value)`: at each comma, the spaces and tabs around it
/// go too.
fn split_members(value: &str) -> Vec<&str> {
    let parts: Vec<&str> = value.split(',').collect();
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let part = if i > 0 {
                part.trim_start_matches([' ', '\t'])
            } else {
                part
            };
            if i < last {
                part.trim_end_matches([' ', '\t'])
            } else {
                part
            }
        })
        .collect()
}

fn is_keychar(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || "_-*/".contains(c)
}

/// `[a-z][_0-9a-z\-\*\/]{0,255}` or `[0-9a-z][_0-9a-z\-\*\/]{0,240}@[a-z][_0-9a-z\-\*\/]{0,13}`.
fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    let simple = key.len() <= 256
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(is_keychar);
    let vendor = key.split_once('@').is_some_and(|(tenant, system)| {
        let mut t = tenant.chars();
        let mut s = system.chars();
        (1..=241).contains(&tenant.len())
            && t.next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && t.all(is_keychar)
            && (1..=14).contains(&system.len())
            && s.next().is_some_and(|c| c.is_ascii_lowercase())
            && s.all(is_keychar)
    });
    simple || vendor
}

/// `[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]`.
fn is_value(value: &str) -> bool {
    let allowed = |c: char| (' '..='~').contains(&c) && c != ',' && c != '=';
    (1..=256).contains(&value.len()) && value.chars().all(allowed) && !value.ends_with(' ')
}

/// The suite's `get_tracestate`: every `tracestate` header (any casing), in order.
pub(crate) fn tracestate(headers: &Headers) -> Tracestate {
    let mut tracestate = Tracestate::default();
    for (_, value) in headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("tracestate"))
    {
        tracestate
            .add_header(value)
            .unwrap_or_else(|e| panic!("the service sent an illegal tracestate: {e}"));
    }
    tracestate
}

#[test]
fn the_harness_reads_as_the_suite_does() {
    assert!(
        Traceparent::from_string("00-12345678901234567890123456789012-1234567890123456-01").is_ok()
    );
    for bad in [
        "01-12345678901234567890123456789012-1234567890123456-01",
        "00-12345678901234567890123456789012-1234567890123456-01-x",
        "00-00000000000000000000000000000000-1234567890123456-01",
        "00-12345678901234567890123456789012-0000000000000000-01",
        "00-1234567890123456789012345678901A-1234567890123456-01",
    ] {
        assert!(Traceparent::from_string(bad).is_err(), "{bad}");
    }
    let mut state = Tracestate::default();
    state
        .add_header("foo=1 \t , \t bar=2,foo=3")
        .expect("valid");
    assert_eq!(state.to_text(), "foo=1,bar=2");
    assert_eq!(split_members("a=1 , b=2\t,\tc=3"), ["a=1", "b=2", "c=3"]);
    assert!(Tracestate::default().add_header("FOO=1").is_err());
    assert!(Tracestate::default().add_header("foo=bar=baz").is_err());
}
