use twelve::ConfigValue;

#[derive(ConfigValue)]
struct Mode {
    fast: bool,
}

fn main() {}
