//! Borrowed scalar values, identical in shape for JSON and msgpack records.
//!
//! Nothing here allocates unless a string has JSON escapes (or invalid UTF-8) and the caller
//! asks for its text: most lookups compare raw bytes.

use std::borrow::Cow;

use crate::json::unescape;

/// A string (or msgpack bin/ext, or a non-string msgpack map key) borrowed from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Str<'a> {
    raw: &'a [u8],
    repr: StrRepr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrRepr {
    /// JSON string body with no backslash: raw bytes are the text.
    JsonPlain,
    /// JSON string body containing escapes (Fluent Bit escapes all non-ASCII as `\uXXXX`).
    JsonEscaped,
    /// msgpack str/bin/ext payload: raw bytes, UTF-8 not guaranteed.
    Bytes,
}

impl<'a> Str<'a> {
    pub(crate) fn json(raw: &'a [u8], escaped: bool) -> Self {
        let repr = if escaped { StrRepr::JsonEscaped } else { StrRepr::JsonPlain };
        Str { raw, repr }
    }
    pub(crate) fn bytes(raw: &'a [u8]) -> Self {
        Str { raw, repr: StrRepr::Bytes }
    }

    /// The bytes as stored in the record (JSON: between the quotes, escapes not decoded).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// True when the raw bytes are not the text (JSON escapes present).
    pub fn is_escaped(&self) -> bool {
        self.repr == StrRepr::JsonEscaped
    }

    /// The decoded text. Borrows when possible; invalid UTF-8 and lone surrogates become U+FFFD.
    pub fn text(&self) -> Cow<'a, str> {
        match self.repr {
            StrRepr::JsonEscaped => Cow::Owned(unescape(self.raw)),
            // from_utf8 is much cheaper than the lossy decoder when the text is valid.
            StrRepr::JsonPlain | StrRepr::Bytes => match std::str::from_utf8(self.raw) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(self.raw),
            },
        }
    }

    /// Compares the decoded text with `s` without allocating in the common (unescaped) case.
    pub fn eq_str(&self, s: &str) -> bool {
        match self.repr {
            StrRepr::JsonEscaped => unescape(self.raw) == s,
            _ => self.raw == s.as_bytes(),
        }
    }

    /// Decoded length in bytes is at least this (exact unless escaped).
    pub fn raw_len(&self) -> usize {
        self.raw.len()
    }
}

/// A number as written. JSON numbers keep their text so nothing is lost before a plugin asks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num<'a> {
    /// JSON number text, e.g. `-12`, `3.5e10`.
    Text(&'a [u8]),
    Int(i64),
    UInt(u64),
    Float(f64),
}

impl Num<'_> {
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Num::Text(t) => std::str::from_utf8(t).ok()?.parse().ok(),
            Num::Int(i) => Some(i as f64),
            Num::UInt(u) => Some(u as f64),
            Num::Float(f) => Some(f),
        }
    }

    /// The value as an integer when it is one exactly (JSON text without fraction or exponent).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Num::Text(t) => std::str::from_utf8(t).ok()?.parse().ok(),
            Num::Int(i) => Some(i),
            Num::UInt(u) => i64::try_from(u).ok(),
            Num::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            Num::Float(_) => None,
        }
    }

    /// Text of the number: JSON keeps its spelling; msgpack numbers are formatted.
    pub fn to_text(&self) -> Cow<'_, str> {
        match *self {
            Num::Text(t) => String::from_utf8_lossy(t),
            Num::Int(i) => Cow::Owned(i.to_string()),
            Num::UInt(u) => Cow::Owned(u.to_string()),
            Num::Float(f) => Cow::Owned(crate::value::format_f64(f)),
        }
    }
}

/// A leaf value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Num(Num<'a>),
    Str(Str<'a>),
}

impl<'a> Scalar<'a> {
    pub fn as_str(&self) -> Option<Str<'a>> {
        match self {
            Scalar::Str(s) => Some(*s),
            _ => None,
        }
    }

    /// Text a rule can compare against: strings decoded, numbers and booleans spelled out,
    /// null as `null`.
    pub fn text(&self) -> Cow<'a, str> {
        match self {
            Scalar::Null => Cow::Borrowed("null"),
            Scalar::Bool(true) => Cow::Borrowed("true"),
            Scalar::Bool(false) => Cow::Borrowed("false"),
            Scalar::Num(n) => Cow::Owned(n.to_text().into_owned()),
            Scalar::Str(s) => s.text(),
        }
    }
}
