//! The verifier's fast reader: a JSON record read into a flat tape of spans, then written
//! canonically straight into the MAC message.
//!
//! [`Canonicalizer`](super::Canonicalizer) writes every value as it reads it, reorders objects
//! in its buffer and copies the root's members out again; the chain field is canonicalized too
//! although only its members are needed. Here reading only records where each value lies
//! (no copy), and writing copies each canonical byte once:
//! - a value spelled exactly as its canonical form (no whitespace, plain strings, canonical
//!   integers, names already increasing) is copied as one span: records of one source repeat
//!   such small objects (`labels`, the chain field);
//! - other objects are written member by member in name order (member indices are sorted, not
//!   the text);
//! - strings and numbers that need rewriting go through the reference writers
//!   ([`super::string::write_record_str`], [`super::number::write_json_number`]).
//!
//! It reads a subset of what the reference reads and gives exactly its bytes (property tests
//! in `tests.rs`). What it does not handle — names with escapes or non-ASCII bytes, repeated
//! names, deep nesting, anything malformed — is `None`: the caller then uses the reference.

use super::json::{scan_number, scan_string, skip_ws, StrKind};
use super::number::{is_canonical_integer, write_json_number};
use super::string::write_record_str;
use super::{Captured, Spelled};

/// Nesting the fast reader follows (it writes by recursion); deeper records go to the
/// reference reader, which has no such limit.
const MAX_DEPTH: usize = 32;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Object,
    Array,
    /// A string; see [`StrKind`].
    Str(StrKind),
    Num,
    /// `true`, `false`, `null`.
    Literal,
}

/// One value (or member name) of the record.
#[derive(Clone, Copy, Debug)]
struct Node {
    kind: Kind,
    /// The value spells its own canonical form.
    canonical: bool,
    /// Its bytes in the record: strings with their quotes, containers with their brackets.
    start: u32,
    end: u32,
    /// Containers: the index of the node after the container's last one.
    next: u32,
    /// Member names: their first eight bytes, zero-padded, big-endian, so that most names
    /// compare as one word.
    head: u64,
}

/// Reusable buffers for reading records one after another.
#[derive(Default)]
pub struct Tape {
    nodes: Vec<Node>,
    /// Member name nodes of the objects being written, sorted per object.
    order: Vec<u32>,
    scratch: Vec<u8>,
}

/// An object of a record read by [`Tape::read`].
#[derive(Clone, Copy, Debug)]
pub struct Object(u32);

/// A record read by [`Tape::read`].
pub struct TapeDoc<'t, 'a> {
    tape: &'t mut Tape,
    src: &'a [u8],
}

impl Tape {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a JSON record whose root is an object; `None` when the fast reader does not
    /// handle it (see the module notes).
    pub fn read<'t, 'a>(&'t mut self, src: &'a [u8]) -> Option<TapeDoc<'t, 'a>> {
        u32::try_from(src.len()).ok()?;
        self.nodes.clear();
        let i = skip_ws(src, 0);
        if src.get(i) != Some(&b'{') {
            return None;
        }
        let (end, _) = self.object(src, i, 0)?;
        // Only whitespace may follow (or the NUL Fluent Bit puts after the record).
        match src.get(skip_ws(src, end)..) {
            Some([] | [0]) => Some(TapeDoc { tape: self, src }),
            _ => None,
        }
    }

    // The readers below follow the grammar of `Canonicalizer::fill_json`, less what the module
    // notes leave out. Each reads one value at `i` and returns where it ends and whether it is
    // spelled canonically.

    fn value(&mut self, src: &[u8], i: usize, depth: usize) -> Option<(usize, bool)> {
        let (kind, canonical, end) = match *src.get(i)? {
            b'{' => return self.object(src, i, depth + 1),
            b'[' => return self.array(src, i, depth + 1),
            b'"' => {
                let (end, kind) = scan_string(src, i).ok()?;
                (Kind::Str(kind), kind == StrKind::Plain, end)
            }
            b'-' | b'0'..=b'9' => {
                let end = scan_number(src, i).ok()?;
                let text = src.get(i..end)?;
                let canonical = is_canonical_integer(text);
                if !canonical && !finite(text, &mut self.scratch) {
                    return None;
                }
                (Kind::Num, canonical, end)
            }
            b => {
                let lit: &[u8] = match b {
                    b't' => b"true",
                    b'f' => b"false",
                    b'n' => b"null",
                    _ => return None,
                };
                if src.get(i..i + lit.len())? != lit {
                    return None;
                }
                (Kind::Literal, true, i + lit.len())
            }
        };
        self.push(kind, canonical, i, end);
        Some((end, canonical))
    }

