//! The release-stage flags of `#[twelve::main]` and [`Runtime::run`](super::Runtime::run):
//! `--check-config` and `--env-example`, acted on only when the flag is the one and
//! only argument.
//!
//! `--check-config` reads the runtime's settings and the user's exactly as a start
//! would (the same [`Loader`] pass), prints one JSON line `config checked` (a table
//! under `LOG_FORMAT=pretty`) and gives the exit code: 0 valid, 78 not. It binds
//! nothing, runs none of the user's `main` and opens no connection. `--env-example`
//! prints the `.env.example` of both settings.

use std::ffi::OsString;
use std::fmt::Write as _;

use super::settings::RuntimeSettings;
use super::{EXIT_CONFIG, ServiceInfo};
use crate::config::{Config, ConfigError, Loader, Report, Source, render_env_example};
use crate::log::Format;

/// What the arguments ask of twelve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// `--check-config`.
    CheckConfig,
    /// `--env-example`.
    EnvExample,
}

/// The action of `args` (the program's, its name first): a flag alone; anything else
/// (more arguments, other flags) is the program's, and `None`.
pub(crate) fn action(args: impl IntoIterator<Item = OsString>) -> Option<Action> {
    let mut args = args.into_iter().skip(1);
    let flag = args.next()?;
    if args.next().is_some() {
        return None;
    }
    match flag.to_str()? {
        "--check-config" => Some(Action::CheckConfig),
        "--env-example" => Some(Action::EnvExample),
        _ => None,
    }
}

/// Does `action` for the settings `S`: the text for stdout and the exit code.
pub(crate) fn run<S: Config>(action: Action, info: &ServiceInfo, source: &Source) -> (String, u8) {
    match action {
        Action::EnvExample => {
            let mut vars = RuntimeSettings::vars();
            vars.extend(S::vars());
            (render_env_example(&vars), 0)
        }
        Action::CheckConfig => check::<S>(info, source),
    }
}

/// `--check-config`: one load of both settings, with the report.
fn check<S: Config>(info: &ServiceInfo, source: &Source) -> (String, u8) {
    let mut loader = Loader::with_report(source, true);
    let runtime = RuntimeSettings::__load(&mut loader, "");
    let user = S::__load(&mut loader, "");
    let (format, service, release) = match &runtime {
        Some(r) => (r.log_format, r.service_name.clone(), r.release_id.clone()),
        None => (Format::Json, None, None),
    };
    let info = info.clone().with(service, release);
    let (result, report) = loader.finish_report(runtime.zip(user), S::__prefix());
    let error = result.err();
    let code = if error.is_some() { EXIT_CONFIG } else { 0 };
    let text = match format {
        Format::Pretty => table(&info, &report, error.as_ref(), code),
        Format::Json => json_line(&info, &report, error.as_ref(), code),
    };
    (text, code)
}

/// The problems and warnings as lines of text: errors first (the `.env` file's own
/// problems are in the error when there is one), then warnings.
fn lines(report: &Report, error: Option<&ConfigError>) -> (Vec<String>, Vec<String>) {
    let errors = error
        .map(|e| e.errors().map(ToString::to_string).collect())
        .unwrap_or_default();
    let warnings = report
        .warnings()
        .iter()
        .map(ToString::to_string)
        .chain(report.source_problems().iter().map(ToString::to_string))
        .collect();
    (errors, warnings)
}

/// The one JSON line `config checked`, with a newline.
pub(crate) fn json_line(
    info: &ServiceInfo,
    report: &Report,
    error: Option<&ConfigError>,
    code: u8,
) -> String {
    let (errors, warnings) = lines(report, error);
    let mut out = String::with_capacity(256 + 64 * report.vars().len());
    out.push_str("{\"level\":");
    string(&mut out, if code == 0 { "info" } else { "error" });
    out.push_str(",\"message\":\"config checked\",\"service\":");
    string(&mut out, info.name());
    out.push_str(",\"version\":");
    string(&mut out, info.version());
    if let Some(release) = info.release() {
        out.push_str(",\"release\":");
        string(&mut out, release);
    }
    let _ = write!(out, ",\"valid\":{},\"exit_code\":{code}", code == 0);
    out.push_str(",\"vars\":[");
    for (i, var) in report.vars().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        string(&mut out, var.name());
        out.push_str(",\"source\":");
        string(&mut out, &var.source().to_string());
        out.push_str(",\"value\":");
        match var.value() {
            Some(value) => string(&mut out, value),
            None => out.push_str("null"),
        }
        out.push('}');
    }
    out.push(']');
    for (key, items) in [("errors", &errors), ("warnings", &warnings)] {
        if items.is_empty() {
            continue;
        }
        let _ = write!(out, ",\"{key}\":[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(&mut out, item);
        }
        out.push(']');
    }
    out.push_str("}\n");
    out
}

