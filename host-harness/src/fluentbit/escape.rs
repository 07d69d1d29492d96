//! JSON string escaping exactly as Fluent Bit 5.1.1 on x86_64 does it with
//! `json.escape_unicode on` (the default): `flb_utils_write_str_escaped` in `src/flb_utils.c`.
//!
//! The quirks a plugin can observe, all reproduced here:
//! - `char` is signed on x86_64, so every byte >= 0x80 takes the "beyond 0xFFFF" branch: valid
//!   UTF-8 becomes `\uXXXX` (surrogate pairs above the BMP, lowercase hex); invalid bytes become
//!   raw UTF-8 for U+E000 + byte (a private-use character, NOT escaped); a multi-byte lead byte
//!   whose sequence would run past the end of the string is silently dropped.
//! - Fluent Bit's UTF-8 decoder accepts overlong forms (`C0 80` prints as `\u0000`).
//! - The SSE2 fast path copies 16-byte blocks that contain no control character, quote,
//!   backslash or high byte verbatim; DEL (0x7F) is escaped as `\u007f` only when it is
//!   examined one byte at a time, so whether DEL is escaped depends on its position.

/// Width of an SSE2 vector: the block size of the fast path.
const SIMD_BLOCK: usize = 16;

/// Number of bytes that follow a lead byte (`trailing_bytes_for_utf8` in `src/flb_utf8.c`).
fn utf8_sequence_length(lead: u8) -> usize {
    match lead {
        0x00..=0xBF => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        0xF8..=0xFB => 5,
        0xFC..=0xFF => 6,
    }
}

#[derive(PartialEq)]
enum Decode {
    Accept,
    Reject,
    Continue,
}

/// `flb_utf8_decode`: a byte-at-a-time decoder that rejects surrogates and values above
/// U+10FFFF but, unlike most decoders, accepts overlong encodings.
fn utf8_decode(state: &mut u32, codepoint: &mut u32, byte: u8) -> Decode {
    if *state == 0 {
        if byte <= 0x7F {
            *codepoint = u32::from(byte);
            return Decode::Accept;
        } else if byte & 0xE0 == 0xC0 {
            *codepoint = u32::from(byte & 0x1F);
            *state = 1;
        } else if byte & 0xF0 == 0xE0 {
            *codepoint = u32::from(byte & 0x0F);
            *state = 2;
        } else if byte & 0xF8 == 0xF0 {
            *codepoint = u32::from(byte & 0x07);
            *state = 3;
        } else {
            *state = 1;
            return Decode::Reject;
        }
    } else if byte & 0xC0 == 0x80 {
        *codepoint = (*codepoint << 6) | u32::from(byte & 0x3F);
        *state -= 1;
    } else {
        *state = 1;
        return Decode::Reject;
    }
    if *state == 0 {
        if (0xD800..=0xDFFF).contains(codepoint) || *codepoint > 0x10FFFF {
            *state = 1;
            return Decode::Reject;
        }
        return Decode::Accept;
    }
    Decode::Continue
}

fn simple_escape(byte: u8) -> Option<&'static [u8]> {
    Some(match byte {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0C => b"\\f",
        _ => return None,
    })
}

fn write_escaped_ascii(out: &mut Vec<u8>, byte: u8) {
    if let Some(seq) = simple_escape(byte) {
        out.extend_from_slice(seq);
    } else if byte < 0x20 || byte == 0x7F {
        out.extend_from_slice(format!("\\u{byte:04x}").as_bytes());
    } else {
        out.push(byte);
    }
}

fn block_needs_slow_path(block: &[u8]) -> bool {
    block
        .iter()
        .any(|&b| b <= 0x1F || b == b'"' || b == b'\\' || b >= 0x80)
}

/// Raw UTF-8 of the private-use character Fluent Bit substitutes for an invalid byte.
fn push_private_use_fragment(out: &mut Vec<u8>, byte: u8) {
    out.extend_from_slice(&[0xEE, 0x80 | ((byte >> 6) & 0x03), 0x80 | (byte & 0x3F)]);
}

