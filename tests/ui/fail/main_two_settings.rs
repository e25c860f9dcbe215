use twelve::Config;

#[derive(Config)]
struct A {
    a: Option<u8>,
}

#[derive(Config)]
struct B {
    b: Option<u8>,
}

#[twelve::main]
async fn main(a: A, b: B) {
    let _ = (a, b);
}
