//! A keyword sieve built for an interpreter: exact, case-insensitive multi-literal search that
//! touches one table entry per *two* bytes.
//!
//! Bytes map to 6-bit symbols (letters case-folded, digits merged, the punctuation keywords use
//! kept apart). A trigram of symbols indexes a 2^18-entry table. Every keyword is registered
//! under two consecutive trigrams of its own (the pair least common in ordinary logs, see
//! `common_trigrams.rs`), so whatever its position one of the two starts at an even offset:
//! the scan samples even offsets only. Shorter keywords are registered with wildcard
//! neighbours. A table hit is verified by comparing the keyword bytes, so results are exact.
//!
//! Aho-Corasick's DFA costs ~87 wasm instructions per byte in WAMR's interpreter; this costs
//! about 8 on clean text. The scan takes eight bytes per step: four samples, each a 16-bit
//! load of two bytes turned into their two symbols by one [`Sieve::pairs`] lookup, and one
//! branch for all four table entries.

use super::common_trigrams::COMMON_TRIGRAMS;
use super::digit_dfa::{pair_class, PAIR_CLASS_SHIFT};
use super::{Hit, What};

/// Case-folded 6-bit symbols.
pub static SYM: [u8; 256] = symbols();

const OTHER: u8 = 0;
const DIGIT: u8 = 27;
/// Symbols in use (0..NSYM).
const NSYM: u32 = 43;
/// Trigram table size: three 6-bit symbols.
const TABLE: usize = 1 << 18;

const fn symbols() -> [u8; 256] {
    let mut t = [OTHER; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'a'..=b'z' => b - b'a' + 1,
            b'A'..=b'Z' => b - b'A' + 1,
            b'0'..=b'9' => DIGIT,
            b'_' => 28,
            b'-' => 29,
            b'.' => 30,
            b'@' => 31,
            b'~' => 32,
            b'/' => 33,
            b':' => 34,
            b'%' => 35,
            b'|' => 36,
            b'=' => 37,
            b' ' => 38,
            b'"' => 39,
            b'\\' => 40,
            b'\'' => 41,
            0x80..=0xff => 42,
            _ => OTHER,
        };
        i += 1;
    }
    t
}

#[inline(always)]
fn tri(a: u8, b: u8, c: u8) -> usize {
    ((a as usize) << 12) | ((b as usize) << 6) | c as usize
}

/// How common trigrams are in ordinary logs: (trigram, commonness), sorted for binary search.
struct Commonness(Vec<(u32, usize)>);

impl Commonness {
    fn new() -> Commonness {
        let n = COMMON_TRIGRAMS.len();
        let mut v: Vec<(u32, usize)> = COMMON_TRIGRAMS.iter().enumerate().map(|(rank, &t)| (t, n - rank)).collect();
        v.sort_unstable();
        Commonness(v)
    }

    /// 0 when the trigram is not among the common ones.
    fn of(&self, t: usize) -> usize {
        self.0.binary_search_by_key(&(t as u32), |&(x, _)| x).map_or(0, |i| self.0[i].1)
    }
}

/// Work that runs in the sieve's loop over the same bytes (the digit automaton): every byte
/// reaches it exactly once, in order, singly or in chunks of eight.
pub trait Beside {
    /// Bytes `from..to`, one at a time.
    fn bytes(&mut self, bytes: &[u8], from: usize, to: usize, out: &mut Vec<Hit>);
    /// The eight bytes at `at`, as the sieve's four pair values (byte classes from bit
    /// [`PAIR_CLASS_SHIFT`]).
    fn chunk(&mut self, bytes: &[u8], at: usize, pairs: [usize; 4], out: &mut Vec<Hit>);
}

/// Nothing beside.
impl Beside for () {
    fn bytes(&mut self, _: &[u8], _: usize, _: usize, _: &mut Vec<Hit>) {}
    fn chunk(&mut self, _: &[u8], _: usize, _: [usize; 4], _: &mut Vec<Hit>) {}
}

/// One registration: keyword `pattern` starts at `sample + start` when the sampled trigram at
/// `sample` matches.
#[derive(Debug, Clone, Copy)]
struct Entry {
    pattern: u32,
    start: i8,
}

/// The sieve over a fixed keyword list.
pub struct Sieve {
    /// Trigram → bucket number (0: none). Empty when there are no keywords.
    table: Vec<u16>,
    /// Two bytes (first byte low) → their symbols, `(first << 6) | second`, and from bit
    /// [`PAIR_CLASS_SHIFT`] their byte classes for the digit automaton: one load serves both.
    pairs: Vec<u32>,
    /// Bucket → entries (bucket 0 unused).
    buckets: Vec<Vec<Entry>>,
    /// Lower-case keyword bytes, by pattern id.
    patterns: Vec<Vec<u8>>,
}

