use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

#[derive(Config)]
struct Settings {
    #[config(nested)]
    db: Option<Db>,
}

fn main() {}
