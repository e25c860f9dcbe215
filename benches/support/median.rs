//! The median the interleaved measurements of several benches report.

/// The middle value of `values` (the upper one of an even count); `values` may be in
/// any order.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}
