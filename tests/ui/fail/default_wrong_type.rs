use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(default = "localhost".len())]
    host: String,
}

fn main() {}
