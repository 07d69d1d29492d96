//! Lazy, zero-copy access to one value inside a record: look at its kind, read it if it is a
//! scalar, or walk its members. Nothing after the value is read until it is needed.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::scalar::{Scalar, Str};
use crate::tokens::ObjectLoc;
use crate::{json, msgpack, Format};

/// A value in a record, located by its first byte.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    src: &'a [u8],
    at: usize,
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Object,
    Array,
    Scalar,
}

impl<'a> Node<'a> {
    pub(crate) fn new(src: &'a [u8], at: usize, format: Format) -> Self {
        Node { src, at, format }
    }

    /// The root value of a record.
    pub fn root(src: &'a [u8], format: Format) -> Result<Self> {
        let at = match format {
            Format::Json => json::first_value(src)?,
            Format::Msgpack => 0,
        };
        Ok(Node::new(src, at, format))
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The whole record this value is part of.
    pub(crate) fn src(&self) -> &'a [u8] {
        self.src
    }

    /// Byte offset of the value's first byte.
    pub fn start(&self) -> usize {
        self.at
    }

    pub fn shape(&self) -> Result<Shape> {
        let b = *self.src.get(self.at).ok_or_else(|| Error::end(self.at))?;
        Ok(match self.format {
            Format::Json => match b {
                b'{' => Shape::Object,
                b'[' => Shape::Array,
                _ => Shape::Scalar,
            },
            Format::Msgpack => match b {
                0x80..=0x8f | 0xde | 0xdf => Shape::Object,
                0x90..=0x9f | 0xdc | 0xdd => Shape::Array,
                _ => Shape::Scalar,
            },
        })
    }

    /// The value if it is a scalar, `None` for objects and arrays.
    pub fn scalar(&self) -> Result<Option<Scalar<'a>>> {
        match self.format {
            Format::Json => Ok(json::scalar_at(self.src, self.at)?.map(|(s, _)| s)),
            Format::Msgpack => match msgpack::read_head(self.src, self.at)? {
                (msgpack::Head::Scalar(s), _) => Ok(Some(s)),
                _ => Ok(None),
            },
        }
    }

    /// The string if the value is one.
    pub fn str(&self) -> Result<Option<Str<'a>>> {
        Ok(self.scalar()?.and_then(|s| s.as_str()))
    }

    /// Position just after the value (scans containers).
    pub fn end(&self) -> Result<usize> {
        match self.format {
            Format::Json => json::skip_value(self.src, self.at),
            Format::Msgpack => msgpack::skip_value(self.src, self.at),
        }
    }

    pub fn span(&self) -> Result<Range<usize>> {
        Ok(self.at..self.end()?)
    }

    /// The bytes of the value as stored.
    pub fn raw(&self) -> Result<&'a [u8]> {
        Ok(&self.src[self.span()?])
    }

    /// Members of an object (`Ok(None)` if this is not an object).
    pub fn members(&self) -> Result<Option<Members<'a>>> {
        if self.shape()? != Shape::Object {
            return Ok(None);
        }
        let (pos, remaining) = match self.format {
            Format::Json => (self.at + 1, 0),
            Format::Msgpack => match msgpack::read_head(self.src, self.at)? {
                (msgpack::Head::Map(n), next) => (next, n),
                _ => return Ok(None),
            },
        };
        Ok(Some(Members { node: *self, pos, remaining, first: true, pending: None, done: false }))
    }

    /// Elements of an array (`Ok(None)` if this is not an array).
    pub fn elements(&self) -> Result<Option<Elements<'a>>> {
        if self.shape()? != Shape::Array {
            return Ok(None);
        }
        let (pos, remaining) = match self.format {
            Format::Json => (self.at + 1, 0),
            Format::Msgpack => match msgpack::read_head(self.src, self.at)? {
                (msgpack::Head::Array(n), next) => (next, n),
                _ => return Ok(None),
            },
        };
        Ok(Some(Elements { node: *self, pos, remaining, first: true, pending: None, done: false }))
    }

    /// Calls `f(key, value)` for each member of an object until it returns false. Returns the
    /// object's location when the end was reached, `Ok(None)` when stopped early or when this is
    /// not an object. The fastest way to look at members.
    pub fn for_each_member(&self, mut f: impl FnMut(Str<'a>, Node<'a>) -> bool) -> Result<Option<ObjectLoc>> {
        if self.shape()? != Shape::Object {
            return Ok(None);
        }
        let (src, format) = (self.src, self.format);
        let mut visit = |k: Str<'a>, v: usize| f(k, Node::new(src, v, format));
        Ok(match format {
            Format::Json => json::scan_members(src, self.at, &mut visit)?.map(|(close, len)| ObjectLoc {
                start: self.at,
                header_end: self.at + 1,
                close,
                end: close + 1,
                len,
            }),
            Format::Msgpack => msgpack::scan_members(src, self.at, &mut visit)?
                .map(|(end, len, header_end)| ObjectLoc { start: self.at, header_end, close: end, end, len }),
        })
    }

    /// The first member named `key` (decoded comparison), if this is an object that has one.
    pub fn get(&self, key: &str) -> Result<Option<Node<'a>>> {
        let mut found = None;
        self.for_each_member(|k, v| {
            if k.eq_str(key) {
                found = Some(v);
                return false;
            }
            true
        })?;
        Ok(found)
    }

    /// Location data needed to insert members into this object or replace it whole.
    pub fn object_loc(&self) -> Result<Option<ObjectLoc>> {
        Ok(match self.search(None)? {
            Search::Absent(loc) => Some(loc),
            Search::Found(_) | Search::NotAnObject => None,
        })
    }

    /// One pass over an object's members: the first member named `key`, or (when there is none,
    /// or `key` is `None`) where the object ends. Also collects every member into `index`.
    pub(crate) fn search_indexing(
        &self,
        key: Option<&str>,
        mut index: Option<&mut Vec<(Str<'a>, Node<'a>)>>,
    ) -> Result<Search<'a>> {
        if self.shape()? != Shape::Object {
            return Ok(Search::NotAnObject);
        }
        let mut found = None;
        let end = self.for_each_member(|k, v| {
            if let Some(index) = index.as_deref_mut() {
                index.push((k, v));
                return true;
            }
            if key.is_some_and(|key| k.eq_str(key)) {
                found = Some(v);
                return false;
            }
            true
        })?;
        Ok(match (found, end) {
            (Some(v), _) => Search::Found(v),
            (None, Some(loc)) => Search::Absent(loc),
            (None, None) => Search::NotAnObject,
        })
    }

    pub(crate) fn search(&self, key: Option<&str>) -> Result<Search<'a>> {
        self.search_indexing(key, None)
    }
}

