use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(with = parsers::port)]
    port: u16,
}

fn main() {}
