//! Zero-copy JSON scanning: find where values start and end without building anything.
//!
//! Every loop here is iterative (nesting is tracked in counters or a heap stack), because
//! Fluent Bit's WAMR interpreter gives a module an 8 KiB call stack by default.

mod strings;
mod tokens;

pub use strings::{unescape, write_escaped, write_str};
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
    let mut j = i + 1;
    let mut escaped = false;
    while j < src.len() {
        match src[j] {
            b'"' => return Ok((j, j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j += 2;
            }
            _ => j += 1,
        }
    }
    Err(Error::end(src.len()))
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

/// Skips the value starting at `i` and returns the position after it. Containers are skipped by
/// counting brackets outside strings: fast, and strict enough for lookups (the token reader
/// validates fully when a plugin walks the record).
pub(crate) fn skip_value(src: &[u8], i: usize) -> Result<usize> {
    match src.get(i) {
        Some(b'{' | b'[') => {}
        Some(_) => return scalar_at(src, i).map(|s| s.map_or(i, |(_, end)| end)),
        None => return Err(Error::end(i)),
    }
    let mut depth = 0usize;
    let mut j = i;
    while j < src.len() {
        match src[j] {
            b'"' => {
                j = scan_string(src, j)?.1;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
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

/// Position of the first non-whitespace byte, or an error if the text is empty.
pub(crate) fn first_value(src: &[u8]) -> Result<usize> {
    let i = skip_ws(src, 0);
    if i >= src.len() {
        return Err(Error::new(ErrorKind::UnexpectedEnd, i));
    }
    Ok(i)
}
