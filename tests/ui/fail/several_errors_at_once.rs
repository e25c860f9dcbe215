use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(defualt = 8080)]
    port: u16,
    #[config(default = "info")]
    log_level: Option<String>,
    #[config(env = "HAS-DASH")]
    host: String,
}

// The derive still implements the trait next to its errors, so this use of the
// struct type-checks and adds no error of its own.
fn load() -> Result<Settings, twelve::config::ConfigError> {
    <Settings as twelve::Config>::from_env()
}

fn main() {
    let _ = load();
    let _ = Settings::vars();
}
