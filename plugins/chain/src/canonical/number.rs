//! Numbers in canonical form.
//!
//! The rule, chosen so that every spelling Fluent Bit and common re-encoders produce for one
//! value gives the same bytes:
//! - an integer in the i64/u64 range is written exactly (`-12`, `18446744073709551615`), never
//!   through f64;
//! - a float whose value is integral and within ±2^63 is written as that integer (`1.0` → `1`,
//!   `-0.0` → `0`). Fluent Bit prints such floats as `%.1f`, Python as `1.0`, jq as `1`: all
//!   spell the same exact integer;
//! - any other finite float is rounded to 16 significant digits — what Fluent Bit's `%.16g`
//!   output keeps, so a value that went through its JSON output once comes out the same — and
//!   written the way RFC 8785 / ECMAScript writes numbers (`0.1`, `1.5e-7`, `1e+21`);
//! - JSON text that is an integer too large for u64/i64 is read as a float first (as Fluent
//!   Bit's parser does), then the float rule applies.
//!
//! NaN and infinities have no JSON spelling and are refused.

use std::fmt::Write as _;

/// A number that cannot be canonicalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// NaN or ±infinity.
    NonFinite,
    /// Not a JSON number.
    Malformed,
}

/// 2^63 as f64: integral floats below it in magnitude are written as integers.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = itoa_buf();
    out.extend_from_slice(fmt_u64(&mut buf, v.unsigned_abs(), v < 0));
}

pub fn write_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = itoa_buf();
    out.extend_from_slice(fmt_u64(&mut buf, v, false));
}

fn itoa_buf() -> [u8; 21] {
    [0u8; 21]
}

/// Formats without `core::fmt` (cheaper under an interpreter).
fn fmt_u64(buf: &mut [u8; 21], mut v: u64, negative: bool) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Writes a float by the canonical rule.
pub fn write_f64(out: &mut Vec<u8>, v: f64) -> Result<(), NumberError> {
    if !v.is_finite() {
        return Err(NumberError::NonFinite);
    }
    if v.trunc() == v && v.abs() < TWO_POW_63 {
        // In range, so the cast is exact; -0.0 becomes 0.
        write_i64(out, v as i64);
        return Ok(());
    }
    // `{:.15e}` rounds exactly to 16 significant digits: "d.ddddddddddddddde-7".
    let mut text = String::with_capacity(32);
    let _ = write!(text, "{:.15e}", v.abs());
    let (mantissa, exponent) = text.split_once('e').ok_or(NumberError::Malformed)?;
    let exponent: i32 = exponent.parse().map_err(|_| NumberError::Malformed)?;
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let digits = trim_trailing_zeros(&digits);
    if v < 0.0 {
        out.push(b'-');
    }
    write_ecmascript(out, digits, exponent + 1);
    Ok(())
}

fn trim_trailing_zeros(digits: &[u8]) -> &[u8] {
    let len = digits.iter().rposition(|&d| d != b'0').map_or(1, |p| p + 1);
    digits.get(..len).unwrap_or(digits)
}

