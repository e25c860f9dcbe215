use twelve::Config;

fn parse_port(raw: String) -> u16 {
    raw.len() as u16
}

#[derive(Config)]
struct Settings {
    #[config(with = parse_port)]
    port: u16,
}

fn main() {}
