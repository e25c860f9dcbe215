//! Integration tests of `#[derive(Config)]` and the config runtime, through the facade.
//!
//! Tests that need the real process environment or a working directory run the test
//! binary again as a child process (see `child`, and `support::child`), so no test
//! mutates this process's environment.

use std::ffi::OsStr;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use proptest::prelude::*;
use twelve::config::{ConfigError, DefaultValue, ProblemKind, Source, VarInfo};
use twelve::{Config, Secret};

#[path = "../support/mod.rs"]
mod support;

/// Settings of the order service, as in DESIGN.md.
#[derive(Config, Debug)]
struct Settings {
    /// Postgres connection string.
    database_url: Secret<String>,
    /// How long one upstream call may take.
    #[config(default = "2s")]
    upstream_timeout: Duration,
    /// Origins allowed by CORS, comma separated.
    #[config(default = "")]
    allowed_origins: Vec<String>,
    /// Turns the new checkout flow on.
    feature_new_checkout: Option<bool>,
    #[config(nested)]
    smtp: Smtp,
}

#[derive(Config, Debug)]
struct Smtp {
    host: String,
    #[config(default = 1025)]
    port: u16,
}

fn problems(err: &ConfigError) -> Vec<String> {
    err.errors().map(ToString::to_string).collect()
}

fn vars_of(err: &ConfigError) -> Vec<&str> {
    err.errors().filter_map(|p| p.var()).collect()
}

const MINIMAL: [(&str, &str); 2] = [
    ("DATABASE_URL", "postgres://u:pw@db/orders"),
    ("SMTP_HOST", "mail"),
];

#[test]
fn loads_the_design_example() {
    let s = Settings::from_vars(MINIMAL).expect("loads");
    assert_eq!(s.database_url.expose(), "postgres://u:pw@db/orders");
    assert_eq!(s.upstream_timeout, Duration::from_secs(2));
    assert!(s.allowed_origins.is_empty());
    assert_eq!(s.feature_new_checkout, None);
    assert_eq!((s.smtp.host.as_str(), s.smtp.port), ("mail", 1025));
    let debug = format!("{s:?}");
    assert!(
        debug.contains("Secret([REDACTED])") && !debug.contains("pw@db"),
        "{debug}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = Settings::from_vars([
        ("UPSTREAM_TIMEOUT", "30"),
        ("FEATURE_NEW_CHECKOUT", "maybe"),
        ("SMTP_PORT", "70000"),
    ])
    .expect_err("bad");
    assert_eq!(
        vars_of(&err),
        [
            "DATABASE_URL",
            "UPSTREAM_TIMEOUT",
            "FEATURE_NEW_CHECKOUT",
            "SMTP_HOST",
            "SMTP_PORT"
        ]
    );
    assert_eq!(err.len(), 5);
    let text = err.to_string();
    assert_eq!(text.lines().count(), 5, "one problem per line:\n{text}");
    assert_eq!(
        problems(&err),
        [
            "DATABASE_URL: required but not set (expected Secret<String>)",
            "UPSTREAM_TIMEOUT: invalid value \"30\": a unit is required (use ns, us, ms, s, m, h or d, e.g. 250ms, 30s, 1h30m) (expected Duration)",
            "FEATURE_NEW_CHECKOUT: invalid value \"maybe\": expected true/false, 1/0, yes/no or on/off (expected Option<bool>)",
            "SMTP_HOST: required but not set (expected String)",
            "SMTP_PORT: invalid value \"70000\": out of range: must be between 0 and 65535 (expected u16)",
        ]
    );
    assert!(matches!(
        err.errors().next().map(|p| p.kind()),
        Some(ProblemKind::Missing)
    ));
    assert_eq!(err.errors().nth(4).map(|p| p.expected()), Some("u16"));
}

#[test]
fn empty_counts_as_unset() {
    // A required variable set to empty is missing; an Option set to empty is None; a
    // default applies.
    let err = Settings::from_vars([("DATABASE_URL", ""), ("SMTP_HOST", "")]).expect_err("missing");
    assert_eq!(vars_of(&err), ["DATABASE_URL", "SMTP_HOST"]);
    let s = Settings::from_vars([
        ("DATABASE_URL", "x"),
        ("SMTP_HOST", "h"),
        ("FEATURE_NEW_CHECKOUT", ""),
        ("UPSTREAM_TIMEOUT", ""),
        ("SMTP_PORT", ""),
    ])
    .expect("loads");
    assert_eq!(s.feature_new_checkout, None);
    assert_eq!(s.upstream_timeout, Duration::from_secs(2));
    assert_eq!(s.smtp.port, 1025);
}

