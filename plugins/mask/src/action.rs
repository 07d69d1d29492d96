//! What a finding becomes: `[REDACTED:<rule>]`, a partial mask (`************1234`), or a
//! stable pseudonym (truncated HMAC-SHA256 under a key from the config directory).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use crate::text::push_replaced;

/// How one rule masks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Replace with `token`, where `{rule}` stands for the rule id.
    Redact { token: String },
    /// Keep the first/last characters, mask the letters and digits in between with
    /// `mask_char`; punctuation and spaces stay so formats remain readable.
    Partial { keep_first: usize, keep_last: usize, mask_char: char },
    /// `prefix` + the first `length` hex digits of HMAC-SHA256(key, value).
    Hash,
}

pub const DEFAULT_TOKEN: &str = "[REDACTED:{rule}]";

impl Default for Action {
    fn default() -> Self {
        Action::Redact { token: DEFAULT_TOKEN.to_string() }
    }
}

/// The HMAC key and output shape shared by every `hash` action.
#[derive(Clone)]
pub struct HashSettings {
    pub key: Vec<u8>,
    pub length: usize,
    pub prefix: String,
}

pub const DEFAULT_HASH_PREFIX: &str = "hmac:";
pub const DEFAULT_HASH_LENGTH: usize = 16;

/// Renders `secret` for rule `rule_id` under `action`.
pub fn render(action: &Action, rule_id: &str, secret: &str, hash: Option<&HashSettings>, out: &mut String) {
    match action {
        Action::Redact { token } => push_token(token, rule_id, out),
        Action::Partial { keep_first, keep_last, mask_char } => partial(secret, *keep_first, *keep_last, *mask_char, out),
        Action::Hash => match hash {
            Some(h) => {
                push_replaced(&h.prefix, "{rule}", rule_id, out);
                out.push_str(&hmac_hex(&h.key, secret, h.length));
            }
            // The config loader refuses `hash` without a key; never leak if that ever changes.
            None => push_token(DEFAULT_TOKEN, rule_id, out),
        },
    }
}

/// The redact token for a whole object or array (partial/hash have no meaning there).
pub fn render_container(action: &Action, rule_id: &str, out: &mut String) {
    match action {
        Action::Redact { token } => push_token(token, rule_id, out),
        _ => push_token(DEFAULT_TOKEN, rule_id, out),
    }
}

fn push_token(token: &str, rule_id: &str, out: &mut String) {
    push_replaced(token, "{rule}", rule_id, out);
}

/// Partial masking. Unless at least half of the letters and digits (or at least 4 of them)
/// stay masked, nothing is revealed: a short secret is masked whole.
fn partial(secret: &str, keep_first: usize, keep_last: usize, mask_char: char, out: &mut String) {
    let total = secret.chars().filter(|c| c.is_alphanumeric()).count();
    let masked = total.saturating_sub(keep_first + keep_last);
    let enough = masked > 0 && masked >= total.div_ceil(2).min(4);
    let (first, last) = if enough { (keep_first, keep_last) } else { (0, 0) };
    let mut seen = 0;
    for c in secret.chars() {
        if !c.is_alphanumeric() {
            out.push(c);
            continue;
        }
        seen += 1;
        if seen <= first || seen > total - last {
            out.push(c);
        } else {
            out.push(mask_char);
        }
    }
}

pub fn hmac_hex(key: &[u8], value: &str, length: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(value.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 0xf) as usize] as char);
    }
    s.truncate(length.min(64));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(action: &Action, secret: &str) -> String {
        let h = HashSettings { key: b"0123456789abcdef0123456789abcdef".to_vec(), length: 16, prefix: "hmac:".into() };
        let mut s = String::new();
        render(action, "payment-card", secret, Some(&h), &mut s);
        s
    }

    #[test]
    fn redact_names_the_rule() {
        assert_eq!(r(&Action::default(), "x"), "[REDACTED:payment-card]");
        assert_eq!(r(&Action::Redact { token: "***".into() }, "x"), "***");
    }

    #[test]
    fn partial_keeps_the_format() {
        let p = Action::Partial { keep_first: 0, keep_last: 4, mask_char: '*' };
        assert_eq!(r(&p, "4111111111111111"), "************1111");
        assert_eq!(r(&p, "4111 1111 1111 1111"), "**** **** **** 1111");
        assert_eq!(r(&p, "hunter2"), "*******", "short values are masked whole");
        let p = Action::Partial { keep_first: 6, keep_last: 4, mask_char: '#' };
        assert_eq!(r(&p, "4111111111111111"), "411111######1111", "PCI DSS first six, last four");
        let p = Action::Partial { keep_first: 3, keep_last: 4, mask_char: '*' };
        assert_eq!(r(&p, "13812345678"), "138****5678", "the usual Chinese mobile mask");
        assert_eq!(r(&p, "hunter2"), "*******");
        let p = Action::Partial { keep_first: 1, keep_last: 0, mask_char: '#' };
        assert_eq!(r(&p, "zhang.wei@corp.cn"), "z####.###@####.##");
    }

    #[test]
    fn hash_is_a_stable_keyed_pseudonym() {
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
        assert_eq!(hmac_hex(b"Jefe", "what do ya want for nothing?", 64),
                   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let a = r(&Action::Hash, "zhang.wei@corp.cn");
        assert_eq!(a, r(&Action::Hash, "zhang.wei@corp.cn"));
        assert_ne!(a, r(&Action::Hash, "li.na@corp.cn"));
        assert!(a.starts_with("hmac:") && a.len() == 5 + 16, "{a}");
    }
}
