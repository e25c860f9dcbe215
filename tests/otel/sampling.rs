//! Sampling per `OTEL_TRACES_SAMPLER`: what is exported, and the `sampled` flag sent
//! downstream (the sampler's decision, with the level-2 `random` flag kept).

use std::time::Duration;

use crate::helpers::{Callbacks, header, request, start};
use crate::support::otlp::{Behaviour, Protocol, Receiver};

/// One request to a trace-service under `sampler` (`arg` its argument), with
/// `traceparent` when given; the flags it sent downstream and the spans of its trace
/// exported by the time it stopped (the flush at shutdown included).
fn run(sampler: &str, arg: Option<&str>, traceparent: Option<&str>) -> (String, usize) {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let mut vars = vec![("OTEL_TRACES_SAMPLER", sampler)];
    if let Some(arg) = arg {
        vars.push(("OTEL_TRACES_SAMPLER_ARG", arg));
    }
    let service = start("trace-service", &receiver, "http/protobuf", &vars, true);
    let callbacks = Callbacks::start();
    let body = format!(r#"[{{"url": "{}", "arguments": []}}]"#, callbacks.url());
    let headers: Vec<(&str, &str)> = traceparent
        .map(|t| ("traceparent", t))
        .into_iter()
        .collect();
    let answer = request(service.port, "POST", "/test", &headers, Some(&body));
    assert_eq!(answer.status, 200, "{}", answer.body);
    service.signal("TERM");
    let (status, _) = service.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let received = callbacks.received();
    let sent = header(&received[0], "traceparent").expect("traceparent sent");
    let trace_id = &sent[3..35];
    let of_trace = receiver
        .spans()
        .iter()
        .filter(|s| s.trace_id == trace_id)
        .count();
    (sent[53..].to_owned(), of_trace)
}

const SAMPLED: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const NOT_SAMPLED: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
const NOT_SAMPLED_RANDOM: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02";

#[test]
fn always_off_exports_nothing_and_sends_not_sampled_with_the_random_flag() {
    assert_eq!(run("always_off", None, None), ("02".into(), 0));
    // Even under a sampled caller: the sampler is not parent-based.
    assert_eq!(run("always_off", None, Some(SAMPLED)), ("00".into(), 0));
}

#[test]
fn always_on_samples_what_the_caller_did_not() {
    let (flags, spans) = run("always_on", None, Some(NOT_SAMPLED_RANDOM));
    assert_eq!(
        flags, "03",
        "sampled by this service, the caller's random flag kept"
    );
    assert_eq!(spans, 2, "the server and the client span");
}

#[test]
fn the_default_follows_the_caller() {
    assert_eq!(
        run("parentbased_always_on", None, Some(NOT_SAMPLED)),
        ("00".into(), 0)
    );
    assert_eq!(
        run("parentbased_always_on", None, Some(SAMPLED)),
        ("01".into(), 2)
    );
    // A new trace: sampled, and random (the SDK's trace IDs are).
    assert_eq!(run("parentbased_always_on", None, None), ("03".into(), 2));
    assert_eq!(run("parentbased_always_off", None, None), ("02".into(), 0));
    assert_eq!(
        run("parentbased_always_off", None, Some(SAMPLED)),
        ("01".into(), 2)
    );
}

#[test]
fn ratio_samplers_take_their_argument() {
    assert_eq!(run("traceidratio", Some("0"), None), ("02".into(), 0));
    assert_eq!(run("traceidratio", Some("1"), None), ("03".into(), 2));
    // No argument: a ratio of 1.
    assert_eq!(run("traceidratio", None, None), ("03".into(), 2));
    assert_eq!(
        run("parentbased_traceidratio", Some("0.0"), None),
        ("02".into(), 0)
    );
    assert_eq!(
        run("parentbased_traceidratio", Some("0.0"), Some(SAMPLED)),
        ("01".into(), 2)
    );
}

#[test]
fn a_ratio_samples_about_its_share_of_new_traces() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let web = start(
        "web",
        &receiver,
        "http/protobuf",
        &[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ],
        true,
    );
    let mut client = crate::support::process::Client::connect(web.port).expect("connect");
    let requests = 400;
    for _ in 0..requests {
        assert_eq!(client.get("/nowhere").expect("answer"), 404);
    }
    drop(client);
    web.signal("TERM");
    let (status, _) = web.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    // The 404s' spans (not those of the readiness polls).
    let sampled = receiver.spans().iter().filter(|s| s.name == "GET").count();
    // 100 expected; a binomial(400, 0.25) is within 60..140 but for 1 in 10^8 runs.
    assert!(
        (60..=140).contains(&sampled),
        "{sampled} of {requests} sampled"
    );
}
