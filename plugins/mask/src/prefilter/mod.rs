//! The byte pre-pass: one look at the raw record (or a value's text) that says where anything
//! could match, before anything is tokenized, decoded or copied.
//!
//! Two parts: an Aho-Corasick automaton over every rule keyword and sensitive-key literal
//! (ASCII case-insensitive), and a hand-written scan for keyword-less personal data (runs of
//! digits, IBAN starts, IP shapes). Both report spans, so the record walk later decodes only the
//! values that contain a hit.

mod common_trigrams;
mod digit_dfa;
mod digits;
mod sieve;

use std::ops::Range;

use crate::rule::class;

pub use digit_dfa::DigitDfa;
use digit_dfa::DigitTrack;

/// Something the pre-pass found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub what: What,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Aho-Corasick pattern id.
    Pattern(u32),
    /// A candidate class bit (see [`class`]).
    Class(u8),
}

/// The hits in one byte string, in no particular order.
#[derive(Debug, Default)]
pub struct Hits {
    pub list: Vec<Hit>,
}

impl Hits {
    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The hits lying entirely inside `span`.
    pub fn within(&self, span: Range<usize>) -> impl Iterator<Item = &Hit> + '_ {
        self.list.iter().filter(move |h| h.start >= span.start && h.end <= span.end)
    }

    pub fn any_within(&self, span: Range<usize>) -> bool {
        self.within(span).next().is_some()
    }
}

/// How the bytes are written: JSON text escapes (`\n`, `\u8eab`) must not glue digits to
/// letters; msgpack and decoded text have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Raw JSON record text (escapes present).
    Json,
    /// Raw msgpack bytes: headers may be any byte, so no boundary guesses are made.
    Msgpack,
    /// Decoded text of one value.
    Text,
}


/// Every rule keyword and sensitive-key literal, searched exactly and case-insensitively.
pub struct Keywords {
    sieve: sieve::Sieve,
}

impl Keywords {
    /// `patterns` are matched ASCII-case-insensitively; ids are their indexes.
    pub fn new(patterns: &[String]) -> Keywords {
        Keywords { sieve: sieve::Sieve::new(patterns) }
    }

    pub fn find(&self, bytes: &[u8], out: &mut Hits) {
        self.sieve.find_with(bytes, &mut out.list, &mut ());
    }

    /// [`Keywords::find`], and the digit candidates (`want`: DIGITS and/or IBAN) in the same
    /// loop over the bytes.
    pub fn find_with_digits(&self, digits: &DigitDfa, bytes: &[u8], enc: Encoding, want: u8, out: &mut Hits) {
        self.sieve.find_with(bytes, &mut out.list, &mut DigitTrack::new(digits, enc, want));
    }
}

/// Spellings of a keyword as it can appear in raw records: itself, JSON-escaped (quotes,
/// backslashes, control characters, and non-ASCII as Fluent Bit writes it: `\uXXXX`), and with
/// `\/` for `/` (some JSON writers escape slashes).
pub fn raw_forms(keyword: &str) -> Vec<String> {
    let mut forms = vec![keyword.to_string()];
    let mut escaped = String::new();
    for c in keyword.chars() {
        match c {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push_str("\\t"),
            '\r' => escaped.push_str("\\r"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    escaped.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => escaped.push(c),
        }
    }
    if escaped != keyword {
        forms.push(escaped.clone());
    }
    if escaped.contains('/') {
        forms.push(escaped.replace('/', "\\/"));
    }
    forms
}

/// Finds keyword-less candidates (`want`: class bits) in `bytes`.
pub fn find_classes(bytes: &[u8], enc: Encoding, want: u8, out: &mut Hits) {
    if want & (class::DIGITS | class::IBAN) != 0 {
        digits::find(bytes, enc, want, &mut out.list);
    }
    if want & class::IPV4 != 0 {
        ipv4_shapes(bytes, &mut out.list);
    }
    if want & class::IPV6 != 0 {
        ipv6_shapes(bytes, &mut out.list);
    }
}

/// `d.d.d.d` with 1-3 digits per group.
fn ipv4_shapes(bytes: &[u8], out: &mut Vec<Hit>) {
    let (mut start, mut dots, mut len) = (0usize, 0u32, 0u32);
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            if len == 0 && dots == 0 {
                start = i;
            }
            len += 1;
            continue;
        }
        if b == b'.' && (1..=3).contains(&len) && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            dots += 1;
            len = 0;
            continue;
        }
        if dots >= 3 && len >= 1 {
            out.push(Hit { start, end: i, what: What::Class(class::IPV4) });
        }
        dots = 0;
        len = 0;
    }
    if dots >= 3 && len >= 1 {
        out.push(Hit { start, end: bytes.len(), what: What::Class(class::IPV4) });
    }
}

