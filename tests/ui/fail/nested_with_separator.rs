use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

#[derive(Config)]
struct Settings {
    #[config(nested, separator = ";")]
    db: Db,
}

fn main() {}
