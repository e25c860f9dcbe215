//! Integration tests of `#[derive(Config)]` and the config runtime, through the facade.
//!
//! Tests that need the real process environment or a working directory run the test
//! binary again as a child process (see `child`), so no test mutates this process's
//! environment.

use std::ffi::OsStr;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use proptest::prelude::*;
use twelve::config::{ConfigError, DefaultValue, ProblemKind, Source, VarInfo};
use twelve::{Config, Secret};

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

mod names {
    use super::*;

    #[derive(Config, Debug)]
    #[config(prefix = "APP_")]
    struct Root {
        port: u16,
        #[config(env = "RUST_LOG")]
        log: Option<String>,
        r#type: Option<String>,
        #[config(nested)]
        db: Db,
        #[config(nested, prefix = "MAIL_")]
        smtp: Smtp,
    }

    #[derive(Config, Debug)]
    #[config(prefix = "PG_")]
    struct Db {
        url: String,
        #[config(nested)]
        pool: Pool,
        #[config(env = "DB_ABSOLUTE")]
        absolute: Option<u8>,
    }

    #[derive(Config, Debug)]
    struct Pool {
        #[config(default = 4)]
        size: usize,
    }

    #[test]
    fn prefixes_compose_and_env_replaces_the_name() {
        let names: Vec<String> = Root::vars().into_iter().map(|v| v.name).collect();
        assert_eq!(
            names,
            [
                "APP_PORT",
                "RUST_LOG",
                "APP_TYPE",
                "APP_DB_PG_URL",
                "APP_DB_PG_POOL_SIZE",
                "DB_ABSOLUTE",
                "APP_MAIL_HOST",
                "APP_MAIL_PORT",
            ]
        );
        let r = Root::from_vars([
            ("APP_PORT", "1"),
            ("RUST_LOG", "debug"),
            ("APP_TYPE", "t"),
            ("APP_DB_PG_URL", "u"),
            ("APP_DB_PG_POOL_SIZE", "9"),
            ("DB_ABSOLUTE", "3"),
            ("APP_MAIL_HOST", "m"),
        ])
        .expect("loads");
        assert_eq!(r.port, 1);
        assert_eq!(r.log.as_deref(), Some("debug"));
        assert_eq!(r.r#type.as_deref(), Some("t"));
        assert_eq!(
            (r.db.url.as_str(), r.db.pool.size, r.db.absolute),
            ("u", 9, Some(3))
        );
        assert_eq!((r.smtp.host.as_str(), r.smtp.port), ("m", 1025));
    }

    #[test]
    fn nested_problems_name_the_full_variable() {
        let err = Root::from_vars([("APP_DB_PG_POOL_SIZE", "-1")]).expect_err("bad");
        assert_eq!(
            vars_of(&err),
            [
                "APP_PORT",
                "APP_DB_PG_URL",
                "APP_DB_PG_POOL_SIZE",
                "APP_MAIL_HOST"
            ]
        );
    }
}

mod types {
    use super::*;
    use std::num::NonZeroU32;

    #[derive(Debug, PartialEq)]
    enum Mode {
        Fast,
        Safe,
    }

    impl std::str::FromStr for Mode {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            match s {
                "fast" => Ok(Mode::Fast),
                "safe" => Ok(Mode::Safe),
                other => Err(format!("unknown mode {other:?}, expected fast or safe")),
            }
        }
    }

    fn percent(s: &str) -> Result<u8, String> {
        let n: u8 = s
            .trim_end_matches('%')
            .parse()
            .map_err(|_| "expected like 42%")?;
        if n > 100 {
            return Err("at most 100%".into());
        }
        Ok(n)
    }

