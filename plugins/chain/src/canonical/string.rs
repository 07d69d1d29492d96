//! Strings in canonical form: the text Fluent Bit's JSON output would show, escaped minimally.
//!
//! A string reaches the chain in one of three spellings — msgpack bytes (`Event_Format
//! msgpack`), Fluent Bit's JSON text (`Event_Format json`, out_file, stdout), or someone
//! else's re-encoding of that JSON (Python, jq). All three must give the same canonical bytes,
//! so everything is first decoded to the text Fluent Bit's output shows:
//! - valid UTF-8 is itself;
//! - bytes Fluent Bit's UTF-8 decoder rejects become U+E000 + byte (what
//!   `flb_utils_write_str_escaped` writes for them), overlong forms are accepted, and a lead
//!   byte whose sequence would run past the end of the string is dropped — the same rules, so a
//!   msgpack-mode filter and the verifier of the JSON output agree;
//! - JSON escapes are decoded first; a malformed `\u` escape or an unpaired surrogate becomes
//!   U+FFFD, as Fluent Bit's JSON parser (yyjson, `REPLACE_INVALID_UNICODE`) makes it.
//!
//! The canonical spelling is RFC 8785's: `"` and `\` escaped, control characters as `\b \t \n
//! \f \r` or `\u00xx` (lowercase hex), everything else raw UTF-8.

use std::borrow::Cow;

use logward_sdk::json::decode_u_escape;

/// The text Fluent Bit's JSON output shows for these string bytes.
pub fn fluent_bit_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(decode_like_fluent_bit(bytes)),
    }
}

/// Number of bytes a lead byte announces (`trailing_bytes_for_utf8` in Fluent Bit's
/// `src/flb_utf8.c`, plus the lead itself).
fn sequence_length(lead: u8) -> usize {
    match lead {
        0x00..=0xBF => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        0xF8..=0xFB => 5,
        0xFC..=0xFF => 6,
    }
}

/// One step of `flb_utf8_decode`: `Some(Ok(cp))` accepted, `Some(Err(()))` rejected, `None`
/// more bytes needed. Overlong forms are accepted; surrogates and values past U+10FFFF are not.
fn decode_step(state: &mut u32, cp: &mut u32, byte: u8) -> Option<Result<u32, ()>> {
    if *state == 0 {
        match byte {
            0x00..=0x7F => return Some(Ok(u32::from(byte))),
            _ if byte & 0xE0 == 0xC0 => (*cp, *state) = (u32::from(byte & 0x1F), 1),
            _ if byte & 0xF0 == 0xE0 => (*cp, *state) = (u32::from(byte & 0x0F), 2),
            _ if byte & 0xF8 == 0xF0 => (*cp, *state) = (u32::from(byte & 0x07), 3),
            _ => return Some(Err(())),
        }
        return None;
    }
    if byte & 0xC0 != 0x80 {
        return Some(Err(()));
    }
    *cp = (*cp << 6) | u32::from(byte & 0x3F);
    *state -= 1;
    if *state > 0 {
        return None;
    }
    if (0xD800..=0xDFFF).contains(cp) || *cp > 0x10FFFF {
        return Some(Err(()));
    }
    Some(Ok(*cp))
}

fn private_use(byte: u8) -> char {
    // U+E000..U+E0FF are all valid scalar values.
    char::from_u32(0xE000 + u32::from(byte)).unwrap_or('\u{FFFD}')
}

/// The slow path of [`fluent_bit_text`] for bytes that are not valid UTF-8.
fn decode_like_fluent_bit(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        if lead < 0x80 {
            out.push(char::from(lead));
            i += 1;
            continue;
        }
        let len = sequence_length(lead);
        if i + len > bytes.len() {
            i += 1; // a sequence cut short by the end of the string: its lead byte is dropped
            continue;
        }
        let (mut state, mut cp) = (0u32, 0u32);
        let mut taken = 0;
        let mut decoded = None;
        while taken < len {
            let Some(&b) = bytes.get(i + taken) else { break };
            match decode_step(&mut state, &mut cp, b) {
                None => taken += 1,
                Some(Ok(c)) => {
                    taken += 1;
                    decoded = Some(c);
                    break;
                }
                Some(Err(())) => {
                    // The rejected byte is examined again on its own, unless it was the lead.
                    if taken == 0 {
                        taken = 1;
                    }
                    break;
                }
            }
        }
        match decoded.and_then(char::from_u32) {
            Some(c) => out.push(c),
            None => {
                for &b in bytes.get(i..i + taken).unwrap_or_default() {
                    out.push(private_use(b));
                }
            }
        }
        i += taken.max(1);
    }
    out
}

