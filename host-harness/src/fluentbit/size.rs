//! Size values in configuration (`Wasm_Heap_Size 64K`): `flb_utils_size_to_bytes` in
//! `src/flb_utils.c`. Note that Fluent Bit's K, M and G are DECIMAL (1000, 1000², 1000³):
//! `64K` is 64,000 bytes, not 65,536.

/// Parses a size the way Fluent Bit does; `None` where Fluent Bit returns -1 (an error).
pub fn size_to_bytes(text: &str) -> Option<i64> {
    if text.eq_ignore_ascii_case("false") {
        return Some(0);
    }
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let value = c_atof(text);
    // Count trailing non-digit characters (the loop never looks at the first character).
    let mut suffix_len = 0usize;
    for i in (1..bytes.len()).rev() {
        if bytes[i].is_ascii_digit() {
            break;
        }
        suffix_len += 1;
    }
    if suffix_len == 0 {
        return Some(value as i64);
    }
    if suffix_len > 2 {
        return None;
    }
    let suffix: Vec<u8> = bytes[bytes.len() - suffix_len..]
        .iter()
        .map(u8::to_ascii_uppercase)
        .collect();
    if suffix_len == 2 && suffix[1] != b'B' {
        return None;
    }
    let (multiplier, bound) = match suffix[0] {
        b'K' => (1_000f64, 9_223_372_036_854_775.0),
        b'M' => (1_000_000f64, 9_223_372_036_854.0),
        b'G' => (1_000_000_000f64, 9_223_372_036.0),
        _ => return None,
    };
    if value >= bound || value <= -bound {
        return None;
    }
    Some((value * multiplier) as i64)
}

/// C `atof`: the longest numeric prefix (after leading whitespace), 0 when there is none.
fn c_atof(text: &str) -> f64 {
    let t = text.trim_start();
    let mut end = 0;
    let bytes = t.as_bytes();
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut seen_exp = false;
    while end < bytes.len() {
        let c = bytes[end];
        let ok = match c {
            b'0'..=b'9' => {
                seen_digit = true;
                true
            }
            b'+' | b'-' => end == 0 || matches!(bytes[end - 1], b'e' | b'E'),
            b'.' if !seen_dot && !seen_exp => {
                seen_dot = true;
                true
            }
            b'e' | b'E' if seen_digit && !seen_exp => {
                seen_exp = true;
                true
            }
            _ => false,
        };
        if !ok {
            break;
        }
        end += 1;
    }
    // Back off an incomplete exponent or sign ("1e", "1e+").
    let mut candidate = &t[..end];
    while !candidate.is_empty() && candidate.parse::<f64>().is_err() {
        candidate = &candidate[..candidate.len() - 1];
    }
    candidate.parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::size_to_bytes;

    #[test]
    fn fluent_bit_sizes_are_decimal() {
        assert_eq!(size_to_bytes("8192"), Some(8192));
        assert_eq!(size_to_bytes("64K"), Some(64_000));
        assert_eq!(size_to_bytes("64k"), Some(64_000));
        assert_eq!(size_to_bytes("64KB"), Some(64_000));
        assert_eq!(size_to_bytes("1.5M"), Some(1_500_000));
        assert_eq!(size_to_bytes("2G"), Some(2_000_000_000));
        assert_eq!(size_to_bytes("false"), Some(0));
    }

    #[test]
    fn bad_sizes_are_errors() {
        assert_eq!(size_to_bytes("64KiB"), None);
        assert_eq!(size_to_bytes("64X"), None);
        assert_eq!(size_to_bytes("64KX"), None);
        assert_eq!(size_to_bytes(""), None);
        assert_eq!(size_to_bytes("abc"), None);
    }
}
