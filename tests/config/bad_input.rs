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
    let err = Small::from_vars([("PORT", "1"), ("TOKEN_FILE", path_str(&token))]).expect_err("off");
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
    // DESIGN: a value from a file names it, `VAR (from file:<path>): ...`.
    assert_eq!(
        text[0],
        format!(
            "PORT (from file:{}): invalid value \"eighty\": expected a whole number (expected u16)",
            dir.join("port").display()
        ),
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
        text.starts_with(&format!(
            "TOKEN_FILE (from file:{}): invalid value (secret, not shown): not valid UTF-8",
            dir.join("bad-utf8").display()
        )),
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
    // DESIGN: a value from `.env` names it, `VAR (from <file>:<line>): ...`.
    assert_eq!(
        text[0],
        format!(
            "PORT (from {}:1): invalid value \"x\": expected a whole number (expected u16)",
            dotenv.display()
        ),
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
