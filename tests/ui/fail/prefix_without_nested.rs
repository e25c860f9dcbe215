use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(prefix = "HTTP_")]
    port: u16,
}

fn main() {}
