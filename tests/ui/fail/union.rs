use twelve::Config;

#[derive(Config)]
union Number {
    int: u32,
    float: f32,
}

fn main() {}
