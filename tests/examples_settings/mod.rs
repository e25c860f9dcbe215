//! The settings structs of the examples, included from `examples/<name>/settings.rs`,
//! for the tests that check files against the variables each example reads
//! (`tests/deploy/`, `tests/env_example.rs`). Only their variables are used, never a
//! loaded value.
#![allow(dead_code)]

#[path = "../../examples/web/settings.rs"]
pub(crate) mod web;

#[path = "../../examples/worker/settings.rs"]
pub(crate) mod worker;

#[path = "../../examples/migrate/settings.rs"]
pub(crate) mod migrate;
