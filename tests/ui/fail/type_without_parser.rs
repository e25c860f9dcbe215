use twelve::Config;

struct Level(u8);

#[derive(Config)]
struct Settings {
    level: Level,
}

fn main() {}
