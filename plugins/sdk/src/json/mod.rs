//! Zero-copy JSON scanning: find where values start and end without building anything.
//!
//! Every loop here is iterative (nesting is tracked in counters or a heap stack), because
//! Fluent Bit's WAMR interpreter gives a module an 8 KiB call stack by default.

mod strings;
mod tokens;

pub use strings::{decode_u_escape, unescape, write_escaped, write_str};
pub(crate) use tokens::JsonTokens;

use crate::error::{Error, ErrorKind, Result};
use crate::scalar::{Num, Scalar, Str};

#[inline]
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

#[inline]
pub(crate) fn skip_ws(src: &[u8], mut i: usize) -> usize {
    while i < src.len() && is_ws(src[i]) {
        i += 1;
    }
    i
}

/// `i` is at an opening quote. Returns (end of body, position after the closing quote, escaped?).
pub(crate) fn scan_string(src: &[u8], i: usize) -> Result<(usize, usize, bool)> {
    let mut escaped = false;
    let mut j = i + 1;
    loop {
        j = skip_plain_string_bytes(src, j);
        match src.get(j) {
            Some(b'"') => return Ok((j, j + 1, escaped)),
            Some(_) => {
                escaped = true;
                j += 2;
            }
            None => return Err(Error::end(src.len())),
        }
    }
}

