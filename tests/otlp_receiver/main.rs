//! Self-tests of the OTLP receiver the other tests export to
//! (`tests/support/otlp.rs`): the official exporter (`opentelemetry-otlp`, with the
//! SDK's span data) sends real requests over each protocol, and the receiver must give
//! back exactly what was sent; it must refuse, hang and survive as its `Behaviour`
//! says; garbage gets 400, never a panic.
//!
//! - [`decode`]: names, kinds, IDs, parents, attributes, resource, scope, status,
//!   flags, tracestate, times and headers, per protocol, gzip too, and spans from an
//!   SDK tracer provider;
//! - [`behaviour`]: 503 and 500, a hanging receiver, one dropped while requests hang;
//! - [`garbage`]: malformed bodies, wrong content types, paths and methods, invalid
//!   spans, a gzip bomb; over gRPC too;
//! - [`json`]: the OTLP/JSON decoder against the specification's rules and against
//!   what the exporter's serializer writes.

#[path = "../support/mod.rs"]
mod support;

mod spans;

mod behaviour;
mod decode;
mod garbage;
mod json;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// The answer to one HTTP/1.1 request sent on a connection of its own.
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Sends one raw HTTP/1.1 request to 127.0.0.1:`port`.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the receiver");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\
         content-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send the head");
    stream.write_all(body).expect("send the body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let content_type = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-type")
            .then(|| value.trim().to_owned())
    });
    Answer {
        status,
        content_type,
        body: raw[split + 4..].to_vec(),
    }
}

/// `POST /v1/traces` with this content type and body.
fn post(port: u16, content_type: &str, body: &[u8]) -> Answer {
    request(
        port,
        "POST",
        "/v1/traces",
        &[("content-type", content_type)],
        body,
    )
}
