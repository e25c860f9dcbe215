use twelve::Config;

struct Level(u8);

#[derive(Config)]
struct Settings {
    #[config(from_str)]
    level: Level,
}

fn main() {}
