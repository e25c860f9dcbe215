//! The release stage, as real processes: `--check-config` and `--env-example` of the
//! examples (and of `Runtime::run` without the macro), the `config loaded` line and
//! the look-alike warnings at start-up, and `cli = false`.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::process::{Command, Output};

use serde_json::Value;

use super::support::process::example;
use super::temp_dir;

/// `example` run with `args`, in `dir` (a fresh empty one when `None`), with only
/// `vars` in its environment (and no `.env` unless `dir` has one).
fn run(
    name: &str,
    args: &[&str],
    dir: Option<&std::path::Path>,
    vars: &[(&str, &OsStr)],
) -> Output {
    let empty;
    let dir = match dir {
        Some(dir) => dir,
        None => {
            empty = temp_dir(&format!("release-{name}-{}", args.join("")));
            &empty
        }
    };
    let mut cmd = Command::new(example(name));
    cmd.args(args).current_dir(dir).env_clear();
    if args.is_empty() {
        // A start serves metrics: on a free port, so tests in parallel never collide
        // (the release-stage flags bind nothing, and their output lists the defaults).
        cmd.env("METRICS_PORT", "0");
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let what = format!("{name} {}", args.join(" "));
    super::support::process::output_within(&mut cmd, std::time::Duration::from_secs(60), &what)
}

/// The one JSON line of a `--check-config` run.
fn check_line(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8");
    assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
    assert!(text.ends_with('\n'), "{text}");
    let line: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert_eq!(line["message"], "config checked", "{text}");
    line
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn each_example_checks_its_config_and_exits_0() {
    for name in ["web", "worker", "migrate", "no-macro"] {
        let out = run(name, &["--check-config"], None, &[]);
        assert_eq!(out.status.code(), Some(0), "{name}: {out:?}");
        let line = check_line(&out);
        assert_eq!(
            (line["valid"].as_bool(), line["level"].as_str()),
            (Some(true), Some("info")),
            "{line}"
        );
        assert!(
            line.get("errors").is_none() && line.get("warnings").is_none(),
            "{line}"
        );
        let vars = line["vars"].as_array().expect("vars");
        let port = vars
            .iter()
            .find(|v| v["name"] == "PORT")
            .expect("runtime vars too");
        assert_eq!(
            (port["source"].as_str(), port["value"].as_str()),
            (Some("default"), Some("8000"))
        );
        let release = vars
            .iter()
            .find(|v| v["name"] == "RELEASE_ID")
            .expect("RELEASE_ID");
        assert_eq!(
            (release["source"].as_str(), release["value"].is_null()),
            (Some("unset"), true)
        );
    }
    let line = check_line(&run("no-macro", &["--check-config"], None, &[]));
    assert_eq!(line["service"], "no-macro-service");
}

#[test]
fn check_config_binds_nothing_and_runs_no_user_code() {
    // The port is taken: a start would fail to bind it; the check doesn't try.
    let held = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = held.local_addr().expect("addr").port().to_string();
    let out = run(
        "web",
        &["--check-config"],
        None,
        &[("PORT", OsStr::new(&port))],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let line = check_line(&out);
    let vars = line["vars"].as_array().expect("vars");
    assert!(
        vars.iter()
            .any(|v| v["name"] == "PORT" && v["source"] == "env" && v["value"] == port.as_str())
    );
    // migrate's main logs steps; none ran.
    let out = run("migrate", &["--check-config"], None, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("migration"), "{text}");
}

#[test]
fn check_config_with_ten_broken_variables_lists_all_and_exits_78() {
    let broken: [(&str, &OsStr); 10] = [
        ("PORT", OsStr::new("eighty")),
        ("LOG_LEVEL", OsStr::new("loud")),
        ("RUST_LOG", OsStr::new("info,[")),
        ("LOG_FORMAT", OsStr::new("xml")),
        ("LOG_SCHEMA", OsStr::new("splunk")),
        ("SHUTDOWN_DELAY", OsStr::new("5")),
        ("SHUTDOWN_TIMEOUT", OsStr::new("-1s")),
        ("UNIT_PRICE_CENTS", OsStr::new("cheap")),
        ("VAT_PERCENT", OsStr::new("-3")),
        ("MAX_SLOW", OsStr::new("forever")),
    ];
    let out = run("web", &["--check-config"], None, &broken);
    assert_eq!(out.status.code(), Some(78), "{out:?}");
    let line = check_line(&out);
    assert_eq!(
        (line["valid"].as_bool(), line["level"].as_str()),
        (Some(false), Some("error"))
    );
    assert_eq!(line["exit_code"], 78);
    let errors = names(&line["errors"]);
    assert_eq!(errors.len(), 10, "{errors:#?}");
    for (var, _) in broken {
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{var}: "))),
            "{var} missing: {errors:#?}"
        );
    }
    // The runtime's enums list their names, as the user's do.
    for (var, names) in [
        ("LOG_FORMAT", "one of: json, pretty"),
        ("LOG_SCHEMA", "one of: default, ecs, gcp, datadog"),
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("{var}: ")) && e.contains(names)),
            "{var}: {errors:#?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn check_config_output_is_one_json_line_whatever_the_values_hold() {
    use std::os::unix::ffi::OsStrExt;
    let out = run(
        "web",
        &["--check-config"],
        None,
        &[
            ("CURRENCY", OsStr::new("a\"b\nc\\d\u{1b}")),
            ("VAT_PERCENT", OsStr::from_bytes(b"\xff\xfe")),
            ("SERVICE_NAME", OsStr::new("quote\"svc")),
        ],
    );
    assert_eq!(out.status.code(), Some(78), "{out:?}");
    let line = check_line(&out);
    assert_eq!(line["service"], "quote\"svc");
    let vars = line["vars"].as_array().expect("vars");
    let currency = vars
        .iter()
        .find(|v| v["name"] == "CURRENCY")
        .expect("CURRENCY");
    assert_eq!(currency["value"], "a\\\"b\\nc\\\\d\\u{1b}");
    let errors = names(&line["errors"]);
    assert_eq!(
        errors,
        ["VAT_PERCENT: invalid value \"\u{fffd}\u{fffd}\": not valid UTF-8 (expected u64)"]
    );
}

#[test]
fn a_secret_never_appears_in_the_check() {
    let out = run(
        "migrate",
        &["--check-config"],
        None,
        &[
            ("DATABASE_URL", OsStr::new("postgres://app:hunter2@db/app")),
            ("MIGRATION_STEPS", OsStr::new("x")),
        ],
    );
    assert_eq!(out.status.code(), Some(78));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("hunter2"), "{text}");
    let line = check_line(&out);
    let db = line["vars"]
        .as_array()
        .expect("vars")
        .iter()
        .find(|v| v["name"] == "DATABASE_URL")
        .cloned();
    assert_eq!(
        db.map(|d| d["value"].clone()),
        Some(Value::from("[REDACTED]"))
    );
}

