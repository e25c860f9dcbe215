//! Enums, maps, `range`, field and struct `validate`, under no prelude at all and
//! through a renamed path (`crate = "..."`).
#![no_implicit_prelude]

mod my {
    pub use ::twelve as tw;
}

#[derive(::twelve::ConfigValue, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::PartialOrd)]
enum Mode {
    FastPath,
    #[config(rename = "careful")]
    Safe,
}

#[derive(my::tw::ConfigValue, ::std::fmt::Debug, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::cmp::PartialOrd, ::std::cmp::Ord)]
#[config(crate = "my::tw")]
enum Region {
    Eu,
    Us,
}

fn even(n: &u32) -> ::std::result::Result<(), &'static str> {
    if n % 2 == 0 {
        ::std::result::Result::Ok(())
    } else {
        ::std::result::Result::Err("must be even")
    }
}

fn ordered(s: &Settings) -> ::std::result::Result<(), ::twelve::config::Invalid> {
    if s.low > s.high {
        return ::std::result::Result::Err(::twelve::config::Invalid::new(["low", "high"], "low > high"));
    }
    ::std::result::Result::Ok(())
}

#[derive(::twelve::Config)]
#[config(validate = ordered)]
struct Settings {
    #[config(default = "fast-path")]
    mode: Mode,
    #[config(range = Mode::FastPath..=Mode::Safe, default = "careful")]
    ranged_mode: Mode,
    #[config(range = 1..=64, default = 4)]
    low: u32,
    #[config(range = 1.., validate = even, default = 8)]
    high: u32,
    #[config(range = "1s"..="1h", default = "30s")]
    timeout: ::std::time::Duration,
    #[config(default = "")]
    labels: ::std::collections::HashMap<::std::string::String, ::std::string::String>,
    #[config(separator = ";")]
    weights: ::std::option::Option<::std::collections::BTreeMap<Region, f64>>,
    #[config(with = ::twelve::config::parse_percent_encoded_map)]
    headers: ::std::option::Option<::std::collections::BTreeMap<::std::string::String, ::std::string::String>>,
}

#[derive(my::tw::Config)]
#[config(crate = "my::tw", validate = renamed_rule)]
struct Renamed {
    #[config(range = 0..10)]
    n: ::std::option::Option<i8>,
    region: ::std::option::Option<Region>,
}

fn renamed_rule(_: &Renamed) -> ::std::result::Result<(), my::tw::config::Invalid> {
    ::std::result::Result::Ok(())
}

fn main() {
    use ::twelve::Config as _;

    let s = Settings::from_vars([("WEIGHTS", "eu=0.5;US=1"), ("HEADERS", "a=b%20c")]).unwrap();
    ::std::assert_eq!(s.mode, Mode::FastPath);
    ::std::assert_eq!(s.ranged_mode, Mode::Safe);
    ::std::assert_eq!((s.low, s.high), (4, 8));
    ::std::assert_eq!(s.timeout, ::std::time::Duration::from_secs(30));
    ::std::assert!(s.labels.is_empty());
    ::std::assert_eq!(s.weights.unwrap().len(), 2);
    ::std::assert_eq!(s.headers.unwrap()["a"], "b c");
    ::std::assert_eq!(Settings::from_vars([("HIGH", "3")]).err().unwrap().len(), 1);
    ::std::assert_eq!(Settings::from_vars([("LOW", "10")]).err().unwrap().len(), 1);

    let r = Renamed::from_vars([("N", "9"), ("REGION", "us")]).unwrap();
    ::std::assert_eq!((r.n, r.region), (::std::option::Option::Some(9), ::std::option::Option::Some(Region::Us)));
    ::std::assert!(Renamed::from_vars([("N", "10")]).is_err());
}
