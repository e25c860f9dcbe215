use twelve::ConfigValue;

#[derive(ConfigValue)]
enum Mode {
    Fast,
    Limited(u32),
    Custom { name: String },
}

fn main() {}
