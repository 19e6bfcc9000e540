//! Text ⇄ number conversions for Cast, as the ONNX Cast spec describes them.
//!
//! - Parsing accepts plain and scientific notation (`"3.14"`, `"1e-5"`, `"1E8"`), surrounding
//!   whitespace, and the special values `INF`/`+INF`/`-INF`/`NaN` in any letter case. Integer
//!   targets parse integers exactly and otherwise truncate a parsed float (`"100.5"` → 100);
//!   bool targets also accept `true`/`false`. Text that is no number is an error (the spec
//!   leaves it undefined).
//! - Formatting writes integers in decimal, bools as `True`/`False` (numpy, which the ONNX
//!   reference uses), floats with the shortest digits that round-trip in their own precision,
//!   positional for 1e-4 ≤ |x| < 1e16 and scientific (`1e-05`, `1.5e+20`) otherwise, like
//!   numpy; NaN and infinities as the spec's `NaN`, `INF`, `-INF`.

use crate::ir::Bytes;

/// Parses a number as a float (`None` if the text is no number).
pub fn parse_float(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?.trim();
    // Rust's parser accepts "inf", "infinity" and "nan" in any case, with an optional sign.
    s.parse::<f64>().ok()
}

/// Parses a number for a signed integer target: exactly if it is an integer, else truncated.
pub fn parse_signed(text: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(text).ok()?.trim();
    s.strip_prefix('+').unwrap_or(s).parse::<i64>().ok().or_else(|| parse_float(text).map(|v| v as i64))
}

/// Parses a number for an unsigned target; negative numbers wrap like the numeric casts.
pub fn parse_unsigned(text: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(text).ok()?.trim();
    s.strip_prefix('+').unwrap_or(s).parse::<u64>().ok().or_else(|| parse_signed(text).map(|v| v as u64))
}

/// Parses `true`/`false` (any case) or a number (nonzero is true).
pub fn parse_bool(text: &[u8]) -> Option<bool> {
    let s = std::str::from_utf8(text).ok()?.trim();
    if s.eq_ignore_ascii_case("true") {
        return Some(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Some(false);
    }
    parse_float(text).map(|v| v != 0.0)
}

/// Formats a float whose shortest round-trip `Debug` text is `debug` (Rust writes `1e16`,
/// `1e-5`, `0.0001`, `1.0`), rewriting the exponent the numpy way.
fn format_float_debug(value_is_nan: bool, value_is_inf: Option<bool>, debug: String) -> Bytes {
    if value_is_nan {
        return b"NaN".to_vec();
    }
    if let Some(negative) = value_is_inf {
        return if negative { b"-INF".to_vec() } else { b"INF".to_vec() };
    }
    let text = match debug.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => debug,
    };
    text.into_bytes()
}

pub fn format_f64(v: f64) -> Bytes {
    let inf = v.is_infinite().then_some(v < 0.0);
    format_float_debug(v.is_nan(), inf, format!("{v:?}"))
}

pub fn format_f32(v: f32) -> Bytes {
    let inf = v.is_infinite().then_some(v < 0.0);
    format_float_debug(v.is_nan(), inf, format!("{v:?}"))
}

pub fn format_bool(v: bool) -> Bytes {
    if v { b"True".to_vec() } else { b"False".to_vec() }
}

/// A short, printable excerpt of `text` for error messages.
pub fn excerpt(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_examples() {
        assert_eq!(parse_float(b"2.5"), Some(2.5));
        assert_eq!(parse_float(b"1e-5"), Some(1e-5));
        assert_eq!(parse_float(b"1E8"), Some(1e8));
        assert_eq!(parse_float(b"+INF"), Some(f64::INFINITY));
        assert_eq!(parse_float(b"-inf"), Some(f64::NEG_INFINITY));
        assert!(parse_float(b"NaN").unwrap().is_nan());
        assert_eq!(parse_float(b"Hello"), None);
        assert_eq!(parse_signed(b"100.5"), Some(100));
        assert_eq!(parse_signed(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_unsigned(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_bool(b"TRUE"), Some(true));
        assert_eq!(parse_bool(b"0"), Some(false));
    }

    #[test]
    fn formats_floats_like_numpy() {
        assert_eq!(format_f64(314.15926), b"314.15926");
        assert_eq!(format_f64(1.0), b"1.0");
        assert_eq!(format_f64(1e-5), b"1e-05");
        assert_eq!(format_f64(1.5e20), b"1.5e+20");
        assert_eq!(format_f32(0.1), b"0.1");
        assert_eq!(format_f32(f32::NEG_INFINITY), b"-INF");
        assert_eq!(format_f64(f64::NAN), b"NaN");
    }
}
