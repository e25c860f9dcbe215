//! `range`, field `validate` and struct `validate`: reported with every other problem
//! of the load, each naming its variables by their full names; a secret's value never
//! printed.

use std::time::Duration;

use twelve::config::Invalid;
use twelve::{Config, Secret};

// Fields the tests read only through the report or errors.
#[allow(dead_code)]
#[derive(Config, Debug)]
#[config(prefix = "APP_", validate = pool_fits)]
struct Settings {
    #[config(range = 1..=64, default = 8)]
    workers: u16,
    #[config(range = "100ms"..="30s", default = "2s")]
    timeout: Duration,
    #[config(range = 0.0..=1.0)]
    ratio: Option<f64>,
    #[config(range = 1024..)]
    port: Option<u32>,
    #[config(validate = strong)]
    password: Option<Secret<String>>,
    #[config(validate = no_trailing_slash, default = "https://x.example")]
    base_url: String,
    #[config(default = 10)]
    pool: u32,
    #[config(default = 100)]
    max_connections: u32,
    #[config(nested)]
    tls: Tls,
}

// Fields the tests read only through the report or errors.
#[allow(dead_code)]
#[derive(Config, Debug)]
#[config(validate = tls_pair)]
struct Tls {
    cert: Option<String>,
    key: Option<Secret<String>>,
}

fn strong(password: &Secret<String>) -> Result<(), String> {
    let p = password.expose();
    if p.len() < 8 {
        // A careless message that quotes the value: it is taken out.
        return Err(format!("{p:?} is shorter than 8 characters"));
    }
    Ok(())
}

fn no_trailing_slash(url: &str) -> Result<(), &'static str> {
    if url.ends_with('/') {
        return Err("must not end with `/`");
    }
    Ok(())
}

fn pool_fits(s: &Settings) -> Result<(), Invalid> {
    if s.pool > s.max_connections {
        return Err(Invalid::new(
            ["pool", "max_connections"],
            "the pool can't be larger than the connection limit",
        ));
    }
    Ok(())
}

fn tls_pair(tls: &Tls) -> Result<(), Invalid> {
    if tls.cert.is_some() != tls.key.is_some() {
        let secret = tls.key.as_ref().map(|k| k.expose().as_str()).unwrap_or("");
        return Err(Invalid::new(
            ["cert", "KEY"],
            format!("give both or neither (key {secret})"),
        ));
    }
    Ok(())
}

fn problems(vars: &[(&str, &str)]) -> Vec<String> {
    Settings::from_vars(vars.iter().copied())
        .expect_err("bad")
        .errors()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn values_in_range_load() {
    let s = Settings::from_vars([
        ("APP_WORKERS", "64"),
        ("APP_TIMEOUT", "100ms"),
        ("APP_RATIO", "1"),
        ("APP_PORT", "1024"),
        ("APP_PASSWORD", "long enough"),
    ])
    .expect("loads");
    assert_eq!(
        (s.workers, s.timeout, s.port),
        (64, Duration::from_millis(100), Some(1024))
    );
}

#[test]
fn a_range_miss_at_both_ends_is_reported() {
    assert_eq!(
        problems(&[
            ("APP_WORKERS", "0"),
            ("APP_TIMEOUT", "31s"),
            ("APP_RATIO", "1.5"),
            ("APP_PORT", "80")
        ]),
        [
            "APP_WORKERS: invalid value \"0\": out of range: must be between 1 and 64 (expected u16)",
            "APP_TIMEOUT: invalid value \"31s\": out of range: must be between 100ms and 30s (expected Duration)",
            "APP_RATIO: invalid value \"1.5\": out of range: must be between 0.0 and 1.0 (expected Option<f64>)",
            "APP_PORT: invalid value \"80\": out of range: must be at least 1024 (expected Option<u32>)",
        ]
    );
    assert_eq!(
        problems(&[("APP_WORKERS", "65"), ("APP_TIMEOUT", "99ms")]),
        [
            "APP_WORKERS: invalid value \"65\": out of range: must be between 1 and 64 (expected u16)",
            "APP_TIMEOUT: invalid value \"99ms\": out of range: must be between 100ms and 30s (expected Duration)",
        ]
    );
}

#[test]
fn a_validator_error_on_a_secret_does_not_print_the_value() {
    let text = problems(&[("APP_PASSWORD", "hunter2")]);
    assert_eq!(
        text,
        [
            "APP_PASSWORD: invalid value (secret, not shown): \"[REDACTED]\" is shorter than 8 characters (expected Option<Secret<String>>)"
        ]
    );
}

#[test]
fn field_validators_and_parse_errors_are_reported_together() {
    let text = problems(&[("APP_BASE_URL", "https://x/"), ("APP_WORKERS", "many")]);
    assert_eq!(
        text,
        [
            "APP_WORKERS: invalid value \"many\": expected a whole number (expected u16)",
            "APP_BASE_URL: invalid value \"https://x/\": must not end with `/` (expected String)",
        ]
    );
}

#[test]
fn a_cross_field_validator_names_both_variables_by_full_name() {
    assert_eq!(
        problems(&[("APP_POOL", "200")]),
        ["APP_POOL, APP_MAX_CONNECTIONS: the pool can't be larger than the connection limit"]
    );
    // Nested: the prefix of the nesting applies; a secret quoted by the message is
    // taken out. Field names and variable names both work.
    let text = problems(&[("APP_TLS_KEY", "s3cret-key")]);
    assert_eq!(
        text,
        ["APP_TLS_CERT, APP_TLS_KEY: give both or neither (key [REDACTED])"]
    );
    let err = Settings::from_vars([("APP_TLS_KEY", "s3cret-key")]).expect_err("bad");
    let problem = err.errors().next().expect("one");
    assert_eq!(problem.var(), Some("APP_TLS_CERT"));
    assert!(matches!(
        problem.kind(),
        twelve::config::ProblemKind::Rule { vars, .. } if vars == &["APP_TLS_CERT", "APP_TLS_KEY"]
    ));
}

#[test]
fn a_struct_validator_runs_only_when_every_field_parsed() {
    // The pool is too large, but a field failed: only the field's problem.
    assert_eq!(
        problems(&[("APP_POOL", "200"), ("APP_WORKERS", "0")]),
        ["APP_WORKERS: invalid value \"0\": out of range: must be between 1 and 64 (expected u16)"]
    );
}
