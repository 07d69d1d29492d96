//! The canonical form of a record: the exact bytes the MAC covers.
//!
//! Outputs and re-encoders change how a record is spelled — key order, whitespace, `\u`
//! escaping, `1.0` vs `1` — but not what it says. The canonical form keeps only what it says:
//!
//! - **RFC 8785 (JCS) layout**: no whitespace; objects as `{"k":v,...}`, arrays as `[v,...]`.
//! - **Keys sorted by their UTF-8 bytes** (= Unicode code point order; JCS sorts by UTF-16 code
//!   units, which differs only between U+E000..U+FFFF and supplementary characters). Duplicate
//!   keys (possible in msgpack) keep the last occurrence, as Fluent Bit's JSON output does.
//! - **Strings** as the text Fluent Bit's JSON output shows, escaped minimally ([`string`]).
//! - **Numbers** exact for integers, 16 significant digits for other floats ([`number`]).
//! - `true`, `false`, `null`.
//!
//! A record is read once with the SDK's token reader and written canonically in the same pass
//! (no recursion: nesting lives in heap vectors); see [`Canonicalizer`]. All buffers are reused
//! from one record to the next.

mod json;
pub mod number;
pub mod string;
#[cfg(feature = "verify")]
mod tape;

use std::cmp::Ordering;
use std::fmt;

use logward_sdk::{Format, Num, Scalar, Token, Tokens};

pub use number::NumberError;
pub use string::{fluent_bit_text, unescape_json, write_canonical_str};
#[cfg(feature = "verify")]
pub use tape::{Object, Tape, TapeDoc};

/// Why a record has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonError {
    /// The record is not well-formed JSON/msgpack (SDK message, without record content).
    Syntax(String),
    /// The record body is not an object.
    NotAnObject,
    /// A number JSON cannot spell (NaN, infinity).
    NonFinite,
    /// A number that is not a number.
    Malformed,
}

impl fmt::Display for CanonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonError::Syntax(e) => f.write_str(e),
            CanonError::NotAnObject => f.write_str("record body is not an object"),
            CanonError::NonFinite => f.write_str("record holds NaN or an infinite number, which JSON cannot spell"),
            CanonError::Malformed => f.write_str("record holds a malformed number"),
        }
    }
}

impl From<NumberError> for CanonError {
    fn from(e: NumberError) -> Self {
        match e {
            NumberError::NonFinite => CanonError::NonFinite,
            NumberError::Malformed => CanonError::Malformed,
        }
    }
}

/// One member of an object: where its canonical text (`"name":value`) lies in the buffer, and
/// its decoded name (in the buffer between the quotes when it needed no escape, else in the
/// side buffer) for sorting.
#[derive(Clone, Copy, Default)]
struct Member {
    /// The name's first 8 bytes, big-endian, zero-padded: most comparisons end here.
    prefix: u64,
    key: usize,
    key_len: usize,
    key_in_side: bool,
    /// The member's text: `start..end`; its value: `value..end`.
    start: usize,
    value: usize,
    end: usize,
    /// The value's bytes in the record (for reading the chain field as it was written).
    src_start: usize,
    src_end: usize,
    object: bool,
}

struct Frame {
    object: bool,
    /// No member/element written yet.
    first: bool,
    /// Member names so far strictly increasing: the object needs no reordering.
    sorted: bool,
    /// This object's members are `members[base..]`.
    base: usize,
    /// Buffer position just after the opening bracket.
    content: usize,
    src_start: usize,
    /// The object being captured (see [`Canonicalizer::capture`]).
    capture: bool,
}

/// A member value of the captured object, as the record spells it (spans into the record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spelled {
    /// A string body (without quotes); `escaped`: it has backslash escapes.
    Str { start: usize, end: usize, escaped: bool },
    /// A number's text.
    Num { start: usize, end: usize },
    Bool(bool),
    #[default]
    Null,
    /// An object or array: its bytes.
    Container { start: usize, end: usize },
}

/// A member of the captured object: its name (a string body, as [`Spelled::Str`]) and value.
#[derive(Debug, Clone, Copy)]
pub struct Captured {
    pub name: Spelled,
    pub value: Spelled,
}

