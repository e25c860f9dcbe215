use twelve::Config;

fn check(_: &Inner) -> Result<(), String> {
    Ok(())
}

#[derive(Config)]
struct Settings {
    #[config(nested, validate = check)]
    inner: Inner,
}

#[derive(Config)]
struct Inner {
    x: u8,
}

fn main() {}