/// Runs of hex digits and colons containing `::` or seven colons.
fn ipv6_shapes(bytes: &[u8], out: &mut Vec<Hit>) {
    let (mut start, mut colons, mut double, mut prev_colon, mut active) = (0usize, 0u32, false, false, false);
    let flush = |end: usize, start: usize, colons: u32, double: bool, out: &mut Vec<Hit>| {
        if colons >= 7 || (double && colons >= 2) {
            out.push(Hit { start, end, what: What::Class(class::IPV6) });
        }
    };
    for (i, &b) in bytes.iter().enumerate() {
        let hex = b.is_ascii_hexdigit();
        if hex || b == b':' {
            if !active {
                active = true;
                start = i;
                colons = 0;
                double = false;
                prev_colon = false;
            }
            if b == b':' {
                colons += 1;
                double |= prev_colon;
            }
            prev_colon = b == b':';
        } else if active {
            flush(i, start, colons, double, out);
            active = false;
        }
    }
    if active {
        flush(bytes.len(), start, colons, double, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digit_spans(s: &str, enc: Encoding) -> Vec<&str> {
        let mut h = Hits::default();
        find_classes(s.as_bytes(), enc, class::DIGITS, &mut h);
        h.list.iter().map(|x| &s[x.start..x.end]).collect()
    }

    #[test]
    fn digit_runs_that_could_be_personal_data() {
        assert_eq!(digit_spans("card 4111 1111 1111 1111 ok", Encoding::Text), ["4111 1111 1111 1111"]);
        assert_eq!(digit_spans("ssn 536-22-1234.", Encoding::Text), ["536-22-1234"]);
        assert_eq!(digit_spans("id 11010519491231002X", Encoding::Text), ["11010519491231002X"]);
        assert_eq!(digit_spans("tel +86 138 1234 5678", Encoding::Text), ["138 1234 5678"]);
        assert_eq!(digit_spans("n=4111111111111111", Encoding::Text), ["4111111111111111"]);
        assert!(digit_spans("ts 1715674936 ms 1715674939003", Encoding::Text).is_empty(), "epoch timestamps");
    }

    #[test]
    fn clean_text_has_no_candidates() {
        for s in ["2024-05-01 10:00:00,123 INFO started", "2024-05-01T10:00:00.123456789Z",
                  "took 12345678 ms", "sha a1b2c3d4e5f6123456789a", "v1.2.3-456", "abc123456789",
                  "123456789abc"] {
            assert!(digit_spans(s, Encoding::Text).is_empty(), "{s}");
        }
    }

    #[test]
    fn json_escapes_are_boundaries() {
        // `\n` before digits and `\uff1a` (a full-width colon) before an ID number.
        let raw = r#"{"log":"card:\n4111111111111111\n","x":"\u8eab\u4efd\u8bc1\uff1a11010519491231002X"}"#;
        assert_eq!(digit_spans(raw, Encoding::Json), ["4111111111111111", "11010519491231002X"]);
    }

    #[test]
    fn msgpack_never_loses_a_run_to_a_header_byte() {
        // 'A' (0x41) here could be a msgpack integer right after a string.
        assert_eq!(digit_spans("A4111111111111111A", Encoding::Msgpack), ["4111111111111111"]);
    }

    #[test]
    fn iban_and_ip_shapes() {
        let mut h = Hits::default();
        find_classes(b"to DE89 3704 0044 at 10.0.0.12 or fe80::1 x", Encoding::Text, class::IBAN | class::IPV4 | class::IPV6, &mut h);
        let kinds: Vec<_> = h.list.iter().map(|x| x.what).collect();
        assert!(kinds.contains(&What::Class(class::IBAN)));
        assert!(kinds.contains(&What::Class(class::IPV4)));
        assert!(kinds.contains(&What::Class(class::IPV6)));
        let mut h = Hits::default();
        find_classes(b"10:00:00 and UTF8 v1.2.3", Encoding::Text, class::IBAN | class::IPV4 | class::IPV6, &mut h);
        assert!(h.list.is_empty(), "{:?}", h.list);
    }

    #[test]
    fn keyword_forms() {
        assert_eq!(raw_forms("token"), ["token"]);
        assert_eq!(raw_forms("身份"), ["身份", "\\u8eab\\u4efd"]);
        assert_eq!(raw_forms("a/b"), ["a/b", "a\\/b"]);
    }

    #[test]
    fn keywords_are_found_case_insensitively() {
        let k = Keywords::new(&["token".to_string(), "@".to_string()]);
        let mut h = Hits::default();
        k.find(b"X-Auth-TOKEN: a@b", &mut h);
        assert_eq!(h.list.len(), 2);
    }
}