/// Decodes a JSON string body (between the quotes) to the text Fluent Bit would hold for it.
/// Never fails: see the module notes for what malformed input becomes.
pub fn unescape_json(raw: &[u8]) -> Cow<'_, str> {
    if !raw.contains(&b'\\') {
        return fluent_bit_text(raw);
    }
    let mut bytes: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let Some(rel) = raw.get(i..).and_then(|rest| rest.iter().position(|&c| c == b'\\')) else {
            bytes.extend_from_slice(raw.get(i..).unwrap_or_default());
            break;
        };
        bytes.extend_from_slice(raw.get(i..i + rel).unwrap_or_default());
        i += rel;
        let Some(&esc) = raw.get(i + 1) else {
            push_char(&mut bytes, '\u{FFFD}');
            break;
        };
        i += 2;
        match esc {
            b'"' => bytes.push(b'"'),
            b'\\' => bytes.push(b'\\'),
            b'/' => bytes.push(b'/'),
            b'b' => bytes.push(0x08),
            b'f' => bytes.push(0x0c),
            b'n' => bytes.push(b'\n'),
            b'r' => bytes.push(b'\r'),
            b't' => bytes.push(b'\t'),
            b'u' => {
                let (c, used) = decode_u_escape(raw, i);
                push_char(&mut bytes, c);
                i += used;
            }
            _ => push_char(&mut bytes, '\u{FFFD}'),
        }
    }
    Cow::Owned(fluent_bit_text(&bytes).into_owned())
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

