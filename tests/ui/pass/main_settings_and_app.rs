//! Settings and App in either order, a Result return, `crate = "..."`.
use twelve::{App, Config};

#[derive(Config, Debug)]
struct Settings {
    #[config(default = "hi")]
    greeting: String,
}

#[twelve::main(crate = "::twelve")]
async fn main(app: App, settings: Settings) -> Result<(), std::io::Error> {
    assert_eq!(settings.greeting, "hi");
    assert_eq!(app.service().name(), "twelve-tests");
    app.health().set_ready(true);
    Ok(())
}
