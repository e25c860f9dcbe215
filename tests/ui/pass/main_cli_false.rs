//! `#[twelve::main(cli = false)]` (with `crate`) compiles; it runs with no arguments.

#[twelve::main(cli = false, crate = "twelve")]
async fn main(app: twelve::App) {
    app.shutdown().trigger();
}