impl Sieve {
    pub fn new(patterns: &[String]) -> Sieve {
        let mut s = Sieve { table: Vec::new(), pairs: Vec::new(), buckets: vec![Vec::new()], patterns: Vec::new() };
        if patterns.is_empty() {
            return s;
        }
        s.table = vec![0u16; TABLE];
        s.pairs = vec![0u32; 1 << 16];
        for (second, row) in s.pairs.chunks_exact_mut(256).enumerate() {
            let low = u32::from(SYM[second]);
            for (first, v) in row.iter_mut().enumerate() {
                *v = (u32::from(SYM[first]) << 6) | low | (pair_class(first as u8, second as u8) << PAIR_CLASS_SHIFT);
            }
        }
        let common = Commonness::new();
        let commonness = |t: usize| common.of(t);
        for (id, p) in patterns.iter().enumerate() {
            let bytes: Vec<u8> = p.bytes().map(|b| b.to_ascii_lowercase()).collect();
            if bytes.is_empty() {
                s.patterns.push(bytes);
                continue;
            }
            let syms: Vec<u8> = bytes.iter().map(|&b| SYM[b as usize]).collect();
            let id = id as u32;
            match syms.len() {
                1 => {
                    // (k ? ?) sampled at the keyword, (? k ?) one before it.
                    for x in 0..NSYM as u8 {
                        for y in 0..NSYM as u8 {
                            s.add(tri(syms[0], x, y), id, 0);
                            s.add(tri(x, syms[0], y), id, 1);
                        }
                    }
                }
                2 => {
                    for x in 0..NSYM as u8 {
                        s.add(tri(syms[0], syms[1], x), id, 0);
                        s.add(tri(x, syms[0], syms[1]), id, 1);
                    }
                }
                3 => {
                    s.add(tri(syms[0], syms[1], syms[2]), id, 0);
                    // At an odd offset, the sample before sees (? k0 k1) and the one after
                    // (k1 k2 ?): register whichever pair is rarer in logs.
                    let before: usize = (0..NSYM as u8).map(|x| commonness(tri(x, syms[0], syms[1]))).sum();
                    let after: usize = (0..NSYM as u8).map(|x| commonness(tri(syms[1], syms[2], x))).sum();
                    for x in 0..NSYM as u8 {
                        if before <= after {
                            s.add(tri(x, syms[0], syms[1]), id, 1);
                        } else {
                            s.add(tri(syms[1], syms[2], x), id, -1);
                        }
                    }
                }
                n => {
                    // The pair of consecutive trigrams least common in logs.
                    let j = (0..=n - 4)
                        .min_by_key(|&j| {
                            let a = commonness(tri(syms[j], syms[j + 1], syms[j + 2]));
                            let b = commonness(tri(syms[j + 1], syms[j + 2], syms[j + 3]));
                            (a.max(b), a + b)
                        })
                        .unwrap_or(0);
                    s.add(tri(syms[j], syms[j + 1], syms[j + 2]), id, -(j as i32));
                    s.add(tri(syms[j + 1], syms[j + 2], syms[j + 3]), id, -(j as i32 + 1));
                }
            }
            s.patterns.push(bytes);
        }
        s
    }

    fn add(&mut self, t: usize, pattern: u32, start: i32) {
        let start = start.clamp(i8::MIN as i32, i8::MAX as i32) as i8;
        let e = Entry { pattern, start };
        match self.table[t] {
            0 => {
                if self.buckets.len() >= u16::MAX as usize {
                    // Never reached with real keyword lists; keep the table exact by merging
                    // into the last bucket rather than dropping the keyword.
                    if let Some(last) = self.buckets.last_mut() {
                        last.push(e);
                    }
                    self.table[t] = (self.buckets.len() - 1) as u16;
                    return;
                }
                self.buckets.push(vec![e]);
                self.table[t] = (self.buckets.len() - 1) as u16;
            }
            b => {
                let bucket = &mut self.buckets[b as usize];
                if !bucket.iter().any(|x| x.pattern == pattern && x.start == start) {
                    bucket.push(e);
                }
            }
        }
    }

    /// Every occurrence of every keyword in `bytes` (ASCII case-insensitive), in no particular
    /// order; an occurrence found from two samples is reported once.
    #[cfg(test)]
    pub fn find(&self, bytes: &[u8], out: &mut Vec<Hit>) {
        self.find_with(bytes, out, &mut ());
    }

