//! Checking one record on its own: read its chain field, recompute its MAC. Runs in parallel;
//! how records link to each other is [`super::link`]'s job.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use super::input::{locate, neutralize_non_finite, Line};
use super::keys::KeyRing;
use crate::canonical::Canonicalizer;
use crate::field::{ChainField, Cover};
use crate::mac::{Digest, Signer};

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

    fn check_record(&mut self, text: &[u8]) -> Result<Outcome, Outcome> {
        let Checker { keys, field: field_name, output_keys, canon, header, body, chain, signers, groups } = self;
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

fn signer_for<'s>(cache: &'s mut FxMap<(usize, u64), Signer>, keys: &KeyRing, kid: &str, epoch: u64) -> Result<&'s Signer, Status> {
    let index = keys.index_of(kid).ok_or(Status::UnknownKey)?;
    match cache.entry((index, epoch)) {
        std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::hash_map::Entry::Vacant(e) => Ok(e.insert(Signer::for_key(Some(&keys.epoch_key(index, epoch)?)))),
    }
}
