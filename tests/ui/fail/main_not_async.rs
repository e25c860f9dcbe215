#[twelve::main]
fn main() {}