const HEX: &[u8; 16] = b"0123456789abcdef";

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `x` that RFC 8785 escapes (`"`, `\`, below 0x20). Bytes above
/// the lowest flagged one may be flagged falsely (borrows), so use it for "any" and "first".
#[inline(always)]
fn escape_bits(x: u64) -> u64 {
    let q = x ^ (ONES * u64::from(b'"'));
    let s = x ^ (ONES * u64::from(b'\\'));
    ((x.wrapping_sub(ONES * 0x20) & !x) | (q.wrapping_sub(ONES) & !q) | (s.wrapping_sub(ONES) & !s)) & HIGH
}

/// As [`escape_bits`], plus every byte that is not ASCII.
#[inline(always)]
pub(super) fn special_bits(x: u64) -> u64 {
    escape_bits(x) | (x & HIGH)
}

/// High bit set in each byte that is `"` or `\\` (what ends a JSON string's plain run).
#[inline(always)]
pub(super) fn quote_or_backslash_bits(x: u64) -> u64 {
    let q = x ^ (ONES * u64::from(b'"'));
    let s = x ^ (ONES * u64::from(b'\\'));
    ((q.wrapping_sub(ONES) & !q) | (s.wrapping_sub(ONES) & !s)) & HIGH
}

/// Eight bytes from `at` (the caller checks `at + 8 <= bytes.len()`).
#[inline(always)]
fn load8(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(chunk) = bytes.get(at..at + 8) {
        w.copy_from_slice(chunk);
    }
    u64::from_le_bytes(w)
}

/// Index of the first byte at or after `from` flagged by `bits`, or `bytes.len()`. Eight bytes
/// per step: under an interpreter a byte loop costs ~10 instructions per byte. The last partial
/// step re-reads the 8 last bytes (masking those before `from`'s step); strings shorter than 8
/// bytes are padded with `'a'`, which nothing flags.
#[inline(always)]
pub(super) fn find(bytes: &[u8], from: usize, bits: impl Fn(u64) -> u64) -> usize {
    let n = bytes.len();
    let mut i = from;
    while i + 8 <= n {
        let hits = bits(load8(bytes, i));
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i >= n {
        return n;
    }
    if n >= 8 {
        // 1..=7 bytes of the last word are before `i`: replace them by padding, so a flagged
        // byte there cannot borrow into (and falsely flag) the bytes after it.
        let keep = u64::MAX << (8 * (i - (n - 8)));
        let hits = bits((load8(bytes, n - 8) & keep) | ((ONES * u64::from(b'a')) & !keep));
        return if hits != 0 { n - 8 + (hits.trailing_zeros() / 8) as usize } else { n };
    }
    let mut w = [b'a'; 8];
    if let (Some(dst), Some(tail)) = (w.get_mut(..n - i), bytes.get(i..)) {
        dst.copy_from_slice(tail);
    }
    let hits = bits(u64::from_le_bytes(w));
    if hits != 0 { (i + (hits.trailing_zeros() / 8) as usize).min(n) } else { n }
}

/// [`find`] taking 16 bytes per step while both words are clean (half the loop overhead).
#[inline(always)]
pub(super) fn find_wide(bytes: &[u8], from: usize, bits: impl Fn(u64) -> u64 + Copy) -> usize {
    let mut i = from;
    while i + 16 <= bytes.len() {
        let (a, b) = (bits(load8(bytes, i)), bits(load8(bytes, i + 8)));
        if a != 0 {
            return i + (a.trailing_zeros() / 8) as usize;
        }
        if b != 0 {
            return i + 8 + (b.trailing_zeros() / 8) as usize;
        }
        i += 16;
    }
    find(bytes, i, bits)
}

/// True when `bytes` are all printable ASCII other than `"` and `\`: their canonical string
/// is the bytes themselves between quotes.
pub fn is_plain(bytes: &[u8]) -> bool {
    find(bytes, 0, special_bits) == bytes.len()
}

fn escape_byte(out: &mut Vec<u8>, b: u8) {
    let short: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0c => b"\\f",
        _ => {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
            return;
        }
    };
    out.extend_from_slice(short);
}

/// Appends `text` as an RFC 8785 JSON string (with quotes): runs that need no escape are
/// copied whole. Returns true when an escape was written (the bytes between the quotes are
/// then not the text itself).
pub fn write_canonical_str(out: &mut Vec<u8>, text: &str) -> bool {
    write_canonical_bytes(out, text.as_bytes())
}

/// [`write_canonical_str`] for bytes known to be valid UTF-8 (or ASCII).
fn write_canonical_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    out.push(b'"');
    let mut escaped = false;
    let mut start = 0;
    loop {
        let i = find(bytes, start, escape_bits);
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        let Some(&b) = bytes.get(i) else { break };
        escape_byte(out, b);
        escaped = true;
        start = i + 1;
    }
    out.push(b'"');
    escaped
}

/// Appends the canonical string of string bytes as a record holds them (`escaped`: a JSON
/// string body with escapes; else JSON text without escapes, or msgpack bytes). Returns true
/// when an escape was written. The same result as decoding the text with [`unescape_json`] /
/// [`fluent_bit_text`] and writing it with [`write_canonical_str`], without allocating in the
/// common cases (plain ASCII; JSON escapes in ASCII text, which is all Fluent Bit writes).
pub fn write_record_str(out: &mut Vec<u8>, raw: &[u8], escaped: bool) -> bool {
    if !escaped {
        if is_plain(raw) {
            out.push(b'"');
            out.extend_from_slice(raw);
            out.push(b'"');
            return false;
        }
        return write_canonical_str(out, &fluent_bit_text(raw));
    }
    if find(raw, 0, |x| x & HIGH) < raw.len() {
        // Raw non-ASCII next to escapes is decoded as a whole (see unescape_json).
        return write_canonical_str(out, &unescape_json(raw));
    }
    write_escaped_ascii(out, raw)
}

