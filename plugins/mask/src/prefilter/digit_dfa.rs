//! The digit pass as a small automaton that runs inside the keyword sieve's loop: one table
//! lookup per two bytes, on the same 16-bit loads the sieve makes.
//!
//! It follows the exact scan's run rules (`digits.rs`: groups of digits joined by one space or
//! dash after a group of 3+, or the SSN's `ddd-dd-`) and raises a flag only where that scan
//! could report something: a run reaching 11 digits, a run in the SSN shape reaching its last
//! group, or a digit right after two capital letters (an IBAN start). A date and time
//! (`2024-05-14 08:21:33.412`) never raises it: `2024-05` is followed by a dash after a group of
//! two. Only the eight bytes around a flag are handed to the exact scan (`settle`).

use std::collections::HashMap;

use super::digits;
use super::sieve::Beside;
use super::{Encoding, Hit};

/// Byte classes: digit, space, dash, capital letter, anything else.
const D: u8 = 0;
const SPACE: u8 = 1;
const DASH: u8 = 2;
const UPPER: u8 = 3;
const OTHER: u8 = 4;
const CLASSES: u8 = 5;
/// Row length of the pair table (25 pair classes, padded to a power of two).
const PAIR_ROW: usize = 32;
const BYTE_ROW: usize = 8;
/// States have ids below this; the same id with this bit set means "reached by a flagged step".
const FLAG: u16 = 256;
/// Rows in the tables: every state, and its flagged copy.
const ROWS: usize = 2 * FLAG as usize;
/// Where the pair class sits in the sieve's pair table entries.
pub const PAIR_CLASS_SHIFT: u32 = 18;

/// The class of two consecutive bytes: `first * 5 + second`.
pub const fn pair_class(first: u8, second: u8) -> u32 {
    (class_of(first) * CLASSES + class_of(second)) as u32
}

const fn class_of(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => D,
        b' ' => SPACE,
        b'-' => DASH,
        b'A'..=b'Z' => UPPER,
        _ => OTHER,
    }
}

/// One state of the byte automaton: the open run, as the exact scan's `run` sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct Run {
    /// Digits in the run, capped at 11.
    digits: u8,
    /// Digits in its current group, capped at 4.
    group: u8,
    /// The previous group had exactly 3 digits (the SSN's `ddd-dd-` exception).
    prev3: bool,
    /// A separator was accepted and waits for its digit: 0 none, 1 space, 2 dash.
    pending: u8,
    /// SSN shape so far: 0 first group, 1 after `ddd-`, 2 after `ddd-dd-`, 3 not an SSN.
    ssn: u8,
    /// Capital letters just before (capped at 2), for IBAN starts.
    upper: u8,
}

impl Run {
    /// The state after byte class `c`, and whether the exact scan must look here.
    fn step(self, c: u8) -> (Run, bool) {
        let mut n = self;
        if n.pending != 0 && c != D {
            // A separator not followed by a digit: the run ended before it.
            n = Run { upper: n.upper, ..Run::default() };
        }
        match c {
            D => {
                let iban = n.upper >= 2;
                let eleventh = n.digits == 10;
                let ssn_last_group = n.ssn == 2 && n.group == 3;
                n.upper = 0;
                n.pending = 0;
                n.digits = (n.digits + 1).min(11);
                n.group = (n.group + 1).min(4);
                (n, iban || eleventh || ssn_last_group)
            }
            SPACE | DASH => {
                let dash = c == DASH;
                if n.group >= 3 || (n.group == 2 && n.prev3 && dash) {
                    n.ssn = match (n.ssn, n.group, dash) {
                        (0, 3, true) => 1,
                        (1, 2, true) => 2,
                        _ => 3,
                    };
                    n.prev3 = n.group == 3;
                    n.group = 0;
                    n.pending = if dash { 2 } else { 1 };
                    n.upper = 0;
                    (n, false)
                } else {
                    (Run::default(), false)
                }
            }
            UPPER => (Run { upper: (self.upper + 1).min(2), ..Run::default() }, false),
            _ => (Run::default(), false),
        }
    }
}

/// The automaton's tables. State ids with [`FLAG`] set are the same states, reached through a
/// flagged step; their rows are copies, so the hot loop never masks the bit off.
pub struct DigitDfa {
    /// `(state << 5) | pair class` → next state.
    pair_next: Box<[u16; ROWS * PAIR_ROW]>,
    /// `(state << 3) | byte class` → next state.
    byte_next: Vec<u16>,
}

