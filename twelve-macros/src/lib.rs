//! Procedural macros of [twelve](https://docs.rs/twelve). An implementation detail:
//! depend on `twelve` and use `twelve::Config`, which is documented there.
//!
//! This file holds only the entry points; each macro lives in its own module as
//! parse -> validate -> expand.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod attr;
mod config;
mod config_value;
mod errors;
mod main_fn;
mod paths;
mod spans;
mod types;

/// Implements `twelve::Config` for a struct with named fields. See `twelve::Config`.
#[proc_macro_derive(Config, attributes(config))]
pub fn derive_config(input: TokenStream) -> TokenStream {
    config::derive(input.into()).into()
}

/// Implements `twelve::config::ConfigValue` for an enum of unit variants. See
/// `twelve::ConfigValue`.
#[proc_macro_derive(ConfigValue, attributes(config))]
pub fn derive_config_value(input: TokenStream) -> TokenStream {
    config_value::derive(input.into()).into()
}

/// Runs `async fn main` under twelve's runtime. See `twelve::main`.
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    main_fn::main(attr.into(), item.into()).into()
}
