//! The record walk: one pass over the tokens with the key path on a heap stack (never the call
//! stack), deciding per value whether it is masked whole (sensitive key), scanned as text,
//! scanned as an embedded JSON document, or skipped — and decoding only values the byte
//! pre-pass saw something in.

use std::ops::Range;

use logward_sdk::json::write_str;
use logward_sdk::{Format, Num, Scalar, Str, Token, Tokens};

use crate::engine::{Counts, Engine, Finding, Scratch};
use crate::keys::{KeyMatcher, PathSet};
use crate::prefilter::{Encoding, Hits};
use crate::rules::private_key;

/// Replace the value at `span` with the string `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Range<usize>,
    pub text: String,
}

/// Where text scanning applies.
#[derive(Debug, Default)]
pub struct ScanPaths {
    pub include: PathSet,
    pub exclude: PathSet,
    pub allow: PathSet,
}

impl ScanPaths {
    fn needs_paths(&self) -> bool {
        !self.include.is_everything() || !self.exclude.is_empty() || !self.allow.is_empty()
    }
}

/// Settings the walk needs, fixed at init.
pub struct Walker {
    pub engine: Engine,
    pub keys: KeyMatcher,
    pub paths: ScanPaths,
    /// Index of the `sensitive-key` rule, when enabled.
    pub sensitive_rule: Option<usize>,
    /// Index of the `private-key` rule, when enabled.
    pub pem_rule: Option<usize>,
    pub embedded_json: bool,
    pub numbers: bool,
    pub name_value_pairs: bool,
}

/// Per-record state, reused across records.
#[derive(Default)]
pub struct RecordState {
    pub counts: Counts,
    pub scratch: Scratch,
    findings: Vec<Finding>,
    /// A private-key block was left open by an earlier record of this stream.
    pub pem_open: bool,
    /// This record continued the open block / closed it / opened a new one.
    pub pem_continued: bool,
    pub pem_closed: bool,
    pub pem_opened: bool,
}

impl RecordState {
    pub fn reset(&mut self, pem_open: bool) {
        self.counts.clear();
        self.pem_open = pem_open;
        self.pem_continued = false;
        self.pem_closed = false;
        self.pem_opened = false;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Other,
    /// A `name`/`key` member: its string may name a secret held by the sibling `value`.
    Name,
    Value,
}

#[derive(Debug, Clone, Copy)]
struct KeyInfo {
    sensitive: bool,
    role: Role,
}

const NO_KEY: KeyInfo = KeyInfo { sensitive: false, role: Role::Other };

struct Frame<'a> {
    object: bool,
    pushed_path: bool,
    /// The key of an array, inherited by its elements.
    elem_key: KeyInfo,
    pair_name_sensitive: bool,
    pair_value: Option<(Range<usize>, Scalar<'a>)>,
}

/// Input of one walk: a whole record, or a JSON document embedded in a string.
pub struct Doc<'a> {
    pub src: &'a [u8],
    pub format: Format,
    pub hits: &'a Hits,
    /// Embedded documents are not searched for further embedded documents.
    pub nested: bool,
}

impl Walker {
    fn text_scan_allowed(&self, path: &[String]) -> bool {
        (self.paths.include.is_everything() || self.paths.include.matches(path)) && !self.paths.exclude.matches(path)
    }

