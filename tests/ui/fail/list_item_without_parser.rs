use twelve::Config;

struct Host(String);

#[derive(Config)]
struct Settings {
    hosts: Vec<Host>,
    backup: Option<twelve::Secret<Host>>,
}

fn main() {}