/// Reusable buffers for canonicalizing one record after another without reallocating.
///
/// One pass over the record's tokens writes every value canonically into one buffer. Members
/// are written in record order; an object whose names are not already strictly increasing is
/// reordered when it closes (its members' texts are moved into sorted order, duplicates dropped
/// but the last). The root object's members are only indexed, so the root can be written
/// leaving some out ([`Doc::write_root`]). Nesting lives in heap vectors, never in recursion.
#[derive(Default)]
pub struct Canonicalizer {
    buf: Vec<u8>,
    side: Vec<u8>,
    members: Vec<Member>,
    frames: Vec<Frame>,
    scratch: Vec<u8>,
    order: Vec<u32>,
    orders: OrderCache,
    /// The root object's members, sorted by name, one per name.
    root: Vec<Member>,
    /// Root member whose object members are recorded as spelled (JSON records).
    capture_key: Option<Vec<u8>>,
    /// The next value is the captured object.
    capture_next: bool,
    /// Where the captured object starts in the record, and its members.
    captured_at: Option<usize>,
    captured: Vec<Captured>,
    captured_name: Spelled,
}

fn key_of<'k>(m: &Member, buf: &'k [u8], side: &'k [u8]) -> &'k [u8] {
    let from = if m.key_in_side { side } else { buf };
    from.get(m.key..m.key + m.key_len).unwrap_or_default()
}

