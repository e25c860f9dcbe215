//! The settings of the web example, in their own file so that `tests/deploy/` and
//! `tests/env_example.rs` can check the deployment files and `.env.example` against
//! the variables the service really reads. Self-contained: `twelve` and std only.

use std::time::Duration;

use twelve::Config;

/// Settings of the quote service.
#[derive(Config, Debug, Clone)]
pub(crate) struct Settings {
    /// Price of one item, in cents.
    #[config(default = 250)]
    pub(crate) unit_price_cents: u64,
    /// Value-added tax, in percent.
    #[config(default = 20)]
    pub(crate) vat_percent: u64,
    /// Currency code printed in quotes.
    #[config(default = "EUR")]
    pub(crate) currency: String,
    /// The longest `/slow?ms=` delay a caller may ask for (it simulates slow work).
    #[config(default = "10s")]
    pub(crate) max_slow: Duration,
}