/// A JSON string body holding only ASCII, decoded and re-escaped canonically in one pass.
fn write_escaped_ascii(out: &mut Vec<u8>, raw: &[u8]) -> bool {
    out.push(b'"');
    let mut escaped = false;
    let mut i = 0;
    loop {
        let next = find(raw, i, escape_bits);
        out.extend_from_slice(raw.get(i..next).unwrap_or_default());
        i = next;
        let Some(&b) = raw.get(i) else { break };
        if b != b'\\' {
            escape_byte(out, b);
            escaped = true;
            i += 1;
            continue;
        }
        let Some(&esc) = raw.get(i + 1) else {
            push_char(out, '\u{FFFD}');
            break;
        };
        i += 2;
        let c = match esc {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (c, used) = decode_u_escape(raw, i);
                i += used;
                c
            }
            _ => '\u{FFFD}',
        };
        match u8::try_from(u32::from(c)) {
            Ok(b) if b < 0x20 || b == b'"' || b == b'\\' => {
                escape_byte(out, b);
                escaped = true;
            }
            _ => push_char(out, c),
        }
    }
    out.push(b'"');
    escaped
}

/// The decoded text of string bytes as a record holds them (see [`write_record_str`]).
pub fn record_text(raw: &[u8], escaped: bool) -> Cow<'_, str> {
    if escaped { unescape_json(raw) } else { fluent_bit_text(raw) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        let mut out = Vec::new();
        write_canonical_str(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time scan finds exactly what a byte loop finds, from any start.
        #[test]
        fn find_is_a_byte_loop(bytes in prop::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), Just(b' '), Just(b'#'), Just(0x1fu8), Just(0u8), Just(b'a'), Just(0x80u8), Just(0xffu8), any::<u8>()], 0..40)) {
            let escape = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
            for from in 0..=bytes.len() {
                let naive = |special: &dyn Fn(u8) -> bool| bytes.iter().skip(from).position(|&b| special(b)).map_or(bytes.len(), |p| from + p);
                prop_assert_eq!(find(&bytes, from, escape_bits), naive(&escape));
                prop_assert_eq!(find(&bytes, from, special_bits), naive(&|b| escape(b) || b >= 0x80));
                prop_assert_eq!(find_wide(&bytes, from, special_bits), naive(&|b| escape(b) || b >= 0x80));
            }
        }
    }

    #[test]
    fn escapes_minimally() {
        assert_eq!(canon("a\"b\\c\n\t\u{1}\u{7f}é😀/"), "\"a\\\"b\\\\c\\n\\t\\u0001\u{7f}é😀/\"");
        assert_eq!(canon("\u{8}\u{c}\r\u{1f}"), "\"\\b\\f\\r\\u001f\"");
    }

    #[test]
    fn json_escapes_decode_to_the_same_text() {
        assert_eq!(unescape_json(br"h\u00e9llo \ud83d\ude00 \/"), "héllo 😀 /");
        assert_eq!(unescape_json("héllo 😀 /".as_bytes()), "héllo 😀 /");
        assert_eq!(unescape_json(br"\ud800x"), "\u{FFFD}x");
        assert_eq!(unescape_json(br"\uzzzz"), "\u{FFFD}zzzz");
        assert_eq!(unescape_json(br"abc\"), "abc\u{FFFD}");
    }

    /// The expected strings are the outputs of the harness's byte-exact port of Fluent Bit's
    /// `flb_utils_write_str_escaped` for the same input bytes, decoded.
    #[test]
    fn invalid_bytes_decode_like_fluent_bit_output() {
        assert_eq!(fluent_bit_text(b"a\x80b"), "a\u{E080}b");
        assert_eq!(fluent_bit_text(b"\xed\xa0\x80"), "\u{E0ED}\u{E0A0}\u{E080}");
        assert_eq!(fluent_bit_text(b"ab\xe6\x97"), "ab\u{E097}");
        assert_eq!(fluent_bit_text(b"\xc3"), "");
        assert_eq!(fluent_bit_text(b"\xc0\x80"), "\u{0}");
        assert_eq!(fluent_bit_text(b"\xff\xfe"), "");
        assert_eq!(fluent_bit_text(b"\xffabcdef"), "\u{E0FF}abcdef");
    }

    #[test]
    fn raw_invalid_bytes_inside_escaped_strings_are_decoded_as_a_whole() {
        // The lead byte E6 is followed by an escape, not a continuation: rejected, substituted.
        assert_eq!(unescape_json(b"\xe6\\u0041bc"), "\u{E0E6}Abc");
    }
}
