//! stdout, in child processes (`support::child`): concurrent lines, a closed stdout,
//! panics.

use std::process::{Command, Stdio};

use serde_json::Value;
use twelve::correlation::{self, CorrelationId};

use crate::support::child;
use crate::support::process::{output_within, wait_within};

/// How long a child may take: it ends in well under a second.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// This binary, to run the `#[ignore]`d child entry `name` (its path from the crate
/// root) quietly.
fn child(name: &str) -> Command {
    let mut cmd = child::command(name);
    cmd.arg("--quiet");
    cmd
}

/// The child of `concurrent_lines_never_interleave`.
#[test]
#[ignore = "a child process of concurrent_lines_never_interleave"]
fn child_many_threads() {
    child::enter("concurrent_lines_never_interleave");
    twelve::log::builder().service("s").init().expect("init");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..2000 {
                    tracing::info!(
                        thread = t,
                        i,
                        padding = "x".repeat(i % 300).as_str(),
                        "line"
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

#[test]
fn concurrent_lines_never_interleave() {
    let out = output_within(
        &mut child("stdout::child_many_threads"),
        LIMIT,
        "child_many_threads",
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let json: Vec<Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line ({e}): {l}")))
        .collect();
    assert_eq!(json.len(), 16_000);
}

/// The child of `closed_stdout_neither_panics_nor_complains`.
#[test]
#[ignore = "a child process of closed_stdout_neither_panics_nor_complains"]
fn child_closed_stdout() {
    child::enter("closed_stdout_neither_panics_nor_complains");
    twelve::log::builder().init().expect("init");
    std::thread::sleep(std::time::Duration::from_millis(500));
    for i in 0..20_000 {
        tracing::info!(i, "into a closed pipe");
    }
    eprintln!("CHILD DONE");
    // Exit before the test harness itself writes its summary to the closed pipe.
    std::process::exit(0);
}

#[test]
fn closed_stdout_neither_panics_nor_complains() {
    let mut proc = child("stdout::child_closed_stdout")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Wait for the harness's own first line, so that only twelve's writes meet the
    // closed pipe, then close it.
    if let Some(stdout) = proc.stdout.take() {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        for _ in 0..5 {
            line.clear();
            let read = std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0);
            if read == 0 || line.contains("running") {
                break;
            }
        }
    }
    let out = wait_within(proc, LIMIT, "the child with a closed stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("CHILD DONE"), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

/// The child of `panics_are_json_lines_with_the_correlation_id`.
#[test]
#[ignore = "a child process of panics_are_json_lines_with_the_correlation_id"]
fn child_panics() {
    child::enter("panics_are_json_lines_with_the_correlation_id");
    twelve::log::builder().service("s").init().expect("init");
    twelve::log::install_panic_hook();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let outcome = rt.block_on(async {
        let id = CorrelationId::parse("job-77").expect("valid");
        correlation::spawn(async {
            CorrelationId::scope(id, async {
                let items: Vec<u8> = Vec::new();
                let _ = items[3];
            })
            .await
        })
        .await
    });
    assert!(outcome.is_err());
}

#[test]
fn panics_are_json_lines_with_the_correlation_id() {
    let out = output_within(&mut child("stdout::child_panics"), LIMIT, "child_panics");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let line = &lines[0];
    assert_eq!(line["level"], "error");
    assert_eq!(line["message"], "panic");
    assert_eq!(line["correlation_id"], "job-77");
    assert!(
        line["panic.message"]
            .as_str()
            .is_some_and(|m| m.contains("index out of bounds")),
        "{line}"
    );
    assert!(
        line["panic.location"]
            .as_str()
            .is_some_and(|l| l.starts_with("tests/logging/stdout.rs:")),
        "{line}"
    );
    // Under LOG_FORMAT=json the standard hook's text is not printed: stderr holds no
    // panic text (the harness's own lines aside, none of them about the panic).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!stderr.contains("index out of bounds"), "{stderr}");
}

/// The child of `under_pretty_the_standard_panic_message_is_kept`.
#[test]
#[ignore = "a child process of under_pretty_the_standard_panic_message_is_kept"]
fn child_pretty_panic() {
    child::enter("under_pretty_the_standard_panic_message_is_kept");
    twelve::log::builder()
        .format(twelve::log::Format::Pretty)
        .init()
        .expect("init");
    twelve::log::install_panic_hook();
    let outcome = std::thread::spawn(|| panic!("pretty on purpose")).join();
    assert!(outcome.is_err());
}

#[test]
fn under_pretty_the_standard_panic_message_is_kept() {
    let out = output_within(
        &mut child("stdout::child_pretty_panic"),
        LIMIT,
        "child_pretty_panic",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The hook that was installed before (the standard one) runs too.
    assert!(stderr.contains("panicked at"), "{stderr}");
    assert!(stderr.contains("pretty on purpose"), "{stderr}");
}
