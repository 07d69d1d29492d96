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
use logward_sdk::{json, msgpack, Format, Node, Num, Scalar, Str, Tokens};

use crate::canonical::number::write_u64;
use crate::canonical::string::{is_plain, record_text};
use crate::canonical::{write_canonical_str, Canonicalizer, Doc, ValueId};
use crate::mac::{digest_hex, hex, parse_digest, Digest};

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
        let (sec, nsec) = text.split_once('.')?;
        if sec.is_empty() || nsec.len() != 9 || !sec.bytes().chain(nsec.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        if sec.len() > 1 && sec.starts_with('0') {
            return None;
        }
        Some(Time { sec: sec.parse().ok()?, nsec: nsec.parse().ok()? })
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
        self.write_header_with(out, &self.texts());
    }

    /// [`write_header`](Self::write_header) with the texts rendered (`texts.mac` is not used).
    pub fn write_header_with(&self, out: &mut Vec<u8>, texts: &Texts) {
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
        let not_an_object = || "the chain field is not an object".to_string();
        if !doc.is_object(id) {
            return Err(not_an_object());
        }
        let (src, format) = doc.source_of(id).ok_or_else(not_an_object)?;
        let mut f = ChainField::default();
        let mut seen = 0u32;
        let mut problem: Option<String> = None;
        let node = Node::root(src, format).map_err(|e| format!("the chain field: {e}"))?;
        let walked = node.for_each_member(|k, v| match f.read_member(k, v, &mut seen) {
            Ok(()) => true,
            Err(e) => {
                problem = Some(e);
                false
            }
        });
        if let Some(e) = problem {
            return Err(e);
        }
        if walked.map_err(|e| format!("the chain field: {e}"))?.is_none() {
            return Err(not_an_object());
        }
        const REQUIRED: u32 = 1 | 4 | 8 | 16 | 32 | 128 | 256;
        if seen & REQUIRED != REQUIRED {
            return Err("the chain field lacks one of stream, seq, epoch, time, keys, prev, mac".into());
        }
        Ok(f)
    }

    fn read_member(&mut self, key: Str<'_>, v: Node<'_>, seen: &mut u32) -> Result<(), String> {
        let name = record_text(key.raw(), key.is_escaped());
        let name = name.as_ref();
        let scalar = v.scalar().map_err(|e| format!("`{name}`: {e}"))?;
        let bit = match name {
            "stream" => {
                self.stream = text(scalar, name)?;
                1
            }
            "tag" => {
                self.tag = Some(text(scalar, name)?);
                2
            }
            "seq" => {
                self.seq = uint(scalar, name)?;
                4
            }
            "epoch" => {
                self.epoch = uint(scalar, name)?;
                8
            }
            "time" => {
                self.time = Time::parse(&text(scalar, name)?).ok_or("`time` is not sec.nsec")?;
                16
            }
            "keys" => {
                self.keys = uint(scalar, name)?;
                32
            }
            "kid" => {
                self.kid = Some(text(scalar, name)?);
                64
            }
            "prev" => {
                self.prev = parse_digest(&text(scalar, name)?).ok_or("`prev` is not 64 hex digits")?;
                128
            }
            "mac" => {
                self.mac = parse_digest(&text(scalar, name)?).ok_or("`mac` is not 64 hex digits")?;
                256
            }
            "restart" => {
                self.restart = Some(uint(scalar, name)?);
                512
            }
            "evicted" => {
                if scalar != Some(Scalar::Bool(true)) {
                    return Err("`evicted` must be true when present".into());
                }
                self.evicted = true;
                1024
            }
            "cover" => {
                if text(scalar, name)? != "none" {
                    return Err("`cover` must be \"none\" when present".into());
                }
                self.cover = Cover::None;
                2048
            }
            "upstream" => {
                let raw = v.raw().map_err(|e| format!("`upstream`: {e}"))?;
                let mut canon = Canonicalizer::new();
                let bytes = canon.canonical_value(Tokens::new(raw, v.format())).map_err(|e| format!("`upstream`: {e}"))?;
                self.upstream = Some(bytes.to_vec());
                4096
            }
            other => return Err(format!("unknown member `{other}` in the chain field")),
        };
        if *seen & bit != 0 {
            return Err(format!("member `{name}` appears twice in the chain field"));
        }
        *seen |= bit;
        Ok(())
    }
}

fn text(scalar: Option<Scalar<'_>>, name: &str) -> Result<String, String> {
    match scalar {
        Some(Scalar::Str(s)) => Ok(record_text(s.raw(), s.is_escaped()).into_owned()),
        _ => Err(format!("`{name}` is not a string")),
    }
}

fn uint(scalar: Option<Scalar<'_>>, name: &str) -> Result<u64, String> {
    let bad = || format!("`{name}` is not a non-negative integer");
    match scalar.ok_or_else(bad)? {
        Scalar::Num(Num::UInt(u)) => Ok(u),
        Scalar::Num(Num::Int(i)) => u64::try_from(i).map_err(|_| bad()),
        // Re-encoders may write 42.0: the same integer.
        Scalar::Num(n @ (Num::Text(_) | Num::Float(_))) => {
            if let Num::Text(t) = n
                && let Some(u) = std::str::from_utf8(t).ok().and_then(|s| s.parse::<u64>().ok())
            {
                return Ok(u);
            }
            let f = n.as_f64().ok_or_else(bad)?;
            if f >= 0.0 && f.trunc() == f && f < 9.0e15 { Ok(f as u64) } else { Err(bad()) }
        }
        _ => Err(bad()),
    }
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

    proptest! {
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
            f.write_header_with(&mut b, &f.texts());
            prop_assert_eq!(a, b);
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

    #[test]
    fn time_parsing_is_exact() {
        assert_eq!(Time::parse("1700000000.000000005"), Some(Time::new(1_700_000_000, 5)));
        assert_eq!(Time::parse("0.000000000"), Some(Time::new(0, 0)));
        for bad in ["1700000000.5", "01.000000000", "1.0000000000", "a.000000000", "1"] {
            assert_eq!(Time::parse(bad), None, "{bad}");
        }
    }
}
