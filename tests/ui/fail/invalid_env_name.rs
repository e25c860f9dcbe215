use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(env = "1BAD")]
    port: u16,
    #[config(env = "HAS-DASH")]
    host: String,
    #[config(env = "")]
    name: String,
}

fn main() {}
