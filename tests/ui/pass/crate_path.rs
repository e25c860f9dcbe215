//! `#[config(crate = "...")]`: the generated code reaches twelve through the given path.
//! (A renamed dependency can't be tested here: trybuild builds with this package's own
//! dependencies, so aliases stand in for the rename.)

use twelve::Config;

mod my {
    pub use ::twelve as tw;
}

mod deeper {
    pub mod path {
        pub use ::twelve as twelve_again;
    }
}

#[derive(Config, Debug)]
#[config(crate = "::twelve")]
struct Absolute {
    #[config(default = 1)]
    port: u16,
}

#[derive(Config, Debug)]
#[config(crate = "my::tw", prefix = "ALIAS_")]
struct Aliased {
    host: String,
    token: my::tw::Secret<String>,
    #[config(nested)]
    inner: Absolute,
}

#[derive(Config, Debug)]
#[config(crate = "crate::deeper::path::twelve_again")]
struct Deep {
    #[config(default = "1m")]
    ttl: std::time::Duration,
}

#[derive(Config, Debug)]
#[config(crate = my::tw)]
struct Unquoted {
    flag: Option<bool>,
}

fn main() {
    let a = Absolute::from_vars([("PORT", "2")]).unwrap();
    assert_eq!(a.port, 2);

    let b = Aliased::from_vars([
        ("ALIAS_HOST", "h"),
        ("ALIAS_TOKEN", "t"),
        ("ALIAS_INNER_PORT", "3"),
    ])
    .unwrap();
    assert_eq!(b.host, "h");
    assert_eq!(b.token.expose(), "t");
    assert_eq!(b.inner.port, 3);

    let d = Deep::from_vars(std::iter::empty::<(&str, &str)>()).unwrap();
    assert_eq!(d.ttl, std::time::Duration::from_secs(60));

    let u = Unquoted::from_vars([("FLAG", "off")]).unwrap();
    assert_eq!(u.flag, Some(false));
}
