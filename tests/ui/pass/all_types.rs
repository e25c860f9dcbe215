//! Every type that works with no annotation, each attribute, and their combinations,
//! loaded with `from_vars` and checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use twelve::{Config, Secret};

#[derive(Config, Debug)]
struct Scalars {
    string: String,
    u8: u8,
    u16: u16,
    u32: u32,
    u64: u64,
    u128: u128,
    usize: usize,
    i8: i8,
    i16: i16,
    i32: i32,
    i64: i64,
    i128: i128,
    isize: isize,
    f32: f32,
    f64: f64,
    bool: bool,
    char: char,
    path: PathBuf,
    ip: IpAddr,
    ipv6: Ipv6Addr,
    socket: SocketAddr,
    timeout: Duration,
}

#[derive(Debug, PartialEq)]
enum Level {
    Info,
    Debug,
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Level::Info),
            "debug" => Ok(Level::Debug),
            other => Err(format!("unknown level {other:?}")),
        }
    }
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    let (a, b) = s.split_once('/').ok_or("expected a/b")?;
    let a: f64 = a.trim().parse().map_err(|_| "bad numerator")?;
    let b: f64 = b.trim().parse().map_err(|_| "bad denominator")?;
    Ok(a / b)
}

mod parsers {
    pub fn upper(s: &str) -> Result<String, std::convert::Infallible> {
        Ok(s.to_uppercase())
    }
}

#[derive(Config, Debug)]
struct Wrappers {
    /// A comma separated list.
    list: Vec<u16>,
    #[config(separator = ";")]
    hosts: Vec<String>,
    #[config(separator = " | ")]
    paths: Vec<PathBuf>,
    maybe: Option<u32>,
    maybe_unset: Option<Duration>,
    maybe_list: Option<Vec<IpAddr>>,
    token: Secret<String>,
    pin: Secret<u32>,
    secret_list: Secret<Vec<String>>,
    maybe_token: Option<Secret<String>>,
    maybe_token_unset: Option<Secret<String>>,
}

#[derive(Config, Debug)]
struct Parsing {
    #[config(from_str)]
    level: Level,
    #[config(from_str)]
    levels: Vec<Level>,
    #[config(from_str, separator = ";")]
    levels_semi: Vec<Level>,
    #[config(from_str)]
    maybe_level: Option<Level>,
    #[config(from_str)]
    secret_level: Secret<Level>,
    #[config(from_str, default = "info")]
    default_level: Level,
    #[config(with = parse_ratio)]
    ratio: f64,
    #[config(with = parse_ratio, default = "1/4")]
    default_ratio: f64,
    #[config(with = parsers::upper)]
    shout: String,
    #[config(with = "parsers::upper")]
    shout_str: Option<String>,
    #[config(with = parsers::upper)]
    secret_shout: Secret<String>,
    #[config(with = parse_ratio)]
    maybe_ratio: Option<f64>,
}

#[derive(Config, Debug)]
#[config(prefix = "APP_")]
struct Names {
    /// APP_PORT, defaults to 8000.
    #[config(default = 8000)]
    port: u16,
    #[config(env = "RUST_LOG")]
    log: Option<String>,
    #[config(env = "rust_log_lower", default = "x")]
    lower: String,
    #[config(default = "250ms")]
    timeout: Duration,
    #[config(default = Duration::from_secs(3))]
    grace: Duration,
    #[config(default = -5)]
    offset: i32,
    #[config(default = 0.5)]
    fraction: f64,
    #[config(default = true)]
    enabled: bool,
    #[config(default = 'x')]
    marker: char,
    #[config(default = "")]
    empty_list: Vec<String>,
    #[config(default = vec![1, 2, 3])]
    numbers: Vec<u8>,
    #[config(default = String::from("guest"))]
    user: String,
    #[config(default = "s3cr3t")]
    default_secret: Secret<String>,
    #[config(default = Secret::new(7))]
    default_secret_code: Secret<u8>,
    r#type: String,
    #[config(nested)]
    db: Db,
    #[config(nested, prefix = "MAIL_")]
    smtp: Smtp,
    #[config(nested, prefix = "")]
    bare: Bare,
}

#[derive(Config, Debug)]
struct Db {
    url: Secret<String>,
    #[config(default = 10)]
    pool: usize,
    #[config(nested)]
    replica: Replica,
}

