//! Sources and the report: each value knows where it came from; the report shows
//! names, sources and values (secrets redacted); look-alike variables are warnings.

use twelve::config::{Source, ValueSource};
use twelve::{Config, Secret};

use super::temp_dir;

// Fields the tests read only through the report or errors.
#[allow(dead_code)]
#[derive(Config, Debug)]
#[config(prefix = "SHOP_")]
struct Settings {
    database_url: Secret<String>,
    #[config(default = 8080)]
    port: u16,
    #[config(default = "info")]
    level: String,
    release: Option<String>,
    #[config(nested)]
    smtp: Smtp,
}

// Fields the tests read only through the report or errors.
#[allow(dead_code)]
#[derive(Config, Debug)]
struct Smtp {
    host: String,
    #[config(default = 1025)]
    port: u16,
}

#[test]
fn the_report_gives_name_source_and_shown_value() {
    let dir = temp_dir("report");
    std::fs::write(dir.join("db"), "postgres://pw@db\n").expect("write");
    std::fs::write(
        dir.join(".env"),
        "# dev\nSHOP_SMTP_HOST=mail\nSHOP_LEVEL=\"a\\\"b\"\n",
    )
    .expect("write");
    let db = dir.join("db");
    let source = Source::from_vars([
        ("SHOP_DATABASE_URL_FILE", db.to_str().expect("utf-8")),
        ("SHOP_PORT", "9000"),
    ])
    .with_files(true)
    .with_dotenv(Some(dir.join(".env")));
    let (settings, report) = Settings::load_report_from(&source);
    assert_eq!(settings.expect("loads").smtp.host, "mail");
    let env = format!("{}", dir.join(".env").display());
    let rows: Vec<(String, String, Option<String>)> = report
        .vars()
        .iter()
        .map(|v| {
            (
                v.name().to_owned(),
                v.source().to_string(),
                v.value().map(str::to_owned),
            )
        })
        .collect();
    let s = |t: &str| Some(t.to_owned());
    assert_eq!(
        rows,
        [
            (
                "SHOP_DATABASE_URL".into(),
                format!("file:{}", db.display()),
                s("[REDACTED]")
            ),
            ("SHOP_PORT".into(), "env".into(), s("9000")),
            ("SHOP_LEVEL".into(), format!("{env}:3"), s("a\\\"b")),
            ("SHOP_RELEASE".into(), "unset".into(), None),
            ("SHOP_SMTP_HOST".into(), format!("{env}:2"), s("mail")),
            ("SHOP_SMTP_PORT".into(), "default".into(), s("1025")),
        ]
    );
    assert!(report.vars()[0].is_secret());
    assert!(matches!(report.vars()[1].source(), ValueSource::Env));
    assert!(report.warnings().is_empty(), "{:?}", report.warnings());
}

#[test]
fn the_report_is_there_when_the_load_fails() {
    let source = Source::from_vars([("SHOP_PORT", "x"), ("SHOP_DATABASE_URL", "hunter2")]);
    let (settings, report) = Settings::load_report_from(&source);
    assert_eq!(settings.expect_err("bad").len(), 2);
    let port = &report.vars()[1];
    assert_eq!((port.name(), port.value()), ("SHOP_PORT", Some("x")));
    let text = format!("{report:?}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn look_alikes_and_prefixed_strays_are_warnings_never_errors() {
    let source = Source::from_vars([
        ("SHOP_DATABASE_URL", "x"),
        ("SHOP_DATABSE_URL", "y"),
        ("SHOP_SMTP_HOST", "mail"),
        ("SHOP_SMTP_HOTS", "m"),
        ("SHOP_COLOUR", "red"),
        ("HOME", "/root"),
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
        ("SHOP_SERVICE_PORT", "80"),
        ("TWELVE_DOTENV", "0"),
        ("SHOP_DATABASE_URL_FILE", ""),
        ("UNRELATED", "1"),
    ]);
    let (settings, report) = Settings::load_report_from(&source);
    assert!(settings.is_ok());
    let mut warnings: Vec<String> = report.warnings().iter().map(ToString::to_string).collect();
    warnings.sort();
    assert_eq!(
        warnings,
        [
            "SHOP_COLOUR is set but nothing reads it",
            "SHOP_DATABSE_URL is set but nothing reads it; did you mean SHOP_DATABASE_URL?",
            "SHOP_SMTP_HOTS is set but nothing reads it; did you mean SHOP_SMTP_HOST?",
        ]
    );
    let w = report
        .warnings()
        .iter()
        .find(|w| w.var() == "SHOP_DATABSE_URL")
        .expect("found");
    assert_eq!(w.suggestion(), Some("SHOP_DATABASE_URL"));
}

#[test]
fn a_look_alike_in_dotenv_names_its_line() {
    let dir = temp_dir("lookalike-dotenv");
    std::fs::write(
        dir.join(".env"),
        "SHOP_SMTP_HOST=mail\n\nSHOP_DATABSE_URL=x\n",
    )
    .expect("write");
    let source =
        Source::from_vars([("SHOP_DATABASE_URL", "x")]).with_dotenv(Some(dir.join(".env")));
    let (_, report) = Settings::load_report_from(&source);
    let warnings: Vec<String> = report.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [format!(
            "SHOP_DATABSE_URL (from {}:3) is set but nothing reads it; did you mean SHOP_DATABASE_URL?",
            dir.join(".env").display()
        )]
    );
}
