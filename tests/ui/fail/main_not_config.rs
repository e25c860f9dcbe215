struct NotConfig;

#[twelve::main]
async fn main(settings: NotConfig) {
    let _ = settings;
}
