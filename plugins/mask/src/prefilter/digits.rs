//! Candidates for keyword-less personal data: runs of 9+ digits (cards, ID and phone numbers,
//! SSNs) and IBAN starts.
//!
//! Clean logs are full of digits (timestamps, counters, durations), so the exact scan is
//! preceded by a gate that reads eight bytes per step (SWAR: one 64-bit load and a few dozen
//! integer operations, no branch per byte) and says whether any candidate can exist at all.

use super::{Encoding, Hit, What};
use crate::rule::class;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `x` that is an ASCII digit (bit-twiddling
/// "hasbetween(x, '0'-1, '9'+1)"). Exact per byte: neither the subtraction nor the addition
/// carries across bytes, since both operate on 7-bit lanes with headroom.
#[inline(always)]
fn digit_mask(x: u64) -> u64 {
    let low7 = x & (LO * 0x7f);
    (LO * (127 + 0x3a) - low7) & !x & (low7 + LO * (127 - 0x2f)) & HI
}

#[cfg(test)]
fn has_digit(x: u64) -> bool {
    digit_mask(x) != 0
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// In raw JSON, whether the letter before `at` belongs to an escape (`\n`, `\u8eab`), which
/// is a boundary, not a word character.
fn escape_before(bytes: &[u8], at: usize) -> bool {
    let simple = at >= 2 && bytes[at - 2] == b'\\';
    let unicode = at >= 6 && bytes[at - 6] == b'\\' && bytes[at - 5] == b'u' && bytes[at - 4..at].iter().all(u8::is_ascii_hexdigit);
    simple || unicode
}

/// Scans `bytes` for digit runs and IBAN starts, appending hits (in no particular order).
pub fn find(bytes: &[u8], enc: Encoding, want: u8, out: &mut Vec<Hit>) {
    // IBAN starts come from the word pass; the exact scan of a span only looks for runs.
    let runs_only = want & !class::IBAN;
    spans(bytes, want, out, |from, to, out| find_exact(bytes, from, to, enc, runs_only, out));
}

/// The exact scan of `bytes[from..to]` (context before and after is read from `bytes`):
/// every digit span, and every run inside a span with enough digits.
fn find_exact(bytes: &[u8], from: usize, to: usize, enc: Encoding, want: u8, out: &mut Vec<Hit>) {
    let to = to.min(bytes.len());
    let mut i = from;
    while i < to {
        match bytes.get(i..i + 8) {
            Some(chunk) => {
                let mut w = [0u8; 8];
                w.copy_from_slice(chunk);
                let digits = digit_mask(u64::from_le_bytes(w));
                if digits == 0 {
                    i += 8;
                    continue;
                }
                // The mask is exact per byte: its lowest flag is the first digit.
                i += (digits.trailing_zeros() / 8) as usize;
                if i >= to {
                    break;
                }
            }
            None if !bytes[i].is_ascii_digit() => {
                i += 1;
                continue;
            }
            None => {}
        }
        // A span of digits, spaces and dashes: with fewer than 9 digits in all of it, no
        // candidate can start inside, and it is skipped whole (dates, times, counters).
        let (digits, span_end) = digit_span(bytes, i);
        if digits >= 9 && want & class::DIGITS != 0 {
            i = run(bytes, i, enc, want, out);
        } else {
            if want & class::IBAN != 0 && i >= 2 && iban_start(bytes, i - 2) {
                out.push(Hit { start: i - 2, end: i + 2, what: What::Class(class::IBAN) });
            }
            i = span_end;
        }
    }
}

/// The high bit of every byte of `x` that is an ASCII upper-case letter (as [`digit_mask`]).
#[inline(always)]
fn upper_mask(x: u64) -> u64 {
    let low7 = x & (LO * 0x7f);
    (LO * (127 + 0x5b) - low7) & !x & (low7 + LO * (127 - 0x40)) & HI
}

/// The flags of `mask` in the bytes after the byte whose high bit is `flag`.
#[inline(always)]
fn after(mask: u64, flag: u32) -> u64 {
    if flag >= 63 { 0 } else { mask & !((1u64 << (flag + 1)) - 1) }
}

/// The word pass, eight bytes per step: finds the `[0-9 -]` spans that could hold a
/// candidate run (11+ digits, or 9+ digits and a dash: the SSN shape `ddd-dd-dddd`) and hands
/// each, from its first digit, to `exact`; with IBAN wanted, reports IBAN starts itself. Every
/// run the exact scan reports lies inside one span (runs never cross other bytes), and a date
/// and time (`2024-05-14 08:21:33`) costs one short exact scan instead of a whole-record one.
/// Not inlined, so that `logward bench --profile` shows it.
#[inline(never)]
fn spans(bytes: &[u8], want: u8, out: &mut Vec<Hit>, mut exact: impl FnMut(usize, usize, &mut Vec<Hit>)) {
    let iban = want & class::IBAN != 0;
    let mut span = Span::default();
    let mut at = 0;
    let mut last = [0u8; 8];
    loop {
        let x = match bytes.get(at..at + 8) {
            Some(word) => u64::from_le_bytes(word.try_into().unwrap_or_default()),
            None if at >= bytes.len() => break,
            None => {
                // The tail, padded with NULs (bytes outside every span).
                let tail = &bytes[at..];
                last[..tail.len()].copy_from_slice(tail);
                u64::from_le_bytes(last)
            }
        };
        let d = digit_mask(x);
        if d == 0 && span.digits == 0 {
            // The common word of text: nothing open, nothing new. (Dashes before a span's
            // first digit never make the SSN shape.)
            span.dashed = false;
        } else {
            if let Some((from, to)) = span.word(at, x, d) {
                exact(from, to, out);
            }
            if iban {
                iban_starts(bytes, at, x, d, out);
            }
        }
        at += 8;
    }
    if span.qualifies() {
        exact(span.first_digit, bytes.len(), out);
    }
}

/// The open `[0-9 -]` span of the word pass.
#[derive(Default)]
struct Span {
    digits: u32,
    /// Whether it has a dash (one before its first digit may count: a superset is harmless).
    dashed: bool,
    first_digit: usize,
}

impl Span {
    fn qualifies(&self) -> bool {
        self.digits >= 11 || (self.digits >= 9 && self.dashed)
    }

    /// Feeds the eight bytes `x` at `at` (digits `d`); returns the span that closed in them,
    /// from its first digit, when it could hold a candidate.
    #[inline(always)]
    fn word(&mut self, at: usize, x: u64, d: u64) -> Option<(usize, usize)> {
        let dash = eq_mask(x, b'-');
        let outside = !(d | dash | eq_mask(x, b' ')) & HI;
        if outside == 0 {
            self.open(at, d);
            self.digits += d.count_ones();
            self.dashed |= dash != 0;
            return None;
        }
        let first_out = outside.trailing_zeros();
        let before = (1u64 << first_out) - 1;
        self.open(at, d & before);
        self.digits += (d & before).count_ones();
        self.dashed |= dash & before != 0;
        let closed = self.qualifies().then_some((self.first_digit, at + (first_out / 8) as usize));
        // Spans strictly inside the word have at most six bytes; the last one stays open.
        let last_out = 63 - outside.leading_zeros();
        let rest = after(d, last_out);
        self.digits = 0;
        self.dashed = after(dash, last_out) != 0;
        self.open(at, rest);
        self.digits = rest.count_ones();
        closed
    }

    /// Notes where the span's digits start, if `d` (digits in the word at `at`) holds its first.
    #[inline(always)]
    fn open(&mut self, at: usize, d: u64) {
        if self.digits == 0 && d != 0 {
            self.first_digit = at + (d.trailing_zeros() / 8) as usize;
        }
    }
}

/// Reports every IBAN start (see [`iban_start`]) whose first digit lies in the word `x` at
/// `at` (digits `d`). The SWAR part finds digits right after an upper-case letter; only those
/// few are checked byte by byte.
#[inline(always)]
fn iban_starts(bytes: &[u8], at: usize, x: u64, d: u64, out: &mut Vec<Hit>) {
    let mut firsts = d & (upper_mask(x) << 8);
    if d & 0x80 != 0 && at > 0 && bytes[at - 1].is_ascii_uppercase() {
        firsts |= 0x80;
    }
    while firsts != 0 {
        let p = at + (firsts.trailing_zeros() / 8) as usize;
        if p >= 2 && iban_start(bytes, p - 2) {
            out.push(Hit { start: p - 2, end: p + 2, what: What::Class(class::IBAN) });
        }
        firsts &= firsts - 1;
    }
}

/// High bit of every byte of `x` equal to `c` (exact per byte: 7-bit lanes, no carries).
#[inline(always)]
fn eq_mask(x: u64, c: u8) -> u64 {
    let t = x ^ (LO * u64::from(c));
    !(((t & (LO * 0x7f)) + LO * 0x7f) | t) & HI
}

/// Digits in the `[0-9 -]` span starting at `start`, and the span's end; eight bytes per step.
#[inline(always)]
fn digit_span(bytes: &[u8], start: usize) -> (u32, usize) {
    let mut digits = 0;
    let mut j = start;
    while let Some(chunk) = bytes.get(j..j + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let d = digit_mask(x);
        let outside = !(d | eq_mask(x, b' ') | eq_mask(x, b'-')) & HI;
        if outside != 0 {
            let len = outside.trailing_zeros() / 8;
            let below = (1u64 << (8 * len)).wrapping_sub(1);
            return (digits + (d & below).count_ones(), (j + len as usize).max(start + 1));
        }
        digits += d.count_ones();
        j += 8;
    }
    for &b in bytes.get(j..).unwrap_or_default() {
        match b {
            b'0'..=b'9' => digits += 1,
            b' ' | b'-' => {}
            _ => break,
        }
        j += 1;
    }
    (digits, j.max(start + 1))
}

/// Handles the digit run starting at `start`; returns where scanning resumes.
fn run(bytes: &[u8], start: usize, enc: Encoding, want: u8, out: &mut Vec<Hit>) -> usize {
    let n = bytes.len();
    let prev = start.checked_sub(1).map(|p| bytes[p]);
    let text = enc != Encoding::Msgpack;
    let glued = text && prev.is_some_and(is_alnum) && !(enc == Encoding::Json && escape_before(bytes, start));
    if want & class::IBAN != 0 && start >= 2 && iban_start(bytes, start - 2) {
        out.push(Hit { start: start - 2, end: start + 2, what: What::Class(class::IBAN) });
    }
    // Digits in completed groups, the current group, the previous group's size.
    let (mut total, mut group, mut prev_group) = (0u32, 0u32, 0u32);
    let mut i = start;
    let mut end = start;
    while i < n {
        let b = bytes[i];
        if b.is_ascii_digit() {
            group += 1;
            i += 1;
            end = i;
            continue;
        }
        // One space or dash between groups of 3+ digits, or the SSN shape 3-2-4.
        let sep_ok = (b == b' ' || b == b'-')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && (group >= 3 || (group == 2 && prev_group == 3 && b == b'-'));
        if !sep_ok {
            break;
        }
        total += group;
        prev_group = group;
        group = 0;
        i += 1;
    }
    let digits = total + group;
    let next = bytes.get(end).copied();
    let next_letter = text && next.is_some_and(|b| b.is_ascii_alphabetic());
    // An ID number may end in the check character X.
    let id_x = digits == 17 && matches!(next, Some(b'X' | b'x'));
    if want & class::DIGITS != 0 && candidate_shape(bytes.get(start..end).unwrap_or_default(), digits) && !glued && (!next_letter || id_x) {
        out.push(Hit { start, end: if id_x { end + 1 } else { end }, what: What::Class(class::DIGITS) });
    }
    end.max(start + 1)
}

/// Whether a run can be personal data at all: SSNs are `ddd-dd-dddd`; cards, ID and phone
/// numbers have 11+ digits. Runs starting with 1 of 12-16 or 19 digits are epoch timestamps
/// (ms, µs, ns): no card scheme starts with 1 and no ID or phone number has those lengths.
fn candidate_shape(run: &[u8], digits: u32) -> bool {
    if digits == 9 {
        return matches!(run, [a, b, c, b'-', d, e, b'-', f, g, h, i] if [a, b, c, d, e, f, g, h, i].iter().all(|x| x.is_ascii_digit()));
    }
    let timestamp = run.first() == Some(&b'1') && matches!(digits, 12..=16 | 19) && run.iter().all(u8::is_ascii_digit);
    digits >= 11 && !timestamp
}

/// Two upper-case letters then two digits, at a word start.
fn iban_start(bytes: &[u8], i: usize) -> bool {
    let before_ok = i == 0 || !is_alnum(bytes[i - 1]);
    before_ok
        && matches!(bytes.get(i..i + 4), Some([a, b, c, d]) if a.is_ascii_uppercase() && b.is_ascii_uppercase() && c.is_ascii_digit() && d.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn swar_digit_test_is_exact() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = b;
                assert_eq!(has_digit(u64::from_le_bytes(w)), b.is_ascii_digit(), "byte {b:#x} at {pos}");
                let mut w = [0xffu8; 8];
                w[pos] = b;
                assert_eq!(has_digit(u64::from_le_bytes(w)), b.is_ascii_digit(), "byte {b:#x} among 0xff");
            }
        }
    }

    fn span_bytewise(bytes: &[u8], start: usize) -> (u32, usize) {
        let mut digits = 0;
        let mut j = start;
        while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b' ' || bytes[j] == b'-') {
            digits += u32::from(bytes[j].is_ascii_digit());
            j += 1;
        }
        (digits, j.max(start + 1))
    }

    #[test]
    fn candidate_shapes() {
        assert!(candidate_shape(b"536-22-1234", 9));
        assert!(!candidate_shape(b"536221234", 9), "9 plain digits: no SSN shape");
        assert!(!candidate_shape(b"1715674936", 10), "epoch seconds");
        assert!(!candidate_shape(b"1715674939003", 13), "epoch milliseconds");
        assert!(!candidate_shape(b"1715674939003123456", 19), "epoch nanoseconds");
        assert!(candidate_shape(b"13812345678", 11), "a mobile number");
        assert!(candidate_shape(b"11010519491231002", 17), "an ID number (the X follows)");
        assert!(candidate_shape(b"4111 1111 1111 1111", 16));
        assert!(candidate_shape(b"1234 5678 9012 3", 13), "separators: not a timestamp");
    }

    /// The exact scan alone over all of `bytes` (what `find` did before the word pass).
    fn exact(bytes: &[u8], enc: Encoding, want: u8) -> Vec<Hit> {
        let mut out = Vec::new();
        find_exact(bytes, 0, bytes.len(), enc, want, &mut out);
        sorted(out)
    }

    fn sorted(mut v: Vec<Hit>) -> Vec<Hit> {
        v.sort_by_key(|h| (h.start, h.end, h.what == What::Class(class::IBAN)));
        v
    }

    /// The spans the word pass hands to the exact scan.
    fn exact_spans(s: &str) -> Vec<&str> {
        let mut v = Vec::new();
        spans(s.as_bytes(), class::DIGITS | class::IBAN, &mut Vec::new(), |from, to, _| v.push(&s[from..to]));
        v
    }

    #[test]
    fn word_pass_hands_over_every_candidate_span() {
        assert_eq!(exact_spans("card 4111 1111 1111 1111."), ["4111 1111 1111 1111"]);
        assert_eq!(exact_spans("x 536-22-1234 y"), ["536-22-1234 "]);
        assert_eq!(exact_spans("13812345678"), ["13812345678"]);
        assert_eq!(exact_spans("id:11010519491231002X"), ["11010519491231002"]);
        assert_eq!(exact_spans("abcdefg 1234567-890-12 z"), ["1234567-890-12 "]);
        // A date and time is one short span, not a whole-record scan.
        assert_eq!(exact_spans("2024-05-14 08:21:33.412 INFO 1 --- x"), ["2024-05-14 08"]);
    }

    #[test]
    fn word_pass_skips_timestamps_and_counters() {
        for s in [r#"{"time":"2024-05-01T12:00:00.123456789Z","log":"took 1234 ms, id 42"}"#,
                  "v1.2.3 UTF8 SHA256 at 10:00:00"] {
            assert!(exact_spans(s).is_empty(), "{s}");
        }
    }

    #[test]
    fn iban_starts_in_every_word_position() {
        for pad in 0..10 {
            let s = format!("{} GB82 WEST 1234", "a".repeat(pad));
            let mut h = Vec::new();
            find(s.as_bytes(), Encoding::Text, class::IBAN, &mut h);
            assert_eq!(h, [Hit { start: pad + 1, end: pad + 5, what: What::Class(class::IBAN) }], "{s}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn the_word_pass_finds_what_the_exact_scan_finds(
            s in prop_oneof!["[0-9 A-Za-z.\\\\-]{0,70}", "([0-9]{1,6}[ -]?|[A-Z]{1,2}|[a-z.:\\\\]){0,24}"],
            want in 1u8..4,
        ) {
            for enc in [Encoding::Text, Encoding::Json, Encoding::Msgpack] {
                let mut found = Vec::new();
                find(s.as_bytes(), enc, want, &mut found);
                prop_assert_eq!(sorted(found), exact(s.as_bytes(), enc, want));
            }
        }

        #[test]
        fn upper_mask_is_exact(w in any::<[u8; 8]>()) {
            let m = upper_mask(u64::from_le_bytes(w));
            for (k, b) in w.iter().enumerate() {
                prop_assert_eq!(m >> (8 * k + 7) & 1 == 1, b.is_ascii_uppercase());
            }
        }

        #[test]
        fn swar_spans_match_a_byte_loop(s in "[0-9 a-]{0,40}", start in 0usize..40) {
            let b = s.as_bytes();
            if start < b.len() {
                prop_assert_eq!(digit_span(b, start), span_bytewise(b, start));
            }
        }

        #[test]
        fn eq_mask_is_exact(w in any::<[u8; 8]>(), c in any::<u8>()) {
            let m = eq_mask(u64::from_le_bytes(w), c);
            for (k, b) in w.iter().enumerate() {
                prop_assert_eq!(m >> (8 * k + 7) & 1 == 1, *b == c);
            }
        }

        #[test]
        fn swar_matches_a_byte_loop(w in any::<[u8; 8]>()) {
            prop_assert_eq!(has_digit(u64::from_le_bytes(w)), w.iter().any(u8::is_ascii_digit));
            let m = digit_mask(u64::from_le_bytes(w));
            for (k, b) in w.iter().enumerate() {
                prop_assert_eq!(m >> (8 * k + 7) & 1 == 1, b.is_ascii_digit());
            }
        }
    }
}