    fn object(&mut self, src: &[u8], i: usize, depth: usize) -> Option<(usize, bool)> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let node = self.push(Kind::Object, true, i, i);
        let mut canonical = true;
        let mut i = ws(src, i + 1, &mut canonical);
        if src.get(i) == Some(&b'}') {
            return self.close(node, i + 1, canonical);
        }
        let mut last_name: Option<Node> = None;
        loop {
            // `"name" :`
            if src.get(i) != Some(&b'"') {
                return None;
            }
            let (end, kind) = scan_string(src, i).ok()?;
            if kind != StrKind::Plain {
                return None;
            }
            let name = self.push(Kind::Str(kind), true, i, end);
            let name = self.nodes.get_mut(name as usize)?;
            name.head = head(src, i + 1, end - 1);
            let name = *name;
            if last_name.replace(name).is_some_and(|last| name_order(src, &last, &name).is_ge()) {
                canonical = false;
            }
            i = ws(src, end, &mut canonical);
            if src.get(i) != Some(&b':') {
                return None;
            }
            i = ws(src, i + 1, &mut canonical);
            let (end, value_canonical) = self.value(src, i, depth)?;
            canonical &= value_canonical;
            i = ws(src, end, &mut canonical);
            match src.get(i)? {
                b',' => i = ws(src, i + 1, &mut canonical),
                b'}' => return self.close(node, i + 1, canonical),
                _ => return None,
            }
        }
    }

    fn array(&mut self, src: &[u8], i: usize, depth: usize) -> Option<(usize, bool)> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let node = self.push(Kind::Array, true, i, i);
        let mut canonical = true;
        let mut i = ws(src, i + 1, &mut canonical);
        if src.get(i) == Some(&b']') {
            return self.close(node, i + 1, canonical);
        }
        loop {
            let (end, value_canonical) = self.value(src, i, depth)?;
            canonical &= value_canonical;
            i = ws(src, end, &mut canonical);
            match src.get(i)? {
                b',' => i = ws(src, i + 1, &mut canonical),
                b']' => return self.close(node, i + 1, canonical),
                _ => return None,
            }
        }
    }

    fn push(&mut self, kind: Kind, canonical: bool, start: usize, end: usize) -> u32 {
        let at = self.nodes.len() as u32;
        self.nodes.push(Node { kind, canonical, start: start as u32, end: end as u32, next: at + 1, head: 0 });
        at
    }

    /// Ends the container `node` just before `end`.
    fn close(&mut self, node: u32, end: usize, canonical: bool) -> Option<(usize, bool)> {
        let next = self.nodes.len() as u32;
        let n = self.nodes.get_mut(node as usize)?;
        n.end = end as u32;
        n.next = next;
        n.canonical = canonical;
        Some((end, canonical))
    }
}

/// Whether a JSON number (as scanned) has a canonical form: the reference refuses the whole
/// record otherwise, even where the number is in a member left out of the body. Only an
/// exponent or hundreds of digits can take a number beyond f64.
fn finite(text: &[u8], scratch: &mut Vec<u8>) -> bool {
    if text.len() < 300 && !text.iter().any(|&b| b | 0x20 == b'e') {
        return true;
    }
    scratch.clear();
    write_json_number(scratch, text).is_ok()
}

/// Skips whitespace from `i`; any makes the enclosing value not canonical.
#[inline(always)]
fn ws(src: &[u8], i: usize, canonical: &mut bool) -> usize {
    let j = skip_ws(src, i);
    if j != i {
        *canonical = false;
    }
    j
}

/// Orders two member names by their bytes.
#[inline(always)]
fn name_order(src: &[u8], a: &Node, b: &Node) -> std::cmp::Ordering {
    match a.head.cmp(&b.head) {
        // Equal up to eight bytes, both at most eight long (ten with quotes): plain names have
        // no NUL, so neither is padding where the other has a byte.
        std::cmp::Ordering::Equal if a.len() <= 10 && b.len() <= 10 => a.len().cmp(&b.len()),
        std::cmp::Ordering::Equal => a.name(src).cmp(b.name(src)),
        unequal => unequal,
    }
}

