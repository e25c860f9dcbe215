//! `LOG_SCHEMA=ecs` lines checked against the ecs-logging specification itself
//! (elastic/ecs-logging `spec/spec.json`), read at test time from `shared/specs/` next
//! to the repository (never copied into it). The checker knows no field by name: it
//! applies the specification's rules to whatever fields the specification lists.
//!
//! - `required`: the field is there;
//! - `type`: `string`, `integer`, `object` (a nested object, or dotted keys under the
//!   name), `datetime` (RFC 3339, UTC);
//! - `index`: the field is the line's `index`-th key (`@timestamp`, `log.level`,
//!   `message` first, in that order);
//! - `top_level_field`: the field is a top-level key with a dot in its name, never
//!   nested objects;
//! - `sanitization` of keys: no key under the field (`labels.<key>`) holds one of the
//!   replaced characters.

use std::path::PathBuf;

use serde_json::Value;
use twelve::correlation::{self, Context, CorrelationId, TraceContext};
use twelve::log::Schema;

use crate::{TRACEPARENT, capture, current_thread, first_keys, raw, strict, with_logs};

/// `shared/specs/ecs-logging-spec.json` in the first ancestor of the workspace root
/// that has it: `../shared` of a clone, `../../shared` of a worktree in `wt/<name>`.
pub(crate) fn spec_path() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    root.ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/specs/ecs-logging-spec.json"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the ecs-logging specification is not in shared/specs/ beside {} or any \
                 folder above it",
                root.display()
            )
        })
}

/// The specification, parsed.
pub(crate) fn spec() -> Value {
    let path = spec_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of `name` in `line`: the dotted top-level key, or the nested path; for an
/// `object` field, the object its dotted children make up.
fn lookup<'a>(line: &'a serde_json::Map<String, Value>, name: &str) -> Option<Found<'a>> {
    if let Some(value) = line.get(name) {
        return Some(Found::TopLevel(value));
    }
    let mut parts = name.split('.');
    let mut current = line.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(Found::Nested(current))
}

enum Found<'a> {
    TopLevel(&'a Value),
    Nested(&'a Value),
}

impl<'a> Found<'a> {
    fn value(&self) -> &'a Value {
        match self {
            Found::TopLevel(v) | Found::Nested(v) => v,
        }
    }
}

/// `2026-11-27T23:00:00.123456Z`: RFC 3339 in UTC, digits where digits go.
fn is_datetime(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && text.ends_with('Z')
        && (b.len() == 20 || (b[19] == b'.' && digits(20..b.len() - 1) && b.len() > 21))
}

/// Every rule of the specification that `raw_line` breaks (empty when it conforms).
pub(crate) fn violations(spec: &Value, raw_line: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let line = match strict::parse(raw_line) {
        Ok(Value::Object(line)) => line,
        Ok(other) => return vec![format!("not an object: {other}")],
        Err(e) => return vec![e],
    };
    let order = first_keys(raw_line, line.len());
    let fields = spec["fields"].as_object().expect("the spec lists fields");
    for (name, rules) in fields {
        let found = lookup(&line, name);
        let required = rules["required"].as_bool().unwrap_or(false);
        let children: Vec<&String> = line
            .keys()
            .filter(|k| {
                k.strip_prefix(name.as_str())
                    .is_some_and(|r| r.starts_with('.'))
            })
            .collect();
        let Some(found) = found else {
            if required {
                problems.push(format!("{name}: required, missing"));
            }
            if rules["type"] == "object" {
                check_sanitized(
                    &mut problems,
                    name,
                    rules,
                    children.iter().map(|k| &k[name.len() + 1..]),
                );
            }
            continue;
        };
        let value = found.value();
        let type_ok = match rules["type"].as_str() {
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("datetime") => value.as_str().is_some_and(is_datetime),
            Some("object") => value.is_object(),
            other => panic!("{name}: a type the checker does not know: {other:?}"),
        };
        if !type_ok {
            problems.push(format!("{name}: {value} is not of type {}", rules["type"]));
        }
        if rules["type"] == "object" {
            if let Some(object) = value.as_object() {
                check_sanitized(
                    &mut problems,
                    name,
                    rules,
                    object.keys().map(String::as_str),
                );
            }
        }
        if rules["top_level_field"] == true {
            if !matches!(found, Found::TopLevel(_)) {
                problems.push(format!("{name}: must be a top-level dotted key, is nested"));
            }
            let head = name.split('.').next().unwrap_or_default();
            if line.get(head).is_some_and(Value::is_object) {
                problems.push(format!("{name}: {head:?} must not be a nested object"));
            }
        }
        if let Some(index) = rules["index"].as_u64() {
            let at = order.get(usize::try_from(index).unwrap_or(usize::MAX));
            if at.map(String::as_str) != Some(name.as_str()) {
                problems.push(format!(
                    "{name}: must be key number {index}, keys are {order:?}"
                ));
            }
        }
    }
    problems
}

