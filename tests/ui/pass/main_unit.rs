//! The smallest service: no settings, no App, returns at once: exit 0.
#[twelve::main]
async fn main() {}
