use twelve::Config;

#[derive(Config)]
#[config(prefx = "APP_")]
struct Settings {
    port: u16,
}

fn main() {}
