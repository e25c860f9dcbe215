use twelve::Config;

#[derive(Config)]
struct Db {
    url: String,
}

fn parse_db(raw: &str) -> Result<Db, String> {
    Ok(Db { url: raw.to_string() })
}

#[derive(Config)]
struct Settings {
    #[config(nested, with = parse_db)]
    db: Db,
}

fn main() {}
