//! Zero-copy msgpack reading and minimal msgpack writing.
//!
//! msgpack is length-prefixed, so skipping a string costs nothing: lookups only visit headers.

mod tokens;
mod write;

pub(crate) use tokens::MsgpackTokens;
pub use write::{write_array_header, write_map_header, write_str, write_value};

use crate::error::{Error, ErrorKind, Result};
use crate::scalar::{Num, Scalar, Str};

/// What a msgpack head byte introduces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Head<'a> {
    Map(u32),
    Array(u32),
    Scalar(Scalar<'a>),
}

fn take(src: &[u8], at: usize, n: usize) -> Result<&[u8]> {
    at.checked_add(n)
        .and_then(|end| src.get(at..end))
        .ok_or_else(|| Error::end(src.len()))
}

fn be_uint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

fn read_len(src: &[u8], at: usize, n: usize) -> Result<(usize, usize)> {
    let len = be_uint(take(src, at, n)?);
    let len = usize::try_from(len).map_err(|_| Error::end(src.len()))?;
    Ok((len, at + n))
}

/// Reads the head at `i`. For scalars the returned position is after the whole value; for
/// containers it is after the header.
pub(crate) fn read_head(src: &[u8], i: usize) -> Result<(Head<'_>, usize)> {
    let Some(&b) = src.get(i) else {
        return Err(Error::end(i));
    };
    let j = i + 1;
    let str_at = |len: usize, at: usize| -> Result<(Head<'_>, usize)> {
        Ok((Head::Scalar(Scalar::Str(Str::bytes(take(src, at, len)?))), at + len))
    };
    let ext_at = |len: usize, at: usize| -> Result<(Head<'_>, usize)> {
        // 1 type byte, then data. Extension payloads are exposed as bytes.
        let data = take(src, at + 1, len)?;
        Ok((Head::Scalar(Scalar::Str(Str::bytes(data))), at + 1 + len))
    };
    let num = |n: Num<'static>, end: usize| Ok((Head::Scalar(Scalar::Num(n)), end));
    match b {
        0x00..=0x7f => num(Num::Int(i64::from(b)), j),
        0x80..=0x8f => Ok((Head::Map(u32::from(b & 0x0f)), j)),
        0x90..=0x9f => Ok((Head::Array(u32::from(b & 0x0f)), j)),
        0xa0..=0xbf => str_at(usize::from(b & 0x1f), j),
        0xc0 => Ok((Head::Scalar(Scalar::Null), j)),
        0xc1 => Err(Error::new(ErrorKind::ReservedMarker, i)),
        0xc2 => Ok((Head::Scalar(Scalar::Bool(false)), j)),
        0xc3 => Ok((Head::Scalar(Scalar::Bool(true)), j)),
        0xc4..=0xc6 => {
            let (len, at) = read_len(src, j, 1 << (b - 0xc4))?;
            str_at(len, at)
        }
        0xc7..=0xc9 => {
            let (len, at) = read_len(src, j, 1 << (b - 0xc7))?;
            ext_at(len, at)
        }
        0xca => {
            let bits = be_uint(take(src, j, 4)?) as u32;
            num(Num::Float(f64::from(f32::from_bits(bits))), j + 4)
        }
        0xcb => num(Num::Float(f64::from_bits(be_uint(take(src, j, 8)?))), j + 8),
        0xcc..=0xcf => {
            let n = 1usize << (b - 0xcc);
            num(Num::UInt(be_uint(take(src, j, n)?)), j + n)
        }
        0xd0..=0xd3 => {
            let n = 1usize << (b - 0xd0);
            let raw = be_uint(take(src, j, n)?);
            let shift = 64 - 8 * n as u32;
            num(Num::Int(((raw << shift) as i64) >> shift), j + n)
        }
        0xd4..=0xd8 => ext_at(1usize << (b - 0xd4), j),
        0xd9..=0xdb => {
            let (len, at) = read_len(src, j, 1 << (b - 0xd9))?;
            str_at(len, at)
        }
        0xdc | 0xdd => {
            let n = if b == 0xdc { 2 } else { 4 };
            Ok((Head::Array(be_uint(take(src, j, n)?) as u32), j + n))
        }
        0xde | 0xdf => {
            let n = if b == 0xde { 2 } else { 4 };
            Ok((Head::Map(be_uint(take(src, j, n)?) as u32), j + n))
        }
        0xe0..=0xff => num(Num::Int(i64::from(b as i8)), j),
    }
}

/// Skips the value at `i`, returning the position after it. Iterative: a remaining-items
/// counter replaces recursion.
pub(crate) fn skip_value(src: &[u8], i: usize) -> Result<usize> {
    let mut remaining: u64 = 1;
    let mut pos = i;
    while remaining > 0 {
        let (head, next) = read_head(src, pos)?;
        remaining -= 1;
        match head {
            Head::Map(n) => remaining += 2 * u64::from(n),
            Head::Array(n) => remaining += u64::from(n),
            Head::Scalar(_) => {}
        }
        pos = next;
    }
    Ok(pos)
}

/// Reads a map key at `i`: strings as themselves, any other key as its raw bytes.
pub(crate) fn read_key(src: &[u8], i: usize) -> Result<(Str<'_>, usize)> {
    match read_head(src, i)? {
        (Head::Scalar(Scalar::Str(s)), end) => Ok((s, end)),
        (Head::Scalar(_), end) => Ok((Str::bytes(&src[i..end]), end)),
        (Head::Map(_) | Head::Array(_), _) => {
            let end = skip_value(src, i)?;
            Ok((Str::bytes(&src[i..end]), end))
        }
    }
}

/// Walks the members of the map whose header is at `at`, calling `f(key, value_start)`; `f`
/// returns false to stop. Returns `Some((end, len, header_end))` when the end was reached.
pub(crate) fn scan_members<'a>(
    src: &'a [u8],
    at: usize,
    mut f: impl FnMut(Str<'a>, usize) -> bool,
) -> Result<Option<(usize, u32, usize)>> {
    let (len, header_end) = match read_head(src, at)? {
        (Head::Map(n), next) => (n, next),
        _ => return Err(Error::new(ErrorKind::NotAnObject, at)),
    };
    let mut pos = header_end;
    for _ in 0..len {
        let (key, v) = read_key(src, pos)?;
        if !f(key, v) {
            return Ok(None);
        }
        pos = skip_value(src, v)?;
    }
    Ok(Some((pos, len, header_end)))
}
