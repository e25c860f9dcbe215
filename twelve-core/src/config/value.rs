//! [`ConfigValue`]: how one environment variable's text becomes a typed value.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::num::{IntErrorKind, NonZero};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::context::ParseContext;
use crate::secret::Secret;

/// A type that a `#[derive(Config)]` field can have without any annotation.
///
/// twelve implements it for `String`, every integer and float type, `bool`, `char`,
/// `PathBuf`, IP and socket addresses, [`Duration`], `NonZero` integers, `Vec<T>` and
/// [`Secret<T>`]. Implement it for your own types to use them without
/// `#[config(from_str)]`; the error text you return becomes the reason in the
/// [`ConfigError`](crate::config::ConfigError), so say what was expected.
///
/// ```
/// use twelve_core::config::{ConfigValue, ParseContext};
///
/// struct Percent(u8);
///
/// impl ConfigValue for Percent {
///     fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
///         let n: u8 = raw.trim().trim_end_matches('%').parse()
///             .map_err(|_| "expected a whole percentage like 42%".to_string())?;
///         if n > 100 { return Err("a percentage is at most 100%".into()) }
///         Ok(Percent(n))
///     }
/// }
/// assert_eq!(Percent::parse_value("42%", &ParseContext::DEFAULT).map(|p| p.0), Ok(42));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be read from an environment variable as it is",
    label = "no way to parse this type",
    note = "add `#[config(from_str)]` if it implements `FromStr`, `#[config(with = path::to::parse_fn)]`, or implement `twelve::config::ConfigValue` for it"
)]
pub trait ConfigValue: Sized {
    /// The names a value may take, when there is a fixed set (the variants of a
    /// `#[derive(ConfigValue)]` enum): listed by `vars()`, `.env.example` and errors.
    /// Empty for other types.
    const CHOICES: &'static [&'static str] = &[];

    /// Whether a value of this type is a secret: never shown in errors, reports,
    /// `vars()`, `.env.example` or `--check-config`. `true` for [`Secret<T>`], and for
    /// a `Vec`, `HashMap` or `BTreeMap` that holds secrets; so secrecy follows the
    /// type, whatever a field's type is spelled as (a type alias included). A type of
    /// your own that holds a secret says `const SECRET: bool = true;`.
    const SECRET: bool = false;

    /// Parses the text of one variable (never empty: an empty variable counts as unset).
    fn parse_value(raw: &str, ctx: &ParseContext) -> Result<Self, String>;

    /// Like [`parse_value`](Self::parse_value), from a text it may take: `String`
    /// and `PathBuf` take it instead of copying it (the loader's hot path). On
    /// success `raw` may be left empty; on an error it must be left as it was.
    #[inline]
    fn parse_owned(raw: &mut String, ctx: &ParseContext) -> Result<Self, String> {
        Self::parse_value(raw, ctx)
    }
}

impl ConfigValue for String {
    fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
        Ok(raw.to_owned())
    }

    #[inline]
    fn parse_owned(raw: &mut String, _: &ParseContext) -> Result<Self, String> {
        Ok(std::mem::take(raw))
    }
}

impl ConfigValue for PathBuf {
    fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
        Ok(PathBuf::from(raw))
    }

    #[inline]
    fn parse_owned(raw: &mut String, _: &ParseContext) -> Result<Self, String> {
        Ok(PathBuf::from(std::mem::take(raw)))
    }
}

impl ConfigValue for bool {
    fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
        parse_bool(raw)
    }
}

/// `true/false/1/0/yes/no/on/off`, any case, surrounding white space ignored.
fn parse_bool(raw: &str) -> Result<bool, String> {
    const TRUE: [&str; 4] = ["true", "1", "yes", "on"];
    const FALSE: [&str; 4] = ["false", "0", "no", "off"];
    let t = trim(raw);
    if TRUE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Ok(true)
    } else if FALSE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Ok(false)
    } else {
        Err("expected true/false, 1/0, yes/no or on/off".into())
    }
}

