#[twelve::main]
struct Service;

fn main() {}
