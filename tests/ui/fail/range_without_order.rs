use twelve::{Config, ConfigValue};

#[derive(ConfigValue, PartialEq)]
enum Mode {
    Fast,
    Safe,
}

#[derive(Config)]
struct Settings {
    #[config(range = Mode::Fast..=Mode::Safe)]
    mode: Mode,
}

fn main() {}
