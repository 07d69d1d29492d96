//! The chain field every record carries (`_chain` by default): its members, how it is written
//! into a record, read back by the verifier, and the canonical header the MAC covers.
//!
//! ```json
//! "_chain": {"stream":"app.logs","seq":42,"epoch":3,"time":"1700000000.123456789","keys":7,
//!            "kid":"9f86d081","prev":"<64 hex>","mac":"<64 hex>"}
//! ```
//!
//! The MAC covers every member but `mac` itself (so `restart`, `keys`, `epoch`... cannot be
//! edited to explain a gap away), serialized canonically ([`ChainField::write_header`]).

use logward_sdk::serde_json::{Map, Value};
use logward_sdk::{json, msgpack, Format, Node, Num, Scalar, Tokens};

use crate::canonical::number::write_u64;
use crate::canonical::string::{is_plain, record_text};
use crate::canonical::{write_canonical_str, Canonicalizer, Captured, Doc, Spelled, ValueId};
use crate::mac::{digest_hex, hex, parse_digest, parse_digest_bytes, Digest};

/// Whether the MAC covers the record body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    /// The whole record but the chain field (and output-added fields).
    Body,
    /// Only the chain field: the plugin could not read the record (e.g. NaN in JSON mode). The
    /// chain stays contiguous; the verifier reports the record's content as unverified.
    None,
}

/// A record time as Fluent Bit passed it to the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Time {
    pub sec: u64,
    pub nsec: u32,
}

impl Time {
    pub fn new(sec: u64, nsec: u32) -> Self {
        Time { sec, nsec }
    }

    /// Writes `sec.nsec` with nine decimals into `buf` (at most 20 + 1 + 9 bytes); returns the
    /// length. Without core::fmt: it costs thousands of instructions under an interpreter.
    pub fn write_into(&self, buf: &mut [u8; 30]) -> usize {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = self.sec;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 || i == 0 {
                break;
            }
        }
        let sec = digits.get(i..).unwrap_or_default();
        let n = sec.len();
        buf[..n].copy_from_slice(sec);
        buf[n] = b'.';
        let mut ns = self.nsec.min(999_999_999);
        for d in buf[n + 1..n + 10].iter_mut().rev() {
            *d = b'0' + (ns % 10) as u8;
            ns /= 10;
        }
        n + 10
    }

    /// Appends `sec.nsec` with nine decimals.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; 30];
        let n = self.write_into(&mut buf);
        out.extend_from_slice(buf.get(..n).unwrap_or_default());
    }

    /// `sec.nsec` with nine decimals.
    pub fn render(&self) -> String {
        let mut out = Vec::with_capacity(30);
        self.write(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Parses exactly what [`render`](Self::render) writes.
    pub fn parse(text: &str) -> Option<Self> {
        Self::parse_bytes(text.as_bytes())
    }

    /// [`parse`](Self::parse) on bytes.
    pub fn parse_bytes(text: &[u8]) -> Option<Self> {
        let (sec, nsec) = text.split_at_checked(text.iter().position(|&b| b == b'.')?)?;
        let nsec = nsec.get(1..)?;
        if sec.is_empty() || nsec.len() != 9 || (sec.len() > 1 && sec[0] == b'0') {
            return None;
        }
        let mut s = 0u64;
        for &d in sec {
            if !d.is_ascii_digit() {
                return None;
            }
            s = s.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        let mut n = 0u32;
        for &d in nsec {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(d - b'0');
        }
        Some(Time { sec: s, nsec: n })
    }

    pub fn is_zero(&self) -> bool {
        self.sec == 0 && self.nsec == 0
    }
}

/// The chain field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainField {
    /// The chain this record belongs to (tag, or the configured stream field's value).
    pub stream: String,
    /// The record's tag, when the stream is not the tag.
    pub tag: Option<String>,
    /// Position in the stream, contiguous from 1.
    pub seq: u64,
    /// Key epoch the MAC was made with.
    pub epoch: u64,
    /// The record time the host passed.
    pub time: Time,
    /// Number of distinct top-level members covered (tells output-added fields apart).
    pub keys: u64,
    /// Key id (HMAC mode); `None` for plain SHA-256 chains.
    pub kid: Option<String>,
    /// MAC of the previous record of the stream ([`GENESIS`](crate::mac::GENESIS) for seq 1).
    pub prev: Digest,
    /// First record after a restart: the last seq the previous run persisted.
    pub restart: Option<u64>,
    /// First record of a stream that may have been evicted from the plugin's table earlier.
    pub evicted: bool,
    pub cover: Cover,
    /// Canonical JSON of a chain field the record already had when it arrived.
    pub upstream: Option<Vec<u8>>,
    pub mac: Digest,
}

impl Default for ChainField {
    fn default() -> Self {
        ChainField {
            stream: String::new(),
            tag: None,
            seq: 0,
            epoch: 0,
            time: Time::default(),
            keys: 0,
            kid: None,
            prev: [0; 32],
            restart: None,
            evicted: false,
            cover: Cover::Body,
            upstream: None,
            mac: [0; 32],
        }
    }
}

/// Appends a JSON string exactly as the SDK's JSON writer spells it (`json::write_str`), with
/// one copy when nothing needs escaping (0x7f included: the SDK escapes it).
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if is_plain(s.as_bytes()) && !s.as_bytes().contains(&0x7f) {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        json::write_str(out, s);
    }
}