    #[derive(Config, Debug)]
    struct All {
        s: String,
        u8_: u8,
        i64_: i64,
        u128_: u128,
        f: f64,
        b: bool,
        c: char,
        path: PathBuf,
        ip: IpAddr,
        addr: SocketAddr,
        d: Duration,
        list: Vec<u16>,
        #[config(separator = ";")]
        semis: Vec<String>,
        opt: Option<u32>,
        secret: Secret<String>,
        opt_secret: Option<Secret<u64>>,
        #[config(from_str)]
        mode: Mode,
        #[config(from_str)]
        modes: Vec<Mode>,
        #[config(with = percent)]
        pct: u8,
        #[config(with = percent)]
        secret_pct: Secret<u8>,
        nz: NonZeroU32,
        #[config(default = Duration::from_millis(1500))]
        expr_default: Duration,
        #[config(default = -5)]
        negative: i32,
        #[config(default = "a\\,b,c")]
        escaped: Vec<String>,
    }

    #[test]
    fn every_supported_type() {
        let a = All::from_vars([
            ("S", " keep spaces "),
            ("U8_", "255"),
            ("I64_", "-9000000000"),
            ("U128_", "340282366920938463463374607431768211455"),
            ("F", "2.5"),
            ("B", "Yes"),
            ("C", "é"),
            ("PATH", "/var/lib/x"),
            ("IP", "::1"),
            ("ADDR", "127.0.0.1:8080"),
            ("D", "1h30m"),
            ("LIST", "1, 2,3,"),
            ("SEMIS", "a,b;c"),
            ("SECRET", "s3cr3t"),
            ("OPT_SECRET", "42"),
            ("MODE", "safe"),
            ("MODES", "fast, safe"),
            ("PCT", "42%"),
            ("SECRET_PCT", "7%"),
            ("NZ", "3"),
        ])
        .expect("loads");
        assert_eq!(a.s, " keep spaces ");
        assert_eq!((a.u8_, a.i64_, a.u128_), (255, -9_000_000_000, u128::MAX));
        assert_eq!((a.f, a.b, a.c), (2.5, true, 'é'));
        assert_eq!(a.path, PathBuf::from("/var/lib/x"));
        assert_eq!(a.ip, "::1".parse::<IpAddr>().expect("ip"));
        assert_eq!(
            a.addr,
            "127.0.0.1:8080".parse::<SocketAddr>().expect("addr")
        );
        assert_eq!(a.d, Duration::from_secs(5400));
        assert_eq!(a.list, [1, 2, 3]);
        assert_eq!(a.semis, ["a,b", "c"]);
        assert_eq!(a.opt, None);
        assert_eq!(a.secret.expose(), "s3cr3t");
        assert_eq!(a.opt_secret.as_ref().map(|s| *s.expose()), Some(42));
        assert_eq!(a.mode, Mode::Safe);
        assert_eq!(a.modes, [Mode::Fast, Mode::Safe]);
        assert_eq!((a.pct, *a.secret_pct.expose()), (42, 7));
        assert_eq!(a.nz.get(), 3);
        assert_eq!(a.expr_default, Duration::from_millis(1500));
        assert_eq!(a.negative, -5);
        assert_eq!(a.escaped, ["a,b", "c"]);
    }

    #[test]
    fn parser_errors_name_variable_type_and_reason() {
        let err = All::from_vars([
            ("U8_", "256"),
            ("B", "2"),
            ("ADDR", "127.0.0.1"),
            ("D", "30"),
            ("LIST", "1,x"),
            ("MODE", "slow"),
            ("PCT", "101%"),
            ("SECRET_PCT", "999%"),
            ("NZ", "0"),
        ])
        .expect_err("bad");
        let text = err.to_string();
        for expected in [
            "U8_: invalid value \"256\": out of range: must be between 0 and 255 (expected u8)",
            "B: invalid value \"2\": expected true/false, 1/0, yes/no or on/off (expected bool)",
            "ADDR: invalid value \"127.0.0.1\": expected an address with a port like 127.0.0.1:8080 or [::1]:8080 (expected SocketAddr)",
            "D: invalid value \"30\": a unit is required",
            "LIST: invalid value \"1,x\": item 2: expected a whole number (expected Vec<u16>)",
            "MODE: invalid value \"slow\": unknown mode \"slow\", expected fast or safe (expected Mode)",
            "PCT: invalid value \"101%\": at most 100% (expected u8)",
            "SECRET_PCT: invalid value (secret, not shown): expected like 42% (expected Secret<u8>)",
            "NZ: invalid value \"0\": must not be zero (expected NonZeroU32)",
            "S: required but not set (expected String)",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(!text.contains("999"), "secret shown:\n{text}");
    }
}

mod bad_input {
    use super::*;

    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Small {
        port: u16,
        token: Secret<String>,
        #[config(default = "1s")]
        timeout: Duration,
        bind: Option<SocketAddr>,
        verbose: Option<bool>,
    }

