use twelve::Config;

#[derive(Config)]
enum Level {
    Info,
    Debug,
}

fn main() {}
