use twelve::Config;

#[derive(Config)]
#[config(env = "SETTINGS", prefix = "APP_")]
struct Settings {
    #[config(crate = "twelve")]
    port: u16,
}

fn main() {}