/// [`Node::head`] of the name `src[start..end]`.
#[inline(always)]
fn head(src: &[u8], start: usize, end: usize) -> u64 {
    let len = end.saturating_sub(start);
    let Some(word) = src.get(start..).and_then(|s| s.first_chunk::<8>()) else {
        let mut w = [0u8; 8];
        for (d, s) in w.iter_mut().zip(src.get(start..end).unwrap_or_default()) {
            *d = *s;
        }
        return u64::from_be_bytes(w);
    };
    let word = u64::from_be_bytes(*word);
    // Keep the name's bytes (the high ones), zero what follows it.
    if len >= 8 { word } else { word & !(u64::MAX >> (8 * len)) }
}

/// Member name nodes of the object at `obj`, in record order (each followed by its value).
fn members(nodes: &[Node], obj: u32) -> impl Iterator<Item = u32> + '_ {
    let end = nodes.get(obj as usize).map_or(0, |n| n.next);
    let mut at = obj + 1;
    std::iter::from_fn(move || {
        let key = at;
        (key < end).then(|| {
            at = nodes.get(key as usize + 1).map_or(end, |v| v.next);
            key
        })
    })
}

impl TapeDoc<'_, '_> {
    fn node(&self, at: u32) -> Option<Node> {
        self.tape.nodes.get(at as usize).copied()
    }

    fn span(&self, n: &Node) -> &[u8] {
        self.src.get(n.start as usize..n.end as usize).unwrap_or_default()
    }

    /// The name node of the member `name` of the object at `obj`.
    fn find_member(&self, obj: u32, name: &[u8]) -> Option<u32> {
        let head = head(name, 0, name.len());
        let quoted = name.len() as u32 + 2;
        members(&self.tape.nodes, obj).find(|&k| {
            // Names compare as one word unless they are longer than eight bytes.
            self.node(k).is_some_and(|n| n.head == head && n.end - n.start == quoted && (quoted <= 10 || n.name(self.src) == name))
        })
    }

    /// The root member `name` when it holds an object (record names are unique: see
    /// [`write_root_without`](Self::write_root_without)).
    pub fn root_object(&self, name: &str) -> Option<Object> {
        let at = self.find_member(0, name.as_bytes())? + 1;
        (self.node(at)?.kind == Kind::Object).then_some(Object(at))
    }

