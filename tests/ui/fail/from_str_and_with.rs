use twelve::Config;

fn parse_port(raw: &str) -> Result<u16, std::num::ParseIntError> {
    raw.parse()
}

#[derive(Config)]
struct Settings {
    #[config(from_str, with = parse_port)]
    port: u16,
}

fn main() {}
