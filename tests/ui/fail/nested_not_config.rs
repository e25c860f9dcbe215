use twelve::Config;

struct Db {
    url: String,
}

#[derive(Config)]
struct Settings {
    #[config(nested)]
    db: Db,
}

fn main() {}
