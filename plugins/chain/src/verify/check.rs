//! Checking one record on its own: read its chain field, recompute its MAC. Runs in parallel;
//! how records link to each other is [`super::link`]'s job.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::input::{locate, neutralize_non_finite, Line};
use super::keys::KeyRing;
use crate::canonical::{Canonicalizer, Object, Tape, TapeDoc};
use crate::field::{ChainField, Cover};
use crate::mac::{Digest, Signer, RECORD_DOMAIN};

/// A record whose chain field could be read: what linking needs, in ~100 bytes (the verifier
/// keeps one per record).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The record's (key id, stream), an index into [`Streams`].
    pub group: u32,
    pub seq: u64,
    pub epoch: u64,
    pub restart: Option<u64>,
    pub prev: Digest,
    pub mac: Digest,
    pub evicted: bool,
    pub cover: Cover,
    pub status: Status,
    /// Output-added members were left out to make the MAC match.
    pub uncovered: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Valid,
    BadMac,
    UnknownKey,
    Unkeyed,
    EpochOutOfRange,
}

/// What one line is.
#[derive(Debug, Clone)]
pub enum Outcome {
    Entry(Entry),
    Blank,
    Unchained,
    Unparseable(String),
    MalformedChain(String),
}

/// A fast, deterministic hasher for short strings (FxHash's mixing).
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// (key id, stream) of a chain.
pub type StreamName = (Option<String>, String);

/// The (key id, stream) pairs met, shared by all workers: records name their stream by index.
#[derive(Default)]
pub struct Streams {
    inner: Mutex<(FxMap<String, u32>, Vec<StreamName>)>,
}

impl Streams {
    fn id(&self, key: &str, kid: Option<&str>, stream: &str) -> u32 {
        let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (map, names) = &mut *guard;
        if let Some(&id) = map.get(key) {
            return id;
        }
        let id = names.len() as u32;
        names.push((kid.map(str::to_string), stream.to_string()));
        map.insert(key.to_string(), id);
        id
    }

    /// Every (key id, stream), by index.
    pub fn names(self) -> Vec<StreamName> {
        self.inner.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).1
    }
}

/// A worker's view of [`Streams`] (no lock per record).
struct Groups<'k> {
    streams: &'k Streams,
    ids: FxMap<String, u32>,
    key: String,
}

impl Groups<'_> {
    /// The index of a chain's (key id, stream).
    fn of(&mut self, f: &ChainField) -> u32 {
        // Length-prefixed, so no (kid, stream) pair can spell another.
        self.key.clear();
        match &f.kid {
            Some(kid) => {
                self.key.push('k');
                let mut n = kid.len();
                loop {
                    self.key.push(char::from(b'0' + (n % 10) as u8));
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                self.key.push(':');
                self.key.push_str(kid);
            }
            None => self.key.push('-'),
        }
        self.key.push_str(&f.stream);
        if let Some(&id) = self.ids.get(self.key.as_str()) {
            return id;
        }
        let id = self.streams.id(&self.key, f.kid.as_deref(), &f.stream);
        self.ids.insert(self.key.clone(), id);
        id
    }

    fn entry(&mut self, f: &ChainField, status: Status, uncovered: bool) -> Outcome {
        Outcome::Entry(Entry {
            group: self.of(f),
            seq: f.seq,
            epoch: f.epoch,
            restart: f.restart,
            prev: f.prev,
            mac: f.mac,
            evicted: f.evicted,
            cover: f.cover,
            status,
            uncovered,
        })
    }
}

/// One worker's reusable state.
pub struct Checker<'k> {
    keys: &'k KeyRing,
    field: &'k str,
    output_keys: &'k [String],
    canon: Canonicalizer,
    tape: Tape,
    /// The MAC message of the fast path: domain, header, newline, body.
    message: Vec<u8>,
    header: Vec<u8>,
    body: Vec<u8>,
    chain: ChainField,
    /// (key index, epoch) → signer, so each epoch key is expanded once per worker.
    signers: FxMap<(usize, u64), Signer>,
    groups: Groups<'k>,
}

/// Output-added members tried at most: 2^6 subsets.
const MAX_CANDIDATES: usize = 6;

