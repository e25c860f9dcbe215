use twelve::Config;

fn parse_hosts(raw: &str) -> Result<Vec<String>, String> {
    Ok(raw.split(' ').map(String::from).collect())
}

#[derive(Config)]
struct Settings {
    #[config(separator = ";", with = parse_hosts)]
    hosts: Vec<String>,
}

fn main() {}
