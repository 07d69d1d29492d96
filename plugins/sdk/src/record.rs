//! One record as Fluent Bit handed it over, plus the edits a plugin made to it.
//!
//! Reading never copies; edits are recorded as byte-span replacements and member insertions and
//! only applied when the output is written, so an untouched record costs nothing to pass on.

use std::ops::Range;

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use std::cell::OnceCell;

use crate::node::{Node, Search, Shape};
use crate::scalar::Str;
use crate::path::{FieldPath, FieldSet, Fields, Segment};
use crate::tokens::{ObjectLoc, Tokens};
use crate::{json, msgpack, value, Format};

struct Insert {
    obj: ObjectLoc,
    key: String,
    value: Replacement,
}

/// What replaces a span: a value (encoded when written, and still editable by `set`) or bytes
/// already encoded in the record's format.
enum Replacement {
    Value(Value),
    Encoded(Vec<u8>),
}

pub struct Record<'a> {
    src: &'a [u8],
    format: Format,
    replaces: Vec<(Range<usize>, Replacement)>,
    inserts: Vec<Insert>,
    /// Top-level members and where the root object ends, read once on first use: plugins
    /// mostly set and read top-level fields, and each would otherwise rescan the record.
    root_index: OnceCell<Result<RootIndex<'a>>>,
}

struct RootIndex<'a> {
    members: Vec<(Str<'a>, Node<'a>)>,
    loc: ObjectLoc,
}

impl<'a> Record<'a> {
    pub fn new(src: &'a [u8], format: Format) -> Self {
        Record { src, format, replaces: Vec::new(), inserts: Vec::new(), root_index: OnceCell::new() }
    }