    #[test]
    fn missing_and_empty() {
        let err = Small::from_vars([("PORT", "")]).expect_err("missing");
        assert_eq!(
            problems(&err),
            [
                "PORT: required but not set (expected u16)",
                "TOKEN: required but not set (expected Secret<String>)"
            ]
        );
    }

    #[test]
    fn out_of_range_unitless_bad_bool_bad_socket() {
        let err = Small::from_vars([
            ("PORT", "65536"),
            ("TOKEN", "t"),
            ("TIMEOUT", "5"),
            ("BIND", "localhost"),
            ("VERBOSE", "yep"),
        ])
        .expect_err("bad");
        assert_eq!(vars_of(&err), ["PORT", "TIMEOUT", "BIND", "VERBOSE"]);
    }

    #[test]
    fn non_utf8_is_an_error_not_a_panic() {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let bad = OsStr::from_bytes(b"80\xff80");
            let secret = OsStr::from_bytes(b"hunter\xfe2");
            let source =
                Source::from_os_vars([(OsStr::new("PORT"), bad), (OsStr::new("TOKEN"), secret)]);
            let err = Small::from_source(&source).expect_err("bad");
            assert_eq!(
                problems(&err),
                [
                    "PORT: invalid value \"80\u{fffd}80\": not valid UTF-8 (expected u16)",
                    "TOKEN: invalid value (secret, not shown): not valid UTF-8 (expected Secret<String>)"
                ]
            );
        }
    }

    #[test]
    fn long_values_are_cut_and_control_characters_escaped() {
        let long = format!("{}\u{7}\"", "9".repeat(200));
        let err = Small::from_vars([("PORT", long.as_str()), ("TOKEN", "t")]).expect_err("bad");
        let text = err.to_string();
        assert!(
            text.contains(&format!("\"{}\"... (202 characters)", "9".repeat(64))),
            "{text}"
        );
        let err = Small::from_vars([("PORT", "8\u{1b}[31m\n0"), ("TOKEN", "t")]).expect_err("bad");
        assert!(err.to_string().contains("\"8\\u{1b}[31m\\n0\""), "{err}");
        assert_eq!(err.to_string().lines().count(), 1);
    }

    #[test]
    fn file_secrets() {
        let dir = temp_dir("files");
        std::fs::write(dir.join("token"), "from-file\n").expect("write");
        std::fs::write(dir.join("crlf"), "8081\r\n").expect("write");
        std::fs::write(dir.join("twice"), "two-newlines\n\n").expect("write");
        let token = dir.join("token");
        let source = Source::from_vars([
            ("PORT_FILE", path_str(&dir.join("crlf"))),
            ("TOKEN_FILE", path_str(&token)),
        ])
        .with_files(true);
        let s = Small::from_source(&source).expect("loads");
        assert_eq!((s.port, s.token.expose().as_str()), (8081, "from-file"));

        // The variable itself wins over the file; one trailing newline only is trimmed.
        let source = Source::from_vars([
            ("PORT", "1"),
            ("PORT_FILE", "/nonexistent"),
            ("TOKEN_FILE", path_str(&dir.join("twice"))),
        ])
        .with_files(true);
        let s = Small::from_source(&source).expect("loads");
        assert_eq!((s.port, s.token.expose().as_str()), (1, "two-newlines\n"));

        // Files are off for plain pairs.
        let err =
            Small::from_vars([("PORT", "1"), ("TOKEN_FILE", path_str(&token))]).expect_err("off");
        assert_eq!(vars_of(&err), ["TOKEN"]);
    }