#[test]
fn check_config_under_log_format_pretty_is_a_table() {
    let out = run(
        "worker",
        &["--check-config"],
        None,
        &[
            ("LOG_FORMAT", OsStr::new("pretty")),
            ("JOB_INTERVAL", OsStr::new("1s")),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("config checked: "), "{text}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["JOB_INTERVAL", "env", "1s"]),
        "{text}"
    );
    let out = run(
        "worker",
        &["--check-config"],
        None,
        &[
            ("LOG_FORMAT", OsStr::new("pretty")),
            ("JOB_INTERVAL", OsStr::new("1")),
        ],
    );
    assert_eq!(out.status.code(), Some(78));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("errors:\n  - JOB_INTERVAL: invalid value \"1\""),
        "{text}"
    );
}

#[test]
fn a_look_alike_in_dotenv_is_a_warning_naming_its_line() {
    let dir = temp_dir("release-dotenv");
    std::fs::write(dir.join(".env"), "CURRENCY=USD\nVAT_PERCEN=7\n").expect("write");
    let out = run("web", &["--check-config"], Some(&dir), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning is never an error: {out:?}"
    );
    let line = check_line(&out);
    assert_eq!(
        names(&line["warnings"]),
        ["VAT_PERCEN (from .env:2) is set but nothing reads it; did you mean VAT_PERCENT?"]
    );
    let vars = line["vars"].as_array().expect("vars");
    assert!(
        vars.iter()
            .any(|v| v["name"] == "CURRENCY" && v["source"] == ".env:1" && v["value"] == "USD")
    );
}

