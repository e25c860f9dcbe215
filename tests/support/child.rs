//! This test binary run again as a child process, for checks that need a process of
//! their own: the real environment and working directory, stdout, a global logger,
//! panics.
//!
//! The child's part is an entry test marked `#[ignore]`, so that the parent run
//! doesn't count it as a pass for doing nothing; the parent test runs it with
//! [`command`] (`--exact <name> --ignored`) and asserts on its output. An entry starts
//! with [`enter`], which fails it when run by hand outside a child.
//!
//! The child starts from a clean environment ([`super::process::clean_command`]):
//! only what the parent test sets reaches it, none of the developer's settings.

use std::process::Command;

/// Set in the child's environment.
const CHILD: &str = "TWELVE_TEST_CHILD";

/// Whether this process is a child started by [`command`].
pub(crate) fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// The first line of an entry test: panics unless this process is a child started by
/// [`command`], naming the test that runs it.
pub(crate) fn enter(parent: &str) {
    assert!(
        in_child(),
        "a child-process entry: run in a child process by {parent}, not on its own"
    );
}

/// This test binary, set up to run the one `#[ignore]`d entry test `name` (one thread,
/// output not captured), from a clean environment with the child marker set. Run it
/// with [`super::process::output_within`], so that a child that hangs fails the test.
pub(crate) fn command(name: &str) -> Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = super::process::clean_command(exe);
    command
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1");
    command
}
