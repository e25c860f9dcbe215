use twelve::Config;

#[derive(Debug)]
struct LevelError;

struct Level;

impl std::str::FromStr for Level {
    type Err = LevelError;
    fn from_str(_: &str) -> Result<Self, LevelError> {
        Ok(Level)
    }
}

#[derive(Config)]
struct Settings {
    #[config(from_str)]
    level: Level,
    #[config(from_str)]
    levels: Vec<Level>,
}

fn main() {}