/// Result of [`Node::search`].
pub(crate) enum Search<'a> {
    Found(Node<'a>),
    Absent(ObjectLoc),
    NotAnObject,
}

/// Iterator over `(key, value)` of an object. Values are skipped only when the iterator moves on.
pub struct Members<'a> {
    node: Node<'a>,
    pos: usize,
    remaining: u32,
    first: bool,
    pending: Option<Node<'a>>,
    done: bool,
}

impl<'a> Members<'a> {
    fn advance(&mut self) -> Result<Option<(Str<'a>, Node<'a>)>> {
        let src = self.node.src;
        if let Some(prev) = self.pending.take() {
            self.pos = prev.end()?;
        }
        match self.node.format {
            Format::Json => {
                let mut i = json::skip_ws(src, self.pos);
                if src.get(i) == Some(&b'}') {
                    self.pos = i;
                    return Ok(None);
                }
                if !self.first {
                    if src.get(i) != Some(&b',') {
                        return Err(Error::unexpected("',' or '}'", i));
                    }
                    i = json::skip_ws(src, i + 1);
                }
                self.first = false;
                if src.get(i) != Some(&b'"') {
                    return Err(Error::unexpected("a quoted member name", i));
                }
                let (body_end, after, escaped) = json::scan_string(src, i)?;
                let colon = json::skip_ws(src, after);
                if src.get(colon) != Some(&b':') {
                    return Err(Error::unexpected("':'", colon));
                }
                let v = json::skip_ws(src, colon + 1);
                let value = Node::new(src, v, Format::Json);
                self.pending = Some(value);
                Ok(Some((Str::json(&src[i + 1..body_end], escaped), value)))
            }
            Format::Msgpack => {
                if self.remaining == 0 {
                    return Ok(None);
                }
                self.remaining -= 1;
                let (key, v) = msgpack::read_key(src, self.pos)?;
                let value = Node::new(src, v, Format::Msgpack);
                self.pending = Some(value);
                Ok(Some((key, value)))
            }
        }
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<(Str<'a>, Node<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.advance().transpose();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }
}

/// Iterator over the elements of an array.
pub struct Elements<'a> {
    node: Node<'a>,
    pos: usize,
    remaining: u32,
    first: bool,
    pending: Option<Node<'a>>,
    done: bool,
}

impl<'a> Elements<'a> {
    fn advance(&mut self) -> Result<Option<Node<'a>>> {
        let src = self.node.src;
        if let Some(prev) = self.pending.take() {
            self.pos = prev.end()?;
        }
        let at = match self.node.format {
            Format::Json => {
                let mut i = json::skip_ws(src, self.pos);
                if src.get(i) == Some(&b']') {
                    return Ok(None);
                }
                if !self.first {
                    if src.get(i) != Some(&b',') {
                        return Err(Error::unexpected("',' or ']'", i));
                    }
                    i = json::skip_ws(src, i + 1);
                }
                self.first = false;
                i
            }
            Format::Msgpack => {
                if self.remaining == 0 {
                    return Ok(None);
                }
                self.remaining -= 1;
                self.pos
            }
        };
        let value = Node::new(src, at, self.node.format);
        self.pending = Some(value);
        Ok(Some(value))
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<Node<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.advance().transpose();
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }
}
