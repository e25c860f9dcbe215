//! Durations written with units: `250ms`, `30s`, `5m`, `1h30m`, `1.5s`.

use std::time::Duration;

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60 * 1_000_000_000),
    ("h", 3_600 * 1_000_000_000),
    ("d", 86_400 * 1_000_000_000),
];

const HINT: &str = "use ns, us, ms, s, m, h or d, e.g. 250ms, 30s, 1h30m";

/// Parses a duration made of one or more `<number><unit>` parts. A bare number is an
/// error: `30` could mean seconds or milliseconds, so units are required.
pub(crate) fn parse(raw: &str) -> Result<Duration, String> {
    let text = raw.trim();
    if text.starts_with('-') {
        return Err("a duration cannot be negative".into());
    }
    let mut rest = text;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(num_len);
        if number.is_empty() {
            return Err(format!("expected a number before the unit ({HINT})"));
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(if total == 0 && after.trim().is_empty() {
                format!("a unit is required ({HINT})")
            } else {
                format!("a number without a unit ({HINT})")
            });
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!("unknown unit ({HINT})"));
        };
        total = total
            .checked_add(scaled(number, scale)?)
            .ok_or_else(too_large)?;
        rest = after.trim_start();
    }
    if text.is_empty() {
        return Err(format!("expected a duration ({HINT})"));
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| too_large())?;
    // The remainder is below 10^9 and fits in u32.
    let nanos = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, nanos))
}

fn too_large() -> String {
    "duration too large".into()
}

/// `number` (digits with at most one `.`) times `scale` nanoseconds, truncated.
fn scaled(number: &str, scale: u128) -> Result<u128, String> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if frac.contains('.') || (int.is_empty() && frac.is_empty()) {
        return Err(format!("malformed number ({HINT})"));
    }
    let int: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| too_large())?
    };
    let mut value = int.checked_mul(scale).ok_or_else(too_large)?;
    // Fraction digits beyond nanosecond precision change nothing; ignore them.
    let mut place = scale;
    for digit in frac.bytes().take(30) {
        place /= 10;
        value = value
            .checked_add(u128::from(digit - b'0') * place)
            .ok_or_else(too_large)?;
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("1h 30m 5s"), Ok(Duration::from_secs(5405)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(parse("7ns"), Ok(Duration::from_nanos(7)));
        assert_eq!(parse(" 0s "), Ok(Duration::ZERO));
    }

    #[test]
    fn errors() {
        let e = parse("30").unwrap_err();
        assert!(e.contains("unit is required") && e.contains("30s"), "{e}");
        assert!(parse("30x").unwrap_err().contains("unknown unit"));
        assert!(parse("1h30").unwrap_err().contains("without a unit"));
        assert!(parse("-5s").unwrap_err().contains("negative"));
        assert!(parse("s").is_err());
        assert!(parse("1.2.3s").is_err());
        assert!(parse(".s").is_err());
        assert!(parse("").is_err());
        assert!(
            parse("99999999999999999999999999999999999999999h")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse("600000000000000d").unwrap_err().contains("too large"));
    }
}
