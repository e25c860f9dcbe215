use twelve::Config;

fn takes_value(_: u16) -> Result<(), String> {
    Ok(())
}

fn wrong_rule(_: &Settings) -> Result<(), String> {
    Ok(())
}

#[derive(Config)]
#[config(validate = wrong_rule)]
struct Settings {
    #[config(validate = takes_value)]
    port: u16,
}

fn main() {}
