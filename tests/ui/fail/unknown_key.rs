use twelve::Config;

#[derive(Config)]
struct Settings {
    #[config(defualt = 8080)]
    port: u16,
}

fn main() {}
