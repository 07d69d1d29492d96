//! Personal data. No keywords: these rules are gated by the digit/IBAN/IP candidate classes of
//! the byte pre-pass (and `@` for e-mail), and every match must pass its validator.

use std::ops::Range;

use crate::rule::RuleSpec;

mod card;
mod cn_id;
mod cn_mobile;
mod email;
mod iban;
mod ip;
mod ssn;

pub const RULES: &[RuleSpec] = &[
    cn_id::RULE,
    card::RULE,
    iban::RULE,
    ssn::RULE,
    cn_mobile::RULE,
    email::RULE,
    ip::IPV4,
    ip::IPV6,
];

/// Splits `span` of `text` into groups at single separators (`sep`), and returns the longest
/// run of whole groups (leftmost among equals) that `valid` accepts. A greedy regex may take a
/// neighbouring number along (`qty 3 4111 1111 1111 1111`); this finds the real value inside.
pub(crate) fn best_groups(text: &str, span: Range<usize>, sep: &[u8], valid: fn(&str) -> bool) -> Option<Range<usize>> {
    let s = text.get(span.clone())?;
    if valid(s) {
        return Some(span);
    }
    // Group boundaries (offsets into `s`).
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if sep.contains(&b) {
            groups.push((start, i));
            start = i + 1;
        }
    }
    groups.push((start, s.len()));
    if groups.len() > 24 {
        return None;
    }
    let n = groups.len();
    for len in (1..n).rev() {
        for first in 0..=n - len {
            let (a, _) = groups[first];
            let (_, b) = groups[first + len - 1];
            if valid(&s[a..b]) {
                return Some(span.start + a..span.start + b);
            }
        }
    }
    None
}
