//! The settings of the migrate one-off, in their own file so that `tests/deploy/` and
//! `tests/env_example.rs` can check the deployment files and `.env.example` against
//! the variables it really reads. Self-contained: `twelve` and std only.

use twelve::{Config, Secret};

/// The settings of the one-off: where the database is and how far to go.
#[derive(Config, Debug)]
pub(crate) struct Settings {
    /// Where the schema lives; a real migration would connect to it.
    #[config(default = "postgres://localhost/quotes")]
    pub(crate) database_url: Secret<String>,
    /// Stop after this many steps (for a dry run).
    #[config(default = 3)]
    pub(crate) migration_steps: u32,
}