impl DigitDfa {
    /// The automaton, or `None` if its states did not fit the tables (they do: a unit test
    /// checks; the caller then uses the exact scan alone).
    pub fn new() -> Option<DigitDfa> {
        // Every state reachable from the start, by breadth-first search.
        let mut ids: HashMap<Run, u16> = HashMap::new();
        let mut states = vec![Run::default()];
        ids.insert(Run::default(), 0);
        let mut i = 0;
        while let Some(&s) = states.get(i) {
            for c in 0..CLASSES {
                let (next, _) = s.step(c);
                if !ids.contains_key(&next) {
                    ids.insert(next, states.len() as u16);
                    states.push(next);
                }
            }
            i += 1;
        }
        if states.len() > usize::from(FLAG) {
            return None;
        }
        let id = |s: Run, flagged: bool| ids.get(&s).copied().unwrap_or(0) | if flagged { FLAG } else { 0 };
        // Built on the heap: 32 KB would not fit Fluent Bit's 8 KiB wasm stack.
        let mut pair_next: Box<[u16; ROWS * PAIR_ROW]> = vec![0u16; ROWS * PAIR_ROW].into_boxed_slice().try_into().ok()?;
        let mut byte_next = vec![0u16; ROWS * BYTE_ROW];
        for (k, &s) in states.iter().enumerate() {
            for copy in [k, k + usize::from(FLAG)] {
                for c1 in 0..CLASSES {
                    let (s1, f1) = s.step(c1);
                    byte_next[copy * BYTE_ROW + usize::from(c1)] = id(s1, f1);
                    for c2 in 0..CLASSES {
                        let (s2, f2) = s1.step(c2);
                        pair_next[copy * PAIR_ROW + usize::from(c1 * CLASSES + c2)] = id(s2, f1 || f2);
                    }
                }
            }
        }
        Some(DigitDfa { pair_next, byte_next })
    }
}

/// The automaton running over one text, beside the sieve.
pub struct DigitTrack<'a> {
    dfa: &'a DigitDfa,
    state: u16,
    enc: Encoding,
    want: u8,
    /// Spans up to here have had their exact scan.
    done_until: usize,
}

impl<'a> DigitTrack<'a> {
    pub fn new(dfa: &'a DigitDfa, enc: Encoding, want: u8) -> DigitTrack<'a> {
        DigitTrack { dfa, state: 0, enc, want, done_until: 0 }
    }

    fn row_entry(table: &[u16], state: u16, row: usize, class: u8) -> u16 {
        table.get(usize::from(state) * row + usize::from(class)).copied().unwrap_or(0)
    }

    /// The exact scan for every digit in `bytes[from..to]`: IBAN starts, and the whole
    /// `[0-9 -]` span around each digit (once per span).
    #[inline(never)]
    fn settle(&mut self, bytes: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        for q in from..to.min(bytes.len()) {
            if !bytes[q].is_ascii_digit() {
                continue;
            }
            if q >= 2 && bytes[q - 1].is_ascii_uppercase() && bytes[q - 2].is_ascii_uppercase() {
                digits::iban_at(bytes, q, self.want, out);
            }
            if q >= self.done_until {
                self.done_until = digits::exact_span_at(bytes, q, self.enc, self.want, out);
            }
        }
    }
}

impl Beside for DigitTrack<'_> {
    fn bytes(&mut self, bytes: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        for q in from..to.min(bytes.len()) {
            self.state = Self::row_entry(&self.dfa.byte_next, self.state, BYTE_ROW, class_of(bytes[q]));
            if self.state & FLAG != 0 {
                self.settle(bytes, q, q + 1, out);
            }
        }
    }

