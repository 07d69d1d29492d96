//! The one-pass walk behind [`FieldSet::lookup`](super::FieldSet::lookup).
//!
//! Depth-first with resumable cursors on a heap stack: an object on the way to a wanted field
//! is read once, in place — never skipped over and then read again — and everything else is
//! skipped without being read. Keys are compared as raw bytes unless they contain escapes.

use super::FieldSet;
use crate::error::{Error, Result};
use crate::node::Node;
use crate::scalar::Str;
use crate::{json, msgpack, Format};

/// Reading position inside one object or array.
struct Cursor {
    pos: usize,
    trie: usize,
    object: bool,
    first: bool,
    /// msgpack: entries left.
    remaining: u32,
    /// Arrays: index of the next element.
    index: usize,
    /// Reached through an array's transparency for keys: index segments do not apply here
    /// (`a[0]` selects an element of `a`, not of arrays nested in it).
    keys_only: bool,
}

enum Entry<'a> {
    Member(Str<'a>, usize),
    Element(usize, usize),
    /// The container ended; the position after it.
    End(usize),
}

impl Cursor {
    /// A cursor on the container starting at `at`, or `None` if the value there is a scalar.
    fn open(src: &[u8], format: Format, at: usize, trie: usize) -> Result<Option<Cursor>> {
        let (object, pos, remaining) = match format {
            Format::Json => match src.get(at) {
                Some(b'{') => (true, at + 1, 0),
                Some(b'[') => (false, at + 1, 0),
                _ => return Ok(None),
            },
            Format::Msgpack => match msgpack::read_head(src, at)? {
                (msgpack::Head::Map(n), next) => (true, next, n),
                (msgpack::Head::Array(n), next) => (false, next, n),
                _ => return Ok(None),
            },
        };
        Ok(Some(Cursor { pos, trie, object, first: true, remaining, index: 0, keys_only: false }))
    }

    fn next<'a>(&mut self, src: &'a [u8], format: Format) -> Result<Entry<'a>> {
        match format {
            Format::Json => self.next_json(src),
            Format::Msgpack => self.next_msgpack(src),
        }
    }

    fn next_json<'a>(&mut self, src: &'a [u8]) -> Result<Entry<'a>> {
        let close = if self.object { b'}' } else { b']' };
        let mut i = json::skip_ws(src, self.pos);
        let c = *src.get(i).ok_or_else(|| Error::end(i))?;
        if c == close {
            return Ok(Entry::End(i + 1));
        }
        if !self.first {
            if c != b',' {
                return Err(Error::unexpected("',' or a closing bracket", i));
            }
            i = json::skip_ws(src, i + 1);
        }
        self.first = false;
        if !self.object {
            let index = self.index;
            self.index += 1;
            return Ok(Entry::Element(index, i));
        }
        if src.get(i) != Some(&b'"') {
            return Err(Error::unexpected("a quoted member name", i));
        }
        let (body_end, after, escaped) = json::scan_string(src, i)?;
        let key = Str::json(src.get(i + 1..body_end).unwrap_or_default(), escaped);
        let colon = json::skip_ws(src, after);
        if src.get(colon) != Some(&b':') {
            return Err(Error::unexpected("':'", colon));
        }
        Ok(Entry::Member(key, json::skip_ws(src, colon + 1)))
    }

    fn next_msgpack<'a>(&mut self, src: &'a [u8]) -> Result<Entry<'a>> {
        if self.remaining == 0 {
            return Ok(Entry::End(self.pos));
        }
        self.remaining -= 1;
        if self.object {
            let (key, value) = msgpack::read_key(src, self.pos)?;
            Ok(Entry::Member(key, value))
        } else {
            let index = self.index;
            self.index += 1;
            Ok(Entry::Element(index, self.pos))
        }
    }
}

fn skip(src: &[u8], format: Format, at: usize) -> Result<usize> {
    match format {
        Format::Json => json::skip_value(src, at),
        Format::Msgpack => msgpack::skip_value(src, at),
    }
}

