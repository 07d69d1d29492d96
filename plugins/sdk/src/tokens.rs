//! A pull reader over a whole record: the same token stream for JSON and msgpack, each token
//! with the byte span it occupies, so a plugin can walk everything once and splice what it
//! changes. Nesting is kept on a heap stack, never on the wasm call stack.

use std::ops::Range;

use crate::error::Result;
use crate::json::JsonTokens;
use crate::msgpack::MsgpackTokens;
use crate::scalar::{Scalar, Str};
use crate::Format;

/// Where an object sits in the record: enough to replace it whole or to insert members into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectLoc {
    /// First byte of the object (JSON `{`, msgpack map header).
    pub start: usize,
    /// First byte after the header (JSON: after `{`).
    pub header_end: usize,
    /// Where new members go: JSON: the `}`; msgpack: just after the last member.
    pub close: usize,
    /// First byte after the object.
    pub end: usize,
    /// Number of members.
    pub len: u32,
}

impl ObjectLoc {
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token<'a> {
    /// span: JSON `{`, msgpack map header.
    ObjectStart,
    /// span: JSON `}`, msgpack: empty at the object's end.
    ObjectEnd(ObjectLoc),
    ArrayStart,
    /// `start` is the array's first byte; span as for `ObjectEnd`.
    ArrayEnd { start: usize, len: u32 },
    /// A member name; the next value token belongs to it. span: the key (JSON: with quotes).
    Key(Str<'a>),
    /// span: the whole value.
    Scalar(Scalar<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spanned<'a> {
    pub token: Token<'a>,
    pub span: (usize, usize),
}

impl Spanned<'_> {
    pub fn range(&self) -> Range<usize> {
        self.span.0..self.span.1
    }
}

/// Iterator over the tokens of one record. Yields `Err` once and then stops on malformed input.
pub struct Tokens<'a>(Inner<'a>);

enum Inner<'a> {
    Json(JsonTokens<'a>),
    Msgpack(MsgpackTokens<'a>),
}

impl<'a> Tokens<'a> {
    pub fn new(src: &'a [u8], format: Format) -> Self {
        match format {
            Format::Json => Tokens(Inner::Json(JsonTokens::new(src))),
            Format::Msgpack => Tokens(Inner::Msgpack(MsgpackTokens::new(src))),
        }
    }

    /// Current nesting depth (0 at the top level, 1 inside the root object, ...).
    pub fn depth(&self) -> usize {
        match &self.0 {
            Inner::Json(t) => t.depth(),
            Inner::Msgpack(t) => t.depth(),
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Spanned<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            Inner::Json(t) => t.next_token().transpose(),
            Inner::Msgpack(t) => t.next_token().transpose(),
        }
    }
}