/// Position of the first `"` or `\\` at or after `j` (or `src.len()`), 8 bytes per step.
///
/// wasm32 has native 64-bit integers but memchr's portable path works in `usize` (32-bit
/// there); under Fluent Bit's interpreter every instruction counts.
#[inline]
pub(crate) fn skip_plain_string_bytes(src: &[u8], mut j: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const QUOTES: u64 = 0x2222_2222_2222_2222;
    const SLASHES: u64 = 0x5c5c_5c5c_5c5c_5c5c;
    while let Some(chunk) = src.get(j..j + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        let q = w ^ QUOTES;
        let s = w ^ SLASHES;
        // High bit set in each byte that was a quote or backslash. Bytes above the first hit
        // may be flagged falsely (borrows), but the lowest flag is exact: take its index.
        let hits = ((q.wrapping_sub(ONES) & !q) | (s.wrapping_sub(ONES) & !s)) & HIGH;
        if hits != 0 {
            return j + (hits.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while let Some(&b) = src.get(j) {
        if b == b'"' || b == b'\\' {
            return j;
        }
        j += 1;
    }
    j
}

/// `i` is at the first byte of a number. Returns the position after it.
pub(crate) fn scan_number(src: &[u8], i: usize) -> Result<usize> {
    let mut j = i;
    if src.get(j) == Some(&b'-') {
        j += 1;
    }
    let digits_start = j;
    while j < src.len() && src[j].is_ascii_digit() {
        j += 1;
    }
    if j == digits_start {
        return Err(Error::unexpected("a digit", j));
    }
    if src.get(j) == Some(&b'.') {
        j += 1;
        let frac = j;
        while j < src.len() && src[j].is_ascii_digit() {
            j += 1;
        }
        if j == frac {
            return Err(Error::unexpected("a digit after '.'", j));
        }
    }
    if matches!(src.get(j), Some(b'e' | b'E')) {
        j += 1;
        if matches!(src.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp = j;
        while j < src.len() && src[j].is_ascii_digit() {
            j += 1;
        }
        if j == exp {
            return Err(Error::unexpected("a digit in the exponent", j));
        }
    }
    Ok(j)
}

fn expect_literal(src: &[u8], i: usize, lit: &'static [u8], what: &'static str) -> Result<usize> {
    if src.len() >= i + lit.len() && &src[i..i + lit.len()] == lit {
        Ok(i + lit.len())
    } else {
        Err(Error::unexpected(what, i))
    }
}

/// Reads the scalar starting at `i` (no leading whitespace). `Ok(None)` if a container starts there.
pub(crate) fn scalar_at(src: &[u8], i: usize) -> Result<Option<(Scalar<'_>, usize)>> {
    let Some(&b) = src.get(i) else {
        return Err(Error::end(i));
    };
    let out = match b {
        b'{' | b'[' => return Ok(None),
        b'"' => {
            let (body_end, end, escaped) = scan_string(src, i)?;
            (Scalar::Str(Str::json(&src[i + 1..body_end], escaped)), end)
        }
        b't' => (Scalar::Bool(true), expect_literal(src, i, b"true", "true")?),
        b'f' => (Scalar::Bool(false), expect_literal(src, i, b"false", "false")?),
        b'n' => (Scalar::Null, expect_literal(src, i, b"null", "null")?),
        b'-' | b'0'..=b'9' => {
            let end = scan_number(src, i)?;
            (Scalar::Num(Num::Text(&src[i..end])), end)
        }
        _ => return Err(Error::unexpected("a JSON value", i)),
    };
    Ok(Some(out))
}

/// Skips the value starting at `i` and returns the position after it. Scalars are measured
/// without being read; containers are skipped by counting brackets outside strings: fast, and
/// strict enough for lookups (the token reader validates fully when a plugin walks the record).
pub(crate) fn skip_value(src: &[u8], i: usize) -> Result<usize> {
    match src.get(i) {
        Some(b'"') => Ok(scan_string(src, i)?.1),
        Some(b'{' | b'[') => skip_container(src, i),
        Some(b'-' | b'0'..=b'9') => scan_number(src, i),
        Some(b't') => expect_literal(src, i, b"true", "true"),
        Some(b'f') => expect_literal(src, i, b"false", "false"),
        Some(b'n') => expect_literal(src, i, b"null", "null"),
        Some(_) => Err(Error::unexpected("a JSON value", i)),
        None => Err(Error::end(i)),
    }
}

fn skip_container(src: &[u8], i: usize) -> Result<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while let Some(&b) = src.get(j) {
        match b {
            b'"' => {
                j = scan_string(src, j)?.1;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    Err(Error::end(src.len()))
}

/// Walks the members of the object whose `{` is at `at`, calling `f(key, value_start)` for
/// each; `f` returns false to stop. Returns `Some((close, len))` when the end was reached.
/// This is the hot path of every lookup, so it is one tight loop with no per-member
/// allocation or iterator state.
pub(crate) fn scan_members<'a>(
    src: &'a [u8],
    at: usize,
    mut f: impl FnMut(Str<'a>, usize) -> bool,
) -> Result<Option<(usize, u32)>> {
    let mut i = skip_ws(src, at + 1);
    if src.get(i) == Some(&b'}') {
        return Ok(Some((i, 0)));
    }
    let mut len = 0u32;
    loop {
        if src.get(i) != Some(&b'"') {
            return Err(Error::unexpected("a quoted member name", i));
        }
        let (body_end, after, escaped) = scan_string(src, i)?;
        let key = Str::json(&src[i + 1..body_end], escaped);
        let mut v = skip_ws(src, after);
        if src.get(v) != Some(&b':') {
            return Err(Error::unexpected("':'", v));
        }
        v = skip_ws(src, v + 1);
        len += 1;
        if !f(key, v) {
            return Ok(None);
        }
        i = skip_ws(src, skip_value(src, v)?);
        match src.get(i) {
            Some(b',') => i = skip_ws(src, i + 1),
            Some(b'}') => return Ok(Some((i, len))),
            Some(_) => return Err(Error::unexpected("',' or '}'", i)),
            None => return Err(Error::end(i)),
        }
    }
}

/// Position of the first non-whitespace byte, or an error if the text is empty.
pub(crate) fn first_value(src: &[u8]) -> Result<usize> {
    let i = skip_ws(src, 0);
    if i >= src.len() {
        return Err(Error::new(ErrorKind::UnexpectedEnd, i));
    }
    Ok(i)
}
