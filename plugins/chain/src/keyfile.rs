//! The key file: 32 random bytes as 64 hex digits. Lines starting with `#` are comments, and
//! whitespace around the digits is ignored, so `logward keygen` can explain the file inside it.

use zeroize::Zeroize;

use crate::mac::SecretKey;

/// Reads a key from the key file's text.
pub fn parse(text: &str) -> Result<SecretKey, String> {
    let mut digits: Vec<u8> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .flat_map(|l| l.bytes().filter(|b| !b.is_ascii_whitespace()))
        .collect();
    let result = decode(&digits);
    digits.zeroize();
    result
}

fn decode(digits: &[u8]) -> Result<SecretKey, String> {
    if digits.len() != 64 {
        return Err(format!("expected 64 hex digits (a 32-byte key), found {}", digits.len()));
    }
    let mut key = [0u8; 32];
    for (dst, pair) in key.iter_mut().zip(digits.chunks_exact(2)) {
        let value = |b: u8| char::from(b).to_digit(16);
        match (pair.first().copied().and_then(value), pair.get(1).copied().and_then(value)) {
            (Some(hi), Some(lo)) => *dst = (hi * 16 + lo) as u8,
            _ => {
                key.zeroize();
                return Err("the key is not hex".into());
            }
        }
    }
    let secret = SecretKey::from_bytes(key);
    key.zeroize();
    Ok(secret)
}

/// The text `logward keygen` writes.
pub fn render(key: &SecretKey) -> String {
    format!(
        "# logward chain key (HMAC-SHA256), key id {}.\n\
         # Keep a copy OFFLINE: `logward verify --key` needs it to check the logs.\n\
         # Remove this file from the node after Fluent Bit's first start: the plugin then keeps\n\
         # only the evolved key in its state file, so stealing the node cannot forge old logs.\n\
         {}\n",
        key.key_id(),
        crate::mac::hex(key.expose())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let key = SecretKey::from_bytes([0xab; 32]);
        assert_eq!(parse(&render(&key)).unwrap(), key);
        assert_eq!(parse(&format!("  {}  \n", "AB".repeat(32))).unwrap(), key);
        assert!(parse("abc").unwrap_err().contains("64 hex digits"));
        assert!(parse(&"zz".repeat(32)).unwrap_err().contains("not hex"));
    }
}
