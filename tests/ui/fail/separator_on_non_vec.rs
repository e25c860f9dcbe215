use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(separator = ";")]
    hosts: String,
}

fn main() {}
