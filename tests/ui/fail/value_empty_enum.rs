use twelve::ConfigValue;

#[derive(ConfigValue)]
enum Never {}

fn main() {}
