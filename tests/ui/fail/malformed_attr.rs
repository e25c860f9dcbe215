use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config]
    port: u16,
    #[config = "HOST"]
    host: String,
    #[config(env "NAME")]
    name: String,
}

fn main() {}