#[test]
fn an_extra_argument_leaves_the_flag_to_the_program() {
    let out = run("migrate", &["--check-config", "extra"], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("config checked"), "{text}");
    assert!(text.contains("\"message\":\"migration done\""), "{text}");
}

#[test]
fn cli_false_leaves_the_flags_to_the_program() {
    for flag in ["--check-config", "--env-example"] {
        let out = run("no-cli", &[flag], None, &[]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("\"message\":\"main ran\"") && text.contains(flag),
            "{text}"
        );
    }
}

#[test]
fn env_example_prints_the_runtime_and_user_settings() {
    for name in ["web", "worker", "migrate"] {
        let out = run(name, &["--env-example"], None, &[("PORT", OsStr::new("x"))]);
        assert_eq!(out.status.code(), Some(0));
        let committed = std::fs::read_to_string(format!(
            "{}/examples/{name}/.env.example",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("committed");
        assert_eq!(String::from_utf8_lossy(&out.stdout), committed, "{name}");
    }
}

#[test]
fn start_up_logs_config_loaded_with_sources_and_a_warning_per_look_alike() {
    let out = run(
        "migrate",
        &[],
        None,
        &[
            ("MIGRATION_STEPS", OsStr::new("1")),
            ("DATABASE_URL", OsStr::new("postgres://u:hunter2@db/x")),
            ("MIGRATION_STEP", OsStr::new("2")),
            ("DATABASE_URI", OsStr::new("x")),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("hunter2"), "{text}");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let loaded = lines
        .iter()
        .find(|l| l["message"] == "config loaded")
        .expect("config loaded");
    assert_eq!(loaded["level"], "info");
    let sources = loaded["config.sources"].as_object().expect("an object");
    assert_eq!(sources["MIGRATION_STEPS"], "env");
    assert_eq!(sources["DATABASE_URL"], "env");
    assert_eq!(sources["PORT"], "default");
    assert_eq!(sources["RELEASE_ID"], "unset");
    let warnings: Vec<&Value> = lines.iter().filter(|l| l["level"] == "warn").collect();
    let mut messages: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w["message"].as_str())
        .collect();
    messages.sort_unstable();
    assert_eq!(
        messages,
        [
            "DATABASE_URI is set but nothing reads it; did you mean DATABASE_URL?",
            "MIGRATION_STEP is set but nothing reads it; did you mean MIGRATION_STEPS?",
        ]
    );
    let started = lines
        .iter()
        .position(|l| l["message"] == "started")
        .expect("started");
    let loaded_at = lines
        .iter()
        .position(|l| l["message"] == "config loaded")
        .expect("loaded");
    assert!(loaded_at < started);
}

#[test]
fn config_sources_stay_one_json_object_whatever_a_secret_file_is_named() {
    // The path of `DATABASE_URL_FILE` is the source shown; quotes, tabs and new lines
    // in it are escaped like any value, under every schema.
    let dir = temp_dir("sources-path");
    let file = dir.join("we\"ird\tna\nme\\.url");
    std::fs::write(&file, "postgres://u:hunter2@db/x\n").expect("write");
    for schema in ["default", "ecs", "gcp", "datadog"] {
        let out = run(
            "migrate",
            &[],
            None,
            &[
                ("MIGRATION_STEPS", OsStr::new("1")),
                ("DATABASE_URL_FILE", file.as_os_str()),
                ("LOG_SCHEMA", OsStr::new(schema)),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{schema}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("hunter2"), "{text}");
        let loaded = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("one JSON object per line"))
            .find(|l| text_of(l).contains("config loaded"))
            .expect("config loaded");
        let sources = loaded["config.sources"].as_object().expect("an object");
        assert_eq!(
            sources["DATABASE_URL"],
            format!("file:{}", file.display()),
            "{schema}"
        );
        assert_eq!(sources["MIGRATION_STEPS"], "env", "{schema}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The message of a line under any schema.
fn text_of(line: &Value) -> &str {
    line["message"].as_str().unwrap_or_default()
}
