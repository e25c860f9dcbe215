use twelve::{Config, Secret};

#[derive(Config)]
struct Settings {
    #[config(range = 5)]
    not_a_range: u8,
    #[config(range = ..)]
    no_bound: u8,
    #[config(range = 1..10)]
    secret: Secret<u8>,
    #[config(range = 1..10)]
    list: Vec<u8>,
    #[config(nested, range = 1..2)]
    nested: Inner,
}

#[derive(Config)]
struct Inner {
    x: u8,
}

fn main() {}
