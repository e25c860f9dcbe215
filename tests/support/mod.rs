//! Helpers shared by the integration test binaries, in one place: the counting
//! allocator ([`alloc`]), this test binary run again as a child process ([`child`]),
//! the examples run as real processes ([`process`]), and a real OTLP receiver for
//! the spans they export ([`otlp`]).
//!
//! A binary takes it with `mod support;` (from a folder binary's `main.rs`:
//! `#[path = "../support/mod.rs"] mod support;`) and uses the parts it needs.

// Each binary uses only a part of the helpers.
#![allow(dead_code)]

pub(crate) mod alloc;
pub(crate) mod child;
pub(crate) mod otlp;
pub(crate) mod process;
