//! RFC 3339 UTC timestamps with microseconds, formatted by hand on the hot path (no
//! allocation, no time-zone database).

use std::time::{SystemTime, UNIX_EPOCH};

/// Appends e.g. `2026-11-27T23:00:00.123456Z` for `now`.
pub(crate) fn push_rfc3339(out: &mut String, now: SystemTime) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let micros = since.subsec_micros();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut buf = [0u8; 27];
    put(&mut buf[0..4], y);
    buf[4] = b'-';
    put(&mut buf[5..7], m);
    buf[7] = b'-';
    put(&mut buf[8..10], d);
    buf[10] = b'T';
    put(&mut buf[11..13], rem / 3600);
    buf[13] = b':';
    put(&mut buf[14..16], rem % 3600 / 60);
    buf[16] = b':';
    put(&mut buf[17..19], rem % 60);
    buf[19] = b'.';
    put(&mut buf[20..26], u64::from(micros));
    buf[26] = b'Z';
    // Only ASCII digits and punctuation were written.
    out.push_str(std::str::from_utf8(&buf).unwrap_or("1970-01-01T00:00:00.000000Z"));
}

/// The text of the last whole second formatted on this thread (`2026-11-27T23:00:00.`):
/// lines come many to a second, so most only format their microseconds.
#[derive(Debug, Default)]
pub(crate) struct SecondCache {
    secs: Option<u64>,
    text: String,
}

/// [`push_rfc3339`] through `cache`: the same text.
pub(crate) fn push_rfc3339_cached(out: &mut String, now: SystemTime, cache: &mut SecondCache) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    if cache.secs != Some(secs) {
        cache.text.clear();
        push_rfc3339(
            &mut cache.text,
            UNIX_EPOCH + std::time::Duration::from_secs(secs),
        );
        // Keep `...:SS.`: the microseconds and `Z` are written per line.
        cache.text.truncate(20);
        cache.secs = Some(secs);
    }
    out.push_str(&cache.text);
    // 1_000_000 + µs has seven digits: the last six are the zero-padded microseconds.
    let mut digits = itoa::Buffer::new();
    let padded = digits.format(1_000_000 + since.subsec_micros());
    out.push_str(padded.get(1..).unwrap_or("000000"));
    out.push('Z');
}

/// Writes `n` as zero-padded decimal digits filling `dst`.
fn put(dst: &mut [u8], mut n: u64) {
    for slot in dst.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Year, month, day of the days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, micros: u32) -> String {
        let mut s = String::new();
        push_rfc3339(&mut s, UNIX_EPOCH + Duration::new(secs, micros * 1000));
        s
    }

    #[test]
    fn formats() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(at(1_795_820_400, 123_456), "2026-11-27T23:00:00.123456Z");
        assert_eq!(at(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(at(4_107_542_399, 999_999), "2100-02-28T23:59:59.999999Z");
    }

    #[test]
    fn the_cache_gives_the_same_text() {
        let mut cache = SecondCache::default();
        // Within one second, across seconds, back in time (clocks step), and again.
        for (secs, micros) in [
            (1_795_820_400, 123_456),
            (1_795_820_400, 7),
            (1_795_820_401, 0),
            (951_782_400, 999_999),
            (951_782_400, 1),
            (0, 0),
        ] {
            let now = UNIX_EPOCH + Duration::new(secs, micros * 1000);
            let mut cached = String::new();
            push_rfc3339_cached(&mut cached, now, &mut cache);
            assert_eq!(cached, at(secs, micros));
        }
    }
}