/// ECMAScript `Number::toString` layout for the value 0.`digits` × 10^`n` (digits non-empty,
/// no trailing zeros).
fn write_ecmascript(out: &mut Vec<u8>, digits: &[u8], n: i32) {
    let k = digits.len() as i32;
    if k <= n && n <= 21 {
        out.extend_from_slice(digits);
        out.extend(std::iter::repeat_n(b'0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else if -6 < n && n <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-n) as usize));
        out.extend_from_slice(digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.extend_from_slice(first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest);
        }
        out.push(b'e');
        let e = n - 1;
        out.push(if e < 0 { b'-' } else { b'+' });
        write_u64(out, u64::from(e.unsigned_abs()));
    }
}

/// True when `text` is an integer already spelled canonically: `0`, or an optional `-` and at
/// most 18 digits without a leading zero (so well inside the i64 range). Most numbers in logs.
pub(crate) fn is_canonical_integer(text: &[u8]) -> bool {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    match digits.first() {
        Some(b'1'..=b'9') => digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit),
        Some(b'0') => text.len() == 1,
        _ => false,
    }
}

/// Writes a JSON number given as text (exactly as it appears in the record).
pub fn write_json_number(out: &mut Vec<u8>, text: &[u8]) -> Result<(), NumberError> {
    if is_canonical_integer(text) {
        out.extend_from_slice(text);
        return Ok(());
    }
    let is_integer = !text.iter().any(|b| matches!(b, b'.' | b'e' | b'E'));
    let s = std::str::from_utf8(text).map_err(|_| NumberError::Malformed)?;
    if is_integer {
        if let Ok(v) = s.parse::<i64>() {
            write_i64(out, v);
            return Ok(());
        }
        if let Ok(v) = s.parse::<u64>() {
            write_u64(out, v);
            return Ok(());
        }
    }
    let v: f64 = s.parse().map_err(|_| NumberError::Malformed)?;
    write_f64(out, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn j(text: &str) -> String {
        let mut out = Vec::new();
        write_json_number(&mut out, text.as_bytes()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn integers_are_exact() {
        assert_eq!(j("0"), "0");
        assert_eq!(j("-0"), "0");
        assert_eq!(j("-9223372036854775808"), "-9223372036854775808");
        assert_eq!(j("18446744073709551615"), "18446744073709551615");
        assert_eq!(j("12345678901234567"), "12345678901234567");
    }

    #[test]
    fn integers_spelled_canonically_are_copied_and_others_normalized() {
        for t in ["0", "7", "-7", "123456789012345678", "-123456789012345678"] {
            assert!(is_canonical_integer(t.as_bytes()), "{t}");
            assert_eq!(j(t), t);
        }
        for t in ["-0", "01", "-01", "1234567890123456789", "1.0", "1e2", "-", "", "1a"] {
            assert!(!is_canonical_integer(t.as_bytes()), "{t}");
        }
        assert_eq!(j("0012"), "12");
        assert_eq!(j("1234567890123456789"), "1234567890123456789");
    }

    #[test]
    fn integral_floats_are_integers() {
        assert_eq!(f(1.0), "1");
        assert_eq!(f(-0.0), "0");
        assert_eq!(j("1.0"), "1");
        assert_eq!(j("1e2"), "100");
        assert_eq!(j("-2.50e1"), "-25");
        // Fluent Bit prints 12345678901234568.0 with %.1f; jq as an integer; both exact.
        assert_eq!(j("12345678901234568.0"), "12345678901234568");
        assert_eq!(j("12345678901234568"), "12345678901234568");
    }

    #[test]
    fn other_floats_keep_sixteen_digits_in_ecmascript_layout() {
        assert_eq!(f(0.5), "0.5");
        assert_eq!(f(-1.5), "-1.5");
        assert_eq!(f(0.1 + 0.2), "0.3");
        assert_eq!(f(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(0.000001), "0.000001");
        assert_eq!(f(123456.789), "123456.789");
        assert_eq!(f(1e20), "100000000000000000000");
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(-2.5e-300), "-2.5e-300");
        assert_eq!(write_json_number(&mut Vec::new(), b"1e400"), Err(NumberError::NonFinite));
    }

    /// A float32 widened to f64 needs 17 digits; Fluent Bit's output keeps 16. The value read
    /// back from that output must canonicalize like the original.
    #[test]
    fn survives_fluent_bit_percent_16g() {
        for v in [f64::from(0.1f32), f64::from(1.1f32), 0.1 + 0.7, 2.0f64.sqrt(), 1e300 / 7.0] {
            let printed = format!("{:.15e}", v); // what %.16g keeps
            let back: f64 = printed.parse().unwrap();
            assert_eq!(f(v), f(back), "{v}");
            // A shortest-round-trip re-encoder (Python, serde_json) then changes nothing.
            assert_eq!(f(back), j(&back.to_string()));
        }
    }

    #[test]
    fn non_finite_is_refused() {
        assert_eq!(write_f64(&mut Vec::new(), f64::NAN), Err(NumberError::NonFinite));
        assert_eq!(write_f64(&mut Vec::new(), f64::INFINITY), Err(NumberError::NonFinite));
    }
}
