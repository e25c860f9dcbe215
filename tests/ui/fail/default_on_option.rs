use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(default = "info")]
    log_level: Option<String>,
}

fn main() {}