    /// The record as received (JSON text or msgpack bytes).
    pub fn bytes(&self) -> &'a [u8] {
        self.src
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The record's top-level object.
    pub fn root(&self) -> Result<Node<'a>> {
        let root = Node::root(self.src, self.format)?;
        if root.shape()? != Shape::Object {
            return Err(Error::new(ErrorKind::NotAnObject, root.start()));
        }
        Ok(root)
    }

    fn index(&self) -> Result<&RootIndex<'a>> {
        self.root_index
            .get_or_init(|| {
                let root = self.root()?;
                let mut members = Vec::with_capacity(16);
                match root.search_indexing(None, Some(&mut members))? {
                    Search::Absent(loc) => Ok(RootIndex { members, loc }),
                    _ => Err(Error::new(ErrorKind::NotAnObject, 0)),
                }
            })
            .as_ref()
            .map_err(|e| *e)
    }

    /// Where the root object ends, without reading its members: a record is exactly one object
    /// (JSON: `{` ... `}` with at most whitespace or the host's NUL around; msgpack: one map).
    fn root_loc(&self) -> Result<ObjectLoc> {
        let src = self.src;
        match self.format {
            Format::Json => {
                let start = json::skip_ws(src, 0);
                let mut close = src.len();
                while close > start && matches!(src[close - 1], b' ' | b'\n' | b'\r' | b'\t' | 0) {
                    close -= 1;
                }
                if src.get(start) != Some(&b'{') || close < start + 2 || src[close - 1] != b'}' {
                    return Err(Error::new(ErrorKind::NotAnObject, start));
                }
                let close = close - 1;
                let empty = json::skip_ws(src, start + 1) == close;
                Ok(ObjectLoc { start, header_end: start + 1, close, end: close + 1, len: u32::from(!empty) })
            }
            Format::Msgpack => match msgpack::read_head(src, 0)? {
                (msgpack::Head::Map(len), header_end) => {
                    Ok(ObjectLoc { start: 0, header_end, close: src.len(), end: src.len(), len })
                }
                _ => Err(Error::new(ErrorKind::NotAnObject, 0)),
            },
        }
    }

    /// The first top-level member named `key` (exact key, decoded). The record's top level is
    /// indexed on first use, so any number of these cost one scan.
    pub fn member(&self, key: &str) -> Result<Option<Node<'a>>> {
        Ok(self.index()?.members.iter().find(|(k, _)| k.eq_str(key)).map(|(_, v)| *v))
    }

    /// Every token of the record, with spans, for plugins that walk all of it.
    pub fn tokens(&self) -> Tokens<'a> {
        Tokens::new(self.src, self.format)
    }

    /// The first value at `path`.
    pub fn get(&self, path: &FieldPath) -> Result<Option<Node<'a>>> {
        path.find(self.root()?)
    }

    /// Every value at each path of `set`, in one pass.
    pub fn lookup(&self, set: &FieldSet) -> Result<Fields<'a>> {
        set.lookup(self.root()?)
    }

    pub fn is_modified(&self) -> bool {
        !self.replaces.is_empty() || !self.inserts.is_empty()
    }

    /// Forgets every edit.
    pub fn discard_edits(&mut self) {
        self.replaces.clear();
        self.inserts.clear();
    }

    /// Replaces the value occupying `span` (a span from a token or node) with `value`.
    pub fn replace(&mut self, span: Range<usize>, value: Value) {
        self.replace_with(span, Replacement::Value(value));
    }

    /// Replaces the value occupying `span` with a string.
    pub fn replace_str(&mut self, span: Range<usize>, text: &str) {
        let mut bytes = Vec::with_capacity(text.len() + 2);
        match self.format {
            Format::Json => json::write_str(&mut bytes, text),
            Format::Msgpack => msgpack::write_str(&mut bytes, text),
        }
        self.replace_with(span, Replacement::Encoded(bytes));
    }

    /// Replaces `span` with bytes already encoded in the record's format (e.g. another stage's
    /// output). The caller guarantees they are one valid value.
    pub fn replace_encoded(&mut self, span: Range<usize>, bytes: Vec<u8>) {
        self.replace_with(span, Replacement::Encoded(bytes));
    }

    fn replace_with(&mut self, span: Range<usize>, r: Replacement) {
        self.replaces.retain(|(s, _)| *s != span);
        self.replaces.push((span, r));
    }

    /// Sets the field at `path` to `value`: replaces it if present, otherwise inserts it into the
    /// deepest existing object on the path, creating the missing objects. Setting several fields
    /// under one new object (`logward.mask`, then `logward.comply`) builds one object.
    pub fn set(&mut self, path: &FieldPath, value: Value) -> Result<()> {
        let not_a_key = || Error::new(ErrorKind::NotAContainer, 0);
        let keys = path.segments();
        if keys.iter().any(|s| matches!(s, Segment::Index(_))) {
            return Err(not_a_key());
        }
        let key_at = |i: usize| match &keys[i] {
            Segment::Key(k) => k.as_str(),
            Segment::Index(_) => "",
        };
        let mut obj = self.root()?;
        for depth in 0..keys.len() {
            let key = key_at(depth);
            let rest = &keys[depth + 1..];
            let loc_start = obj.start();
            if let Some(ins) = self.inserts.iter_mut().find(|i| i.obj.start == loc_start && i.key == key) {
                return match &mut ins.value {
                    Replacement::Value(pending) => merge_into(pending, rest, value),
                    Replacement::Encoded(_) => Err(Error::new(ErrorKind::NotAContainer, loc_start)),
                };
            }
            let search = if depth == 0 {
                let index = self.index()?;
                match index.members.iter().find(|(k, _)| k.eq_str(key)) {
                    Some((_, v)) => Search::Found(*v),
                    None => Search::Absent(index.loc),
                }
            } else {
                obj.search(Some(key))?
            };
            match search {
                Search::Found(child) => {
                    let span = child.span()?;
                    if let Some((_, Replacement::Value(pending))) = self.replaces.iter_mut().find(|(s, _)| *s == span) {
                        return merge_into(pending, rest, value);
                    }
                    if rest.is_empty() {
                        self.replace(span, value);
                        return Ok(());
                    }
                    if child.shape()? != Shape::Object {
                        return Err(Error::new(ErrorKind::NotAContainer, child.start()));
                    }
                    obj = child;
                }
                Search::Absent(loc) => {
                    let nested = rest.iter().rev().fold(value, |v, k| {
                        let mut m = serde_json::Map::new();
                        if let Segment::Key(k) = k {
                            m.insert(k.clone(), v);
                        }
                        Value::Object(m)
                    });
                    self.inserts.push(Insert { obj: loc, key: key.to_string(), value: Replacement::Value(nested) });
                    return Ok(());
                }
                Search::NotAnObject => return Err(Error::new(ErrorKind::NotAnObject, loc_start)),
            }
        }
        Ok(())
    }

    /// Appends member `key` to the record's top-level object with a value already encoded in
    /// the record's format (JSON text or msgpack). For plugins that build their output bytes
    /// directly: no `serde_json::Value`, no re-encoding. The caller guarantees `bytes` is one
    /// valid value and that `key` is not already present (see [`Record::member`]).
    pub fn append_encoded(&mut self, key: &str, bytes: Vec<u8>) -> Result<()> {
        let loc = match self.root_index.get() {
            Some(Ok(index)) => index.loc,
            _ => self.root_loc()?,
        };
        self.inserts.push(Insert { obj: loc, key: key.to_string(), value: Replacement::Encoded(bytes) });
        Ok(())
    }

    /// Writes the record with all edits applied, in the record's format.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<()> {
        // The common edit: fields appended to one object, nothing replaced. No bookkeeping.
        if self.replaces.is_empty() {
            if let Some(first) = self.inserts.first() {
                if self.inserts.iter().all(|i| i.obj.start == first.obj.start) {
                    let loc = &first.obj;
                    out.reserve(self.src.len() + 64);
                    if self.format == Format::Msgpack {
                        out.extend_from_slice(self.src.get(..loc.start).unwrap_or_default());
                        msgpack::write_map_header(out, loc.len.saturating_add(self.inserts.len() as u32));
                        out.extend_from_slice(self.src.get(loc.header_end..loc.close).unwrap_or_default());
                    } else {
                        out.extend_from_slice(self.src.get(..loc.close).unwrap_or_default());
                    }
                    self.write_members(out, loc, self.inserts.iter());
                    out.extend_from_slice(self.src.get(loc.close..).unwrap_or_default());
                    return Ok(());
                }
            }
        }
        // The whole record replaced (what `Stages` does): its bytes, no bookkeeping.
        if let ([(span, replacement)], []) = (self.replaces.as_slice(), self.inserts.as_slice())
            && *span == (0..self.src.len())
        {
            match replacement {
                Replacement::Value(v) => value::encode(out, v, self.format),
                Replacement::Encoded(bytes) => out.extend_from_slice(bytes),
            }
            return Ok(());
        }
        let mut replaces: Vec<&(Range<usize>, Replacement)> = self.replaces.iter().collect();
        replaces.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
        // Keep outermost replacements; an edit inside a replaced value is moot.
        let mut kept: Vec<&(Range<usize>, Replacement)> = Vec::with_capacity(replaces.len());
        for r in replaces {
            match kept.last() {
                Some((prev, _)) if r.0.start < prev.end => {
                    if r.0.end > prev.end {
                        return Err(Error::new(ErrorKind::OverlappingEdits, r.0.start));
                    }
                }
                _ => kept.push(r),
            }
        }
        let inside_replaced = |obj: &ObjectLoc| kept.iter().any(|(r, _)| r.start <= obj.start && obj.end <= r.end);

        // Group inserts by object, in order of appearance.
        let mut groups: Vec<(ObjectLoc, Vec<&Insert>)> = Vec::new();
        for ins in self.inserts.iter().filter(|i| !inside_replaced(&i.obj)) {
            match groups.iter_mut().find(|(loc, _)| loc.start == ins.obj.start) {
                Some((_, members)) => members.push(ins),
                None => groups.push((ins.obj, vec![ins])),
            }
        }

        // Ops: (position, order, action). Header patches (msgpack) sort before content at the
        // same position; insertions at a close position come after a replacement ending there.
        enum Op<'r> {
            Replace(Range<usize>, &'r Replacement),
            Header(Range<usize>, u32),
            Members(&'r ObjectLoc, &'r [&'r Insert]),
        }
        // In msgpack an inner object that is its parent's last member closes at the same byte as
        // the parent: its members must be written first (deeper objects start later).
        type OpKey = (usize, u8, std::cmp::Reverse<usize>);
        let mut ops: Vec<(OpKey, Op<'_>)> = Vec::new();
        for (r, bytes) in &kept {
            ops.push(((r.start, 1, std::cmp::Reverse(0)), Op::Replace(r.clone(), bytes)));
        }
        for (loc, members) in &groups {
            if self.format == Format::Msgpack {
                let n = loc.len.saturating_add(members.len() as u32);
                ops.push(((loc.start, 0, std::cmp::Reverse(0)), Op::Header(loc.start..loc.header_end, n)));
            }
            ops.push(((loc.close, 2, std::cmp::Reverse(loc.start)), Op::Members(loc, members)));
        }
        ops.sort_by_key(|(key, _)| *key);

        out.reserve(self.src.len() + 64);
        let mut pos = 0;
        for (_, op) in ops {
            match op {
                Op::Replace(r, replacement) => {
                    out.extend_from_slice(self.src.get(pos..r.start).unwrap_or_default());
                    match replacement {
                        Replacement::Value(v) => value::encode(out, v, self.format),
                        Replacement::Encoded(bytes) => out.extend_from_slice(bytes),
                    }
                    pos = r.end;
                }
                Op::Header(r, n) => {
                    out.extend_from_slice(self.src.get(pos..r.start).unwrap_or_default());
                    msgpack::write_map_header(out, n);
                    pos = r.end;
                }
                Op::Members(loc, members) => {
                    out.extend_from_slice(self.src.get(pos..loc.close).unwrap_or_default());
                    pos = pos.max(loc.close);
                    self.write_members(out, loc, members.iter().copied());
                }
            }
        }
        out.extend_from_slice(self.src.get(pos..).unwrap_or_default());
        Ok(())
    }
}

/// Sets `rest` inside a value this plugin is already inserting.
impl Record<'_> {
    /// Writes inserted members at an object's insertion point.
    fn write_members<'i>(&self, out: &mut Vec<u8>, loc: &ObjectLoc, members: impl Iterator<Item = &'i Insert>) {
        for (i, ins) in members.enumerate() {
            match self.format {
                Format::Json => {
                    if loc.len > 0 || i > 0 {
                        out.push(b',');
                    }
                    json::write_str(out, &ins.key);
                    out.push(b':');
                }
                Format::Msgpack => msgpack::write_str(out, &ins.key),
            }
            match &ins.value {
                Replacement::Value(v) => value::encode(out, v, self.format),
                Replacement::Encoded(bytes) => out.extend_from_slice(bytes),
            }
        }
    }
}

fn merge_into(target: &mut Value, rest: &[Segment], value: Value) -> Result<()> {
    let mut cur = target;
    for (i, key) in rest.iter().enumerate() {
        let Segment::Key(key) = key else {
            return Err(Error::new(ErrorKind::NotAContainer, 0));
        };
        let Value::Object(map) = cur else {
            return Err(Error::new(ErrorKind::NotAContainer, 0));
        };
        if i + 1 == rest.len() {
            map.insert(key.clone(), value);
            return Ok(());
        }
        cur = map.entry(key.clone()).or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    *cur = value;
    Ok(())
}