/// `raw` without surrounding white space. By hand, on the load's hot path: a value
/// whose first and last bytes are visible ASCII (nearly all) is returned as it is,
/// which is cheaper than `str::trim` decoding characters from both ends (BENCHMARKS.md,
/// "Config loading").
#[inline]
fn trim(raw: &str) -> &str {
    match (raw.as_bytes().first(), raw.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => raw,
        _ => raw.trim(),
    }
}

impl ConfigValue for char {
    fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
        let mut chars = raw.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(format!(
                "expected exactly one character, got {}",
                raw.chars().count()
            )),
        }
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl ConfigValue for $t {
            #[inline]
            fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
                parse_int::<$t>(trim(raw), <$t>::MIN, <$t>::MAX)
            }
        }
        impl ConfigValue for NonZero<$t> {
            fn parse_value(raw: &str, ctx: &ParseContext) -> Result<Self, String> {
                let n = <$t as ConfigValue>::parse_value(raw, ctx)?;
                NonZero::new(n).ok_or_else(|| "must not be zero".to_string())
            }
        }
    )*};
}
integers!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

#[inline]
fn parse_int<T>(t: &str, min: T, max: T) -> Result<T, String>
where
    T: FromStr<Err = std::num::ParseIntError> + std::fmt::Display,
{
    t.parse::<T>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => {
            format!("out of range: must be between {min} and {max}")
        }
        IntErrorKind::Empty => "expected a whole number, got nothing".into(),
        _ => "expected a whole number".into(),
    })
}

macro_rules! floats {
    ($($t:ty),*) => {$(
        impl ConfigValue for $t {
            fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
                trim(raw).parse::<$t>().map_err(|_| "expected a number like 0.5".to_string())
            }
        }
    )*};
}
floats!(f32, f64);

macro_rules! parsed {
    ($($t:ty => $hint:literal),* $(,)?) => {$(
        impl ConfigValue for $t {
            fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
                trim(raw).parse::<$t>().map_err(|_| $hint.to_string())
            }
        }
    )*};
}
parsed!(
    IpAddr => "expected an IP address like 10.0.0.1 or ::1",
    Ipv4Addr => "expected an IPv4 address like 10.0.0.1",
    Ipv6Addr => "expected an IPv6 address like ::1",
    SocketAddr => "expected an address with a port like 127.0.0.1:8080 or [::1]:8080",
    SocketAddrV4 => "expected an IPv4 address with a port like 127.0.0.1:8080",
    SocketAddrV6 => "expected an IPv6 address with a port like [::1]:8080",
);

impl ConfigValue for Duration {
    fn parse_value(raw: &str, _: &ParseContext) -> Result<Self, String> {
        super::duration::parse(raw)
    }
}

impl<T: ConfigValue> ConfigValue for Vec<T> {
    const CHOICES: &'static [&'static str] = T::CHOICES;
    const SECRET: bool = T::SECRET;

    fn parse_value(raw: &str, ctx: &ParseContext) -> Result<Self, String> {
        super::list::parse(raw, ctx, T::parse_value)
    }
}

/// `key=value` pairs: see the module docs ("Maps").
impl<K, V, S> ConfigValue for HashMap<K, V, S>
where
    K: ConfigValue + Eq + Hash,
    V: ConfigValue,
    S: BuildHasher + Default,
{
    const CHOICES: &'static [&'static str] = V::CHOICES;
    const SECRET: bool = K::SECRET || V::SECRET;

    fn parse_value(raw: &str, ctx: &ParseContext) -> Result<Self, String> {
        super::map::parse(
            raw,
            ctx,
            K::parse_value,
            V::parse_value,
            HashMap::default(),
            |m, k, v| m.insert(k, v).is_some(),
        )
    }
}