    /// Walks `doc`, returning the edits (in `doc.src` coordinates) or the reader's error.
    pub fn walk(&self, doc: &Doc<'_>, st: &mut RecordState) -> Result<Vec<Edit>, logward_sdk::Error> {
        let mut edits: Vec<Edit> = Vec::new();
        // Paths are relative to the record; inside an embedded document everything is scanned
        // (its string was in scope) and only key names apply.
        let need_paths = !doc.nested && (self.paths.needs_paths() || self.keys.has_paths());
        let any_key_hit = doc.hits.list.iter().any(|h| self.engine.hit_is_key(h));
        let mut tokens = Tokens::new(doc.src, doc.format);
        let mut frames: Vec<Frame<'_>> = Vec::new();
        let mut path: Vec<String> = Vec::new();
        let mut pending: Option<(KeyInfo, Option<String>)> = None;
        // A container under a sensitive key: (start, depth after its start token).
        let mut masking: Option<(usize, usize)> = None;

        while let Some(t) = tokens.next() {
            let t = t?;
            if let Some((start, depth)) = masking {
                if matches!(t.token, Token::ObjectEnd(_) | Token::ArrayEnd { .. }) && tokens.depth() + 1 == depth {
                    masking = None;
                    if let Some(rule) = self.sensitive_rule {
                        let mut text = String::new();
                        self.engine.render_container(rule, &mut text);
                        st.counts.add(rule);
                        push_edit(&mut edits, Edit { span: start..t.span.1, text });
                    }
                }
                continue;
            }
            match t.token {
                Token::Key(k) => {
                    let key_span = t.range();
                    let role = role_of(&k);
                    let own_hit = any_key_hit && doc.hits.any_within(key_span.clone());
                    let lower = if need_paths || own_hit { Some(crate::keys::lowercase(&k.text())) } else { None };
                    let mut sensitive = false;
                    if let Some(l) = &lower {
                        if own_hit && self.keys.name_matches(l) {
                            sensitive = true;
                        }
                        if !sensitive && any_key_hit && need_paths && self.keys.has_paths() {
                            path.push(l.clone());
                            sensitive = self.keys.is_sensitive(l, &path);
                            path.pop();
                        }
                    }
                    if sensitive && need_paths
                        && let Some(l) = &lower {
                            path.push(l.clone());
                            let allowed = self.paths.allow.matches(&path);
                            path.pop();
                            sensitive = !allowed;
                        }
                    pending = Some((KeyInfo { sensitive: sensitive && self.sensitive_rule.is_some(), role }, lower));
                }
                Token::ObjectStart | Token::ArrayStart => {
                    let object = t.token == Token::ObjectStart;
                    let (key, key_text) = match pending.take() {
                        Some((k, text)) => (k, text),
                        None => (frames.last().filter(|f| !f.object).map_or(NO_KEY, |f| f.elem_key), None),
                    };
                    if key.sensitive {
                        masking = Some((t.span.0, tokens.depth()));
                        continue;
                    }
                    let pushed_path = match key_text {
                        Some(text) if need_paths => {
                            path.push(text);
                            true
                        }
                        _ => false,
                    };
                    frames.push(Frame {
                        object,
                        pushed_path,
                        elem_key: KeyInfo { sensitive: false, role: key.role },
                        pair_name_sensitive: false,
                        pair_value: None,
                    });
                }
                Token::ObjectEnd(_) | Token::ArrayEnd { .. } => {
                    let Some(frame) = frames.pop() else {
                        continue;
                    };
                    if frame.pushed_path {
                        path.pop();
                    }
                    if let (true, Some((span, value)), Some(rule)) = (frame.pair_name_sensitive, frame.pair_value, self.sensitive_rule) {
                        let text = value.text();
                        if !text.is_empty() {
                            let mut out = String::new();
                            self.engine.render_one(rule, &text, &mut out);
                            st.counts.add(rule);
                            push_edit(&mut edits, Edit { span, text: out });
                        }
                    }
                }
                Token::Scalar(s) => {
                    let span = t.range();
                    let (key, key_text) = match pending.take() {
                        Some((k, text)) => (k, text),
                        None => (frames.last().filter(|f| !f.object).map_or(NO_KEY, |f| f.elem_key), None),
                    };
                    if key.sensitive {
                        if let Some(e) = self.mask_whole(&s, span, st) {
                            push_edit(&mut edits, e);
                        }
                        continue;
                    }
                    let pushed = match key_text {
                        Some(text) if need_paths => {
                            path.push(text);
                            true
                        }
                        _ => false,
                    };
                    let allowed = need_paths && self.paths.allow.matches(&path);
                    let scan = !allowed && (!need_paths || self.text_scan_allowed(&path));
                    if pushed {
                        path.pop();
                    }
                    if allowed {
                        continue;
                    }
                    if self.name_value_pairs {
                        self.note_pair(&mut frames, key.role, &s, span.clone(), doc, any_key_hit);
                    }
                    if let Some(e) = self.scalar(doc, &s, span, scan, st) {
                        push_edit(&mut edits, e);
                    }
                }
            }
        }
        Ok(edits)
    }