mod names;

mod types;

mod bad_input;

mod vars_and_example;

mod enums;

mod maps;

mod validation;

mod sources;

mod release;

mod secrecy;

/// Fully qualified paths only: the derive must not rely on the prelude.
#[allow(dead_code)]
mod no_prelude {
    #![no_implicit_prelude]

    #[derive(::twelve::Config)]
    pub(super) struct NoPrelude {
        pub(super) name: ::std::string::String,
        #[config(default = 3)]
        pub(super) n: u8,
        pub(super) list: ::std::vec::Vec<::std::string::String>,
        pub(super) opt: ::std::option::Option<::twelve::Secret<::std::string::String>>,
        #[config(nested)]
        pub(super) inner: Inner,
    }

    #[derive(::twelve::Config)]
    #[config(crate = "::twelve")]
    pub(super) struct Inner {
        #[config(from_str, default = "1.5")]
        pub(super) x: f32,
    }
}

#[test]
fn derive_works_without_the_prelude() {
    let s = no_prelude::NoPrelude::from_vars([("NAME", "n"), ("LIST", "a,b"), ("INNER_X", "2")])
        .expect("loads");
    assert_eq!(
        (s.name.as_str(), s.n, s.list.len(), s.inner.x),
        ("n", 3, 2, 2.0)
    );
}

// ---- the real process environment and working directory, in a child process ----

/// Runs the `#[ignore]`d child entry `name` of this binary in a child process
/// (`support::child`) with `vars` set and `dir` as working directory, and returns its
/// output.
fn child(name: &str, dir: &Path, vars: &[(&str, &OsStr)]) -> String {
    let mut cmd = support::child::command(name);
    cmd.current_dir(dir).env_remove("TWELVE_DOTENV");
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_some_and(|k| {
            ["PORT", "TOKEN", "TIMEOUT", "BIND", "VERBOSE"]
                .iter()
                .any(|p| k.starts_with(p))
        }) {
            cmd.env_remove(k);
        }
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = support::process::output_within(&mut cmd, Duration::from_secs(60), "a child test");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 passed"),
        "child {name} did not run:\n{stdout}"
    );
    stdout
}

#[derive(Config, Debug)]
struct Env {
    port: u16,
    token: Secret<String>,
    verbose: Option<bool>,
}

/// The child of the `from_env_*` tests: loads `Env` from the real environment and
/// prints the outcome.
#[test]
#[ignore = "a child process of the from_env_* tests"]
fn child_from_env() {
    support::child::enter("the from_env_* tests");
    match Env::from_env() {
        Ok(e) => println!(
            "LOADED port={} token={} verbose={:?}",
            e.port,
            e.token.expose(),
            e.verbose
        ),
        Err(e) => println!("ERROR {}", e.to_string().replace('\n', " | ")),
    }
}