    /// Four pairs; the exact scan runs only for a chunk where a step raised the flag.
    #[inline(always)]
    fn chunk(&mut self, bytes: &[u8], at: usize, pairs: [usize; 4], out: &mut Vec<Hit>) {
        let next = &*self.dfa.pair_next;
        let step = |s: u16, p: usize| next[((usize::from(s) << 5) | (p >> PAIR_CLASS_SHIFT)) & (ROWS * PAIR_ROW - 1)];
        let s0 = step(self.state, pairs[0]);
        let s1 = step(s0, pairs[1]);
        let s2 = step(s1, pairs[2]);
        let s3 = step(s2, pairs[3]);
        self.state = s3;
        if (s0 | s1 | s2 | s3) & FLAG != 0 {
            self.settle(bytes, at, at + 8, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::class;
    use proptest::prelude::*;

    fn with_dfa(s: &str, want: u8) -> Vec<Hit> {
        with_dfa_enc(s, Encoding::Text, want)
    }

    static DFA: std::sync::LazyLock<DigitDfa> = std::sync::LazyLock::new(|| DigitDfa::new().expect("fits"));

    fn with_dfa_enc(s: &str, enc: Encoding, want: u8) -> Vec<Hit> {
        let dfa = &*DFA;
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut t = DigitTrack::new(dfa, enc, want);
        // The sieve's shape: byte 0, chunks of eight from byte 1, then the tail.
        t.bytes(b, 0, 1, &mut out);
        let mut at = 1;
        while let Some(w) = b.get(at..at + 8) {
            let p = |k: usize| (pair_class(w[k], w[k + 1]) << PAIR_CLASS_SHIFT) as usize;
            t.chunk(b, at, [p(0), p(2), p(4), p(6)], &mut out);
            at += 8;
        }
        t.bytes(b, at, b.len(), &mut out);
        sorted(out)
    }

    fn exact(s: &str, enc: Encoding, want: u8) -> Vec<Hit> {
        let mut out = Vec::new();
        digits::find_exact(s.as_bytes(), 0, s.len(), enc, want, &mut out);
        sorted(out)
    }

    fn sorted(mut v: Vec<Hit>) -> Vec<Hit> {
        v.sort_by_key(|h| (h.start, h.end, format!("{:?}", h.what)));
        v.dedup();
        v
    }

    #[test]
    fn the_automaton_fits_its_tables() {
        assert!(DigitDfa::new().is_some());
    }

    #[test]
    fn finds_candidates_and_ignores_dates() {
        let all = class::DIGITS | class::IBAN;
        for s in ["card 4111 1111 1111 1111.", "x 536-22-1234 y", "tel 13812345678", "id:11010519491231002X",
                  "IBAN GB82 WEST 1234 5698 7654 32", "to DE89370400440532013000 now"] {
            assert!(!with_dfa(s, all).is_empty(), "{s}");
            assert_eq!(with_dfa(s, all), exact(s, Encoding::Text, all), "{s}");
        }
        for s in ["2024-05-14 08:21:33.412 INFO 1 --- [nio-8080-exec-1]", "2024-05-01T12:00:00.123456789Z"] {
            assert!(with_dfa(s, all).is_empty(), "{s}");
        }
    }

    #[test]
    fn a_date_and_time_raises_no_flag() {
        let dfa = &*DFA;
        let mut t = DigitTrack::new(dfa, Encoding::Text, class::DIGITS);
        let s = b"2024-05-14 08:21:33.412 INFO 1 --- [nio-8080-exec-1] took 1234 ms";
        let mut state = 0u16;
        for &b in s {
            state = DigitTrack::row_entry(&dfa.byte_next, state, BYTE_ROW, class_of(b));
            assert_eq!(state & FLAG, 0, "flag at {:?}", b as char);
        }
        t.bytes(s, 0, s.len(), &mut Vec::new());
        assert_eq!(t.done_until, 0, "no exact scan ran");
    }

    #[test]
    fn iban_starts_at_every_chunk_position() {
        for pad in 0..10 {
            let s = format!("{} GB82 WEST 1234", "a".repeat(pad));
            let iban = Hit { start: pad + 1, end: pad + 5, what: super::super::What::Class(class::IBAN) };
            assert_eq!(with_dfa(&s, class::IBAN), [iban], "{s}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn finds_what_the_exact_scan_finds(
            s in prop_oneof!["[0-9 A-Za-z.\\\\-]{0,70}", "([0-9]{1,6}[ -]{0,2}|[A-Z]{1,3}|[a-z.:\\\\]){0,24}"],
            want in 1u8..4,
        ) {
            for enc in [Encoding::Text, Encoding::Json, Encoding::Msgpack] {
                prop_assert_eq!(with_dfa_enc(&s, enc, want), exact(&s, enc, want));
            }
        }
    }
}