/// Appends the escaped form of `input` (without surrounding quotes) to `out`.
pub fn write_str_escaped(out: &mut Vec<u8>, input: &[u8]) {
    let len = input.len();
    let mut i = 0usize;
    let mut copied_up_to = 0usize;
    loop {
        while i + SIMD_BLOCK <= len && !block_needs_slow_path(&input[i..i + SIMD_BLOCK]) {
            i += SIMD_BLOCK;
        }
        if copied_up_to < i {
            out.extend_from_slice(&input[copied_up_to..i]);
        }
        // One byte at a time, for at most one block's worth of iterations (the C loop counter
        // is also bumped by the invalid-sequence branch, which we mirror).
        let mut step = 0usize;
        while step < SIMD_BLOCK {
            if i >= len {
                return;
            }
            let byte = input[i];
            if byte < 0x80 {
                write_escaped_ascii(out, byte);
                i += 1;
                step += 1;
                continue;
            }
            let full_len = utf8_sequence_length(byte);
            if i + full_len > len {
                i += 1; // truncated sequence: the lead byte is dropped
                break;
            }
            let (mut state, mut codepoint) = (0u32, 0u32);
            let mut fragment = [0u8; 6];
            let mut valid = true;
            let mut seq_len = full_len;
            for k in 0..full_len {
                if utf8_decode(&mut state, &mut codepoint, input[i]) == Decode::Reject {
                    if k == 0 {
                        fragment[0] = input[i];
                        seq_len = 1;
                        i += 1;
                    } else {
                        seq_len = k;
                    }
                    valid = false;
                    break;
                }
                fragment[k] = input[i];
                i += 1;
            }
            if valid {
                if codepoint > 0xFFFF {
                    let high = 0xD800 + ((codepoint - 0x10000) >> 10);
                    let low = 0xDC00 + ((codepoint - 0x10000) & 0x3FF);
                    out.extend_from_slice(format!("\\u{high:04x}\\u{low:04x}").as_bytes());
                } else {
                    out.extend_from_slice(format!("\\u{codepoint:04x}").as_bytes());
                }
                step += 1;
            } else {
                for &b in &fragment[..seq_len] {
                    push_private_use_fragment(out, b);
                }
                step = seq_len + 1;
            }
        }
        copied_up_to = i;
    }
}

#[cfg(test)]
mod tests {
    use super::write_str_escaped;

    fn escape(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_str_escaped(&mut out, input);
        out
    }

    #[test]
    fn ascii_and_controls() {
        assert_eq!(escape(b"plain"), b"plain");
        assert_eq!(
            escape(b"a\"b\\c\nd\te\r\x08\x0c"),
            b"a\\\"b\\\\c\\nd\\te\\r\\b\\f"
        );
        assert_eq!(escape(b"\x00\x01\x1f"), b"\\u0000\\u0001\\u001f");
        assert_eq!(escape(b"/"), b"/");
    }

    #[test]
    fn non_ascii_is_escaped_as_utf16() {
        assert_eq!(escape("é".as_bytes()), b"\\u00e9");
        assert_eq!(escape("日本".as_bytes()), b"\\u65e5\\u672c");
        assert_eq!(escape("😀".as_bytes()), b"\\ud83d\\ude00");
    }

    #[test]
    fn invalid_bytes_become_private_use_characters() {
        // A lone continuation byte 0x80 becomes U+E080 as raw UTF-8.
        assert_eq!(escape(b"a\x80b"), b"a\xee\x82\x80b");
        // An encoded surrogate (ED A0 80): two bytes rejected at the end, then 0x80 alone.
        assert_eq!(
            escape(b"\xed\xa0\x80"),
            b"\xee\x83\xad\xee\x82\xa0\xee\x82\x80"
        );
    }

    #[test]
    fn truncated_sequence_at_end_is_dropped() {
        // Only the lead byte goes; the orphaned continuation byte is then substituted.
        assert_eq!(escape(b"ab\xe6\x97"), b"ab\xee\x82\x97");
        assert_eq!(escape(b"\xc3"), b"");
    }

    #[test]
    fn overlong_encodings_are_accepted() {
        assert_eq!(escape(b"\xc0\x80"), b"\\u0000");
    }

    #[test]
    fn del_depends_on_the_fast_path() {
        // Inside a clean 16-byte block DEL is copied raw...
        assert_eq!(escape(b"0123456789abcde\x7f"), b"0123456789abcde\x7f");
        // ...but examined byte by byte (short string) it is escaped.
        assert_eq!(escape(b"ab\x7f"), b"ab\\u007f");
    }
}
