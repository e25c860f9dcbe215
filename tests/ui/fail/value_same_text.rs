use twelve::ConfigValue;

#[derive(ConfigValue)]
enum Mode {
    FastPath,
    #[config(rename = "fast-path")]
    Quick,
    Safe,
    #[config(rename = "SAFE")]
    Careful,
    #[config(rename = "--")]
    Dashes,
}

fn main() {}