    /// Remembers `name`/`value` members so `{"name": "DB_PASSWORD", "value": "…"}` masks the value.
    fn note_pair<'a>(&self, frames: &mut [Frame<'a>], role: Role, s: &Scalar<'a>, span: Range<usize>, doc: &Doc<'_>, any_key_hit: bool) {
        let Some(frame) = frames.last_mut().filter(|f| f.object) else {
            return;
        };
        match role {
            Role::Name if any_key_hit && doc.hits.any_within(span.clone()) => {
                if let Scalar::Str(name) = s {
                    frame.pair_name_sensitive |= self.keys.name_matches(&crate::keys::lowercase(&name.text()));
                }
            }
            Role::Value if matches!(s, Scalar::Str(_) | Scalar::Num(_)) => frame.pair_value = Some((span, *s)),
            _ => {}
        }
    }

    /// A scalar under a sensitive key: strings and numbers are masked whole; null, booleans
    /// and empty strings carry nothing and stay.
    fn mask_whole(&self, s: &Scalar<'_>, span: Range<usize>, st: &mut RecordState) -> Option<Edit> {
        let rule = self.sensitive_rule?;
        let text = match s {
            Scalar::Str(x) if x.raw_len() > 0 => x.text(),
            Scalar::Num(_) => s.text(),
            _ => return None,
        };
        if self.engine.is_mask_output(&text) {
            return None;
        }
        let mut out = String::new();
        self.engine.render_one(rule, &text, &mut out);
        st.counts.add(rule);
        Some(Edit { span, text: out })
    }

    /// Text scanning of one scalar, gated by the pre-pass hits inside its span.
    fn scalar(&self, doc: &Doc<'_>, s: &Scalar<'_>, span: Range<usize>, scan: bool, st: &mut RecordState) -> Option<Edit> {
        match s {
            Scalar::Str(x) => self.string(doc, x, span, scan, st),
            Scalar::Num(n) if scan && self.numbers => self.number(doc, n, span, st),
            _ => None,
        }
    }

    fn string(&self, doc: &Doc<'_>, x: &Str<'_>, span: Range<usize>, scan: bool, st: &mut RecordState) -> Option<Edit> {
        let gated = scan && (self.engine.scans_everything() || doc.hits.within(span.clone()).any(|h| self.engine.hit_triggers_rules(h)));
        if !gated && !st.pem_open {
            return None;
        }
        let text = x.text();
        if st.pem_open && !st.pem_closed
            && let (Some(rule), Some((r, closed))) = (self.pem_rule, private_key::continuation(&text)) {
                st.pem_continued = true;
                st.pem_closed |= closed;
                st.counts.add(rule);
                let mut out = String::with_capacity(text.len());
                out.push_str(&text[..r.start]);
                self.engine.render_one(rule, &text[r.clone()], &mut out);
                out.push_str(&text[r.end..]);
                return Some(Edit { span, text: out });
            }
        if !gated {
            return None;
        }
        if self.embedded_json && !doc.nested && looks_like_json(&text)
            && let Some(new_text) = self.embedded(&text, st) {
                return new_text.map(|t| Edit { span, text: t });
            }
        self.text(&text, st).map(|t| Edit { span, text: t })
    }

    /// Scans plain text; `Some(masked)` when something was found.
    pub fn text(&self, text: &str, st: &mut RecordState) -> Option<String> {
        let mut findings = std::mem::take(&mut st.findings);
        self.engine.scan_text(text, &mut st.scratch, &mut findings);
        let result = if findings.is_empty() {
            None
        } else {
            if let Some(pem) = self.pem_rule
                && findings.iter().any(|f| f.rule == pem) && private_key::leaves_open(text) {
                    st.pem_opened = true;
                }
            Some(self.engine.render(text, &findings, &mut st.counts))
        };
        st.findings = findings;
        result
    }

    /// A string holding a JSON document (docker's `log` field): walked like a record. `None`
    /// if it does not parse (then it is scanned as text); `Some(None)` if nothing changed.
    fn embedded(&self, text: &str, st: &mut RecordState) -> Option<Option<String>> {
        let mut hits = Hits::default();
        self.engine.prefilter(text.as_bytes(), Encoding::Json, &mut hits);
        let doc = Doc { src: text.as_bytes(), format: Format::Json, hits: &hits, nested: true };
        let saved = st.counts.clone();
        match self.walk(&doc, st) {
            Ok(edits) if edits.is_empty() => Some(None),
            Ok(mut edits) => {
                edits.sort_by_key(|e| e.span.start);
                let mut out: Vec<u8> = Vec::with_capacity(text.len() + 32);
                let mut pos = 0;
                for e in &edits {
                    out.extend_from_slice(text.as_bytes().get(pos..e.span.start).unwrap_or_default());
                    write_str(&mut out, &e.text);
                    pos = e.span.end;
                }
                out.extend_from_slice(text.as_bytes().get(pos..).unwrap_or_default());
                Some(Some(String::from_utf8_lossy(&out).into_owned()))
            }
            Err(_) => {
                st.counts = saved;
                None
            }
        }
    }

    /// Numbers can hold card, ID and phone numbers (`"pan": 4111111111111111`).
    fn number(&self, doc: &Doc<'_>, n: &Num<'_>, span: Range<usize>, st: &mut RecordState) -> Option<Edit> {
        let worth = match n {
            Num::Text(_) => doc.hits.within(span.clone()).any(Engine::hit_is_digits),
            Num::Int(i) => i.unsigned_abs() >= 100_000_000,
            Num::UInt(u) => *u >= 100_000_000,
            Num::Float(_) => false,
        };
        if !worth {
            return None;
        }
        let text = n.to_text();
        self.text(&text, st).map(|t| Edit { span, text: t })
    }
}

/// Adds an edit; a later edit of the same span replaces the earlier one.
fn push_edit(edits: &mut Vec<Edit>, e: Edit) {
    if let Some(old) = edits.iter_mut().find(|x| x.span == e.span) {
        *old = e;
    } else {
        edits.push(e);
    }
}

fn role_of(k: &Str<'_>) -> Role {
    let raw = k.raw();
    if raw.eq_ignore_ascii_case(b"name") || raw.eq_ignore_ascii_case(b"key") {
        Role::Name
    } else if raw.eq_ignore_ascii_case(b"value") {
        Role::Value
    } else {
        Role::Other
    }
}

fn looks_like_json(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']'))
}
