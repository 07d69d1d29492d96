//! The result object written to tagged records (`compliance` by default).
//!
//! It depends only on which rules matched, so it is built once per distinct set of matched
//! rules and kept encoded (JSON and msgpack) in a small cache: a tagged record then costs a
//! copy of bytes, not a `serde_json::Value` built, encoded and dropped.

use std::collections::BTreeMap;

use logward_sdk::{value, Format};
use serde_json::{Map, Value};

use crate::frameworks::Frameworks;
use crate::risk::Risk;
use crate::rules::Rule;

pub struct ReportOptions {
    pub rule_ids: bool,
    pub flat_tags: bool,
}

/// One result object, ready to write.
pub struct Report {
    pub value: Value,
    pub risk: Risk,
    json: Vec<u8>,
    msgpack: Vec<u8>,
}

impl Report {
    pub fn encoded(&self, format: Format) -> &[u8] {
        match format {
            Format::Json => &self.json,
            Format::Msgpack => &self.msgpack,
        }
    }
}

/// Most distinct matched-rule sets kept; when full the cache starts over (deterministic, and
/// in practice a pipeline sees a few dozen sets).
const CAPACITY: usize = 512;

#[derive(Default)]
pub struct ReportCache {
    reports: BTreeMap<Vec<u32>, Report>,
}

impl ReportCache {
    /// The report for the rules at `matched` (indexes into `rules`, ascending).
    pub fn get(&mut self, matched: &[u32], rules: &[Rule], frameworks: &Frameworks, opts: &ReportOptions) -> &Report {
        if !self.reports.contains_key(matched) {
            if self.reports.len() >= CAPACITY {
                self.reports.clear();
            }
            let selected: Vec<&Rule> = matched.iter().filter_map(|&i| rules.get(i as usize)).collect();
            let (value, risk) = build(&selected, frameworks, opts);
            let (mut json, mut msgpack) = (Vec::new(), Vec::new());
            value::encode(&mut json, &value, Format::Json);
            value::encode(&mut msgpack, &value, Format::Msgpack);
            self.reports.insert(matched.to_vec(), Report { value, risk, json, msgpack });
        }
        &self.reports[matched]
    }
}

/// Combines the matched rules: tags, frameworks and flat tags sorted and unique; retention the
/// maximum over the frameworks (each part left out when no framework sets it); risk the highest.
fn build(matched: &[&Rule], frameworks: &Frameworks, opts: &ReportOptions) -> (Value, Risk) {
    let mut tags: Vec<&str> = matched.iter().flat_map(|r| r.tags.iter().map(String::as_str)).collect();
    tags.sort_unstable();
    tags.dedup();
    let mut fw: Vec<usize> = matched.iter().flat_map(|r| r.frameworks.iter().copied()).collect();
    fw.sort_unstable();
    fw.dedup();
    let risk = matched.iter().map(|r| r.risk).max().unwrap_or_default();
    let retention = fw.iter().filter_map(|&i| frameworks.get(i)).map(|f| f.retention_days).max().unwrap_or(0);
    let online = fw.iter().filter_map(|&i| frameworks.get(i)).map(|f| f.online_days).max().unwrap_or(0);

    let strings = |items: Vec<&str>| Value::Array(items.into_iter().map(|s| Value::String(s.to_string())).collect());
    let mut out = Map::new();
    out.insert("tags".into(), strings(tags));
    out.insert("frameworks".into(), strings(fw.iter().map(|&i| frameworks.id(i)).collect()));
    if retention > 0 {
        out.insert("retention_days".into(), Value::from(retention));
    }
    if online > 0 {
        out.insert("retention_online_days".into(), Value::from(online));
    }
    out.insert("risk_level".into(), Value::String(risk.as_str().into()));
    if opts.rule_ids {
        let mut ids: Vec<&str> = matched.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        out.insert("rules".into(), strings(ids));
    }
    if opts.flat_tags {
        let mut flat: Vec<&str> = matched.iter().flat_map(|r| r.flat_tags.iter().map(String::as_str)).collect();
        flat.sort_unstable();
        flat.dedup();
        out.insert("flat_tags".into(), strings(flat));
    }
    (Value::Object(out), risk)
}