/// The sanitization rules of an object's keys: none holds a replaced character.
fn check_sanitized<'a>(
    problems: &mut Vec<String>,
    name: &str,
    rules: &Value,
    keys: impl Iterator<Item = &'a str>,
) {
    let replaced: Vec<&str> = rules["sanitization"]["key"]["replacements"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for key in keys {
        if replaced.iter().any(|r| key.contains(r)) {
            problems.push(format!("{name}: key {key:?} holds one of {replaced:?}"));
        }
    }
}

#[test]
fn the_checker_finds_what_breaks_the_spec() {
    let spec = spec();
    let good = r#"{"@timestamp":"2026-11-27T23:00:00.123456Z","log.level":"info","message":"m","ecs.version":"8.11.0","log.origin.file.line":3,"labels.release":"r"}"#;
    assert_eq!(violations(&spec, good), Vec::<String>::new());
    for (bad, rule) in [
        (
            r#"{"log.level":"info","@timestamp":"2026-11-27T23:00:00Z","message":"m","ecs.version":"1"}"#,
            "must be key number 0",
        ),
        (
            r#"{"@timestamp":"2026-11-27T23:00:00Z","log":{"level":"info"},"message":"m","ecs.version":"1"}"#,
            "must be a top-level dotted key",
        ),
        (
            r#"{"@timestamp":"2026-11-27T23:00:00Z","log.level":"info","message":"m"}"#,
            "ecs.version: required",
        ),
        (
            r#"{"@timestamp":"yesterday","log.level":"info","message":"m","ecs.version":"1"}"#,
            "not of type",
        ),
        (
            r#"{"@timestamp":"2026-11-27T23:00:00Z","log.level":"info","message":5,"ecs.version":"1"}"#,
            "message: 5 is not of type",
        ),
        (
            r#"{"@timestamp":"2026-11-27T23:00:00Z","log.level":"info","message":"m","ecs.version":"1","log.origin.file.line":"3"}"#,
            "log.origin.file.line",
        ),
        (
            r#"{"@timestamp":"2026-11-27T23:00:00Z","log.level":"info","message":"m","ecs.version":"1","labels.a.b":"x"}"#,
            "labels: key \"a.b\"",
        ),
        (
            r#"{"@timestamp":"2026-11-27T23:00:00Z","log.level":"info","message":"m","ecs.version":"1","error":{"message":5}}"#,
            "error.message",
        ),
        (
            r#"{"@timestamp":"2026-11-27T23:00:00Z","log.level":"info","message":"m","message":"n","ecs.version":"1"}"#,
            "twice",
        ),
    ] {
        let found = violations(&spec, bad);
        assert!(
            found.iter().any(|p| p.contains(rule)),
            "{rule} in {found:?} of {bad}"
        );
    }
}

/// ECS lines of every kind twelve writes, each checked against the specification.
#[test]
fn ecs_lines_conform_to_the_ecs_logging_spec() {
    let spec = spec();
    let (lines, builder) = capture();
    let builder = builder.schema(Schema::Ecs).release(Some("r7".into()));
    let context = Context {
        id: CorrelationId::parse("c-1").expect("valid"),
        trace: TraceContext::parse_traceparent(TRACEPARENT).expect("valid"),
    };
    with_logs(builder.level("trace"), || {
        tracing::info!("outside any scope");
        tracing::trace!(n = 1, "every level");
        tracing::debug!("every level");
        tracing::warn!("every level");
        current_thread().block_on(correlation::scope_context(context, async {
            let err = std::io::Error::other("disk full");
            tracing::error!(error = &err as &dyn std::error::Error, "write failed");
            tracing::error!(error = %err, "write failed, as Display");
            tracing::info!(message = 5, "ignored");
            tracing::info!(labels.team = "orders", "labelled");
            // The kinds twelve writes itself, as it writes them.
            tracing::event!(
                target: "twelve::panic",
                tracing::Level::ERROR,
                panic.message = "boom",
                panic.location = "src/main.rs:1:1",
                panic.backtrace = "0: main",
                "panic"
            );
            tracing::error!(
                target: "twelve::config",
                error_count = 2,
                errors = "PORT: invalid value\nX: missing",
                exit_code = 78,
                "configuration error"
            );
        }));
    });
    let text = raw(&lines);
    assert_eq!(text.lines().count(), 10, "{text}");
    for line in text.lines() {
        assert_eq!(violations(&spec, line), Vec::<String>::new(), "{line}");
    }
    // Request lines are checked in `request_lines`, panics of real processes in
    // `processes`, with the same checker.
}