#[test]
fn from_env_reads_process_env_files_and_dotenv() {
    let dir = temp_dir("from-env");
    std::fs::write(dir.join("token"), "file-token\n").expect("write");
    std::fs::write(
        dir.join(".env"),
        "PORT=7\nVERBOSE=yes\nTOKEN=dotenv-token\n",
    )
    .expect("write");
    let token_file = dir.join("token");

    // The real environment wins over .env; TOKEN_FILE (real) wins over TOKEN in .env.
    let out = child(
        "child_from_env",
        &dir,
        &[
            ("PORT", OsStr::new("8080")),
            ("TOKEN_FILE", token_file.as_os_str()),
        ],
    );
    assert!(
        out.contains("LOADED port=8080 token=file-token verbose=Some(true)"),
        "{out}"
    );

    // TWELVE_DOTENV=0: the file is ignored.
    let out = child(
        "child_from_env",
        &dir,
        &[
            ("TWELVE_DOTENV", OsStr::new("0")),
            ("PORT", OsStr::new("1")),
        ],
    );
    assert!(out.contains("ERROR TOKEN: required but not set"), "{out}");

    // No .env at all, nothing set: every problem at once.
    let empty = temp_dir("from-env-empty");
    let out = child("child_from_env", &empty, &[]);
    assert!(
        out.contains("ERROR PORT: required but not set (expected u16) | TOKEN: required"),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn from_env_rejects_non_utf8_without_panicking() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp_dir("non-utf8");
    let out = child(
        "child_from_env",
        &dir,
        &[
            ("PORT", OsStr::from_bytes(b"\xff")),
            ("TOKEN", OsStr::from_bytes(b"s\xffcret")),
        ],
    );
    assert!(
        out.contains("ERROR PORT: invalid value \"\u{fffd}\": not valid UTF-8 (expected u16)"),
        "{out}"
    );
    assert!(
        out.contains("TOKEN: invalid value (secret, not shown): not valid UTF-8"),
        "{out}"
    );
}

#[test]
fn from_env_with_a_broken_dotenv_still_loads_the_real_env() {
    let dir = temp_dir("broken-dotenv");
    std::fs::write(dir.join(".env"), "VERBOSE=on\nBROKEN LINE\n").expect("write");
    let out = child(
        "child_from_env",
        &dir,
        &[("PORT", OsStr::new("1")), ("TOKEN", OsStr::new("t"))],
    );
    assert!(
        out.contains("LOADED port=1 token=t verbose=Some(true)"),
        "{out}"
    );
    let out = child("child_from_env", &dir, &[("PORT", OsStr::new("1"))]);
    assert!(
        out.contains(
            "ERROR TOKEN: required but not set (expected Secret<String>) | .env:2: invalid syntax"
        ),
        "{out}"
    );
}

// ---- property tests ----

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Everything {
    s: Option<String>,
    i: Option<i32>,
    u: Option<u64>,
    f: Option<f64>,
    b: Option<bool>,
    c: Option<char>,
    ip: Option<IpAddr>,
    addr: Option<SocketAddr>,
    d: Option<Duration>,
    list: Option<Vec<i16>>,
    #[config(separator = "::")]
    words: Option<Vec<String>>,
    secret_d: Option<Secret<Duration>>,
    secret_n: Option<Secret<u8>>,
    secret_list: Option<Secret<Vec<u16>>>,
    secret_s: Secret<String>,
}

const EVERY_VAR: [&str; 15] = [
    "S",
    "I",
    "U",
    "F",
    "B",
    "C",
    "IP",
    "ADDR",
    "D",
    "LIST",
    "WORDS",
    "SECRET_D",
    "SECRET_N",
    "SECRET_LIST",
    "SECRET_S",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any text in any variable: never a panic, and a problem per bad variable.
    #[test]
    fn any_text_in_any_variable(values in proptest::collection::vec(any::<String>(), 15)) {
        let pairs: Vec<(&str, &str)> = EVERY_VAR.iter().copied().zip(values.iter().map(String::as_str)).collect();
        match Everything::from_vars(pairs) {
            Ok(_) => {}
            Err(e) => {
                prop_assert!(!e.is_empty());
                for p in e.errors() {
                    prop_assert!(p.var().is_some_and(|v| EVERY_VAR.contains(&v)));
                }
            }
        }
    }

    /// Texts made to look like values (digits, units, separators): still no panic.
    #[test]
    fn value_like_text(values in proptest::collection::vec("[0-9a-z.:,;\\\\ \\-\\[\\]]{0,24}", 15)) {
        let pairs: Vec<(&str, &str)> = EVERY_VAR.iter().copied().zip(values.iter().map(String::as_str)).collect();
        let _ = Everything::from_vars(pairs);
    }

    /// Whatever the secrets hold, no error text contains them.
    #[test]
    fn secrets_never_appear_in_errors(
        secret in "[0-9a-zA-Z .,:;\\-]{0,40}",
        other in any::<String>(),
    ) {
        let marked = format!("s3cr3t-{secret}");
        let pairs = [
            ("SECRET_D", marked.as_str()),
            ("SECRET_N", marked.as_str()),
            ("SECRET_LIST", marked.as_str()),
            ("SECRET_S", marked.as_str()),
            ("I", other.as_str()),
        ];
        if let Err(e) = Everything::from_vars(pairs) {
            let text = format!("{e} {e:?}");
            prop_assert!(!text.contains(&marked), "{}", text);
            prop_assert!(!text.contains("s3cr3t"), "{}", text);
        }
        // Nor does the report, its warnings, or the error it comes with.
        let (result, report) = Everything::load_report_from(&Source::from_vars(pairs));
        let mut text = format!("{report:?} {result:?}");
        for var in report.vars() {
            text.push_str(var.value().unwrap_or_default());
        }
        for warning in report.warnings() {
            text.push_str(&warning.to_string());
        }
        if let Err(e) = &result {
            text.push_str(&e.to_string());
        }
        prop_assert!(!text.contains("s3cr3t"), "{}", text);
    }
}

// ---- helpers ----

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("twelve-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}
