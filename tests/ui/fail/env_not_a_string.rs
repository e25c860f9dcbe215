use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(env = PORT)]
    port: u16,
}

fn main() {}
