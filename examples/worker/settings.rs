//! The settings of the worker example, in their own file so that `tests/deploy/` and
//! `tests/env_example.rs` can check the deployment files and `.env.example` against
//! the variables the worker really reads. Self-contained: `twelve` and std only.

use std::time::Duration;

use twelve::Config;

/// Settings of the worker.
#[derive(Config, Debug)]
pub(crate) struct Settings {
    /// Pause between two jobs.
    #[config(default = "200ms")]
    pub(crate) job_interval: Duration,
    /// How long one job works (it stands for real work).
    #[config(default = "300ms")]
    pub(crate) job_duration: Duration,
}
