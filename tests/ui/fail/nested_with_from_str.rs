use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

#[derive(Config)]
struct Settings {
    #[config(nested, from_str)]
    db: Db,
}

fn main() {}