/// msgpack unsigned integer in its smallest form (as the SDK writes `serde_json` numbers).
fn write_msgpack_uint(out: &mut Vec<u8>, v: u64) {
    if v < 128 {
        out.push(v as u8);
    } else if let Ok(b) = u8::try_from(v) {
        out.extend_from_slice(&[0xcc, b]);
    } else if let Ok(h) = u16::try_from(v) {
        out.push(0xcd);
        out.extend_from_slice(&h.to_be_bytes());
    } else if let Ok(w) = u32::try_from(v) {
        out.push(0xce);
        out.extend_from_slice(&w.to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// A msgpack string of at most 255 ASCII bytes known to be valid (digests, times).
fn write_msgpack_ascii(out: &mut Vec<u8>, a: &[u8]) {
    if a.len() < 32 {
        out.push(0xa0 | a.len() as u8);
    } else {
        out.extend_from_slice(&[0xd9, a.len().min(255) as u8]);
    }
    out.extend_from_slice(a);
}

/// The field's members that are written as fixed-width text, rendered once per record for
/// both the MAC header and the inserted field.
pub struct Texts {
    prev: [u8; 64],
    mac: [u8; 64],
    time: [u8; 30],
    time_len: usize,
}

impl Texts {
    fn time(&self) -> &[u8] {
        self.time.get(..self.time_len).unwrap_or_default()
    }

    /// Sets the MAC once it is known.
    pub fn set_mac(&mut self, mac: &Digest) {
        self.mac = digest_hex(mac);
    }
}

impl ChainField {
    /// `prev` and `mac` in hex and `time` as text.
    pub fn texts(&self) -> Texts {
        let mut texts = self.header_texts();
        texts.set_mac(&self.mac);
        texts
    }

    /// [`texts`](Self::texts) without the MAC (for the header, before the MAC is known).
    pub fn header_texts(&self) -> Texts {
        let mut time = [0u8; 30];
        let time_len = self.time.write_into(&mut time);
        Texts { prev: digest_hex(&self.prev), mac: [b'0'; 64], time, time_len }
    }

    /// The canonical JSON of this field without `mac`: what the MAC covers besides the body.
    pub fn write_header(&self, out: &mut Vec<u8>) {
        self.write_header_with(out, &self.header_texts());
    }

    /// [`write_header`](Self::write_header) with the texts rendered (`texts.mac` is not used).
    /// Returns where (in `out`) the `prev` member starts: the field as inserted is this header
    /// with `mac` there ([`encode_json_from_header`](Self::encode_json_from_header)).
    pub fn write_header_with(&self, out: &mut Vec<u8>, texts: &Texts) -> usize {
        // Member names are fixed ASCII needing no escape, written in byte order.
        out.push(b'{');
        if self.cover == Cover::None {
            out.extend_from_slice(b"\"cover\":\"none\",");
        }
        out.extend_from_slice(b"\"epoch\":");
        write_u64(out, self.epoch);
        if self.evicted {
            out.extend_from_slice(b",\"evicted\":true");
        }
        out.extend_from_slice(b",\"keys\":");
        write_u64(out, self.keys);
        if let Some(kid) = &self.kid {
            out.extend_from_slice(b",\"kid\":");
            write_canonical_str(out, kid);
        }
        let prev_at = out.len();
        out.extend_from_slice(b",\"prev\":\"");
        out.extend_from_slice(&texts.prev);
        out.push(b'"');
        if let Some(r) = self.restart {
            out.extend_from_slice(b",\"restart\":");
            write_u64(out, r);
        }
        out.extend_from_slice(b",\"seq\":");
        write_u64(out, self.seq);
        out.extend_from_slice(b",\"stream\":");
        write_canonical_str(out, &self.stream);
        if let Some(tag) = &self.tag {
            out.extend_from_slice(b",\"tag\":");
            write_canonical_str(out, tag);
        }
        out.extend_from_slice(b",\"time\":\"");
        out.extend_from_slice(texts.time());
        out.push(b'"');
        if let Some(up) = &self.upstream {
            out.extend_from_slice(b",\"upstream\":");
            out.extend_from_slice(up);
        }
        out.push(b'}');
        prev_at
    }

    /// The field as inserted in a JSON record, from its header (written by
    /// [`write_header_with`](Self::write_header_with), `prev_at` as it returned): the same
    /// members with `mac` added, in the same order, and strings spelled the same way, except
    /// that the SDK escapes U+007F and RFC 8785 does not. `None` when the spellings could
    /// differ (a DEL character) or the field has `upstream` (use [`encode`](Self::encode) /
    /// [`to_value`](Self::to_value)).
    pub fn encode_json_from_header(&self, header: &[u8], prev_at: usize, texts: &Texts, out: &mut Vec<u8>) -> Option<()> {
        let del = |s: &str| s.as_bytes().contains(&0x7f);
        if self.upstream.is_some() || del(&self.stream) || self.tag.as_deref().is_some_and(del) || self.kid.as_deref().is_some_and(del) {
            return None;
        }
        let (head, tail) = header.split_at_checked(prev_at)?;
        out.reserve(header.len() + 76);
        out.extend_from_slice(head);
        out.extend_from_slice(b",\"mac\":\"");
        out.extend_from_slice(&texts.mac);
        out.push(b'"');
        out.extend_from_slice(tail);
        Some(())
    }

    /// The field encoded in `format`, byte for byte what the SDK writes for
    /// [`to_value`](Self::to_value) (members in name order), without building a value.
    /// `None` when the field has an `upstream` member (rare: use `to_value`). `texts` must be
    /// this field's, its MAC included.
    pub fn encode(&self, format: Format, texts: &Texts, out: &mut Vec<u8>) -> Option<()> {
        if self.upstream.is_some() {
            return None;
        }
        out.reserve(256 + self.stream.len() + self.tag.as_ref().map_or(0, String::len));
        match format {
            Format::Json => {
                out.push(b'{');
                if self.cover == Cover::None {
                    out.extend_from_slice(b"\"cover\":\"none\",");
                }
                out.extend_from_slice(b"\"epoch\":");
                write_u64(out, self.epoch);
                if self.evicted {
                    out.extend_from_slice(b",\"evicted\":true");
                }
                out.extend_from_slice(b",\"keys\":");
                write_u64(out, self.keys);
                if let Some(kid) = &self.kid {
                    out.extend_from_slice(b",\"kid\":");
                    write_json_str(out, kid);
                }
                out.extend_from_slice(b",\"mac\":\"");
                out.extend_from_slice(&texts.mac);
                out.extend_from_slice(b"\",\"prev\":\"");
                out.extend_from_slice(&texts.prev);
                out.push(b'"');
                if let Some(r) = self.restart {
                    out.extend_from_slice(b",\"restart\":");
                    write_u64(out, r);
                }
                out.extend_from_slice(b",\"seq\":");
                write_u64(out, self.seq);
                out.extend_from_slice(b",\"stream\":");
                write_json_str(out, &self.stream);
                if let Some(tag) = &self.tag {
                    out.extend_from_slice(b",\"tag\":");
                    write_json_str(out, tag);
                }
                out.extend_from_slice(b",\"time\":\"");
                out.extend_from_slice(texts.time());
                out.extend_from_slice(b"\"}");
            }
            Format::Msgpack => {
                let n = 7
                    + u32::from(self.cover == Cover::None)
                    + u32::from(self.evicted)
                    + u32::from(self.kid.is_some())
                    + u32::from(self.restart.is_some())
                    + u32::from(self.tag.is_some());
                msgpack::write_map_header(out, n);
                if self.cover == Cover::None {
                    out.extend_from_slice(b"\xa5cover\xa4none");
                }
                out.extend_from_slice(b"\xa5epoch");
                write_msgpack_uint(out, self.epoch);
                if self.evicted {
                    out.extend_from_slice(b"\xa7evicted\xc3");
                }
                out.extend_from_slice(b"\xa4keys");
                write_msgpack_uint(out, self.keys);
                if let Some(kid) = &self.kid {
                    out.extend_from_slice(b"\xa3kid");
                    msgpack::write_str(out, kid);
                }
                out.extend_from_slice(b"\xa3mac");
                write_msgpack_ascii(out, &texts.mac);
                out.extend_from_slice(b"\xa4prev");
                write_msgpack_ascii(out, &texts.prev);
                if let Some(r) = self.restart {
                    out.extend_from_slice(b"\xa7restart");
                    write_msgpack_uint(out, r);
                }
                out.extend_from_slice(b"\xa3seq");
                write_msgpack_uint(out, self.seq);
                out.extend_from_slice(b"\xa6stream");
                msgpack::write_str(out, &self.stream);
                if let Some(tag) = &self.tag {
                    out.extend_from_slice(b"\xa3tag");
                    msgpack::write_str(out, tag);
                }
                out.extend_from_slice(b"\xa4time");
                write_msgpack_ascii(out, texts.time());
            }
        }
        Some(())
    }

    /// The field as a value to insert into the record.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("stream".into(), Value::from(self.stream.as_str()));
        if let Some(tag) = &self.tag {
            m.insert("tag".into(), Value::from(tag.as_str()));
        }
        m.insert("seq".into(), Value::from(self.seq));
        m.insert("epoch".into(), Value::from(self.epoch));
        m.insert("time".into(), Value::from(self.time.render()));
        m.insert("keys".into(), Value::from(self.keys));
        if let Some(kid) = &self.kid {
            m.insert("kid".into(), Value::from(kid.as_str()));
        }
        if let Some(r) = self.restart {
            m.insert("restart".into(), Value::from(r));
        }
        if self.evicted {
            m.insert("evicted".into(), Value::Bool(true));
        }
        if self.cover == Cover::None {
            m.insert("cover".into(), Value::from("none"));
        }
        if let Some(up) = &self.upstream {
            let v = logward_sdk::serde_json::from_slice(up).unwrap_or(Value::Null);
            m.insert("upstream".into(), v);
        }
        m.insert("prev".into(), Value::from(hex(&self.prev)));
        m.insert("mac".into(), Value::from(hex(&self.mac)));
        Value::Object(m)
    }

    /// Reads the chain field at `id` of a record. Strict: an unknown member, a wrong type or a
    /// missing member is an error (an attacker must not be able to add uncovered members).
    /// Reads the field as the record spells it (member order and repeats included).
    pub fn read(doc: &mut Doc<'_, '_>, id: ValueId) -> Result<ChainField, String> {
        let mut f = ChainField::default();
        f.read_into(doc, id)?;
        Ok(f)
    }

    /// [`read`](Self::read) into this field, reusing its buffers (the verifier reads millions).
    pub fn read_into(&mut self, doc: &Doc<'_, '_>, id: ValueId) -> Result<(), String> {
        let not_an_object = || "the chain field is not an object".to_string();
        if !doc.is_object(id) {
            return Err(not_an_object());
        }
        if let Some((members, src)) = doc.captured(id) {
            // Read while the record was canonicalized (JSON): no second pass.
            return self.read_spelled(members.iter().copied(), src);
        }
        self.clear();
        let mut seen = 0u32;
        let (src, format) = doc.source_of(id).ok_or_else(not_an_object)?;
        let mut problem: Option<String> = None;
        let node = Node::root(src, format).map_err(|e| format!("the chain field: {e}"))?;
        let walked = node.for_each_member(|k, v| {
            let value = match v.scalar() {
                Ok(Some(Scalar::Str(s))) => Member::Str(s.raw(), s.is_escaped()),
                Ok(Some(Scalar::Num(n))) => Member::Num(n),
                Ok(Some(Scalar::Bool(b))) => Member::Bool(b),
                Ok(Some(Scalar::Null)) => Member::Null,
                Ok(None) => Member::Container(v.raw().unwrap_or_default(), v.format()),
                Err(e) => {
                    problem = Some(format!("`{}`: {e}", record_text(k.raw(), k.is_escaped())));
                    return false;
                }
            };
            match self.read_member(k.raw(), k.is_escaped(), value, &mut seen) {
                Ok(()) => true,
                Err(e) => {
                    problem = Some(e);
                    false
                }
            }
        });
        if let Some(e) = problem {
            return Err(e);
        }
        if walked.map_err(|e| format!("the chain field: {e}"))?.is_none() {
            return Err(not_an_object());
        }
        Self::check_required(seen)
    }

    /// Reads the field from its members as a JSON record spells them (spans into `src`, in
    /// record order), with the rules of [`read`](Self::read).
    pub fn read_spelled(&mut self, members: impl Iterator<Item = Captured>, src: &[u8]) -> Result<(), String> {
        self.clear();
        let mut seen = 0u32;
        let span = |start: usize, end: usize| src.get(start..end).unwrap_or_default();
        let value = |v: Spelled| match v {
            Spelled::Str { start, end, escaped } => Member::Str(span(start, end), escaped),
            Spelled::Num { start, end } => Member::Num(Num::Text(span(start, end))),
            Spelled::Bool(b) => Member::Bool(b),
            Spelled::Null => Member::Null,
            Spelled::Container { start, end } => Member::Container(span(start, end), Format::Json),
        };
        for c in members {
            let Member::Str(name, escaped) = value(c.name) else { continue };
            self.read_member(name, escaped, value(c.value), &mut seen)?;
        }
        Self::check_required(seen)
    }

    fn clear(&mut self) {
        self.stream.clear();
        self.tag = None;
        self.seq = 0;
        self.epoch = 0;
        self.time = Time::default();
        self.keys = 0;
        self.kid = None;
        self.prev = [0; 32];
        self.restart = None;
        self.evicted = false;
        self.cover = Cover::Body;
        self.upstream = None;
        self.mac = [0; 32];
    }

    fn check_required(seen: u32) -> Result<(), String> {
        const REQUIRED: u32 = 1 | 4 | 8 | 16 | 32 | 128 | 256;
        if seen & REQUIRED != REQUIRED {
            return Err("the chain field lacks one of stream, seq, epoch, time, keys, prev, mac".into());
        }
        Ok(())
    }

    /// One member, its name and value as the record spells them.
    fn read_member(&mut self, name_raw: &[u8], name_escaped: bool, v: Member<'_>, seen: &mut u32) -> Result<(), String> {
        // Member names are ASCII: compare the spelling unless it has escapes.
        let decoded;
        let name: &[u8] = if name_escaped {
            decoded = record_text(name_raw, true);
            decoded.as_bytes()
        } else {
            name_raw
        };
        let shown = || record_text(name_raw, name_escaped).into_owned();
        let bit = match name {
            b"stream" => {
                set_text(&mut self.stream, v, "stream")?;
                1
            }
            b"tag" => {
                set_text(self.tag.get_or_insert_with(String::new), v, "tag")?;
                2
            }
            b"seq" => {
                self.seq = uint(v, "seq")?;
                4
            }
            b"epoch" => {
                self.epoch = uint(v, "epoch")?;
                8
            }
            b"time" => {
                // As spelled when that reads (digits are their own text); else decoded.
                let spelled = match v {
                    Member::Str(raw, false) => Time::parse_bytes(raw),
                    _ => None,
                };
                self.time = match spelled {
                    Some(t) => t,
                    None => Time::parse(&text(v, "time")?).ok_or("`time` is not sec.nsec")?,
                };
                16
            }
            b"keys" => {
                self.keys = uint(v, "keys")?;
                32
            }
            b"kid" => {
                set_text(self.kid.get_or_insert_with(String::new), v, "kid")?;
                64
            }
            b"prev" => {
                self.prev = digest(v, "prev")?;
                128
            }
            b"mac" => {
                self.mac = digest(v, "mac")?;
                256
            }
            b"restart" => {
                self.restart = Some(uint(v, "restart")?);
                512
            }
            b"evicted" => {
                if v != Member::Bool(true) {
                    return Err("`evicted` must be true when present".into());
                }
                self.evicted = true;
                1024
            }
            b"cover" => {
                if text(v, "cover")? != "none" {
                    return Err("`cover` must be \"none\" when present".into());
                }
                self.cover = Cover::None;
                2048
            }
            b"upstream" => {
                let (raw, format) = match v {
                    Member::Container(raw, format) => (raw, format),
                    // A scalar: its canonical form from its own spelling.
                    _ => return self.upstream_scalar(v, seen),
                };
                let mut canon = Canonicalizer::new();
                let bytes = canon.canonical_value(Tokens::new(raw, format)).map_err(|e| format!("`upstream`: {e}"))?;
                self.upstream = Some(bytes.to_vec());
                4096
            }
            _ => return Err(format!("unknown member `{}` in the chain field", shown())),
        };
        if *seen & bit != 0 {
            return Err(format!("member `{}` appears twice in the chain field", shown()));
        }
        *seen |= bit;
        Ok(())
    }

    /// An `upstream` member holding a scalar (the record's own field was one).
    fn upstream_scalar(&mut self, v: Member<'_>, seen: &mut u32) -> Result<(), String> {
        let mut out = Vec::new();
        let scalar = match v {
            Member::Str(raw, escaped) => {
                crate::canonical::string::write_record_str(&mut out, raw, escaped);
                None
            }
            Member::Num(n) => Some(Scalar::Num(n)),
            Member::Bool(b) => Some(Scalar::Bool(b)),
            Member::Null => Some(Scalar::Null),
            Member::Container(..) => None,
        };
        if let Some(s) = scalar {
            crate::canonical::write_scalar(&mut out, s).map_err(|e| format!("`upstream`: {e}"))?;
        }
        if *seen & 4096 != 0 {
            return Err("member `upstream` appears twice in the chain field".into());
        }
        *seen |= 4096;
        self.upstream = Some(out);
        Ok(())
    }
}

/// A chain field member's value as the record spells it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Member<'a> {
    /// String body bytes; true when it has JSON escapes.
    Str(&'a [u8], bool),
    Num(Num<'a>),
    Bool(bool),
    Null,
    /// An object or array, as stored.
    Container(&'a [u8], Format),
}

/// The decoded text of a string member (borrowed unless it had escapes or invalid UTF-8).
fn text<'s>(v: Member<'s>, name: &str) -> Result<std::borrow::Cow<'s, str>, String> {
    match v {
        Member::Str(raw, escaped) => Ok(record_text(raw, escaped)),
        _ => Err(format!("`{name}` is not a string")),
    }
}

fn set_text(out: &mut String, v: Member<'_>, name: &str) -> Result<(), String> {
    let t = text(v, name)?;
    out.clear();
    out.push_str(&t);
    Ok(())
}

/// A digest member: 64 hex digits (parsed from the spelling when it has no escapes).
fn digest(v: Member<'_>, name: &str) -> Result<Digest, String> {
    let parsed = match v {
        Member::Str(raw, false) => parse_digest_bytes(raw),
        _ => parse_digest(&text(v, name)?),
    };
    parsed.ok_or_else(|| format!("`{name}` is not 64 hex digits"))
}

fn uint(v: Member<'_>, name: &str) -> Result<u64, String> {
    let bad = || format!("`{name}` is not a non-negative integer");
    let Member::Num(n) = v else { return Err(bad()) };
    match n {
        Num::UInt(u) => Ok(u),
        Num::Int(i) => u64::try_from(i).map_err(|_| bad()),
        // Re-encoders may write 42.0: the same integer.
        Num::Text(_) | Num::Float(_) => {
            if let Num::Text(t) = n
                && let Some(u) = digits_u64(t).or_else(|| std::str::from_utf8(t).ok().and_then(|s| s.parse::<u64>().ok()))
            {
                return Ok(u);
            }
            let f = n.as_f64().ok_or_else(bad)?;
            if f >= 0.0 && f.trunc() == f && f < 9.0e15 { Ok(f as u64) } else { Err(bad()) }
        }
    }
}

/// `text` as a u64 when it is 1 to 19 ASCII digits (what `str::parse` gives, without its
/// UTF-8 check and sign handling: the common spelling of seq, epoch and keys).
fn digits_u64(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    text.iter().try_fold(0u64, |v, &d| d.is_ascii_digit().then(|| v * 10 + u64::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::Canonicalizer;
    use proptest::prelude::*;

    fn sample() -> ChainField {
        ChainField {
            stream: "kube.ns/é\"x".into(),
            tag: Some("app.logs".into()),
            seq: 42,
            epoch: 3,
            time: Time::new(1_700_000_000, 5),
            keys: 7,
            kid: Some("9f86d081".into()),
            prev: [1; 32],
            restart: Some(40),
            evicted: true,
            cover: Cover::None,
            upstream: Some(br#"{"a":1}"#.to_vec()),
            mac: [2; 32],
        }
    }

    /// The header is the RFC 8785 form of the field without `mac`: check it against the
    /// canonicalizer run on the field as the plugin writes it.
    #[test]
    fn header_is_the_canonical_field_without_mac() {
        for f in [sample(), ChainField { tag: None, restart: None, evicted: false, cover: Cover::Body, upstream: None, kid: None, ..sample() }] {
            let mut header = Vec::new();
            f.write_header(&mut header);
            let mut v = f.to_value();
            if let Value::Object(m) = &mut v {
                m.remove("mac");
            }
            let text = logward_sdk::serde_json::to_string(&Value::Object(Map::from_iter([("f".to_string(), v)]))).unwrap();
            let mut c = Canonicalizer::new();
            let mut doc = c.load_json(text.as_bytes()).unwrap();
            let id = doc.root_member("f").unwrap();
            let mut expected = Vec::new();
            doc.write_value(&mut expected, id).unwrap();
            assert_eq!(String::from_utf8(header).unwrap(), String::from_utf8(expected).unwrap());
        }
    }

    #[test]
    fn reads_back_what_it_writes() {
        let f = sample();
        let text = logward_sdk::serde_json::to_string(&Value::Object(Map::from_iter([("_chain".to_string(), f.to_value())]))).unwrap();
        let mut c = Canonicalizer::new();
        let mut doc = c.load_json(text.as_bytes()).unwrap();
        let id = doc.root_member("_chain").unwrap();
        assert_eq!(ChainField::read(&mut doc, id).unwrap(), f);
    }

    #[test]
    fn rejects_unknown_and_mistyped_members() {
        for bad in [
            r#"{"_chain":{"stream":"s","seq":1,"epoch":0,"time":"1.000000000","keys":1,"prev":"00","mac":"00"}}"#,
            r#"{"_chain":{"extra":1}}"#,
            r#"{"_chain":{"stream":1}}"#,
            r#"{"_chain":{"seq":-1}}"#,
            r#"{"_chain":"x"}"#,
        ] {
            let mut c = Canonicalizer::new();
            let mut doc = c.load_json(bad.as_bytes()).unwrap();
            let id = doc.root_member("_chain").unwrap();
            assert!(ChainField::read(&mut doc, id).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_repeated_and_misplaced_members_as_errors() {
        let ok = r#""stream":"s","seq":1,"epoch":0,"time":"1.000000000","keys":1,"prev":"0000000000000000000000000000000000000000000000000000000000000000","mac":"0000000000000000000000000000000000000000000000000000000000000000""#;
        for (text, expect) in [
            (format!(r#"{{"_chain":{{{ok}}}}}"#), None),
            (format!(r#"{{"_chain":{{{ok},"seq":2}}}}"#), Some("appears twice")),
            (format!(r#"{{"_chain":{{{ok},"tag":{{"a":1}}}}}}"#), Some("not a string")),
            (format!(r#"{{"_chain":{{{ok},"evicted":false}}}}"#), Some("must be true")),
            (format!(r#"{{"_chain":{{{ok},"seq":1.5}}}}"#), Some("non-negative integer")),
            (format!(r#"{{"_chain":{{"seq":42.0,{}}}}}"#, ok.replace(r#""seq":1,"#, "")), None),
        ] {
            let mut c = Canonicalizer::new();
            let mut doc = c.load_json(text.as_bytes()).unwrap();
            let id = doc.root_member("_chain").unwrap();
            match (ChainField::read(&mut doc, id), expect) {
                (Ok(_), None) => {}
                (Err(e), Some(want)) => assert!(e.contains(want), "{text}: {e}"),
                (r, _) => panic!("{text}: {r:?}"),
            }
        }
    }

    #[test]
    fn reads_the_field_from_msgpack_records() {
        let f = ChainField { upstream: None, ..sample() };
        let mut rec = Vec::new();
        msgpack::write_map_header(&mut rec, 2);
        msgpack::write_str(&mut rec, "log");
        msgpack::write_str(&mut rec, "x");
        msgpack::write_str(&mut rec, "_chain");
        f.encode(Format::Msgpack, &f.texts(), &mut rec).unwrap();
        let mut c = Canonicalizer::new();
        let mut doc = c.load(&rec, Format::Msgpack).unwrap();
        let id = doc.root_member("_chain").unwrap();
        assert_eq!(ChainField::read(&mut doc, id).unwrap(), f);
        // An upstream value is canonicalized whatever its spelling.
        let with_up = sample();
        let text = logward_sdk::serde_json::to_string(&Value::Object(Map::from_iter([("_chain".to_string(), with_up.to_value())]))).unwrap();
        let text = text.replace(r#"{"a":1}"#, r#"{ "a" : 1.0 }"#);
        let mut doc = c.load_json(text.as_bytes()).unwrap();
        let id = doc.root_member("_chain").unwrap();
        assert_eq!(ChainField::read(&mut doc, id).unwrap(), with_up);
    }

    /// Reads `_chain` of a JSON record both ways: captured while canonicalizing, and again
    /// from the record's bytes.
    fn read_both(text: &str) -> (Result<ChainField, String>, Result<ChainField, String>, bool) {
        let mut c = Canonicalizer::new();
        c.capture("_chain");
        let Ok(mut doc) = c.load_json(text.as_bytes()) else { return (Err("load".into()), Err("load".into()), false) };
        let Some(id) = doc.root_member("_chain") else { return (Err("none".into()), Err("none".into()), false) };
        let captured = doc.captured(id).is_some();
        let fast = ChainField::read(&mut doc, id);
        let mut plain = Canonicalizer::new();
        let mut doc = plain.load_json(text.as_bytes()).unwrap();
        assert!(doc.captured(id).is_none());
        let slow = ChainField::read(&mut doc, id);
        (fast, slow, captured)
    }

    const PREV: &str = "0101010101010101010101010101010101010101010101010101010101010101";

    #[test]
    fn captured_and_reread_fields_agree() {
        let base = format!(r#""stream":"s","seq":1,"epoch":0,"time":"1.000000000","keys":1,"prev":"{PREV}","mac":"{PREV}""#);
        let cases = [
            format!(r#"{{"_chain":{{{base}}}}}"#),
            format!(r#"{{"a":{{"_chain":1}},"_chain":{{{base},"tag":"t\u00e9","kid":"k","restart":3,"evicted":true,"cover":"none"}},"z":[1]}}"#),
            format!(r#"{{"_chain":{{{base},"upstream":{{"b":[1,2.0,{{"c":null}}],"a":"x"}}}}}}"#),
            format!(r#"{{"_chain":{{{base},"upstream":"x\ny"}}}}"#),
            format!(r#"{{"_chain":{{{base},"upstream":1.50}}}}"#),
            format!(r#"{{"_chain":{{{base},"upstream":[true,false,null]}}}}"#),
            format!(r#"{{"_chain":{{{base},"upstream":null}}}}"#),
            format!(r#"{{"_chain":{{"s\u0074ream":"s","seq":42.0,"epoch":1e2,"time":"1.000000000","keys":1,"prev":"{PREV}","mac":"{}"}}}}"#, PREV.to_uppercase()),
            format!(r#"{{"_chain":{{{base},"seq":2}}}}"#),
            format!(r#"{{"_chain":{{{base},"sneaky":2}}}}"#),
            format!(r#"{{"_chain":{{{base},"tag":["x"]}}}}"#),
            format!(r#"{{"_chain":{{{base},"restart":-1}}}}"#),
            format!(r#"{{"_chain":{{{base},"restart":1e16}}}}"#),
            format!(r#"{{"_chain":{{{base},"evicted":1}}}}"#),
            format!(r#"{{"_chain":{{{base},"cover":"all"}}}}"#),
            format!(r#"{{"_chain":{{{base},"kid":null}}}}"#),
            format!(r#"{{"_chain":{{{}}}}}"#, base.replace(PREV, "zz")),
            format!(r#"{{"_chain":{{{}}}}}"#, base.replace(r#""1.000000000""#, r#""1.5""#)),
            r#"{"_chain":{"stream":"s"}}"#.to_string(),
            r#"{"_chain":{}}"#.to_string(),
            format!(r#"{{"_chain":{{{base}}},"_chain":{{{}}}}}"#, base.replace(r#""seq":1"#, r#""seq":7"#)),
            format!(r#"{{"_chain":{{{base}}},"_chain":"flat"}}"#),
            format!(r#"{{"_chain":"flat","_chain":{{{base}}}}}"#),
        ];
        for text in &cases {
            let (fast, slow, captured) = read_both(text);
            assert!(captured || text.ends_with(r#""flat"}"#), "{text}");
            assert_eq!(fast, slow, "{text}");
        }
        // The upstream member is canonical, whichever way it was read.
        let (fast, _, _) = read_both(&cases[2]);
        assert_eq!(fast.unwrap().upstream.unwrap(), br#"{"a":"x","b":[1,2,{"c":null}]}"#);
    }

    fn arb_field() -> impl Strategy<Value = ChainField> {
        let text = "[a-z./\"\\\\\n\u{1}\u{7f}é😀\u{e000}]{0,12}";
        (
            (text, prop::option::of(text), any::<u64>(), any::<u64>(), any::<u64>(), 0u32..1_100_000_000),
            (any::<u64>(), prop::option::of("[0-9a-f]{8}"), any::<[u8; 32]>(), prop::option::of(any::<u64>()), any::<bool>(), any::<bool>(), any::<[u8; 32]>()),
        )
            .prop_map(|((stream, tag, seq, epoch, sec, nsec), (keys, kid, prev, restart, evicted, none, mac))| ChainField {
                stream,
                tag,
                seq,
                epoch,
                time: Time::new(sec, nsec),
                keys,
                kid,
                prev,
                restart,
                evicted,
                cover: if none { Cover::None } else { Cover::Body },
                upstream: None,
                mac,
            })
    }

    fn arb_member() -> impl Strategy<Value = String> {
        let name = prop::sample::select(vec!["stream", "tag", "seq", "epoch", "time", "keys", "kid", "prev", "mac", "restart", "evicted", "cover", "upstream", "x", "s\\u0074ream"]);
        let value = prop::sample::select(vec![
            "\"s\"".to_string(), "1".into(), "42.0".into(), "-3".into(), "1e400".into(), "true".into(), "false".into(), "null".into(),
            "\"none\"".into(), "\"1.000000000\"".into(), format!("\"{PREV}\""), "[1,{\"b\":2,\"a\":1}]".into(), "{}".into(),
            "\"\\u00e9\"".into(), "\"\\ud800\"".into(),
        ]);
        (name, value).prop_map(|(n, v)| format!("\"{n}\":{v}"))
    }

    proptest! {
        /// Reading the field while canonicalizing equals reading it again from the record.
        #[test]
        fn captured_reads_agree_with_rereads(members in prop::collection::vec(arb_member(), 0..12)) {
            let text = format!("{{\"_chain\":{{{}}}}}", members.join(","));
            let (fast, slow, _) = read_both(&text);
            prop_assert_eq!(fast, slow, "{}", text);
        }

        /// The inserted field's bytes are exactly what the SDK writes for `to_value()`.
        #[test]
        fn encode_is_the_sdk_encoding_of_to_value(f in arb_field()) {
            for format in [Format::Json, Format::Msgpack] {
                let mut expected = Vec::new();
                logward_sdk::value::encode(&mut expected, &f.to_value(), format);
                let mut out = Vec::new();
                prop_assert!(f.encode(format, &f.texts(), &mut out).is_some());
                prop_assert_eq!(&out, &expected);
            }
            let mut a = Vec::new();
            f.write_header(&mut a);
            let mut b = Vec::new();
            let prev_at = f.write_header_with(&mut b, &f.texts());
            prop_assert_eq!(&a, &b);
            // From the header: the same bytes as the SDK's, unless a DEL makes them differ.
            let mut from_header = Vec::new();
            if f.encode_json_from_header(&b, prev_at, &f.texts(), &mut from_header).is_some() {
                let mut expected = Vec::new();
                logward_sdk::value::encode(&mut expected, &f.to_value(), Format::Json);
                prop_assert_eq!(from_header, expected);
            } else {
                let del = f.stream.contains('\u{7f}') || f.tag.as_deref().is_some_and(|t| t.contains('\u{7f}'));
                prop_assert!(del);
            }
        }
    }

    #[test]
    fn encode_leaves_upstream_fields_to_to_value() {
        let f = sample();
        assert!(f.encode(Format::Json, &f.texts(), &mut Vec::new()).is_none());
    }

    proptest! {
        #[test]
        fn time_renders_as_sec_dot_nine_digits(sec in any::<u64>(), nsec in any::<u32>()) {
            let t = Time::new(sec, nsec);
            prop_assert_eq!(t.render(), format!("{sec}.{:09}", nsec.min(999_999_999)));
            if nsec <= 999_999_999 {
                prop_assert_eq!(Time::parse(&t.render()), Some(t));
            }
        }
    }

    proptest! {
        #[test]
        fn digit_runs_parse_as_str_parse_does(text in "[0-9]{0,21}|[+-]?[0-9]{1,3}|[0-9a ]{1,4}") {
            if let Some(v) = digits_u64(text.as_bytes()) {
                prop_assert_eq!(Some(v), text.parse::<u64>().ok());
            } else {
                prop_assert!(text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) || text.is_empty());
            }
        }
    }

    #[test]
    fn time_parsing_is_exact() {
        assert_eq!(Time::parse("1700000000.000000005"), Some(Time::new(1_700_000_000, 5)));
        assert_eq!(Time::parse("0.000000000"), Some(Time::new(0, 0)));
        assert_eq!(Time::parse("18446744073709551615.999999999"), Some(Time::new(u64::MAX, 999_999_999)));
        for bad in ["1700000000.5", "01.000000000", "1.0000000000", "a.000000000", "1", "18446744073709551616.000000000", ".000000000", "1.00000000a", "+1.000000000", "1.000000000.1"] {
            assert_eq!(Time::parse(bad), None, "{bad}");
        }
    }
}
