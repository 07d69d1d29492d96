//! Candidates for keyword-less personal data: runs of 9+ digits (cards, ID and phone numbers,
//! SSNs) and IBAN starts.
//!
//! This is the exact scan. Clean logs are full of digits (timestamps, counters, durations), so
//! the engine does not run it over whole records: the digit automaton in `digit_dfa.rs` runs in
//! the keyword sieve's loop and calls [`exact_span_at`] only around a possible candidate.

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
/// The engine runs the same scan through the digit automaton (`digit_dfa.rs`), which calls the
/// exact scan only around candidates; this is the whole-text form, and the automaton's reference.
pub fn find(bytes: &[u8], enc: Encoding, want: u8, out: &mut Vec<Hit>) {
    find_exact(bytes, 0, bytes.len(), enc, want, out);
}

/// The exact scan of `bytes[from..to]` (context before and after is read from `bytes`):
/// every digit span, and every run inside a span with enough digits.
pub(super) fn find_exact(bytes: &[u8], from: usize, to: usize, enc: Encoding, want: u8, out: &mut Vec<Hit>) {
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

fn is_span_byte(b: u8) -> bool {
    b.is_ascii_digit() || b == b' ' || b == b'-'
}

/// The exact scan (runs only, no IBAN starts) of the whole `[0-9 -]` span around the digit at
/// `q`; returns where the span ends.
pub(super) fn exact_span_at(bytes: &[u8], q: usize, enc: Encoding, want: u8, out: &mut Vec<Hit>) -> usize {
    let start = bytes[..q].iter().rposition(|&b| !is_span_byte(b)).map_or(0, |k| k + 1);
    let end = bytes[q..].iter().position(|&b| !is_span_byte(b)).map_or(bytes.len(), |k| q + k);
    find_exact(bytes, start, end, enc, want & !class::IBAN, out);
    end
}

/// Reports the IBAN start whose first digit is at `q`, if there is one and IBANs are wanted.
pub(super) fn iban_at(bytes: &[u8], q: usize, want: u8, out: &mut Vec<Hit>) {
    if want & class::IBAN != 0 && q >= 2 && iban_start(bytes, q - 2) {
        out.push(Hit { start: q - 2, end: q + 2, what: What::Class(class::IBAN) });
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
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