/// The report as a table for a human (`LOG_FORMAT=pretty`).
fn table(info: &ServiceInfo, report: &Report, error: Option<&ConfigError>, code: u8) -> String {
    let (errors, warnings) = lines(report, error);
    let mut out = String::new();
    let verdict = if code == 0 {
        "valid".to_owned()
    } else {
        format!("{} problem(s)", errors.len())
    };
    let _ = writeln!(
        out,
        "config checked: {} {}: {verdict} (exit code {code})",
        info.name(),
        info.version()
    );
    let rows: Vec<[String; 3]> = report
        .vars()
        .iter()
        .map(|v| {
            [
                v.name().to_owned(),
                v.source().to_string(),
                v.value().unwrap_or("-").to_owned(),
            ]
        })
        .collect();
    let header = ["VARIABLE", "SOURCE", "VALUE"].map(String::from);
    let widths: Vec<usize> = (0..2)
        .map(|c| {
            rows.iter()
                .chain([&header])
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    out.push('\n');
    for row in [&header].into_iter().chain(&rows) {
        let _ = writeln!(
            out,
            "  {:w0$}  {:w1$}  {}",
            row[0],
            row[1],
            row[2],
            w0 = widths[0],
            w1 = widths[1]
        );
    }
    for (title, items) in [("errors", &errors), ("warnings", &warnings)] {
        if !items.is_empty() {
            let _ = writeln!(out, "\n{title}:");
            for item in items.iter() {
                let _ = writeln!(out, "  - {}", item.replace('\n', "\n    "));
            }
        }
    }
    out
}

/// `s` as a JSON string: quotes, backslashes and control characters escaped.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The `config.sources` of the `config loaded` line, as the log layer takes it
/// (`name\0source\0...`, written as a JSON object of each variable's name to its source;
/// never a value).
pub(crate) fn sources_pairs(report: &Report) -> String {
    let mut out = String::new();
    // A variable that two structs read (the runtime's `PORT` and a user's `port`) is
    // one key: the same variable has one source.
    let mut seen = std::collections::HashSet::new();
    for var in report.vars() {
        if !seen.insert(var.name()) {
            continue;
        }
        if !out.is_empty() {
            out.push('\0');
        }
        out.push_str(var.name());
        out.push('\0');
        out.push_str(&var.source().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_variable_read_twice_is_one_source_pair() {
        #[derive(Debug, twelve_macros::Config)]
        #[config(crate = "crate")]
        struct User {
            #[config(default = 8000)]
            port: u16,
        }
        let source = Source::from_vars([("PORT", "8080")]);
        let mut loader = Loader::with_report(&source, false);
        let runtime = RuntimeSettings::__load(&mut loader, "");
        let user = User::__load(&mut loader, "");
        let (result, report) = loader.finish_report(runtime.zip(user), "");
        assert_eq!(result.map(|(_, user)| user.port).ok(), Some(8080));
        let pairs = sources_pairs(&report);
        let names: Vec<&str> = pairs.split('\0').step_by(2).collect();
        assert_eq!(
            names.iter().filter(|n| **n == "PORT").count(),
            1,
            "{names:?}"
        );
    }

    #[test]
    fn a_flag_counts_only_alone() {
        assert_eq!(
            action(args(&["app", "--check-config"])),
            Some(Action::CheckConfig)
        );
        assert_eq!(
            action(args(&["app", "--env-example"])),
            Some(Action::EnvExample)
        );
        assert_eq!(action(args(&["app"])), None);
        assert_eq!(action(args(&["app", "--check-config", "extra"])), None);
        assert_eq!(action(args(&["app", "extra", "--check-config"])), None);
        assert_eq!(action(args(&["app", "--check-config=1"])), None);
        assert_eq!(action(args(&[])), None);
    }

    #[derive(twelve_macros::Config)]
    #[config(crate = "crate", validate = never)]
    #[allow(dead_code)]
    struct Settings {
        token: crate::Secret<String>,
        #[config(validate = short)]
        password: Option<crate::Secret<String>>,
        count: Option<u8>,
        keys: Option<crate::Secret<std::collections::BTreeMap<String, u8>>>,
    }

    fn short(p: &crate::Secret<String>) -> Result<(), String> {
        Err(format!("{} is bad", p.expose()))
    }

    fn never(s: &Settings) -> Result<(), crate::config::Invalid> {
        Err(crate::config::Invalid::new(
            ["token"],
            format!("no {}", s.token.expose()),
        ))
    }

    fn check_text(pairs: &[(&str, &str)], pretty: bool) -> (String, u8) {
        let mut pairs = pairs.to_vec();
        if pretty {
            pairs.push(("LOG_FORMAT", "pretty"));
        }
        let info = ServiceInfo::new("svc", "1.0.0");
        check::<Settings>(&info, &Source::from_vars(pairs))
    }

    proptest::proptest! {
        /// Whatever a secret holds, the check's output never contains it, in JSON or
        /// as a table, valid or not.
        #[test]
        fn no_check_output_contains_a_secret(secret in "[ -~]{0,30}", other in proptest::prelude::any::<String>(), pretty: bool) {
            let marked = format!("s3cr3t{secret}");
            for pairs in [
                vec![("TOKEN", marked.as_str()), ("COUNT", other.as_str())],
                vec![("TOKEN", "t"), ("PASSWORD", marked.as_str()), ("KEYS", marked.as_str())],
                vec![("TOKEN", marked.as_str()), ("TOKEM", marked.as_str())],
            ] {
                let (text, code) = check_text(&pairs, pretty);
                proptest::prop_assert_eq!(code, EXIT_CONFIG);
                proptest::prop_assert!(!text.contains("s3cr3t"), "{}", text);
                if !pretty {
                    proptest::prop_assert_eq!(text.matches('\n').count(), 1);
                }
            }
        }
    }

    #[test]
    fn strings_are_json() {
        let mut out = String::new();
        string(&mut out, "a\"b\\c\n\u{1}\u{2028}é");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u0001\\u2028é\"");
    }
}
