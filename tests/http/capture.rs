//! Log capture: one global subscriber per test binary, every line kept as bytes.

use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

/// The lines logged in this binary so far; the first call installs the global
/// subscriber (service `http-tests`, level info) that captures them.
pub(crate) fn captured() -> &'static Mutex<Vec<Vec<u8>>> {
    static LINES: OnceLock<Arc<Mutex<Vec<Vec<u8>>>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let sink = lines.clone();
        let subscriber = twelve::log::builder()
            .service("http-tests")
            .version("0.0.1")
            .level("info")
            .sink(Arc::new(move |line: &[u8]| {
                if let Ok(mut lines) = sink.lock() {
                    lines.push(line.to_vec());
                }
            }))
            .build()
            .expect("log settings are valid");
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        lines
    })
}

/// Every captured line, each checked to be one JSON object.
pub(crate) fn all_lines() -> Vec<Value> {
    let raw = captured().lock().expect("capture lock").clone();
    raw.iter()
        .map(|line| {
            assert!(line.ends_with(b"\n"), "a line ends with a newline");
            let text = std::str::from_utf8(line).expect("lines are UTF-8");
            let value: Value = serde_json::from_str(text.trim_end())
                .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
            assert!(value.is_object(), "not an object: {text}");
            value
        })
        .collect()
}

/// The captured lines whose `correlation_id` is `id`.
pub(crate) fn lines_of(id: &str) -> Vec<Value> {
    all_lines()
        .into_iter()
        .filter(|l| l["correlation_id"] == id)
        .collect()
}

/// The one request line (`request …` from target `twelve::http`) of `id`.
pub(crate) fn request_line(id: &str) -> Value {
    let lines: Vec<Value> = lines_of(id)
        .into_iter()
        .filter(|l| l["target"] == "twelve::http")
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "exactly one request line for {id}: {lines:#?}"
    );
    lines.into_iter().next().expect("one line")
}

/// The `message` of each line.
pub(crate) fn messages(lines: &[Value]) -> Vec<&str> {
    lines
        .iter()
        .map(|l| l["message"].as_str().unwrap_or_default())
        .collect()
}

/// Panics unless `id` is a lower-case hyphenated UUID of version 7, RFC 4122 variant.
pub(crate) fn assert_uuid_v7(id: &str) {
    let bytes = id.as_bytes();
    assert_eq!(bytes.len(), 36, "{id}");
    for (i, b) in bytes.iter().enumerate() {
        match i {
            8 | 13 | 18 | 23 => assert_eq!(*b, b'-', "{id}"),
            _ => assert!(b.is_ascii_hexdigit() && !b.is_ascii_uppercase(), "{id}"),
        }
    }
    assert_eq!(bytes[14], b'7', "version 7: {id}");
    assert!(b"89ab".contains(&bytes[19]), "RFC 4122 variant: {id}");
}
