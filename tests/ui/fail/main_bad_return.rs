#[twelve::main]
async fn main() -> i32 {
    0
}
