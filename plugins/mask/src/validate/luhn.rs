//! Payment card numbers: the Luhn (mod 10) check digit plus the issuer prefixes and lengths the
//! card schemes publish, so order numbers and timestamps that happen to pass Luhn survive.

/// True when `digits` (ASCII digits only) passes the Luhn check.
pub fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d.wrapping_sub(b'0'));
        if v > 9 {
            return false;
        }
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// The leading `n` digits as a number (`n` ≤ 6, `digits` long enough).
fn prefix(digits: &[u8], n: usize) -> u32 {
    digits.iter().take(n).fold(0, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// True when the number has the prefix and length of a real card scheme (Visa, Mastercard,
/// Amex, Discover, JCB, Diners, UnionPay, Maestro). Prefix 1 (UATP) is left out on purpose:
/// epoch-millisecond timestamps and snowflake ids start with 1.
pub fn card_scheme_ok(digits: &[u8]) -> bool {
    let len = digits.len();
    if !(12..=19).contains(&len) {
        return false;
    }
    let p1 = prefix(digits, 1);
    let p2 = prefix(digits, 2);
    let p3 = prefix(digits, 3);
    let p4 = prefix(digits, 4);
    match p1 {
        4 => matches!(len, 13 | 16 | 19),
        2 => (2221..=2720).contains(&p4) && len == 16,
        5 => match p2 {
            51..=55 => len == 16,
            50 | 56..=59 => len >= 12,
            _ => false,
        },
        3 => match p2 {
            34 | 37 => len == 15,
            36 | 38 | 39 => len >= 14,
            35 => (3528..=3589).contains(&p4) && len >= 16,
            30 => ((300..=305).contains(&p3) || p3 == 309) && len >= 14,
            _ => false,
        },
        6 => {
            let discover = p4 == 6011 || p2 == 65 || (644..=649).contains(&p3);
            // Discover and UnionPay are 16-19 digits; the rest of 6xxx is Maestro (12-19).
            if discover || p2 == 62 { len >= 16 } else { true }
        }
        _ => false,
    }
}

/// A card number as written (digits with optional single spaces or dashes): separators must be
/// used consistently (all spaces or all dashes), digits must not all be the same.
pub fn valid_card(text: &str) -> bool {
    let mut digits = Vec::with_capacity(19);
    let mut sep: Option<u8> = None;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => digits.push(b),
            b' ' | b'-' => match sep {
                Some(s) if s != b => return false,
                _ => sep = Some(b),
            },
            _ => return false,
        }
    }
    if digits.iter().all(|&d| Some(&d) == digits.first()) {
        return false;
    }
    card_scheme_ok(&digits) && luhn_ok(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_numbers_of_the_schemes_pass() {
        for n in ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117",
                  "3530111333300000", "4012888888881881", "2223003122003222", "6200000000000005",
                  "4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005"] {
            assert!(valid_card(n), "{n}");
        }
    }

    #[test]
    fn look_alikes_fail() {
        for n in ["4111111111111112", // Luhn fails
                  "1700000000123",     // epoch millis
                  "1234567812345670",  // passes Luhn, prefix 1
                  "4111 1111-1111 1111", // mixed separators
                  "0000000000000000",
                  "9999999999999995",
                  "411111111111111",   // Visa with 15 digits
                  "440111199003074578"] { // an ID-card shaped 18-digit Visa prefix
            assert!(!valid_card(n), "{n}");
        }
    }

    #[test]
    fn luhn_basics() {
        assert!(luhn_ok(b"79927398713"));
        assert!(!luhn_ok(b"79927398710"));
        assert!(!luhn_ok(b""));
        assert!(!luhn_ok(b"12a4"));
    }
}
