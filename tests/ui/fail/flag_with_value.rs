use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

#[derive(Config)]
struct Settings {
    #[config(nested = true)]
    db: Db,
    #[config(from_str = "yes")]
    level: String,
}

fn main() {}
