//! The generated code names everything by a fully qualified path: it compiles with no
//! prelude at all (no `Option`, `String`, `Vec`, `Result`, no extern prelude, and, since
//! the 2018 edition, no std macros either).
#![no_implicit_prelude]

#[derive(::std::fmt::Debug, ::std::cmp::PartialEq)]
enum Level {
    Info,
    Debug,
}

impl ::std::str::FromStr for Level {
    type Err = ::std::string::String;
    fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
        match s {
            "info" => ::std::result::Result::Ok(Level::Info),
            "debug" => ::std::result::Result::Ok(Level::Debug),
            _ => ::std::result::Result::Err(::std::string::ToString::to_string("info or debug")),
        }
    }
}

fn double(s: &str) -> ::std::result::Result<u32, ::std::num::ParseIntError> {
    ::std::result::Result::Ok(s.parse::<u32>()? * 2)
}

#[derive(::twelve::Config)]
#[config(prefix = "APP_")]
struct Settings {
    /// A documented field.
    name: ::std::string::String,
    #[config(default = 8080)]
    port: u16,
    #[config(default = "5s")]
    timeout: ::std::time::Duration,
    #[config(default = ::std::time::Duration::from_millis(10))]
    tick: ::std::time::Duration,
    hosts: ::std::vec::Vec<::std::string::String>,
    #[config(separator = ";", default = "")]
    ips: ::std::vec::Vec<::std::net::IpAddr>,
    maybe: ::std::option::Option<bool>,
    token: ::twelve::Secret<::std::string::String>,
    maybe_token: ::std::option::Option<::twelve::Secret<::std::string::String>>,
    #[config(from_str)]
    level: Level,
    #[config(with = double)]
    doubled: u32,
    #[config(env = "ABSOLUTE")]
    absolute: ::std::option::Option<::std::path::PathBuf>,
    r#type: ::std::option::Option<char>,
    #[config(nested)]
    db: Db,
}

#[derive(::twelve::Config)]
struct Db {
    url: ::twelve::Secret<::std::string::String>,
    #[config(default = 4)]
    pool: usize,
}

mod inner {
    // A module of its own under the crate's `no_implicit_prelude`.
    #[derive(::twelve::Config)]
    pub(crate) struct Small {
        pub(crate) value: ::std::option::Option<i64>,
    }
}

fn main() {
    use ::twelve::Config as _;

    let s = Settings::from_vars([
        ("APP_NAME", "svc"),
        ("APP_HOSTS", "a,b"),
        ("APP_TOKEN", "hunter2"),
        ("APP_LEVEL", "debug"),
        ("APP_DOUBLED", "21"),
        ("APP_TYPE", "t"),
        ("APP_DB_URL", "postgres://db"),
    ])
    .unwrap();
    ::std::assert_eq!(s.name, "svc");
    ::std::assert_eq!(s.port, 8080);
    ::std::assert_eq!(s.timeout, ::std::time::Duration::from_secs(5));
    ::std::assert_eq!(s.tick, ::std::time::Duration::from_millis(10));
    ::std::assert_eq!(s.hosts, ["a", "b"]);
    ::std::assert!(s.ips.is_empty());
    ::std::assert_eq!(s.maybe, ::std::option::Option::None);
    ::std::assert_eq!(s.token.expose(), "hunter2");
    ::std::assert!(s.maybe_token.is_none());
    ::std::assert_eq!(s.level, Level::Debug);
    ::std::assert_eq!(s.doubled, 42);
    ::std::assert!(s.absolute.is_none());
    ::std::assert_eq!(s.r#type, ::std::option::Option::Some('t'));
    ::std::assert_eq!(s.db.url.expose(), "postgres://db");
    ::std::assert_eq!(s.db.pool, 4);
    ::std::assert_eq!(Settings::vars().len(), 15);

    let small = inner::Small::from_vars([("VALUE", "-3")]).unwrap();
    ::std::assert_eq!(small.value, ::std::option::Option::Some(-3));
}
