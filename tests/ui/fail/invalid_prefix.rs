use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

#[derive(Config)]
#[config(prefix = "MY-APP_")]
struct Settings {
    #[config(nested, prefix = "9DB_")]
    db: Db,
}

fn main() {}
