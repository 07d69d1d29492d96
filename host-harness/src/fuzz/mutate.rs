//! Mutations of corpus lines (`fuzz --corpus`): small edits that keep most of a realistic line
//! and break a little of it.

use super::rng::Rng;

const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\n",
    b"NaN",
    b"1e999",
    b"18446744073709551616",
    b"\"log\":\"\"",
    b"\xf0\x9f\x98\x80",
];

/// Returns a mutated copy of `line` (1 to 4 edits).
pub fn mutate_line(rng: &mut Rng, line: &[u8], max_len: usize) -> Vec<u8> {
    let mut out = line.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(6) {
            0 if len > 0 => {
                let at = rng.index(len);
                out[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.index(len + 1);
                let token = rng.pick(TOKENS);
                out.splice(at..at, token.iter().copied());
            }
            2 if len > 0 => {
                let start = rng.index(len);
                let end = (start + 1 + rng.index(16)).min(len);
                out.drain(start..end);
            }
            3 if len > 0 => {
                let start = rng.index(len);
                let end = (start + 1 + rng.index(32)).min(len);
                let copy = out[start..end].to_vec();
                let at = rng.index(out.len() + 1);
                out.splice(at..at, copy);
            }
            4 if len > 0 => out.truncate(rng.index(len)),
            _ => {
                let at = rng.index(len + 1);
                out.insert(at, rng.byte());
            }
        }
    }
    out.truncate(max_len);
    out
}