impl FieldSet {
    /// Walks `root` from trie node `start`, appending what each path finds to `found`.
    pub(super) fn walk<'a>(&self, root: Node<'a>, start: usize, found: &mut [Vec<Node<'a>>]) -> Result<()> {
        let (src, format) = (root.src(), root.format());
        for &id in &self.trie[start].ends {
            found[id].push(root);
        }
        // Early stop (first_occurrences): which top-level keys of the set are still unseen.
        let root_keys = if self.first_only && start == 0 { self.trie[0].keys.len() } else { 0 };
        let mut seen = vec![false; root_keys];
        let mut unseen = root_keys;
        let mut stack: Vec<Cursor> = Vec::new();
        if self.wants_children(start) {
            if let Some(c) = Cursor::open(src, format, root.start(), start)? {
                stack.push(c);
            }
        }
        loop {
            let at_root = root_keys > 0 && stack.len() == 1;
            if at_root && unseen == 0 {
                break;
            }
            let Some(top) = stack.last_mut() else { break };
            let (child, value, record) = match top.next(src, format)? {
                Entry::End(after) => {
                    stack.pop();
                    if let Some(parent) = stack.last_mut() {
                        parent.pos = after;
                    }
                    continue;
                }
                Entry::Member(key, value) => {
                    let child = self.child_by_raw_key(top.trie, key);
                    if at_root {
                        if let Some(k) = self.trie[0].keys.iter().position(|(_, n)| Some(*n) == child) {
                            if !seen[k] {
                                seen[k] = true;
                                unseen -= 1;
                            }
                        }
                    }
                    (child, value, true)
                }
                Entry::Element(index, value) => {
                    let t = &self.trie[top.trie];
                    let by_index = if top.keys_only { None } else { t.indexes.iter().find(|(i, _)| *i == index).map(|&(_, n)| n) };
                    let transparent = !t.keys.is_empty();
                    match (by_index, transparent) {
                        (Some(n), true) => {
                            // Wanted under two trie nodes: walk the indexed path on its own (rare).
                            self.walk(Node::new(src, value, format), n, found)?;
                            (Some(top.trie), value, false)
                        }
                        (Some(n), false) => (Some(n), value, true),
                        // Arrays are transparent to keys: elements continue under the same node
                        // (the array itself was already recorded for paths ending here).
                        (None, true) => (Some(top.trie), value, false),
                        (None, false) => (None, value, false),
                    }
                }
            };
            let descend = match child {
                Some(n) => {
                    if record {
                        for &id in &self.trie[n].ends {
                            found[id].push(Node::new(src, value, format));
                        }
                    }
                    if self.wants_children(n) {
                        // `record` is false exactly when this element is entered by transparency.
                        Cursor::open(src, format, value, n)?.map(|c| Cursor { keys_only: !record, ..c })
                    } else {
                        None
                    }
                }
                None => None,
            };
            match descend {
                Some(c) => stack.push(c),
                None => {
                    let end = skip(src, format, value)?;
                    if let Some(top) = stack.last_mut() {
                        top.pos = end;
                    }
                }
            }
        }
        Ok(())
    }

    fn wants_children(&self, at: usize) -> bool {
        let t = &self.trie[at];
        !t.keys.is_empty() || !t.indexes.is_empty()
    }

    /// The trie node a member key leads to from `at`: an exact key, or (for keys that contain
    /// dots, like label names) the path its dot-separated parts spell.
    fn child_by_raw_key(&self, at: usize, key: Str<'_>) -> Option<usize> {
        let node = &self.trie[at];
        if node.keys.is_empty() {
            return None;
        }
        if key.is_escaped() {
            let text = key.text();
            return self.child_by_text(at, &text);
        }
        let raw = key.raw();
        // No key (nor a dotted path's first segment) starts like this one: not wanted.
        if node.first_bytes & raw.first().map_or(u64::MAX, |&b| super::first_byte_bit(b)) == 0 {
            return None;
        }
        if let Some(&(_, n)) = node.keys.iter().find(|(k, _)| k.as_bytes() == raw) {
            return Some(n);
        }
        // A plain loop: memchr's setup costs more than these short keys.
        if !node.deep || !raw.iter().any(|&b| b == b'.') {
            return None;
        }
        self.child_by_text(at, &String::from_utf8_lossy(raw))
    }

    fn child_by_text(&self, at: usize, key: &str) -> Option<usize> {
        let node = &self.trie[at];
        if let Some(&(_, n)) = node.keys.iter().find(|(k, _)| k == key) {
            return Some(n);
        }
        if !node.deep || !key.contains('.') {
            return None;
        }
        let mut cur = at;
        for part in key.split('.') {
            cur = self.trie[cur].keys.iter().find(|(k, _)| k == part)?.1;
        }
        Some(cur)
    }
}