    /// [`Sieve::find`], with `beside` run over the same bytes in the same loop. Not inlined,
    /// so that `logward bench --profile` shows the pre-pass on its own.
    #[inline(never)]
    pub fn find_with<B: Beside>(&self, bytes: &[u8], out: &mut Vec<Hit>, beside: &mut B) {
        let n = bytes.len();
        // Fixed-size views let the compiler drop the bounds check on every lookup.
        let (Ok(table), Ok(pairs)) = (<&[u16; TABLE]>::try_from(self.table.as_slice()), <&[u32; 1 << 16]>::try_from(self.pairs.as_slice())) else {
            beside.bytes(bytes, 0, n, out);
            return;
        };
        let pair = |x: u8, y: u8| pairs[usize::from(u16::from_le_bytes([x, y]))] as usize;
        let mut s = 0usize;
        // Main loop: samples at s, s+2, s+4, s+6 (bytes s..s+9); each sample's first symbol is
        // the previous sample's last.
        if let Some(&first) = bytes.first() {
            beside.bytes(bytes, 0, 1, out);
            let mut a = usize::from(SYM[usize::from(first)]);
            while let Some(w) = bytes.get(s..s + 9) {
                let p0 = pair(w[1], w[2]);
                let p1 = pair(w[3], w[4]);
                let p2 = pair(w[5], w[6]);
                let p3 = pair(w[7], w[8]);
                let t0 = table[((a << 12) | p0) & (TABLE - 1)];
                let t1 = table[(((p0 & 63) << 12) | p1) & (TABLE - 1)];
                let t2 = table[(((p1 & 63) << 12) | p2) & (TABLE - 1)];
                let t3 = table[(((p2 & 63) << 12) | p3) & (TABLE - 1)];
                if t0 | t1 | t2 | t3 != 0 {
                    for (k, bucket) in [t0, t1, t2, t3].into_iter().enumerate() {
                        if bucket != 0 {
                            self.verify(bytes, s + 2 * k, bucket, out);
                        }
                    }
                }
                beside.chunk(bytes, s + 1, [p0, p1, p2, p3], out);
                a = p3 & 63;
                s += 8;
            }
            beside.bytes(bytes, s + 1, n, out);
        }
        // The last samples, where the trigram may run past the end.
        let sym = |i: usize| bytes.get(i).map_or(OTHER, |&b| SYM[b as usize]);
        while s < n {
            let bucket = table[tri(sym(s), sym(s + 1), sym(s + 2)) & (TABLE - 1)];
            if bucket != 0 {
                self.verify(bytes, s, bucket, out);
            }
            s += 2;
        }
    }

    #[inline(never)]
    fn verify(&self, bytes: &[u8], sample: usize, bucket: u16, out: &mut Vec<Hit>) {
        let Some(entries) = self.buckets.get(bucket as usize) else {
            return;
        };
        for e in entries {
            let Some(start) = sample.checked_add_signed(e.start as isize) else {
                continue;
            };
            let Some(p) = self.patterns.get(e.pattern as usize) else {
                continue;
            };
            let end = start + p.len();
            let Some(window) = bytes.get(start..end) else {
                continue;
            };
            if window.iter().zip(p).all(|(&x, &y)| x.to_ascii_lowercase() == y) {
                // An occurrence starting at an even offset can be seen from two samples.
                let what = What::Pattern(e.pattern);
                if !out.iter().rev().take(8).any(|h| h.start == start && h.what == what) {
                    out.push(Hit { start, end, what });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Found = (usize, usize, u32);

    fn naive(patterns: &[String], text: &[u8]) -> Vec<Found> {
        let mut v = Vec::new();
        for (id, p) in patterns.iter().enumerate() {
            let p = p.as_bytes();
            for s in 0..text.len() {
                if text.len() >= s + p.len() && text[s..s + p.len()].eq_ignore_ascii_case(p) {
                    v.push((s, s + p.len(), id as u32));
                }
            }
        }
        v.sort();
        v
    }

    fn sieve(patterns: &[String], text: &[u8]) -> Vec<Found> {
        let mut hits = Vec::new();
        Sieve::new(patterns).find(text, &mut hits);
        let mut v: Vec<Found> = hits
            .iter()
            .map(|h| match h.what {
                What::Pattern(p) => (h.start, h.end, p),
                What::Class(_) => unreachable!(),
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn pats(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_keywords_at_every_offset_and_length() {
        let p = pats(&["@", "q~", "pwd", "token", "ghp_", "-----begin", "://", "api_key"]);
        for pad in 0..6 {
            for kw in &p {
                let text = format!("{}{}{}", "x".repeat(pad), kw.to_uppercase(), "y".repeat(pad % 3));
                assert_eq!(sieve(&p, text.as_bytes()), naive(&p, text.as_bytes()), "{text:?}");
            }
        }
    }

    #[test]
    fn exact_on_log_lines() {
        let p = pats(&["pass", "secret", "token", "@", "eyj", "-u ", "sk_live_", "xoxb-"]);
        let text = b"2024-05-01 INFO user=bob@corp.cn PASSWORD=x token:eyJ curl -u a:b sk_live_1 xoxb-1";
        assert_eq!(sieve(&p, text), naive(&p, text));
        assert!(sieve(&p, b"").is_empty());
        assert!(sieve(&[], b"token").is_empty());
    }

    proptest! {
        #[test]
        fn matches_a_naive_search(text in "[a-cA-C@~_ .x0-9-]{0,80}", k in prop::collection::vec("[a-c@~_.-]{1,6}", 1..6)) {
            prop_assert_eq!(sieve(&k, text.as_bytes()), naive(&k, text.as_bytes()));
        }
    }
}
