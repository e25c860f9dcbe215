#[twelve::main(crat = "::twelve")]
async fn main() {}