    #[test]
    fn unreadable_or_bad_files_name_the_file_variable() {
        let dir = temp_dir("bad-files");
        std::fs::write(dir.join("bad-utf8"), b"hunter\xff2").expect("write");
        std::fs::write(dir.join("empty"), "\n").expect("write");
        std::fs::write(dir.join("port"), "eighty\n").expect("write");
        let source = Source::from_vars([
            ("PORT_FILE", path_str(&dir.join("port"))),
            ("TOKEN_FILE", path_str(&dir.join("missing"))),
            ("BIND_FILE", path_str(&dir.join("empty"))),
            ("VERBOSE_FILE", path_str(&dir)),
        ])
        .with_files(true);
        let err = Small::from_source(&source).expect_err("bad");
        let text = problems(&err);
        assert_eq!(
            vars_of(&err),
            ["PORT", "TOKEN_FILE", "VERBOSE_FILE"],
            "{text:#?}"
        );
        assert!(
            text[0].starts_with("PORT: invalid value \"eighty\" from file \""),
            "{text:#?}"
        );
        assert!(
            text[0].ends_with("(PORT_FILE): expected a whole number (expected u16)"),
            "{text:#?}"
        );
        assert!(
            text[1].starts_with("TOKEN_FILE: cannot read \""),
            "{text:#?}"
        );
        assert!(text[1].contains("No such file"), "{text:#?}");
        assert!(matches!(
            err.errors().nth(1).map(|p| p.kind()),
            Some(ProblemKind::UnreadableFile { .. })
        ));

        let source = Source::from_vars([
            ("PORT", "1"),
            ("TOKEN_FILE", path_str(&dir.join("bad-utf8"))),
        ])
        .with_files(true);
        let err = Small::from_source(&source).expect_err("bad");
        assert_eq!(problems(&err).len(), 1,);
        let text = err.to_string();
        assert!(
            text.starts_with("TOKEN_FILE: invalid value (secret, not shown) from file"),
            "{text}"
        );
        assert!(!text.contains("hunter"), "{text}");
    }

    #[test]
    fn dotenv_is_lower_priority_and_bad_lines_are_reported() {
        let dir = temp_dir("dotenv");
        let dotenv = dir.join(".env");
        std::fs::write(
            &dotenv,
            "PORT=9\nTOKEN=from-dotenv\nthis is not valid\nVERBOSE=on\n",
        )
        .expect("write");

        // The real source wins; the rest comes from the file; the load succeeds
        // despite the bad line, which is available as a warning.
        let source = Source::from_vars([("PORT", "1")]).with_dotenv(Some(&dotenv));
        let s = Small::from_source(&source).expect("loads");
        assert_eq!(
            (s.port, s.token.expose().as_str(), s.verbose),
            (1, "from-dotenv", Some(true))
        );
        let warnings: Vec<String> = source.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].ends_with(".env:3: invalid syntax at column 6; line skipped"),
            "{warnings:?}"
        );

        // When the load fails, the file's problem is reported with the others.
        std::fs::write(&dotenv, "PORT=x\nTOKEN=\"unterminated\n").expect("write");
        let source = Source::from_vars([("TIMEOUT", "2s")]).with_dotenv(Some(&dotenv));
        let err = Small::from_source(&source).expect_err("bad");
        let text = problems(&err);
        assert!(
            text[0].starts_with("PORT: invalid value \"x\" from "),
            "{text:#?}"
        );
        assert!(text.iter().any(|t| t.contains(".env:2:")), "{text:#?}");
        assert!(err.errors().any(|p| p.var().is_none()));
    }

    #[test]
    fn a_dotenv_that_cannot_be_used_is_reported_without_a_line() {
        let dir = temp_dir("dotenv-unusable");
        let not_utf8 = dir.join(".env");
        std::fs::write(&not_utf8, b"PORT=9\nTOKEN=\xff\n").expect("write");
        // A directory can't be read as a file, whoever runs the test.
        for (path, reason) in [
            (&not_utf8, "not valid UTF-8 (first on line 2)"),
            (&dir, "cannot read: "),
        ] {
            let source = Source::from_vars([("TIMEOUT", "2s")]).with_dotenv(Some(path));
            let err = Small::from_source(&source).expect_err("nothing from the file");
            let file = err
                .errors()
                .find(|p| p.var().is_none())
                .expect("its problem");
            assert!(
                matches!(file.kind(), ProblemKind::DotenvFile { .. }),
                "{file:?}"
            );
            let text = file.to_string();
            let start = format!("{}: {reason}", path.display());
            assert!(text.starts_with(&start), "{text}");
            assert!(text.ends_with("; the file was not used"), "{text}");
            assert!(!text.contains("line skipped"), "{text}");
        }
    }
}

