//! Byte-level JSON scanning for the fused canonicalizer ([`super::Canonicalizer`]): the same
//! grammar as the SDK's token reader (`logward_sdk::json`), so a record it accepts reads the
//! same either way. Anything unexpected is an `Err(())`: the caller then reads the record with
//! the SDK's reader, which decides and explains.

use super::string::{find, find_wide, quote_or_backslash_bits, special_bits};

#[inline(always)]
pub(super) fn skip_ws(src: &[u8], mut i: usize) -> usize {
    // Fluent Bit writes compact JSON: one test, no loop, in the common case.
    while let Some(&b) = src.get(i) {
        if b > b' ' || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
    }
    i
}

/// What a string's body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StrKind {
    /// Printable ASCII without escapes: its canonical form is itself in quotes.
    Plain,
    /// No escapes, but control characters or non-ASCII bytes.
    Unusual,
    /// Backslash escapes.
    Escaped,
}

/// `i` is at an opening quote. Returns the position after the closing quote and what the body
/// holds. Like the SDK's `scan_string`, a backslash skips the byte after it, unchecked.
#[inline(always)]
pub(super) fn scan_string(src: &[u8], i: usize) -> Result<(usize, StrKind), ()> {
    let mut kind = StrKind::Plain;
    let mut j = i + 1;
    loop {
        j = if kind == StrKind::Plain { find_wide(src, j, special_bits) } else { find(src, j, quote_or_backslash_bits) };
        match src.get(j) {
            None => return Err(()),
            Some(b'"') => return Ok((j + 1, kind)),
            Some(b'\\') => {
                kind = StrKind::Escaped;
                j += 2;
            }
            Some(_) => {
                kind = StrKind::Unusual;
                j += 1;
            }
        }
    }
}

/// `i` is at the first byte of a number (`-` or a digit). Returns the position after it.
pub(super) fn scan_number(src: &[u8], i: usize) -> Result<usize, ()> {
    let digits = |mut j: usize| {
        while src.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        j
    };
    let mut j = i;
    if src.get(j) == Some(&b'-') {
        j += 1;
    }
    let int_end = digits(j);
    if int_end == j {
        return Err(());
    }
    j = int_end;
    if src.get(j) == Some(&b'.') {
        let frac_end = digits(j + 1);
        if frac_end == j + 1 {
            return Err(());
        }
        j = frac_end;
    }
    if let Some(b'e' | b'E') = src.get(j) {
        j += 1;
        if let Some(b'+' | b'-') = src.get(j) {
            j += 1;
        }
        let exp_end = digits(j);
        if exp_end == j {
            return Err(());
        }
        j = exp_end;
    }
    Ok(j)
}