/// Eight bytes of a name from `at`, zero-padded, little-endian (no byte swap: under an
/// interpreter a 64-bit swap is ~40 instructions). Compared with [`prefix_order`].
fn word_at(key: &[u8], at: usize) -> u64 {
    if let Some(w) = key.get(at..).and_then(|k| k.first_chunk::<8>()) {
        return u64::from_le_bytes(*w);
    }
    let mut w = [0u8; 8];
    if let Some(rest) = key.get(at..) {
        let n = rest.len().min(8);
        if let (Some(dst), Some(src)) = (w.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
    }
    u64::from_le_bytes(w)
}

fn prefix_of(key: &[u8]) -> u64 {
    word_at(key, 0)
}

/// Byte order of two little-endian words: decided by the first (lowest) byte that differs.
#[inline(always)]
fn prefix_order(a: u64, b: u64) -> Ordering {
    let d = a ^ b;
    if d == 0 {
        return Ordering::Equal;
    }
    let shift = d.trailing_zeros() & !7;
    ((a >> shift) & 0xff).cmp(&((b >> shift) & 0xff))
}

/// Orders member names by their UTF-8 bytes.
fn key_cmp(a: &Member, b: &Member, buf: &[u8], side: &[u8]) -> Ordering {
    match prefix_order(a.prefix, b.prefix) {
        // Equal zero-padded prefixes of names of at most 8 bytes: the shorter is a prefix
        // of the longer.
        Ordering::Equal if a.key_len <= 8 && b.key_len <= 8 => a.key_len.cmp(&b.key_len),
        Ordering::Equal => key_of(a, buf, side).cmp(key_of(b, buf, side)),
        unequal => unequal,
    }
}

/// Orders of recently sorted objects, by their names' sequence: records of one source repeat
/// the same key order, so most objects need a comparison per name instead of a sort.
#[derive(Default)]
struct OrderCache {
    entries: Vec<CachedOrder>,
    next: usize,
}

#[derive(Default)]
struct CachedOrder {
    /// (bytes 0..8, bytes 8..16, length) of each name, in record order.
    names: Vec<(u64, u64, usize)>,
    /// The bytes past 16 of the longer names, concatenated.
    long: Vec<u8>,
    order: Vec<u32>,
}

impl CachedOrder {
    fn matches(&self, seg: &[Member], buf: &[u8], side: &[u8]) -> bool {
        if self.names.len() != seg.len() {
            return false;
        }
        let mut at = 0;
        for (m, &(prefix, second, len)) in seg.iter().zip(&self.names) {
            if m.prefix != prefix || m.key_len != len {
                return false;
            }
            if len > 8 {
                let key = key_of(m, buf, side);
                if word_at(key, 8) != second {
                    return false;
                }
                if len > 16 {
                    if self.long.get(at..at + len - 16) != key.get(16..) {
                        return false;
                    }
                    at += len - 16;
                }
            }
        }
        true
    }
}

const ORDER_CACHE: usize = 8;

impl OrderCache {
    /// `order` for `seg`: from the cache, or sorted (and cached).
    fn order(&mut self, seg: &[Member], buf: &[u8], side: &[u8], order: &mut Vec<u32>) {
        if let Some(hit) = self.entries.iter().find(|e| e.matches(seg, buf, side)) {
            order.clear();
            order.extend_from_slice(&hit.order);
            return;
        }
        sorted_order(seg, buf, side, order);
        if self.entries.len() < ORDER_CACHE {
            self.entries.push(CachedOrder::default());
        }
        let slot = self.next % self.entries.len().max(1);
        self.next = self.next.wrapping_add(1);
        if let Some(e) = self.entries.get_mut(slot) {
            e.names.clear();
            e.long.clear();
            for m in seg {
                let key = key_of(m, buf, side);
                e.names.push((m.prefix, word_at(key, 8), m.key_len));
                e.long.extend_from_slice(key.get(16..).unwrap_or_default());
            }
            e.order.clear();
            e.order.extend_from_slice(order);
        }
    }
}

/// Fills `order` with the indices of `seg`'s members sorted by name (stable), keeping only the
/// last of equal names. Indices (not 40-byte members) move while sorting; most comparisons end
/// at the names' 8-byte prefixes.
fn sorted_order(seg: &[Member], buf: &[u8], side: &[u8], order: &mut Vec<u32>) {
    order.clear();
    order.extend(0..seg.len() as u32);
    let member = |i: u32| seg.get(i as usize);
    let cmp = |a: u32, b: u32| match (member(a), member(b)) {
        (Some(a), Some(b)) => key_cmp(a, b, buf, side),
        _ => Ordering::Equal,
    };
    let mut equal_seen = false;
    if order.len() <= 16 {
        // Insertion sort: stable, no allocation, fast for the small objects of log records.
        for i in 1..order.len() {
            let cur = order[i];
            let mut j = i;
            while j > 0 {
                match cmp(order[j - 1], cur) {
                    Ordering::Greater => {
                        order[j] = order[j - 1];
                        j -= 1;
                    }
                    Ordering::Equal => {
                        equal_seen = true;
                        break;
                    }
                    Ordering::Less => break,
                }
            }
            order[j] = cur;
        }
    } else {
        order.sort_by(|&a, &b| cmp(a, b));
        equal_seen = true;
    }
    if !equal_seen {
        return;
    }
    let mut kept = 0;
    for r in 0..order.len() {
        let dup_of_next = order.get(r + 1).is_some_and(|&n| cmp(n, order[r]) == Ordering::Equal);
        if !dup_of_next {
            order[kept] = order[r];
            kept += 1;
        }
    }
    order.truncate(kept);
}

impl Canonicalizer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records, for JSON records, the members of the root object's member `key` as they are
    /// spelled ([`Doc::captured`]): reading them back needs no second pass over the record.
    pub fn capture(&mut self, key: &str) {
        self.capture_key = Some(key.as_bytes().to_vec());
    }

    /// Reads a JSON object (a record as Fluent Bit's outputs write it).
    pub fn load_json<'c, 'a>(&'c mut self, text: &'a [u8]) -> Result<Doc<'c, 'a>, CanonError> {
        self.load(text, Format::Json)
    }

    /// Reads a whole record (its root must be an object).
    pub fn load<'c, 'a>(&'c mut self, src: &'a [u8], format: Format) -> Result<Doc<'c, 'a>, CanonError> {
        // JSON goes through the fused scanner; anything it does not accept (malformed input,
        // NaN...) is read again with the SDK's token reader, which gives the verdict and the
        // error message.
        let fast = format == Format::Json && self.fill_json(src, true) == Ok(true);
        if !fast && !self.fill(Tokens::new(src, format), true)? {
            return Err(CanonError::NotAnObject);
        }
        Ok(Doc { home: self, src, format })
    }

    /// [`load`](Self::load) with the SDK's token reader only (tests compare both readers).
    #[cfg(test)]
    pub(crate) fn load_via_tokens<'c, 'a>(&'c mut self, src: &'a [u8], format: Format) -> Result<Doc<'c, 'a>, CanonError> {
        if !self.fill(Tokens::new(src, format), true)? {
            return Err(CanonError::NotAnObject);
        }
        Ok(Doc { home: self, src, format })
    }

    /// The canonical form of any value (not only an object).
    pub fn canonical_value(&mut self, tokens: Tokens<'_>) -> Result<&[u8], CanonError> {
        self.fill(tokens, false)?;
        Ok(&self.buf)
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.side.clear();
        self.members.clear();
        self.frames.clear();
        self.root.clear();
        self.capture_next = false;
        self.captured_at = None;
        self.captured.clear();
    }

    /// Inside the captured object (its members are at depth 2).
    fn capturing(&self) -> bool {
        self.frames.len() == 2 && self.frames.last().is_some_and(|f| f.capture)
    }

    /// After a member name at `start..end` (a string body) was read.
    fn named(&mut self, start: usize, end: usize, escaped: bool) {
        match self.frames.len() {
            1 => {
                self.capture_next = self.capture_key.as_deref().is_some_and(|k| {
                    self.members.last().is_some_and(|m| key_of(m, &self.buf, &self.side) == k)
                });
            }
            2 if self.capturing() => self.captured_name = Spelled::Str { start, end, escaped },
            _ => {}
        }
    }

    fn capture_value(&mut self, value: Spelled) {
        if self.capturing() {
            self.captured.push(Captured { name: self.captured_name, value });
        }
    }

    /// Writes every token canonically; returns whether the root was an object. With
    /// `index_root`, the root object's members are indexed instead of written in order.
    fn fill(&mut self, tokens: Tokens<'_>, index_root: bool) -> Result<bool, CanonError> {
        self.reset();
        let mut root_object = false;
        for t in tokens {
            let t = t.map_err(|e| CanonError::Syntax(e.to_string()))?;
            match t.token {
                Token::Key(k) => self.key(k.raw(), k.is_escaped()),
                Token::Scalar(s) => {
                    self.before_value();
                    write_scalar(&mut self.buf, s)?;
                    self.after_value(t.span.0, t.span.1, false);
                }
                Token::ObjectStart => self.open(true, t.span.0),
                Token::ArrayStart => self.open(false, t.span.0),
                Token::ArrayEnd { .. } => self.close_array(t.span.1),
                Token::ObjectEnd(_) => root_object = self.close_object(t.span.1, index_root),
            }
        }
        Ok(root_object)
    }

    /// The same as [`fill`](Self::fill) for JSON text, in one pass over the bytes without the
    /// SDK's token objects (a third of the cost under an interpreter). Accepts exactly what the
    /// SDK's reader accepts, or less: `Err` sends the record to [`fill`](Self::fill).
    fn fill_json(&mut self, src: &[u8], index_root: bool) -> Result<bool, ()> {
        #[derive(PartialEq, Eq)]
        enum State {
            Value,
            FirstKey,
            Key,
            FirstElement,
            Next,
        }
        self.reset();
        self.buf.reserve(src.len());
        let mut root_object = false;
        let mut state = State::Value;
        let mut i = 0;
        loop {
            i = json::skip_ws(src, i);
            let Some(&b) = src.get(i) else { return Err(()) };
            match state {
                State::Value => match b {
                    b'{' | b'[' => {
                        if self.frames.len() >= logward_sdk::MAX_DEPTH {
                            return Err(());
                        }
                        let object = b == b'{';
                        self.open(object, i);
                        if std::mem::take(&mut self.capture_next) && object && self.frames.len() == 2 {
                            // The last member of that name is the one kept: start afresh.
                            self.captured.clear();
                            self.captured_at = Some(i);
                            if let Some(f) = self.frames.last_mut() {
                                f.capture = true;
                            }
                        }
                        i += 1;
                        state = if object { State::FirstKey } else { State::FirstElement };
                        continue;
                    }
                    b'"' => {
                        let (end, kind) = json::scan_string(src, i)?;
                        let raw = src.get(i + 1..end - 1).ok_or(())?;
                        self.before_value();
                        match kind {
                            // Its canonical form is its spelling, quotes included.
                            json::StrKind::Plain => self.buf.extend_from_slice(src.get(i..end).ok_or(())?),
                            json::StrKind::Unusual => {
                                string::write_record_str(&mut self.buf, raw, false);
                            }
                            json::StrKind::Escaped => {
                                string::write_record_str(&mut self.buf, raw, true);
                            }
                        }
                        self.after_value(i, end, false);
                        self.capture_value(Spelled::Str { start: i + 1, end: end - 1, escaped: kind == json::StrKind::Escaped });
                        i = end;
                    }
                    b'-' | b'0'..=b'9' => {
                        let end = json::scan_number(src, i)?;
                        self.before_value();
                        number::write_json_number(&mut self.buf, src.get(i..end).ok_or(())?).map_err(|_| ())?;
                        self.after_value(i, end, false);
                        self.capture_value(Spelled::Num { start: i, end });
                        i = end;
                    }
                    b't' | b'f' | b'n' => {
                        let lit: &[u8] = match b {
                            b't' => b"true",
                            b'f' => b"false",
                            _ => b"null",
                        };
                        if src.get(i..i + lit.len()) != Some(lit) {
                            return Err(());
                        }
                        self.before_value();
                        self.buf.extend_from_slice(lit);
                        self.after_value(i, i + lit.len(), false);
                        self.capture_value(match b {
                            b't' => Spelled::Bool(true),
                            b'f' => Spelled::Bool(false),
                            _ => Spelled::Null,
                        });
                        i += lit.len();
                    }
                    _ => return Err(()),
                },
                State::FirstKey | State::Key => {
                    if b == b'}' && state == State::FirstKey {
                        root_object = self.close_object(i + 1, index_root);
                        i += 1;
                        self.capture_container(i);
                    } else if b == b'"' {
                        let (end, kind) = json::scan_string(src, i)?;
                        let colon = json::skip_ws(src, end);
                        if src.get(colon) != Some(&b':') {
                            return Err(());
                        }
                        let escaped = kind == json::StrKind::Escaped;
                        if kind == json::StrKind::Plain {
                            self.plain_key(src.get(i..end).ok_or(())?);
                        } else {
                            self.key(src.get(i + 1..end - 1).ok_or(())?, escaped);
                        }
                        if self.capture_key.is_some() {
                            self.named(i + 1, end - 1, escaped);
                        }
                        i = colon + 1;
                        state = State::Value;
                        continue;
                    } else {
                        return Err(());
                    }
                }
                State::FirstElement => {
                    if b == b']' {
                        self.close_array(i + 1);
                        i += 1;
                        self.capture_container(i);
                    } else {
                        state = State::Value;
                        continue;
                    }
                }
                State::Next => {
                    let object = self.frames.last().is_some_and(|f| f.object);
                    match (b, object) {
                        (b',', true) => {
                            i += 1;
                            state = State::Key;
                            continue;
                        }
                        (b',', false) => {
                            i += 1;
                            state = State::Value;
                            continue;
                        }
                        (b'}', true) => root_object = self.close_object(i + 1, index_root),
                        (b']', false) => self.close_array(i + 1),
                        _ => return Err(()),
                    }
                    i += 1;
                    self.capture_container(i);
                }
            }
            // A value is complete.
            if self.frames.is_empty() {
                // Only whitespace may follow (or the NUL Fluent Bit puts after the record).
                let end = json::skip_ws(src, i);
                return match src.get(end..) {
                    Some([]) | Some([0]) => Ok(root_object),
                    _ => Err(()),
                };
            }
            state = State::Next;
        }
    }

    fn open(&mut self, object: bool, src_start: usize) {
        self.before_value();
        self.buf.push(if object { b'{' } else { b'[' });
        let (base, content) = (self.members.len(), self.buf.len());
        self.frames.push(Frame { object, first: true, sorted: true, base, content, src_start, capture: false });
    }

    /// A container ending at `end` closed: if it was a member value of the captured object,
    /// record it.
    fn capture_container(&mut self, end: usize) {
        if self.capturing()
            && let Some(m) = self.members.last()
        {
            self.captured.push(Captured { name: self.captured_name, value: Spelled::Container { start: m.src_start, end } });
        }
    }

    fn close_array(&mut self, src_end: usize) {
        let Some(f) = self.frames.pop() else { return };
        self.buf.push(b']');
        self.after_value(f.src_start, src_end, false);
    }

    /// Closes the innermost object; returns true when that was the root.
    fn close_object(&mut self, src_end: usize, index_root: bool) -> bool {
        let Some(f) = self.frames.pop() else { return false };
        if self.frames.is_empty() && index_root {
            let seg = self.members.get(f.base..).unwrap_or_default();
            if f.sorted {
                self.root.extend_from_slice(seg);
            } else {
                self.orders.order(seg, &self.buf, &self.side, &mut self.order);
                self.root.extend(self.order.iter().filter_map(|&i| seg.get(i as usize)));
            }
            self.members.truncate(f.base);
            return true;
        }
        if !f.sorted {
            self.reorder(&f);
        }
        self.members.truncate(f.base);
        self.buf.push(b'}');
        self.after_value(f.src_start, src_end, true);
        self.frames.is_empty()
    }

    fn before_value(&mut self) {
        if let Some(f) = self.frames.last_mut()
            && !f.object
        {
            if !f.first {
                self.buf.push(b',');
            }
            f.first = false;
        }
    }

    /// A value is complete: if it belongs to a member, the member is too.
    fn after_value(&mut self, src_start: usize, src_end: usize, object: bool) {
        if self.frames.last().is_some_and(|f| f.object)
            && let Some(m) = self.members.last_mut()
        {
            m.end = self.buf.len();
            m.src_start = src_start;
            m.src_end = src_end;
            m.object = object;
        }
    }

    /// Starts a member: the separator, and where its text starts.
    fn member_start(&mut self) -> Option<(usize, bool, usize)> {
        let f = self.frames.last_mut()?;
        if !std::mem::replace(&mut f.first, false) {
            self.buf.push(b',');
        }
        Some((self.buf.len(), f.sorted, f.base))
    }

    /// Ends a member's name: `m` gets its value's start; the object notes when names stop
    /// increasing.
    fn member_named(&mut self, mut m: Member, sorted: bool, base: usize) {
        self.buf.push(b':');
        m.value = self.buf.len();
        m.end = m.value;
        if sorted
            && self.members.len() > base
            && let Some(prev) = self.members.last()
            && key_cmp(prev, &m, &self.buf, &self.side) != Ordering::Less
            && let Some(f) = self.frames.last_mut()
        {
            f.sorted = false;
        }
        self.members.push(m);
    }

    /// A member name spelled as printable ASCII without `"` or `\\` (`quoted`: with its quotes).
    fn plain_key(&mut self, quoted: &[u8]) {
        let Some((start, sorted, base)) = self.member_start() else { return };
        self.buf.extend_from_slice(quoted);
        let name = quoted.get(1..quoted.len() - 1).unwrap_or_default();
        let m = Member { start, key: start + 1, key_len: name.len(), prefix: prefix_of(name), ..Member::default() };
        self.member_named(m, sorted, base);
    }

    /// A member name as a record holds it (see [`string::write_record_str`]).
    fn key(&mut self, raw: &[u8], escaped: bool) {
        let Some((start, sorted, base)) = self.member_start() else { return };
        let mut m = Member { start, ..Member::default() };
        if string::write_record_str(&mut self.buf, raw, escaped) {
            // Escapes in the canonical spelling: sort by the decoded name, kept aside.
            let text = string::record_text(raw, escaped);
            m.key_in_side = true;
            m.key = self.side.len();
            m.key_len = text.len();
            m.prefix = prefix_of(text.as_bytes());
            self.side.extend_from_slice(text.as_bytes());
        } else {
            m.key = start + 1;
            m.key_len = self.buf.len() - start - 2;
            m.prefix = prefix_of(key_of(&m, &self.buf, &self.side));
        }
        self.member_named(m, sorted, base);
    }

    /// Rewrites the members of the object `f` (the end of the buffer) in name order.
    fn reorder(&mut self, f: &Frame) {
        let seg = self.members.get(f.base..).unwrap_or_default();
        self.orders.order(seg, &self.buf, &self.side, &mut self.order);
        self.scratch.clear();
        self.scratch.extend_from_slice(self.buf.get(f.content..).unwrap_or_default());
        self.buf.truncate(f.content);
        for (n, m) in self.order.iter().filter_map(|&i| seg.get(i as usize)).enumerate() {
            if n > 0 {
                self.buf.push(b',');
            }
            let text = self.scratch.get(m.start - f.content..m.end - f.content).unwrap_or_default();
            self.buf.extend_from_slice(text);
        }
    }
}

