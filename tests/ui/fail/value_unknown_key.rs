use twelve::ConfigValue;

#[derive(ConfigValue)]
#[config(prefix = "X_")]
enum Mode {
    #[config(renam = "fast")]
    Fast,
    #[config(rename = "slow", rename = "slower")]
    Slow,
}

fn main() {}
