//! The line format: keys, values, levels, filters, extra layers, pretty output.

use std::sync::{Arc, Mutex};

use proptest::prelude::*;

use crate::{capture, first_keys, parsed, with_logs};

#[test]
fn line_format_of_the_design() {
    let (lines, builder) = capture();
    with_logs(builder.release(Some("r42".into())), || {
        let span = tracing::info_span!("request", correlation_id = "0193a1f0", route = "/orders");
        let _e = span.enter();
        tracing::info!(
            order_id = "a1b2c3",
            item_count = 3,
            ok = true,
            ratio = 0.5,
            "order confirmed"
        );
    });
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    assert_eq!(raw.matches('\n').count(), 1);
    assert!(raw.starts_with("{\"timestamp\":\""), "{raw}");
    let line = &parsed(&lines)[0];
    let ts = line["timestamp"].as_str().expect("timestamp");
    assert_eq!(ts.len(), 27, "{ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[19] == b'.', "{ts}");
    assert_eq!(line["level"], "info");
    assert_eq!(line["message"], "order confirmed");
    assert_eq!(line["target"], "logging::format");
    assert_eq!(line["service"], "order-service");
    assert_eq!(line["version"], "0.1.0");
    assert_eq!(line["release"], "r42");
    assert_eq!(line["correlation_id"], "0193a1f0");
    assert_eq!(line["route"], "/orders");
    assert_eq!(line["order_id"], "a1b2c3");
    assert_eq!(line["item_count"], 3);
    assert_eq!(line["ok"], true);
    assert_eq!(line["ratio"], 0.5);
    // Key order: core keys first, in this order.
    assert_eq!(
        first_keys(&raw, 6),
        [
            "timestamp",
            "level",
            "message",
            "target",
            "service",
            "version"
        ]
    );
}

#[test]
fn release_only_when_set_and_levels_lower_case() {
    let (lines, builder) = capture();
    with_logs(builder.level("trace"), || {
        tracing::trace!("t");
        tracing::debug!("d");
        tracing::warn!("w");
        tracing::error!("e");
    });
    let levels: Vec<String> = parsed(&lines)
        .iter()
        .inspect(|l| assert!(l.get("release").is_none()))
        .map(|l| l["level"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(levels, ["trace", "debug", "warn", "error"]);
}

#[test]
fn keys_are_unique_later_wins_core_keys_kept() {
    let (lines, builder) = capture();
    with_logs(builder, || {
        let outer = tracing::info_span!(
            "outer",
            user = "outer",
            a = 1,
            level = "span-level",
            message = "span-message"
        );
        let _o = outer.enter();
        let inner = tracing::info_span!("inner", user = "inner", b = tracing::field::Empty);
        let _i = inner.enter();
        inner.record("b", 2);
        inner.record("b", 3);
        tracing::info!(a = 10, service = "override", timestamp = "fake", "msg");
    });
    let line = &parsed(&lines)[0];
    assert_eq!(line["user"], "inner");
    assert_eq!(line["a"], 10);
    assert_eq!(line["b"], 3);
    assert_eq!(line["service"], "override");
    assert_eq!(line["level"], "info");
    assert_eq!(line["message"], "msg");
    assert_eq!(line["fields.level"], "span-level");
    // A span's `message` is one of its fields: renamed, the event's message kept.
    assert_eq!(line["fields.message"], "span-message");
    assert_eq!(line["fields.timestamp"], "fake");
    assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    // No duplicate keys in the raw text.
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    for key in ["\"user\":", "\"a\":", "\"b\":", "\"service\":"] {
        assert_eq!(raw.matches(key).count(), 1, "{key} in {raw}");
    }
}

#[test]
fn odd_values_stay_valid_json() {
    let (lines, builder) = capture();
    with_logs(builder, || {
        let bytes = b"\xff\x00\"quoted\"\n".to_vec();
        let err = std::io::Error::other("disk \"full\"");
        tracing::info!(
            nan = f64::NAN,
            inf = f64::INFINITY,
            big = u128::MAX,
            neg = i64::MIN,
            bytes = ?bytes,
            text = ?String::from_utf8_lossy(&bytes),
            error = &err as &dyn std::error::Error,
            "control \u{1} and \"quotes\" and \\ and\nnewline"
        );
    });
    let line = &parsed(&lines)[0];
    let raw = String::from_utf8(lines.lock().expect("lock").clone()).expect("utf-8");
    assert!(raw.contains(&format!("\"big\":{}", u128::MAX)), "{raw}");
    assert_eq!(line["nan"], "NaN");
    assert_eq!(line["inf"], "inf");
    assert_eq!(line["neg"], i64::MIN);
    assert_eq!(line["error"], "disk \"full\"");
    assert_eq!(
        line["message"],
        "control \u{1} and \"quotes\" and \\ and\nnewline"
    );
}

#[test]
fn filters_from_level_or_directives_with_errors_naming_the_variable() {
    let (lines, builder) = capture();
    with_logs(builder.level("warn"), || {
        tracing::info!("hidden");
        tracing::warn!("shown");
    });
    assert_eq!(parsed(&lines).len(), 1);

    let (lines, builder) = capture();
    with_logs(
        builder
            .level("error")
            .directives(Some("logging=debug".into())),
        || {
            tracing::debug!("shown by RUST_LOG");
            tracing::trace!("hidden");
        },
    );
    assert_eq!(parsed(&lines).len(), 1);

    let err = twelve::log::builder()
        .level("loud")
        .filter()
        .expect_err("bad");
    assert!(
        err.to_string()
            .starts_with("LOG_LEVEL: \"loud\" is not a level"),
        "{err}"
    );
    let err = twelve::log::builder()
        .directives(Some("a=notalevel".into()))
        .filter()
        .expect_err("bad");
    assert!(err.to_string().starts_with("RUST_LOG: "), "{err}");
}

#[test]
fn a_second_layer_sees_the_same_events() {
    use tracing_subscriber::Layer;

    struct Count(Arc<Mutex<Vec<String>>>);
    impl<S: tracing::Subscriber> Layer<S> for Count {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            if let Ok(mut seen) = self.0.lock() {
                seen.push(event.metadata().target().to_string());
            }
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (lines, builder) = capture();
    with_logs(builder.with_layer(Count(seen.clone())), || {
        tracing::info!("one");
        tracing::error!("two");
    });
    assert_eq!(parsed(&lines).len(), 2);
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[test]
fn pretty_format_and_format_names() {
    use twelve::log::Format;
    assert_eq!("PRETTY".parse::<Format>(), Ok(Format::Pretty));
    assert_eq!("json".parse::<Format>(), Ok(Format::Json));
    assert!("xml".parse::<Format>().is_err());
    // `FromStr` reads what the load (`ConfigValue`) does: case, `-` and `_` ignored.
    assert_eq!(" Pre_tty ".parse::<Format>(), Ok(Format::Pretty));
    assert_eq!(
        "xml".parse::<Format>(),
        Err("expected json or pretty".to_string())
    );
    // Pretty output is for humans; it builds and logs without error.
    let subscriber = twelve::log::builder()
        .format(Format::Pretty)
        .build()
        .expect("builds");
    tracing::subscriber::with_default(subscriber, || tracing::info!("for a human"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any string as message, event field, span field, or Debug of bytes: every line
    /// parses and gives the value back.
    #[test]
    fn any_content_round_trips(
        message in any::<String>(),
        field in any::<String>(),
        span_field in ".{0,2000}",
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (lines, builder) = capture();
        with_logs(builder, || {
            let span = tracing::info_span!("s", sf = span_field.as_str());
            let _e = span.enter();
            tracing::info!(f = field.as_str(), b = ?bytes, "{}", message);
        });
        let all = parsed(&lines);
        prop_assert_eq!(all.len(), 1);
        let line = &all[0];
        prop_assert_eq!(line["message"].as_str(), Some(message.as_str()));
        prop_assert_eq!(line["f"].as_str(), Some(field.as_str()));
        prop_assert_eq!(line["sf"].as_str(), Some(span_field.as_str()));
        let debug = format!("{bytes:?}");
        prop_assert_eq!(line["b"].as_str(), Some(debug.as_str()));
    }
}
