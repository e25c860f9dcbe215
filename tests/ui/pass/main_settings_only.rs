//! Settings alone.
use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(default = 3)]
    n: u8,
}

#[twelve::main]
async fn main(settings: Settings) -> Result<(), String> {
    if settings.n == 3 { Ok(()) } else { Err("n".into()) }
}
