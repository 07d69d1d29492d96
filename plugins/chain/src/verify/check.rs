//! Checking one record on its own: read its chain field, recompute its MAC. Runs in parallel;
//! how records link to each other is [`super::link`]'s job.

use std::collections::HashMap;

use super::input::{locate, neutralize_non_finite, Line};
use super::keys::KeyRing;
use crate::canonical::Canonicalizer;
use crate::field::{ChainField, Cover};
use crate::mac::Signer;

/// A record whose chain field could be read.
#[derive(Debug, Clone)]
pub struct Entry {
    pub field: ChainField,
    pub status: Status,
    /// Output-added members left out to make the MAC match.
    pub uncovered: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    Entry(Box<Entry>),
    Blank,
    Unchained,
    Unparseable(String),
    MalformedChain(String),
}

/// One worker's reusable state.
pub struct Checker<'k> {
    keys: &'k KeyRing,
    field: &'k str,
    output_keys: &'k [String],
    canon: Canonicalizer,
    header: Vec<u8>,
    body: Vec<u8>,
    /// (key index, epoch) → signer, so each epoch key is expanded once per worker.
    signers: HashMap<(usize, u64), Signer>,
}

/// Output-added members tried at most: 2^6 subsets.
const MAX_CANDIDATES: usize = 6;

impl<'k> Checker<'k> {
    pub fn new(keys: &'k KeyRing, field: &'k str, output_keys: &'k [String]) -> Self {
        Checker { keys, field, output_keys, canon: Canonicalizer::new(), header: Vec::new(), body: Vec::new(), signers: HashMap::new() }
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
        let field_name = self.field;
        let mut doc = self
            .canon
            .load_json(text)
            .map_err(|e| Outcome::Unparseable(e.to_string()))?;
        let Some(id) = doc.root_member(field_name) else {
            return Ok(Outcome::Unchained);
        };
        let field = ChainField::read(&mut doc, id).map_err(Outcome::MalformedChain)?;
        let signer: &Signer = match (&field.kid, self.keys.is_empty()) {
            (None, true) => &Signer::Sha256,
            (None, false) => return Ok(entry(field, Status::Unkeyed, Vec::new())),
            (Some(kid), _) => match signer_for(&mut self.signers, self.keys, kid, field.epoch) {
                Ok(s) => s,
                Err(status) => return Ok(entry(field, status, Vec::new())),
            },
        };
        self.header.clear();
        field.write_header(&mut self.header);
        let mac_ok = |body: &[u8], header: &[u8]| -> bool { signer.record_mac(header, body) == field.mac };

        if field.cover == Cover::None {
            let ok = mac_ok(&[], &self.header);
            return Ok(entry(field, if ok { Status::Valid } else { Status::BadMac }, Vec::new()));
        }
        self.body.clear();
        let present = doc.write_root(&mut self.body, &|k| k == field_name).map_err(|e| Outcome::Unparseable(e.to_string()))?;
        if present == field.keys && mac_ok(&self.body, &self.header) {
            return Ok(entry(field, Status::Valid, Vec::new()));
        }
        // More members than the plugin saw: an output may have added some (`date`...).
        if present > field.keys {
            let extra = (present - field.keys) as usize;
            let candidates: Vec<String> = doc
                .root_keys()
                .filter(|k| self.output_keys.iter().any(|o| o == k))
                .map(str::to_string)
                .take(MAX_CANDIDATES)
                .collect();
            for subset in 1u32..(1 << candidates.len()) {
                if subset.count_ones() as usize != extra {
                    continue;
                }
                let left_out: Vec<&String> = candidates.iter().enumerate().filter(|(i, _)| subset & (1 << i) != 0).map(|(_, k)| k).collect();
                self.body.clear();
                let skip = |k: &str| k == field_name || left_out.iter().any(|o| o.as_str() == k);
                let n = doc.write_root(&mut self.body, &skip).map_err(|e| Outcome::Unparseable(e.to_string()))?;
                if n == field.keys && mac_ok(&self.body, &self.header) {
                    let uncovered = left_out.into_iter().cloned().collect();
                    return Ok(entry(field, Status::Valid, uncovered));
                }
            }
        }
        Ok(entry(field, Status::BadMac, Vec::new()))
    }
}

fn signer_for<'s>(cache: &'s mut HashMap<(usize, u64), Signer>, keys: &KeyRing, kid: &str, epoch: u64) -> Result<&'s Signer, Status> {
    let index = keys.index_of(kid).ok_or(Status::UnknownKey)?;
    if !cache.contains_key(&(index, epoch)) {
        let key = keys.epoch_key(index, epoch)?;
        cache.insert((index, epoch), Signer::for_key(Some(&key)));
    }
    cache.get(&(index, epoch)).ok_or(Status::UnknownKey)
}

fn entry(field: ChainField, status: Status, uncovered: Vec<String>) -> Outcome {
    Outcome::Entry(Box::new(Entry { field, status, uncovered }))
}
