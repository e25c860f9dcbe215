use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(env = "PORT", env = "HTTP_PORT")]
    port: u16,
    #[config(default = 1)]
    #[config(default = 2)]
    workers: u16,
}

fn main() {}