impl<'k> Checker<'k> {
    pub fn new(keys: &'k KeyRing, field: &'k str, output_keys: &'k [String], streams: &'k Streams) -> Self {
        let mut canon = Canonicalizer::new();
        canon.capture(field);
        Checker {
            keys,
            field,
            output_keys,
            canon,
            tape: Tape::new(),
            message: Vec::new(),
            header: Vec::new(),
            body: Vec::new(),
            chain: ChainField::default(),
            signers: FxMap::default(),
            groups: Groups { streams, ids: FxMap::default(), key: String::new() },
        }
    }

    pub fn check_line(&mut self, line: &[u8]) -> Outcome {
        let text = match locate(line) {
            Line::Blank => return Outcome::Blank,
            Line::Unreadable(why) => return Outcome::Unparseable(why.to_string()),
            Line::Record(text) => text,
        };
        if let Some(valid) = self.check_fast(text) {
            return valid;
        }
        match self.check_record(text) {
            Err(Outcome::Unparseable(why)) => match neutralize_non_finite(text) {
                // Fluent Bit writes NaN/inf unquoted; the plugin chained such records with
                // `cover: none`, and the rest of the line still tells us their place.
                Some(fixed) => self.check_record(&fixed).unwrap_or_else(|o| o),
                None => Outcome::Unparseable(why),
            },
            Err(other) => other,
            Ok(o) => o,
        }
    }

    /// The common case, cheaply: a record the fast reader ([`Tape`]) handles, all of whose
    /// members the chain field counts, and whose MAC matches. Only ever says "valid": anything
    /// else (`None`) goes to [`check_record`](Self::check_record), which finds out what it is.
    fn check_fast(&mut self, text: &[u8]) -> Option<Outcome> {
        let Checker { keys, field: field_name, tape, message, chain, signers, groups, .. } = self;
        let mut doc = tape.read(text)?;
        let chain_object = doc.root_object(field_name)?;
        chain.read_spelled(doc.members(chain_object), text).ok()?;
        let field = &*chain;
        if field.cover == Cover::None {
            return None;
        }
        let signer: &Signer = match (&field.kid, keys.is_empty()) {
            (None, true) => &Signer::Sha256,
            (None, false) => return None,
            (Some(kid), _) => signer_for(signers, keys, kid, field.epoch).ok()?,
        };
        message.clear();
        message.extend_from_slice(RECORD_DOMAIN);
        match header_as_spelled(&doc, chain_object) {
            Some((head, tail)) => {
                message.extend_from_slice(head);
                message.extend_from_slice(tail);
            }
            None => field.write_header(message),
        }
        message.push(b'\n');
        let present = doc.write_root_without(message, field_name)?;
        (present == field.keys && signer.record_mac_of(message) == field.mac).then(|| groups.entry(field, Status::Valid, false))
    }

    fn check_record(&mut self, text: &[u8]) -> Result<Outcome, Outcome> {
        let Checker { keys, field: field_name, output_keys, canon, header, body, chain, signers, groups, .. } = self;
        let doc = canon.load_json(text).map_err(|e| Outcome::Unparseable(e.to_string()))?;
        let Some(id) = doc.root_member(field_name) else {
            return Ok(Outcome::Unchained);
        };
        chain.read_into(&doc, id).map_err(Outcome::MalformedChain)?;
        let field = &*chain;
        let signer: &Signer = match (&field.kid, keys.is_empty()) {
            (None, true) => &Signer::Sha256,
            (None, false) => return Ok(groups.entry(field, Status::Unkeyed, false)),
            (Some(kid), _) => match signer_for(signers, keys, kid, field.epoch) {
                Ok(s) => s,
                Err(status) => return Ok(groups.entry(field, status, false)),
            },
        };
        header.clear();
        field.write_header(header);
        let mac_ok = |body: &[u8], header: &[u8]| -> bool { signer.record_mac(header, body) == field.mac };

        if field.cover == Cover::None {
            let ok = mac_ok(&[], header);
            return Ok(groups.entry(field, if ok { Status::Valid } else { Status::BadMac }, false));
        }
        body.clear();
        let present = doc.write_root_with(body, |k| k == field_name.as_bytes());
        if present == field.keys && mac_ok(body, header) {
            return Ok(groups.entry(field, Status::Valid, false));
        }
        // More members than the plugin saw: an output may have added some (`date`...).
        if present > field.keys {
            let extra = (present - field.keys) as usize;
            let candidates: Vec<String> =
                doc.root_keys().filter(|k| output_keys.iter().any(|o| o == k)).map(str::to_string).take(MAX_CANDIDATES).collect();
            for subset in 1u32..(1 << candidates.len()) {
                if subset.count_ones() as usize != extra {
                    continue;
                }
                let left_out: Vec<&String> = candidates.iter().enumerate().filter(|(i, _)| subset & (1 << i) != 0).map(|(_, k)| k).collect();
                body.clear();
                let skip = |k: &[u8]| k == field_name.as_bytes() || left_out.iter().any(|o| o.as_bytes() == k);
                let n = doc.write_root_with(body, skip);
                if n == field.keys && mac_ok(body, header) {
                    return Ok(groups.entry(field, Status::Valid, true));
                }
            }
        }
        Ok(groups.entry(field, Status::BadMac, false))
    }
}

