//! JSON string escapes, both ways.

/// Decodes the body of a JSON string (without quotes). Never fails: malformed escapes and lone
/// surrogates decode to U+FFFD, invalid UTF-8 too, so a hostile record cannot stop a plugin.
pub fn unescape(raw: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            // Copy the run up to the next backslash in one go.
            let run_end = raw[i..].iter().position(|&c| c == b'\\').map_or(raw.len(), |p| i + p);
            out.extend_from_slice(&raw[i..run_end]);
            i = run_end;
            continue;
        }
        let Some(&esc) = raw.get(i + 1) else {
            push_char(&mut out, '\u{FFFD}');
            break;
        };
        i += 2;
        match esc {
            b'"' => out.push(b'"'),
            b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let (c, used) = decode_u_escape(raw, i);
                push_char(&mut out, c);
                i += used;
            }
            _ => push_char(&mut out, '\u{FFFD}'),
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = v * 16 + (d as char).to_digit(16)?;
    }
    Some(v)
}

/// `at` is just after `\u`. Returns the character and how many bytes after `at` were consumed
/// (a surrogate pair takes 10; a bad escape gives U+FFFD). Shared with plugins that read JSON
/// strings their own way (chain's canonicalizer).
pub fn decode_u_escape(raw: &[u8], at: usize) -> (char, usize) {
    let Some(hi) = hex4(raw, at) else {
        return ('\u{FFFD}', 0);
    };
    if (0xD800..0xDC00).contains(&hi) {
        // A high surrogate must be followed by `\uDC00`..`\uDFFF`.
        let low = (raw.get(at + 4..at + 6) == Some(b"\\u")).then(|| hex4(raw, at + 6)).flatten();
        if let Some(lo @ 0xDC00..0xE000) = low {
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return (char::from_u32(c).unwrap_or('\u{FFFD}'), 10);
        }
        return ('\u{FFFD}', 4);
    }
    (char::from_u32(hi).unwrap_or('\u{FFFD}'), 4)
}

/// Appends `s` as a quoted JSON string. Non-ASCII is written as UTF-8 (Fluent Bit accepts it);
/// control characters, quote and backslash are escaped.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_escaped(out, s);
    out.push(b'"');
}

/// Appends the escaped body of a JSON string (no quotes).
pub fn write_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f | 0x7f => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fluent_bit_unicode_escapes() {
        // Fluent Bit escapes every non-ASCII char: 身份证 and an emoji as a surrogate pair.
        assert_eq!(unescape(br"\u8eab\u4efd\u8bc1"), "身份证");
        assert_eq!(unescape(br"\ud83d\ude00!"), "😀!");
    }

    #[test]
    fn malformed_escapes_do_not_fail() {
        assert_eq!(unescape(br"\ud800x"), "\u{FFFD}x");
        assert_eq!(unescape(br"\uzz"), "\u{FFFD}zz");
        assert_eq!(unescape(br"abc\"), "abc\u{FFFD}");
        assert_eq!(unescape(br"\q"), "\u{FFFD}");
        assert_eq!(unescape(b"\xff"), "\u{FFFD}");
    }

    #[test]
    fn escapes_round_trip() {
        let s = "a\"b\\c\n\t\u{1}\u{7f}é身😀";
        let mut out = Vec::new();
        write_escaped(&mut out, s);
        assert_eq!(unescape(&out), s);
        let parsed: String = serde_json::from_slice(&[b"\"", &out[..], b"\""].concat()).unwrap();
        assert_eq!(parsed, s);
    }
}