/// Its own prefix comes after the segment of the field that nests it:
/// `APP_` + `DB_` + `REPLICA_` + `R_` + `HOST`.
#[derive(Config, Debug)]
#[config(prefix = "R_")]
struct Replica {
    host: Option<String>,
}

#[derive(Config, Debug)]
struct Smtp {
    host: String,
    #[config(default = 1025)]
    port: u16,
}

#[derive(Config, Debug)]
struct Bare {
    #[config(env = "BARE_ABSOLUTE")]
    absolute: Option<String>,
    relative: Option<String>,
}

fn main() {
    let s = Scalars::from_vars([
        ("STRING", "hello"),
        ("U8", "255"),
        ("U16", "65535"),
        ("U32", "4294967295"),
        ("U64", "18446744073709551615"),
        ("U128", "340282366920938463463374607431768211455"),
        ("USIZE", "7"),
        ("I8", "-128"),
        ("I16", "-32768"),
        ("I32", "-2147483648"),
        ("I64", "-9223372036854775808"),
        ("I128", "-1"),
        ("ISIZE", "-7"),
        ("F32", "1.5"),
        ("F64", "-0.25"),
        ("BOOL", "yes"),
        ("CHAR", "λ"),
        ("PATH", "/etc/app.toml"),
        ("IP", "10.0.0.1"),
        ("IPV6", "::1"),
        ("SOCKET", "[::1]:8080"),
        ("TIMEOUT", "1h30m"),
    ])
    .unwrap();
    assert_eq!(s.string, "hello");
    assert_eq!((s.u8, s.u16, s.u32, s.u64), (u8::MAX, u16::MAX, u32::MAX, u64::MAX));
    assert_eq!((s.u128, s.usize), (u128::MAX, 7));
    assert_eq!((s.i8, s.i16, s.i32, s.i64), (i8::MIN, i16::MIN, i32::MIN, i64::MIN));
    assert_eq!((s.i128, s.isize), (-1, -7));
    assert_eq!((s.f32, s.f64), (1.5, -0.25));
    assert!(s.bool);
    assert_eq!(s.char, 'λ');
    assert_eq!(s.path, PathBuf::from("/etc/app.toml"));
    assert_eq!(s.ip, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(s.ipv6, Ipv6Addr::LOCALHOST);
    assert_eq!(s.socket, "[::1]:8080".parse::<SocketAddr>().unwrap());
    assert_eq!(s.timeout, Duration::from_secs(90 * 60));
    assert_eq!(Scalars::vars().len(), 22);

    let w = Wrappers::from_vars([
        ("LIST", "1, 2,3"),
        ("HOSTS", "a;b ; c"),
        ("PATHS", "/a | /b"),
        ("MAYBE", "42"),
        ("MAYBE_LIST", "10.0.0.1,::1"),
        ("TOKEN", "hunter2"),
        ("PIN", "1234"),
        ("SECRET_LIST", "x,y"),
        ("MAYBE_TOKEN", "t0k3n"),
    ])
    .unwrap();
    assert_eq!(w.list, [1, 2, 3]);
    assert_eq!(w.hosts, ["a", "b", "c"]);
    assert_eq!(w.paths, [PathBuf::from("/a"), PathBuf::from("/b")]);
    assert_eq!(w.maybe, Some(42));
    assert_eq!(w.maybe_unset, None);
    assert_eq!(w.maybe_list.as_ref().map(Vec::len), Some(2));
    assert_eq!(w.token.expose(), "hunter2");
    assert_eq!(*w.pin.expose(), 1234);
    assert_eq!(w.secret_list.expose(), &["x", "y"]);
    assert_eq!(w.maybe_token.as_ref().map(|t| t.expose().as_str()), Some("t0k3n"));
    assert!(w.maybe_token_unset.is_none());
    let debug = format!("{w:?}");
    assert!(!debug.contains("hunter2") && !debug.contains("t0k3n"), "{debug}");
    let secrets: Vec<_> = Wrappers::vars().into_iter().filter(|v| v.secret).map(|v| v.name).collect();
    assert_eq!(secrets, ["TOKEN", "PIN", "SECRET_LIST", "MAYBE_TOKEN", "MAYBE_TOKEN_UNSET"]);

    let p = Parsing::from_vars([
        ("LEVEL", "debug"),
        ("LEVELS", "info, debug"),
        ("LEVELS_SEMI", "debug;info"),
        ("MAYBE_LEVEL", "info"),
        ("SECRET_LEVEL", "debug"),
        ("RATIO", "3/4"),
        ("SHOUT", "hey"),
        ("SHOUT_STR", "ho"),
        ("SECRET_SHOUT", "psst"),
    ])
    .unwrap();
    assert_eq!(p.level, Level::Debug);
    assert_eq!(p.levels, [Level::Info, Level::Debug]);
    assert_eq!(p.levels_semi, [Level::Debug, Level::Info]);
    assert_eq!(p.maybe_level, Some(Level::Info));
    assert_eq!(*p.secret_level.expose(), Level::Debug);
    assert_eq!(p.default_level, Level::Info);
    assert_eq!((p.ratio, p.default_ratio), (0.75, 0.25));
    assert_eq!(p.shout, "HEY");
    assert_eq!(p.shout_str.as_deref(), Some("HO"));
    assert_eq!(p.secret_shout.expose(), "PSST");
    assert_eq!(p.maybe_ratio, None);
    let err = Parsing::from_vars([("LEVEL", "loud"), ("RATIO", "3")]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("LEVEL") && text.contains("unknown level"), "{text}");
    assert!(text.contains("RATIO") && text.contains("expected a/b"), "{text}");

    let n = Names::from_vars([
        ("APP_TYPE", "web"),
        ("RUST_LOG", "debug"),
        ("APP_DB_URL", "postgres://db"),
        ("APP_DB_REPLICA_R_HOST", "replica.internal"),
        ("APP_MAIL_HOST", "mail.internal"),
        ("APP_RELATIVE", "rel"),
        ("BARE_ABSOLUTE", "abs"),
    ])
    .unwrap();
    assert_eq!(n.port, 8000);
    assert_eq!(n.log.as_deref(), Some("debug"));
    assert_eq!(n.lower, "x");
    assert_eq!(n.timeout, Duration::from_millis(250));
    assert_eq!(n.grace, Duration::from_secs(3));
    assert_eq!((n.offset, n.fraction, n.enabled, n.marker), (-5, 0.5, true, 'x'));
    assert!(n.empty_list.is_empty());
    assert_eq!(n.numbers, [1, 2, 3]);
    assert_eq!(n.user, "guest");
    assert_eq!(n.default_secret.expose(), "s3cr3t");
    assert_eq!(*n.default_secret_code.expose(), 7);
    assert_eq!(n.r#type, "web");
    assert_eq!(n.db.url.expose(), "postgres://db");
    assert_eq!(n.db.pool, 10);
    assert_eq!(n.db.replica.host.as_deref(), Some("replica.internal"));
    assert_eq!((n.smtp.host.as_str(), n.smtp.port), ("mail.internal", 1025));
    assert_eq!(n.bare.relative.as_deref(), Some("rel"));
    assert_eq!(n.bare.absolute.as_deref(), Some("abs"));

    let names: Vec<String> = Names::vars().into_iter().map(|v| v.name).collect();
    assert_eq!(
        names,
        [
            "APP_PORT",
            "RUST_LOG",
            "rust_log_lower",
            "APP_TIMEOUT",
            "APP_GRACE",
            "APP_OFFSET",
            "APP_FRACTION",
            "APP_ENABLED",
            "APP_MARKER",
            "APP_EMPTY_LIST",
            "APP_NUMBERS",
            "APP_USER",
            "APP_DEFAULT_SECRET",
            "APP_DEFAULT_SECRET_CODE",
            "APP_TYPE",
            "APP_DB_URL",
            "APP_DB_POOL",
            "APP_DB_REPLICA_R_HOST",
            "APP_MAIL_HOST",
            "APP_MAIL_PORT",
            "BARE_ABSOLUTE",
            "APP_RELATIVE",
        ]
    );
    let example = Names::env_example();
    assert!(example.contains("APP_DB_URL"), "{example}");

    // Every problem at once.
    let err = Names::from_vars([("APP_PORT", "70000")]).unwrap_err();
    let vars: Vec<_> = err.errors().map(|p| p.var().unwrap_or_default()).collect();
    assert_eq!(vars, ["APP_PORT", "APP_TYPE", "APP_DB_URL", "APP_MAIL_HOST"]);
}
