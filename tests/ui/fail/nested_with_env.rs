use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

#[derive(Config)]
struct Settings {
    #[config(nested, env = "DATABASE")]
    db: Db,
}

fn main() {}
