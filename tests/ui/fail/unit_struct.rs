use twelve::Config;

#[derive(Config)]
struct Settings;

fn main() {}