/// `key=value` pairs, sorted by key: see the module docs ("Maps").
impl<K: ConfigValue + Ord, V: ConfigValue> ConfigValue for BTreeMap<K, V> {
    const CHOICES: &'static [&'static str] = V::CHOICES;
    const SECRET: bool = K::SECRET || V::SECRET;

    fn parse_value(raw: &str, ctx: &ParseContext) -> Result<Self, String> {
        super::map::parse(
            raw,
            ctx,
            K::parse_value,
            V::parse_value,
            BTreeMap::new(),
            |m, k, v| m.insert(k, v).is_some(),
        )
    }
}

impl<T: ConfigValue> ConfigValue for Secret<T> {
    const CHOICES: &'static [&'static str] = T::CHOICES;
    const SECRET: bool = true;

    fn parse_value(raw: &str, ctx: &ParseContext) -> Result<Self, String> {
        T::parse_value(raw, ctx).map(Secret::new)
    }

    #[inline]
    fn parse_owned(raw: &mut String, ctx: &ParseContext) -> Result<Self, String> {
        T::parse_owned(raw, ctx).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p<T: ConfigValue>(s: &str) -> Result<T, String> {
        T::parse_value(s, &ParseContext::DEFAULT)
    }

    #[test]
    fn bools() {
        for t in ["true", "TRUE", "1", "yes", "On", " on "] {
            assert_eq!(p::<bool>(t), Ok(true), "{t}");
        }
        for f in ["false", "False", "0", "no", "OFF"] {
            assert_eq!(p::<bool>(f), Ok(false), "{f}");
        }
        assert!(p::<bool>("maybe").unwrap_err().contains("yes/no"));
        assert!(p::<bool>("2").is_err());
    }

    #[test]
    fn integers_name_the_range() {
        assert_eq!(p::<u16>("8080"), Ok(8080));
        assert_eq!(p::<u16>(" 8080\n"), Ok(8080));
        let e = p::<u16>("70000").unwrap_err();
        assert!(e.contains("between 0 and 65535"), "{e}");
        let e = p::<i8>("-200").unwrap_err();
        assert!(e.contains("between -128 and 127"), "{e}");
        assert_eq!(p::<u8>("ten"), Err("expected a whole number".into()));
        assert!(p::<NonZero<u32>>("0").is_err());
        assert_eq!(p::<NonZero<u32>>("4").map(NonZero::get), Ok(4));
    }

    #[test]
    fn others() {
        assert_eq!(p::<char>("x"), Ok('x'));
        assert!(p::<char>("xy").is_err());
        assert_eq!(p::<f64>("0.25"), Ok(0.25));
        assert!(p::<f64>("a quarter").is_err());
        assert_eq!(p::<String>(" keep "), Ok(" keep ".to_string()));
        assert_eq!(p::<PathBuf>("/tmp"), Ok(PathBuf::from("/tmp")));
        assert!(p::<SocketAddr>("127.0.0.1").is_err());
        assert_eq!(
            p::<SocketAddr>("[::1]:80"),
            Ok(SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], 80)))
        );
        assert!(p::<IpAddr>("localhost").is_err());
        assert_eq!(p::<Secret<u8>>("7").map(Secret::into_exposed), Ok(7));
    }

    /// Checked when compiled: secrecy is a property of the type.
    #[test]
    fn secrecy_follows_the_type() {
        type Token = Secret<String>;
        const {
            assert!(!String::SECRET && !Vec::<String>::SECRET);
            assert!(Token::SECRET && Vec::<Token>::SECRET);
            assert!(HashMap::<String, Token>::SECRET && BTreeMap::<String, Token>::SECRET);
            assert!(!BTreeMap::<String, u8>::SECRET);
        }
    }

    #[test]
    fn lists_name_the_bad_item() {
        assert_eq!(
            p::<Vec<u8>>("1, 2, x"),
            Err("item 3: expected a whole number".into())
        );
        let ctx = ParseContext::with_separator(";");
        assert_eq!(Vec::<u8>::parse_value("1;2", &ctx), Ok(vec![1, 2]));
    }
}