mod vars_and_example {
    use super::*;

    #[test]
    fn vars_describe_every_field() {
        let vars = Settings::vars();
        let db = &vars[0];
        assert_eq!(db.name, "DATABASE_URL");
        assert_eq!(db.type_name, "Secret<String>");
        assert!(db.required && db.secret);
        assert_eq!(db.doc, "Postgres connection string.");
        assert_eq!(vars[1].default, Some(DefaultValue::Text("2s")));
        assert!(!vars[1].required);
        assert!(!vars[3].required && vars[3].default.is_none());
        let port: &VarInfo = &vars[5];
        assert_eq!(
            (port.name.as_str(), port.default),
            ("SMTP_PORT", Some(DefaultValue::Text("1025")))
        );
    }

    #[test]
    fn env_example_text() {
        let text = Settings::env_example();
        let expected = "\
# Generated by twelve from the settings struct; keep it in sync with
# twelve::config::check_env_example.

# Postgres connection string.
# type: Secret<String>, secret, required
# or DATABASE_URL_FILE=/path/to/a/file/holding/it
DATABASE_URL=

# How long one upstream call may take.
# type: Duration, default: \"2s\"
# UPSTREAM_TIMEOUT=2s

# Origins allowed by CORS, comma separated.
# type: Vec<String>, default: \"\"
# ALLOWED_ORIGINS=

# Turns the new checkout flow on.
# type: Option<bool>, optional
# FEATURE_NEW_CHECKOUT=

# type: String, required
SMTP_HOST=

# type: u16, default: \"1025\"
# SMTP_PORT=1025
";
        assert_eq!(text, expected);
    }

    #[test]
    fn check_env_example_finds_drift() {
        let dir = temp_dir("example");
        let path = dir.join(".env.example");
        std::fs::write(&path, Settings::env_example()).expect("write");
        twelve::config::check_env_example::<Settings>(&path).expect("in sync");
        std::fs::write(
            &path,
            Settings::env_example().replace("SMTP_HOST", "MAIL_HOST"),
        )
        .expect("write");
        let err = twelve::config::check_env_example::<Settings>(&path).expect_err("drift");
        assert!(err.contains("first differs at line 22"), "{err}");
        assert!(err.contains("TWELVE_UPDATE_ENV_EXAMPLE=1"), "{err}");
        let err =
            twelve::config::check_env_example::<Settings>(dir.join("absent")).expect_err("absent");
        assert!(err.contains("cannot read"), "{err}");
    }
}

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

/// Runs the test `name` of this binary in a child process with `vars` set and `dir`
/// as working directory, and returns its output; the child test does its work only
/// when `TWELVE_TEST_CHILD` is set.
fn child(name: &str, dir: &Path, vars: &[(&str, &OsStr)]) -> String {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"])
        .current_dir(dir)
        .env("TWELVE_TEST_CHILD", "1")
        .env_remove("TWELVE_DOTENV");
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
    let out = cmd.output().expect("child runs");
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

fn in_child() -> bool {
    std::env::var_os("TWELVE_TEST_CHILD").is_some()
}

#[derive(Config, Debug)]
struct Env {
    port: u16,
    token: Secret<String>,
    verbose: Option<bool>,
}

#[test]
fn child_from_env() {
    if !in_child() {
        return;
    }
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