    /// The members of an object as the record spells them, in record order (to read the chain
    /// field).
    pub fn members(&self, obj: Object) -> impl Iterator<Item = Captured> + '_ {
        members(&self.tape.nodes, obj.0).filter_map(|k| Some(Captured { name: self.spelled(k)?, value: self.spelled(k + 1)? }))
    }

    /// How the record spells the value of the object's member `member`.
    pub fn member_spelling(&self, obj: Object, member: &str) -> Option<&[u8]> {
        let v = self.node(self.find_member(obj.0, member.as_bytes())? + 1)?;
        Some(self.span(&v))
    }

    /// The object as spelled without its member `cut` (and the comma that separated it), when
    /// the object is spelled canonically: then that is the canonical form of the object
    /// without `cut`. `None` otherwise, or when there is no `cut`.
    pub fn canonical_without(&self, obj: Object, cut: &str) -> Option<(&[u8], &[u8])> {
        let (at, o) = (obj.0, self.node(obj.0)?);
        if !o.canonical {
            return None;
        }
        let key = self.find_member(at, cut.as_bytes())?;
        let (k, v) = (self.node(key)?, self.node(key + 1)?);
        let text = |from: u32, to: u32| self.src.get(from as usize..to as usize);
        if key > at + 1 {
            // `,"cut":value`
            Some((text(o.start, k.start - 1)?, text(v.end, o.end)?))
        } else if v.end + 1 < o.end {
            // The first member: `"cut":value,`
            Some((text(o.start, k.start)?, text(v.end + 1, o.end)?))
        } else {
            Some((text(o.start, k.start)?, text(v.end, o.end)?))
        }
    }

    /// How the record spells the value at `at`.
    fn spelled(&self, at: u32) -> Option<Spelled> {
        let n = self.node(at)?;
        let (start, end) = (n.start as usize, n.end as usize);
        Some(match n.kind {
            Kind::Str(kind) => Spelled::Str { start: start + 1, end: end - 1, escaped: kind == StrKind::Escaped },
            Kind::Num => Spelled::Num { start, end },
            Kind::Literal => match self.src.get(start)? {
                b't' => Spelled::Bool(true),
                b'f' => Spelled::Bool(false),
                _ => Spelled::Null,
            },
            Kind::Object | Kind::Array => Spelled::Container { start, end },
        })
    }

    /// Writes the root object canonically without the member `skip`; returns the number of
    /// members written. `None` when a name repeats in some object (the reference keeps the
    /// last) or a number cannot be written.
    pub fn write_root_without(&mut self, out: &mut Vec<u8>, skip: &str) -> Option<u64> {
        self.write_object(out, 0, Some(skip.as_bytes()))
    }

    /// Writes the value at `at` canonically.
    fn write_value(&mut self, out: &mut Vec<u8>, at: u32) -> Option<()> {
        let n = self.node(at)?;
        if n.canonical {
            out.extend_from_slice(self.span(&n));
            return Some(());
        }
        match n.kind {
            Kind::Object => self.write_object(out, at, None).map(drop),
            Kind::Array => {
                out.push(b'[');
                let mut el = at + 1;
                while el < n.next {
                    if el > at + 1 {
                        out.push(b',');
                    }
                    self.write_value(out, el)?;
                    el = self.node(el)?.next;
                }
                out.push(b']');
                Some(())
            }
            Kind::Str(kind) => {
                let body = self.src.get(n.start as usize + 1..n.end as usize - 1)?;
                write_record_str(out, body, kind == StrKind::Escaped);
                Some(())
            }
            Kind::Num => write_json_number(out, self.span(&n)).ok(),
            Kind::Literal => {
                out.extend_from_slice(self.span(&n));
                Some(())
            }
        }
    }

    /// Writes the object at `obj` in name order, leaving out the member named `skip`; returns
    /// the number of members written.
    fn write_object(&mut self, out: &mut Vec<u8>, obj: u32, skip: Option<&[u8]>) -> Option<u64> {
        let base = self.tape.order.len();
        let written = self.write_members(out, obj, skip, base);
        self.tape.order.truncate(base);
        written
    }

    /// [`write_object`](Self::write_object) with the names sorted in `order[base..]`.
    fn write_members(&mut self, out: &mut Vec<u8>, obj: u32, skip: Option<&[u8]>, base: usize) -> Option<u64> {
        let src = self.src;
        let Tape { nodes, order, .. } = &mut *self.tape;
        order.extend(members(nodes, obj));
        let names = order.get_mut(base..)?;
        let node = |k: u32| nodes.get(k as usize);
        let cmp = |a: u32, b: u32| match (node(a), node(b)) {
            (Some(a), Some(b)) => name_order(src, a, b),
            _ => std::cmp::Ordering::Equal,
        };
        if names.len() <= 16 {
            // Insertion sort: no call, no allocation; the objects of log records are small.
            for i in 1..names.len() {
                let mut j = i;
                while j > 0 && cmp(names[j - 1], names[j]).is_gt() {
                    names.swap(j - 1, j);
                    j -= 1;
                }
            }
        } else {
            names.sort_unstable_by(|&a, &b| cmp(a, b));
        }
        if names.windows(2).any(|w| cmp(w[0], w[1]).is_eq()) {
            return None;
        }
        let skip = skip.map(|s| (head(s, 0, s.len()), s));
        out.push(b'{');
        let mut written = 0u64;
        for at in base..self.tape.order.len() {
            let key = *self.tape.order.get(at)?;
            let n = self.node(key)?;
            if skip.is_some_and(|(head, s)| n.head == head && n.name(src) == s) {
                continue;
            }
            if written > 0 {
                out.push(b',');
            }
            out.extend_from_slice(self.span(&n));
            out.push(b':');
            self.write_value(out, key + 1)?;
            written += 1;
        }
        out.push(b'}');
        Some(written)
    }
}

impl Node {
    fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// A member name's text (plain: between its quotes).
    fn name<'a>(&self, src: &'a [u8]) -> &'a [u8] {
        src.get(self.start as usize + 1..self.end as usize - 1).unwrap_or_default()
    }
}
