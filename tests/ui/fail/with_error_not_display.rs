use twelve::Config;

#[derive(Debug)]
struct PortError;

fn parse_port(raw: &str) -> Result<u16, PortError> {
    raw.parse().map_err(|_| PortError)
}

#[derive(Config)]
struct Settings {
    #[config(with = parse_port)]
    port: u16,
}

fn main() {}
