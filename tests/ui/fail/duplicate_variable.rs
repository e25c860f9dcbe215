use twelve::Config;

#[derive(Config)]
struct Settings {
    port: u16,
    #[config(env = "PORT")]
    http_port: u16,
}

fn main() {}
