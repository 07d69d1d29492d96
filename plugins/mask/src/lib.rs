//! # mask — secrets and personal data masked before logs leave the node
//!
//! A logward plugin (a Fluent Bit `wasm` filter) that finds credentials — cloud keys, tokens,
//! private keys, passwords in assignments, URLs and headers — and personal data — payment
//! cards, Chinese resident ID and mobile numbers, e-mail addresses, IBANs, US SSNs, optionally
//! IP addresses — in every value of a record, and masks them: `[REDACTED:<rule>]`, a partial
//! mask, or a keyed pseudonym. Values under sensitive keys (`password`, `*_token`,
//! `kubernetes.annotations.*`…) are masked whole.
//!
//! How a record is processed, cheapest first:
//! 1. one byte pre-pass over the raw record (`prefilter`): keywords of every rule and sensitive
//!    key, plus candidate shapes for keyword-less personal data. Nothing found: the record is
//!    returned untouched, without a copy;
//! 2. otherwise one token walk (`walk`) decodes only the values the pre-pass saw something in,
//!    scans them (`engine`), and splices the masked values into the record;
//! 3. a record that is not valid JSON/msgpack is scanned as text and emitted as
//!    `{"log": <masked text>, "logward_error": …}`: mask fails closed, never drops.

mod action;
mod config;
mod engine;
mod keys;
mod pem;
mod prefilter;
mod rule;
mod text;
pub mod rules;
mod validate;
mod walk;

use logward_sdk::serde_json::{json, Map, Value};
use logward_sdk::{value, Call, ConfigError, ConfigSource, FieldPath, Format, Plugin, PluginError, Record, Verdict, ERROR_FIELD};

use crate::pem::OpenBlocks;
use crate::prefilter::{Encoding, Hits};
use crate::walk::{Doc, RecordState, Walker};

pub use crate::config::{DEFAULT_KEY_FILE, MIN_KEY_BYTES};

/// The mask plugin: one per Fluent Bit filter instance.
pub struct Mask {
    walker: Walker,
    summary: Option<FieldPath>,
    multiline_keys: bool,
    compile_at_start: bool,
    blocks: OpenBlocks,
    hits: Hits,
    state: RecordState,
}

impl Plugin for Mask {
    const NAME: &'static str = "mask";
    /// A record mask could not read is never passed on unscanned.
    const FAIL_CLOSED: bool = true;

    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        let s = config::build(config)?;
        Ok(Mask {
            walker: s.walker,
            summary: s.summary,
            multiline_keys: s.multiline_keys,
            compile_at_start: s.compile_at_start,
            blocks: OpenBlocks::default(),
            hits: Hits::default(),
            state: RecordState::default(),
        })
    }

    fn start(&mut self) -> Result<(), ConfigError> {
        config::precompile(&self.walker.engine.rules, self.compile_at_start)
    }

    fn process(&mut self, rec: &mut Record<'_>, call: &Call<'_>) -> Result<Verdict, PluginError> {
        let src = rec.bytes();
        let format = rec.format();
        let enc = match format {
            Format::Json => Encoding::Json,
            Format::Msgpack => Encoding::Msgpack,
        };
        let pem_open = self.multiline_keys && !self.blocks.is_empty() && self.blocks.is_open(call.tag);
        self.state.reset(pem_open);
        self.hits.clear();
        self.walker.engine.prefilter(src, enc, &mut self.hits);
        let wide_ints = format == Format::Msgpack && self.walker.numbers && src.iter().any(|&b| b == 0xcf || b == 0xd3);
        if self.hits.is_empty() && !pem_open && !wide_ints && !self.walker.engine.scans_everything() && is_object_start(src, format) {
            // The common case: nothing can match. Fluent Bit gets its own bytes back.
            return Ok(Verdict::Keep);
        }
        let doc = Doc { src, format, hits: &self.hits, nested: false };
        let walked = if is_object_start(src, format) { self.walker.walk(&doc, &mut self.state).ok() } else { None };
        match walked {
            Some(edits) => {
                for e in edits {
                    rec.replace_str(e.span, &e.text);
                }
                self.add_summary(rec);
            }
            None => self.mask_as_text(rec, "the record is not a valid JSON/msgpack object"),
        }
        if self.multiline_keys {
            self.blocks.update(call.tag, &self.state);
        }
        Ok(Verdict::Keep)
    }

    /// Never reached in practice (`process` handles unreadable records itself); if it is, the
    /// record is still scanned as text rather than passed on.
    fn on_error(&mut self, rec: &mut Record<'_>, _call: &Call<'_>, error: &PluginError) -> Verdict {
        self.state.reset(false);
        self.mask_as_text(rec, &error.0);
        Verdict::Keep
    }
}

impl Mask {
    /// Adds the per-rule counts under the summary field.
    fn add_summary(&self, rec: &mut Record<'_>) {
        let (Some(path), false) = (&self.summary, self.state.counts.is_empty()) else {
            return;
        };
        let _ = rec.set(path, self.summary_value());
    }

    fn summary_value(&self) -> Value {
        let engine = &self.walker.engine;
        let mut by_rule = Map::new();
        let mut by_group = Map::new();
        let mut total = 0u64;
        for &(rule, n) in &self.state.counts.per_rule {
            let Some(r) = engine.rules.get(rule) else {
                continue;
            };
            total += u64::from(n);
            by_rule.insert(r.id.clone(), json!(n));
            let g = r.group.name().to_string();
            let prev = by_group.get(&g).and_then(Value::as_u64).unwrap_or(0);
            by_group.insert(g, json!(prev + u64::from(n)));
        }
        json!({ "total": total, "rules": by_rule, "groups": by_group })
    }

    /// Fail-closed path: the whole record, read as (lossy) text, scanned and wrapped in an
    /// object. Its edits replace the record entirely.
    fn mask_as_text(&mut self, rec: &mut Record<'_>, why: &str) {
        let src = rec.bytes();
        let text = String::from_utf8_lossy(src);
        let text = text.trim_end_matches('\0');
        let masked = self.walker.text(text, &mut self.state).unwrap_or_else(|| text.to_string());
        let mut obj = Map::new();
        obj.insert("log".to_string(), Value::String(masked));
        obj.insert(ERROR_FIELD.to_string(), Value::String(format!("mask: {why}; masked as text")));
        if !self.state.counts.is_empty()
            && let Some(path) = &self.summary {
                insert_path(&mut obj, path, self.summary_value());
            }
        let mut out = Vec::with_capacity(src.len() + 64);
        value::encode(&mut out, &Value::Object(obj), rec.format());
        rec.discard_edits();
        rec.replace_encoded(0..src.len(), out);
    }
}

fn is_object_start(src: &[u8], format: Format) -> bool {
    match format {
        Format::Json => src.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'),
        Format::Msgpack => matches!(src.first(), Some(0x80..=0x8f | 0xde | 0xdf)),
    }
}

/// Inserts `value` at a dotted path into a fresh object (for the text fallback's summary).
fn insert_path(obj: &mut Map<String, Value>, path: &FieldPath, value: Value) {
    let keys: Vec<&str> = path
        .segments()
        .iter()
        .filter_map(|s| match s {
            logward_sdk::Segment::Key(k) => Some(k.as_str()),
            logward_sdk::Segment::Index(_) => None,
        })
        .collect();
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut cur = obj;
    for k in parents {
        let entry = cur.entry((*k).to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            return;
        };
        cur = next;
    }
    cur.insert((*last).to_string(), value);
}

#[cfg(test)]
mod tests;
