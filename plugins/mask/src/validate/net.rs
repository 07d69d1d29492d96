//! Contact and network identifiers: e-mail addresses, Chinese mobile numbers, IP addresses.

/// Mobile prefixes assigned by MIIT (130-139, 145-149, 150-153, 155-159, 162, 165-167,
/// 170-178, 180-189, 190-199).
fn cn_mobile_prefix_ok(p: u32) -> bool {
    matches!(p, 130..=139 | 145..=149 | 150..=153 | 155..=159 | 162 | 165..=167 | 170..=178 | 180..=189 | 190..=199)
}

/// A Chinese mobile number, optionally with `+86`/`86` and single space or dash separators
/// (`+86 138 1234 5678`).
pub fn valid_cn_mobile(text: &str) -> bool {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
    let national = match digits.len() {
        11 => &digits[..],
        13 if digits.starts_with(b"86") => &digits[2..],
        _ => return false,
    };
    let p = national.iter().take(3).fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
    cn_mobile_prefix_ok(p) && !national[3..].iter().all(|&d| d == national[3])
}

/// Local parts that name a service, not a person (`git@github.com`).
const SERVICE_LOCAL_PARTS: &[&str] = &["git", "noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon"];

/// An e-mail address with a sane local part and a domain whose last label is letters.
pub fn valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    if SERVICE_LOCAL_PARTS.iter().any(|s| local.eq_ignore_ascii_case(s)) {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let tld = labels.last().copied().unwrap_or("");
    labels.iter().all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

pub fn valid_ipv4(text: &str) -> bool {
    text.parse::<std::net::Ipv4Addr>().is_ok()
}

pub fn valid_ipv6(text: &str) -> bool {
    text.contains(':') && text.parse::<std::net::Ipv6Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        for m in ["13812345678", "+86 138 1234 5678", "8613912345678", "199-1234-5678"] {
            assert!(valid_cn_mobile(m), "{m}");
        }
        for m in ["12812345678", "14012345678", "1381234567", "13800000000", "+1 415 555 0100"] {
            assert!(!valid_cn_mobile(m), "{m}");
        }
    }

    #[test]
    fn emails() {
        for e in ["zhang.wei@corp-mail.cn", "a+b@x.io", "li_na@mail.example-shop.com"] {
            assert!(valid_email(e), "{e}");
        }
        for e in ["git@github.com", "x@localhost", "a@b.c1", ".a@b.com", "a..b@c.com", "u@-x.com"] {
            assert!(!valid_email(e), "{e}");
        }
    }

    #[test]
    fn ips() {
        assert!(valid_ipv4("10.0.12.7"));
        assert!(!valid_ipv4("10.0.12.256"));
        assert!(valid_ipv6("2001:db8::8a2e:370:7334"));
        assert!(valid_ipv6("::1"));
        assert!(!valid_ipv6("10:00:00"));
    }
}
