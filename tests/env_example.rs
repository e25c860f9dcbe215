//! Each example's `.env.example` holds every variable the example reads: the
//! runtime's own (`twelve::runtime::RuntimeSettings`) and its settings struct
//! (`examples/<name>/settings.rs`), in that order, as `twelve::config` renders them.
//!
//! Run with `TWELVE_UPDATE_ENV_EXAMPLE=1` to rewrite the files after changing a
//! settings struct.

use twelve::Config;
use twelve::config::check_env_example;
use twelve::runtime::RuntimeSettings;

mod examples_settings;
use examples_settings::{migrate, web, worker};

/// Everything a `#[twelve::main]` program with the settings of `$example` reads: the
/// runtime's variables, then its own (both read at the root, with no prefix), as the
/// runtime reads them in one pass.
macro_rules! program {
    ($name:ident, $settings:ty) => {
        // Only its variables are used, never a loaded value.
        #[allow(dead_code)]
        #[derive(Config)]
        struct $name {
            #[config(nested, prefix = "")]
            runtime: RuntimeSettings,
            #[config(nested, prefix = "")]
            settings: $settings,
        }
    };
}

program!(Web, web::Settings);
program!(Worker, worker::Settings);
program!(Migrate, migrate::Settings);

fn check<P: Config>(example: &str) {
    let path = format!(
        "{}/examples/{example}/.env.example",
        env!("CARGO_MANIFEST_DIR")
    );
    if let Err(error) = check_env_example::<P>(&path) {
        panic!("{error}");
    }
}

#[test]
fn web_env_example_is_current() {
    check::<Web>("web");
}

#[test]
fn worker_env_example_is_current() {
    check::<Worker>("worker");
}

#[test]
fn migrate_env_example_is_current() {
    check::<Migrate>("migrate");
}
