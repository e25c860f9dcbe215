use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

#[derive(Config)]
struct Settings {
    #[config(nested, default = "postgres://db")]
    db: Db,
}

fn main() {}
