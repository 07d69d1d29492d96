//! US Social Security numbers: area-group-serial, with the ranges the SSA never issues
//! (area 000, 666, 900-999; group 00; serial 0000) and famous advertising numbers excluded.

pub fn valid_ssn(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [area, group, serial] = parts.as_slice() else {
        return false;
    };
    let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(area, 3) && all_digits(group, 2) && all_digits(serial, 4)) {
        return false;
    }
    let area_n: u32 = area.parse().unwrap_or(0);
    if area_n == 0 || area_n == 666 || area_n >= 900 || *group == "00" || *serial == "0000" {
        return false;
    }
    // Woolworth's wallet card and the 1940s SSA pamphlet number.
    !matches!(text, "078-05-1120" | "219-09-9999" | "123-45-6789")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_ranges_pass() {
        assert!(valid_ssn("536-22-1234"));
        assert!(valid_ssn("001-01-0001"));
    }

    #[test]
    fn never_issued_ranges_fail() {
        for s in ["000-12-3456", "666-12-3456", "912-12-3456", "536-00-1234", "536-22-0000",
                  "078-05-1120", "123-45-6789", "5362-2-1234", "536221234"] {
            assert!(!valid_ssn(s), "{s}");
        }
    }
}