/// One record, read and ready to be written canonically.
pub struct Doc<'c, 'a> {
    home: &'c mut Canonicalizer,
    src: &'a [u8],
    format: Format,
}

/// A member of the root object (see [`Doc::root_member`]).
pub type ValueId = u32;

impl<'a> Doc<'_, 'a> {
    fn member(&self, id: ValueId) -> Option<&Member> {
        self.home.root.get(id as usize)
    }

    fn key_bytes(&self, m: &Member) -> &[u8] {
        key_of(m, &self.home.buf, &self.home.side)
    }

    /// The root member named `key` (the last one if the record repeats it, as Fluent Bit's
    /// output keeps).
    pub fn root_member(&self, key: &str) -> Option<ValueId> {
        let at = self.home.root.iter().position(|m| self.key_bytes(m) == key.as_bytes())?;
        ValueId::try_from(at).ok()
    }

    /// Writes the root object canonically without the member `name`, and says where that
    /// member is (one pass: what the filter does per record).
    pub fn write_root_without(&self, out: &mut Vec<u8>, name: &str) -> (u64, Option<ValueId>) {
        let home = &*self.home;
        let name = name.as_bytes();
        let (prefix, len) = (prefix_of(name), name.len());
        let mut found = None;
        out.push(b'{');
        let mut written = 0u64;
        for (id, m) in home.root.iter().enumerate() {
            if m.prefix == prefix && m.key_len == len && (len <= 8 || key_of(m, &home.buf, &home.side) == name) {
                found = ValueId::try_from(id).ok();
                continue;
            }
            if written > 0 {
                out.push(b',');
            }
            out.extend_from_slice(home.buf.get(m.start..m.end).unwrap_or_default());
            written += 1;
        }
        out.push(b'}');
        (written, found)
    }

    /// The root member names, sorted, each once.
    pub fn root_keys(&self) -> impl Iterator<Item = &str> {
        // Names are decoded text: valid UTF-8 by construction.
        self.home.root.iter().filter_map(|m| std::str::from_utf8(self.key_bytes(m)).ok())
    }

    /// Whether the root member `id` holds an object.
    pub fn is_object(&self, id: ValueId) -> bool {
        self.member(id).is_some_and(|m| m.object)
    }

    /// The root member's value as the record spells it, and the record's format.
    pub fn source_of(&self, id: ValueId) -> Option<(&'a [u8], Format)> {
        let m = self.member(id)?;
        Some((self.src.get(m.src_start..m.src_end)?, self.format))
    }

    /// The members of the root member `id`'s object as spelled in the record, in record order,
    /// when [`Canonicalizer::capture`] named it and the fast JSON reader read the record.
    pub fn captured(&self, id: ValueId) -> Option<(&[Captured], &'a [u8])> {
        let m = self.member(id)?;
        (m.object && self.home.captured_at == Some(m.src_start)).then_some((&self.home.captured, self.src))
    }

    /// The canonical form of the root member `id`'s value.
    pub fn value_bytes(&self, id: ValueId) -> &[u8] {
        self.member(id).and_then(|m| self.home.buf.get(m.value..m.end)).unwrap_or_default()
    }

    /// Writes the root member `id`'s value canonically.
    pub fn write_value(&mut self, out: &mut Vec<u8>, id: ValueId) -> Result<(), CanonError> {
        out.extend_from_slice(self.value_bytes(id));
        Ok(())
    }

    /// Writes the root object canonically, leaving out root members for which `skip` is true.
    /// Returns the number of distinct root members written.
    pub fn write_root(&mut self, out: &mut Vec<u8>, skip: &dyn Fn(&str) -> bool) -> Result<u64, CanonError> {
        Ok(self.write_root_with(out, |k| std::str::from_utf8(k).is_ok_and(skip)))
    }

    /// [`write_root`](Self::write_root) with names as bytes (no UTF-8 check).
    pub fn write_root_with(&self, out: &mut Vec<u8>, skip: impl Fn(&[u8]) -> bool) -> u64 {
        let home = &*self.home;
        out.push(b'{');
        let mut written = 0u64;
        for m in &home.root {
            if skip(key_of(m, &home.buf, &home.side)) {
                continue;
            }
            if written > 0 {
                out.push(b',');
            }
            out.extend_from_slice(home.buf.get(m.start..m.end).unwrap_or_default());
            written += 1;
        }
        out.push(b'}');
        written
    }
}

/// Writes one scalar canonically.
pub fn write_scalar(out: &mut Vec<u8>, s: Scalar<'_>) -> Result<(), CanonError> {
    match s {
        Scalar::Null => out.extend_from_slice(b"null"),
        Scalar::Bool(true) => out.extend_from_slice(b"true"),
        Scalar::Bool(false) => out.extend_from_slice(b"false"),
        Scalar::Num(Num::Text(t)) => number::write_json_number(out, t)?,
        Scalar::Num(Num::Int(i)) => number::write_i64(out, i),
        Scalar::Num(Num::UInt(u)) => number::write_u64(out, u),
        Scalar::Num(Num::Float(f)) => number::write_f64(out, f)?,
        Scalar::Str(s) => {
            string::write_record_str(out, s.raw(), s.is_escaped());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
