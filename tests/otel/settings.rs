//! The `OTEL_*` variables as the runtime reads them: bad values are configuration
//! errors naming their variables (exit 78, all at once); nothing is installed without
//! an endpoint, with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`; the
//! headers are never printed.

use std::time::Duration;

use crate::helpers::{Callbacks, header, request};
use crate::support::otlp::{Behaviour, Protocol, Receiver};
use crate::support::process::{Proc, clean_command, config_errors, example, output_within};

/// Ten bad values, one per variable, and the text of a secret that must not show.
const BAD: [(&str, &str); 10] = [
    ("OTEL_SDK_DISABLED", "perhaps"),
    ("OTEL_TRACES_EXPORTER", "zipkin"),
    ("OTEL_TRACES_SAMPLER", "sometimes"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http"),
    ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr3t-value,broken"),
    ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s"),
    ("OTEL_RESOURCE_ATTRIBUTES", "team=%zz"),
    ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
    ("OTEL_BSP_SCHEDULE_DELAY", "soon"),
];

#[test]
fn ten_bad_values_are_all_named_and_exit_78() {
    let service = Proc::start("web", &BAD);
    let (status, lines) = service.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(78));
    let error = lines
        .iter()
        .find(|l| l["message"] == "configuration error")
        .unwrap_or_else(|| panic!("no configuration error line: {lines:#?}"));
    let errors = config_errors(error);
    for (var, _) in BAD {
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{var}: "))),
            "{var} not named in {errors:#?}"
        );
    }
    assert_eq!(errors.len(), BAD.len(), "{errors:#?}");
    assert_eq!(error["error_count"], BAD.len());
    let all = serde_json::to_string(&lines).expect("JSON");
    assert!(!all.contains("s3cr3t"), "{all}");
    // The accepted names are listed for the enums.
    let exporter = errors
        .iter()
        .find(|e| e.starts_with("OTEL_TRACES_EXPORTER"))
        .expect("named");
    assert!(
        exporter.contains("otlp") && exporter.contains("none"),
        "{exporter}"
    );
}

#[test]
fn the_sampler_argument_is_checked_only_for_a_ratio_sampler() {
    let service = Proc::start(
        "web",
        &[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "2"),
        ],
    );
    let (status, lines) = service.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(78));
    let text = serde_json::to_string(&lines).expect("JSON");
    assert!(
        text.contains("OTEL_TRACES_SAMPLER_ARG: invalid value \\\"2\\\""),
        "{text}"
    );

    // Another sampler: the argument is not read, the service starts.
    let mut service = Proc::start(
        "web",
        &[
            ("OTEL_TRACES_SAMPLER", "always_on"),
            ("OTEL_TRACES_SAMPLER_ARG", "2"),
        ],
    );
    service.wait_ready();
}

#[test]
fn check_config_never_prints_the_headers() {
    let mut cmd = clean_command(example("web"));
    cmd.arg("--check-config")
        .env("TWELVE_DOTENV", "0")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example")
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20s3cr3t-token",
        )
        .env("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-key=s3cr3t-other");
    let output = output_within(&mut cmd, Duration::from_secs(60), "web --check-config");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("s3cr3t"), "{text}");
    let report: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
    let vars = report["vars"].as_array().expect("vars");
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in the report"))
    };
    assert_eq!(var("OTEL_EXPORTER_OTLP_HEADERS")["value"], "[REDACTED]");
    assert_eq!(
        var("OTEL_EXPORTER_OTLP_TRACES_HEADERS")["value"],
        "[REDACTED]"
    );
    assert_eq!(
        var("OTEL_EXPORTER_OTLP_ENDPOINT")["value"],
        "https://collector.example"
    );
    // A malformed headers variable: an error that never shows the value either.
    let mut cmd = clean_command(example("web"));
    cmd.arg("--check-config")
        .env("TWELVE_DOTENV", "0")
        .env("OTEL_EXPORTER_OTLP_HEADERS", "authorization=s3cr3t,=s3cr3t");
    let output = output_within(&mut cmd, Duration::from_secs(60), "web --check-config");
    assert_eq!(output.status.code(), Some(78));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
}

/// Runs one request through a trace-service with `vars` (no endpoint of a test's
/// own); the `traceparent` it sent downstream, its lines and what `receiver` got.
fn one_call(vars: &[(&str, &str)]) -> (String, Vec<serde_json::Value>) {
    let mut service = Proc::start("trace-service", vars);
    service.wait_ready();
    let callbacks = Callbacks::start();
    let body = format!(r#"[{{"url": "{}", "arguments": []}}]"#, callbacks.url());
    assert_eq!(
        request(service.port, "POST", "/test", &[], Some(&body)).status,
        200
    );
    service.signal("TERM");
    let (status, lines) = service.wait_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    let sent = header(&callbacks.received()[0], "traceparent")
        .expect("traceparent")
        .to_owned();
    (sent, lines)
}

#[test]
fn without_an_endpoint_nothing_is_installed() {
    let (sent, lines) = one_call(&[]);
    // The trace twelve starts without OpenTelemetry: sampled and random.
    assert!(sent.ends_with("-03"), "{sent}");
    assert!(
        !lines.iter().any(|l| l["target"] == "twelve::otel"),
        "{lines:#?}"
    );
}

#[test]
fn disabled_or_none_exports_nothing_even_with_an_endpoint() {
    let receiver = Receiver::start(Protocol::HttpProtobuf, Behaviour::Accept);
    let endpoint = receiver.endpoint();
    for off in [
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_TRACES_EXPORTER", "none"),
    ] {
        let (sent, lines) = one_call(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint), off]);
        assert!(sent.ends_with("-03"), "{off:?}: {sent}");
        assert!(
            !lines.iter().any(|l| l["target"] == "twelve::otel"),
            "{off:?}"
        );
    }
    assert_eq!(receiver.requests(), 0);
}
