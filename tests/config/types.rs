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
