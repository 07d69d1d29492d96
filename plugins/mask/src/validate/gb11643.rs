//! Chinese resident identity numbers (公民身份号码, GB 11643-1999): 6-digit region code,
//! 8-digit birth date, 3-digit sequence, and a mod 11-2 check character (0-9 or X).

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// Province-level codes in use (first two digits of the region code).
fn province_ok(code: u32) -> bool {
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82 | 83 | 91)
}

fn num(d: &[u8]) -> u32 {
    d.iter().fold(0, |a, &b| a * 10 + u32::from(b.wrapping_sub(b'0')))
}

pub fn is_leap(y: u32) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

/// A plausible Gregorian date between 1900-01-01 and 2099-12-31.
pub fn plausible_date(y: u32, m: u32, d: u32) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2099).contains(&y) && (1..=days).contains(&d)
}

/// The check character GB 11643 assigns to the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d - b'0') * w).sum();
    CHECK.get((sum % 11) as usize).copied()
}

/// An 18-character ID number with a valid region, birth date and check character.
pub fn valid_cn_id(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let (body, last) = b.split_at(17);
    let Some(expected) = check_char(body) else {
        return false;
    };
    province_ok(num(&body[..2]))
        && plausible_date(num(&body[6..10]), num(&body[10..12]), num(&body[12..14]))
        && last.first().map(u8::to_ascii_uppercase) == Some(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_pass() {
        // Fake numbers with correct check characters (computed, not real people).
        for id in ["11010519491231002X", "110101199003074573", "440304198510150018", "310104200002293418"] {
            let expected = check_char(&id.as_bytes()[..17]).unwrap();
            assert_eq!(id.as_bytes()[17].to_ascii_uppercase(), expected, "{id}");
            assert!(valid_cn_id(id), "{id}");
        }
        assert!(valid_cn_id("11010519491231002x"), "lower-case x is accepted");
    }

    #[test]
    fn look_alikes_fail() {
        assert!(!valid_cn_id("110101199003074579"), "wrong check digit");
        assert!(!valid_cn_id("990101199003074578"), "unknown province");
        assert!(!valid_cn_id("110101199013074570"), "month 13");
        assert!(!valid_cn_id("110101190002290000"), "1900 is not a leap year");
        assert!(!valid_cn_id("11010519491231002"), "17 characters");
        assert!(!valid_cn_id("333079742122465768"), "a random 18-digit id");
    }
}
