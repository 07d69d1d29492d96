//! Sigma's value-transforming modifiers: `base64`, `base64offset`, `utf16le`/`wide`,
//! `utf16be`, `utf16`, `windash`.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three encodings of `bytes` at offsets 0, 1, 2 within a longer base64 text, trimmed to
/// the characters that do not depend on the surrounding bytes (as Sigma specifies).
pub fn base64_offsets(bytes: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|shift| {
            let mut padded = vec![b' '; shift];
            padded.extend_from_slice(bytes);
            let enc = base64(&padded);
            let tail = END[(bytes.len() + shift) % 3];
            let end = enc.len().saturating_sub(tail).max(START[shift]);
            enc.get(START[shift]..end).unwrap_or("").to_string()
        })
        .collect()
}

pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

pub fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// UTF-16 little endian with a byte order mark.
pub fn utf16_bom(s: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(utf16le(s));
    out
}

const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Every spelling of the command-line flags in `s` (a `-` or `/` at the start of a word) with
/// each of the five dash characters; at most `limit` variants.
pub fn windash(s: &str, limit: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| DASHES[..2].contains(&chars[i]) && (i == 0 || chars[i - 1].is_whitespace()))
        .collect();
    let mut out = vec![chars.clone()];
    for &p in &positions {
        let mut next = Vec::new();
        for v in &out {
            for d in DASHES {
                let mut w = v.clone();
                w[p] = d;
                next.push(w);
                if next.len() >= limit {
                    break;
                }
            }
        }
        out = next;
    }
    let mut strings: Vec<String> = out.into_iter().map(|c| c.into_iter().collect()).collect();
    strings.dedup();
    strings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn base64_offsets_are_found_inside_encodings() {
        let needle = b"/bin/bash -i";
        let variants = base64_offsets(needle);
        assert_eq!(variants.len(), 3);
        for prefix in ["", "x", "xy", "abcd", "abcde"] {
            let mut text = prefix.as_bytes().to_vec();
            text.extend_from_slice(needle);
            text.extend_from_slice(b" tail");
            let enc = base64(&text);
            assert!(variants.iter().any(|v| !v.is_empty() && enc.contains(v.as_str())), "{prefix}: {enc} {variants:?}");
        }
    }

    #[test]
    fn utf16() {
        assert_eq!(utf16le("cmd"), [0x63, 0, 0x6d, 0, 0x64, 0]);
        assert_eq!(utf16be("cmd"), [0, 0x63, 0, 0x6d, 0, 0x64]);
        assert_eq!(utf16_bom("c"), [0xFF, 0xFE, 0x63, 0]);
    }

    #[test]
    fn windash_variants() {
        let v = windash("net user -add /y", 1000);
        assert_eq!(v.len(), 25);
        assert!(v.contains(&"net user /add -y".to_string()));
        assert!(v.contains(&"net user \u{2013}add \u{2014}y".to_string()));
        assert_eq!(windash("a-b", 10), vec!["a-b"], "only at word starts");
    }
}