/// The MAC header as the record spells it, when that is the header: the chain field spelled
/// canonically (as the plugin writes it) is the header plus `mac`, provided the field was read
/// (`ChainField::read_spelled`), since each member the reader accepts then spells what
/// `ChainField::write_header` writes for its value — except a `prev` in uppercase hex, which
/// the header has in lowercase.
fn header_as_spelled<'d>(doc: &'d TapeDoc<'_, '_>, field: Object) -> Option<(&'d [u8], &'d [u8])> {
    let prev = doc.member_spelling(field, "prev")?;
    if prev.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    doc.canonical_without(field, "mac")
}

fn signer_for<'s>(cache: &'s mut FxMap<(usize, u64), Signer>, keys: &KeyRing, kid: &str, epoch: u64) -> Result<&'s Signer, Status> {
    let index = keys.index_of(kid).ok_or(Status::UnknownKey)?;
    match cache.entry((index, epoch)) {
        std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::hash_map::Entry::Vacant(e) => Ok(e.insert(Signer::for_key(Some(&keys.epoch_key(index, epoch)?)))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use logward_sdk::serde_json::{self, json, Value};
    use proptest::prelude::*;

    use super::*;
    use crate::mac::SecretKey;
    use crate::tests::{open, run, setup, KEY};

    /// Chained records with floats, escapes, non-ASCII, nesting and a restart, as out_file
    /// writes them.
    fn lines() -> &'static [String] {
        static LINES: OnceLock<Vec<String>> = OnceLock::new();
        LINES.get_or_init(|| {
            let dir = setup("check-fast", json!({"epoch": {"records": 5}}));
            let mut out = Vec::new();
            for run_no in 0..2 {
                let mut chain = open(&dir).unwrap();
                for i in 0..12 {
                    let tag = ["app.a", "app.b"][i % 2];
                    let record = format!(
                        r#"{{"log":"line {i} \"q\" \u00e9 é\n","n":{i},"f":{i}.25,"k8s":{{"pod":"p-{i}","labels":{{"b":"2","a":"1"}}}},"list":[1,{{"z":null,"y":true}}],"date":{run_no}}}"#
                    );
                    out.push(format!("{tag}: [1700000000.000000007, {}]", run(&mut chain, tag, 1_700_000_000 + i as u32, &record)));
                }
            }
            out
        })
    }

    /// The record of an out_file line, re-encoded by serde_json (members in its order,
    /// `\u` escapes decoded), pretty-printed or with `date` moved: what a re-encoder makes.
    fn reencoded(line: &str, style: u8) -> String {
        let (_, rest) = line.split_once(", ").unwrap();
        let v: Value = serde_json::from_str(rest.trim_end_matches(']')).unwrap();
        match style {
            0 => serde_json::to_string(&v).unwrap(),
            1 => serde_json::to_string_pretty(&v).unwrap(),
            _ => {
                let mut m = v.as_object().unwrap().clone();
                let date = m.remove("date").unwrap();
                m.insert("date".into(), date);
                serde_json::to_string(&Value::Object(m)).unwrap()
            }
        }
    }

    fn checker<'k>(ring: &'k KeyRing, streams: &'k Streams, output_keys: &'k [String]) -> Checker<'k> {
        Checker::new(ring, "_chain", output_keys, streams)
    }

    #[test]
    fn intact_and_reencoded_records_take_the_fast_path() {
        let ring = KeyRing::new(&[SecretKey::from_bytes(KEY)]);
        let (streams, keys) = (Streams::default(), Vec::new());
        let mut c = checker(&ring, &streams, &keys);
        for line in lines() {
            assert!(matches!(c.check_fast(record_of(line)), Some(Outcome::Entry(_))), "{line}");
            for style in 0..3 {
                let text = reencoded(line, style);
                assert!(c.check_fast(text.as_bytes()).is_some(), "{text}");
            }
        }
    }

    fn record_of(line: &str) -> &[u8] {
        line.split_once(", ").unwrap().1.trim_end_matches(']').as_bytes()
    }

    #[test]
    fn the_spelled_header_is_the_written_header() {
        let mut tape = Tape::new();
        for line in lines() {
            let text = record_of(line);
            let doc = tape.read(text).unwrap();
            let mut field = ChainField::default();
            let object = doc.root_object("_chain").unwrap();
            field.read_spelled(doc.members(object), text).unwrap();
            let (head, tail) = header_as_spelled(&doc, object).expect("spelled canonically");
            let mut expected = Vec::new();
            field.write_header(&mut expected);
            assert_eq!(String::from_utf8_lossy(&[head, tail].concat()), String::from_utf8_lossy(&expected));
        }
        // Uppercase hex reads as the same digest, but the header has it in lowercase.
        let upper = lines()[3].replace(&lines()[3][lines()[3].find("\"prev\":\"").unwrap() + 8..][..64], &"AB".repeat(32));
        let doc = tape.read(record_of(&upper)).unwrap();
        assert!(header_as_spelled(&doc, doc.root_object("_chain").unwrap()).is_none());
    }

    fn arb_damage() -> impl Strategy<Value = (usize, u8, u8)> {
        let byte = prop_oneof![
            Just(b'"'), Just(b'\\'), Just(b'{'), Just(b'}'), Just(b','), Just(b':'), Just(b' '), Just(b'a'), Just(b'1'), Just(b'A'), Just(b'F'),
            Just(b'0'), Just(b'e'), Just(b'.'), Just(b'-'), Just(0x80u8), any::<u8>(),
        ];
        (any::<usize>(), 0u8..3, byte)
    }

    proptest! {
        /// The fast check says "valid" only where the full check says so too, with the same
        /// entry, for damaged and re-encoded records alike (under any key ring).
        #[test]
        fn the_fast_check_agrees_with_the_full_check(
            which in any::<prop::sample::Index>(),
            style in 0u8..4,
            damage in prop::collection::vec(arb_damage(), 0..3),
            keyed in any::<bool>(),
        ) {
            let line = which.get(lines());
            let mut text = if style == 3 { line.split_once(", ").unwrap().1.trim_end_matches(']').to_string() } else { reencoded(line, style) }.into_bytes();
            for (at, op, byte) in damage {
                let at = at % (text.len() + 1);
                match op {
                    0 => { if at < text.len() { text.remove(at); } }
                    1 => text.insert(at, byte),
                    _ => { if at < text.len() { text[at] = byte; } }
                }
            }
            let ring = KeyRing::new(&if keyed { vec![SecretKey::from_bytes(KEY)] } else { vec![] });
            let (streams, keys) = (Streams::default(), vec!["date".to_string()]);
            let mut c = checker(&ring, &streams, &keys);
            if let Some(fast) = c.check_fast(&text) {
                let full = c.check_record(&text).unwrap_or_else(|o| o);
                prop_assert!(matches!(&fast, Outcome::Entry(e) if e.status == Status::Valid && !e.uncovered));
                prop_assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{}", String::from_utf8_lossy(&text));
            }
        }
    }
}
