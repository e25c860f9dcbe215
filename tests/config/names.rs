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
