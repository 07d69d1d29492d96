//! The text scanner: which rules a piece of text can trigger (keywords and candidate classes
//! from the pre-pass), their candidates, the checks, the allowlists, and overlapping findings
//! merged into the spans that get masked.

use std::ops::Range;

use regex::bytes::Regex;

use crate::action::{self, Action, HashSettings};
use crate::prefilter::{self, find_classes, DigitDfa, Encoding, Hit, Hits, Keywords, What};
use crate::rule::{class, snap, Rule};

/// A span of text to mask, and the rule that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub span: Range<usize>,
    pub rule: usize,
}

/// Buffers reused from value to value so scanning does not allocate in steady state.
#[derive(Default)]
pub struct Scratch {
    hits: Hits,
    spans: Vec<Range<usize>>,
    anchors: Vec<Range<usize>>,
    windows: Vec<Range<usize>>,
    triggered: Vec<bool>,
}

/// Values longer than this are searched by regex rules only around the rule's own hits.
const WINDOWED_TEXT: usize = 16 * 1024;
/// How far before / after a hit a secret can start / end (tokens run to a few KB at most: JWTs).
const WINDOW_BEFORE: usize = 512;
const WINDOW_AFTER: usize = 4096;

/// Everything that decides what is a finding.
pub struct Engine {
    pub rules: Vec<Rule>,
    keywords: Keywords,
    /// The digit automaton, when a rule wants digit runs or IBAN starts.
    digits: Option<DigitDfa>,
    /// Per keyword pattern: the rules it triggers (empty for sensitive-key literals only).
    pattern_rules: Vec<Vec<usize>>,
    /// Per keyword pattern: whether it is a sensitive-key literal.
    pattern_is_key: Vec<bool>,
    /// Rules per candidate class bit.
    class_rules: Vec<(u8, Vec<usize>)>,
    /// Enabled rules with neither keyword nor class: they run on every scanned value.
    always: Vec<usize>,
    want_classes: u8,
    allow_values: Vec<String>,
    allow_regexes: Vec<Regex>,
    /// Prefixes of our own output (`[REDACTED:`, `hmac:`): never masked again.
    markers: Vec<String>,
    pub actions: Vec<Action>,
    pub hash: Option<HashSettings>,
}

/// What the engine is built from (see `config.rs`).
pub struct EngineParts {
    pub rules: Vec<Rule>,
    pub actions: Vec<Action>,
    pub key_literals: Vec<String>,
    pub allow_values: Vec<String>,
    pub allow_regexes: Vec<Regex>,
    pub hash: Option<HashSettings>,
}

impl Engine {
    pub fn new(parts: EngineParts) -> Engine {
        let EngineParts { rules, actions, key_literals, allow_values, allow_regexes, hash } = parts;
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        let mut pattern_is_key: Vec<bool> = Vec::new();
        let mut add = |text: &str, rule: Option<usize>, patterns: &mut Vec<String>| {
            for form in prefilter::raw_forms(&text.to_ascii_lowercase()) {
                let id = match patterns.iter().position(|p| *p == form) {
                    Some(id) => id,
                    None => {
                        patterns.push(form);
                        pattern_rules.push(Vec::new());
                        pattern_is_key.push(false);
                        patterns.len() - 1
                    }
                };
                match rule {
                    Some(r) if !pattern_rules[id].contains(&r) => pattern_rules[id].push(r),
                    Some(_) => {}
                    None => pattern_is_key[id] = true,
                }
            }
        };
        let mut class_rules: Vec<(u8, Vec<usize>)> =
            [class::DIGITS, class::IBAN, class::IPV4, class::IPV6].iter().map(|&c| (c, Vec::new())).collect();
        let mut always = Vec::new();
        let mut want_classes = 0;
        for (i, rule) in rules.iter().enumerate() {
            if !rule.enabled || rule.id == crate::rules::SENSITIVE_KEY {
                continue;
            }
            for k in &rule.keywords {
                add(k, Some(i), &mut patterns);
            }
            for (c, list) in &mut class_rules {
                if rule.classes & *c != 0 {
                    list.push(i);
                    want_classes |= *c;
                }
            }
            if rule.keywords.is_empty() && rule.classes == 0 {
                always.push(i);
            }
        }
        for k in &key_literals {
            add(k, None, &mut patterns);
        }
        let markers = marker_prefixes(&rules, &actions, hash.as_ref());
        Engine {
            keywords: Keywords::new(&patterns),
            digits: if want_classes & (class::DIGITS | class::IBAN) != 0 { DigitDfa::new() } else { None },
            pattern_rules,
            pattern_is_key,
            class_rules,
            always,
            want_classes,
            allow_values,
            allow_regexes,
            markers,
            rules,
            actions,
            hash,
        }
    }

    /// The pre-pass over raw bytes (a whole record, or an embedded document).
    pub fn prefilter(&self, bytes: &[u8], enc: Encoding, hits: &mut Hits) {
        let digit_classes = self.want_classes & (class::DIGITS | class::IBAN);
        match &self.digits {
            Some(dfa) if digit_classes != 0 => self.keywords.find_with_digits(dfa, bytes, enc, digit_classes, hits),
            _ => self.keywords.find(bytes, hits),
        }
        // Without the automaton, the digit classes go to the exact scan below.
        let rest = if self.digits.is_some() { self.want_classes & !digit_classes } else { self.want_classes };
        if rest != 0 {
            find_classes(bytes, enc, rest, hits);
        }
    }

    /// Rules without any gate run on every value: no record can be skipped.
    pub fn scans_everything(&self) -> bool {
        !self.always.is_empty()
    }

    /// Whether a hit can make a rule run (as opposed to only a sensitive key).
    pub fn hit_triggers_rules(&self, hit: &Hit) -> bool {
        match hit.what {
            What::Pattern(p) => self.pattern_rules.get(p as usize).is_some_and(|r| !r.is_empty()),
            What::Class(_) => true,
        }
    }

    pub fn hit_is_key(&self, hit: &Hit) -> bool {
        match hit.what {
            What::Pattern(p) => self.pattern_is_key.get(p as usize).copied().unwrap_or(false),
            What::Class(_) => false,
        }
    }

    /// Whether a class hit is a digit run (numbers are only worth scanning for those).
    pub fn hit_is_digits(hit: &Hit) -> bool {
        hit.what == What::Class(class::DIGITS)
    }

    /// Whether `text` is something a mask action produced.
    pub fn is_mask_output(&self, text: &str) -> bool {
        self.markers.iter().any(|m| text.starts_with(m.as_str()))
    }

    fn allowed(&self, secret: &str) -> bool {
        self.is_mask_output(secret)
            || self.allow_values.iter().any(|v| v == secret)
            || self.allow_regexes.iter().any(|re| re.is_match(secret.as_bytes()))
    }

    /// Findings in `text` (decoded), merged: non-overlapping, in order.
    pub fn scan_text(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<Finding>) {
        out.clear();
        if text.is_empty() {
            return;
        }
        scratch.hits.clear();
        self.prefilter(text.as_bytes(), Encoding::Text, &mut scratch.hits);
        if scratch.hits.is_empty() && self.always.is_empty() {
            return;
        }
        scratch.triggered.clear();
        scratch.triggered.resize(self.rules.len(), false);
        for h in &scratch.hits.list {
            match h.what {
                What::Pattern(p) => {
                    for &r in self.pattern_rules.get(p as usize).map(Vec::as_slice).unwrap_or_default() {
                        scratch.triggered[r] = true;
                    }
                }
                What::Class(c) => {
                    for (bit, rules) in &self.class_rules {
                        if c & bit != 0 {
                            for &r in rules {
                                scratch.triggered[r] = true;
                            }
                        }
                    }
                }
            }
        }
        for &r in &self.always {
            scratch.triggered[r] = true;
        }
        let markers: Vec<&str> = self.markers.iter().map(String::as_str).collect();
        for (i, rule) in self.rules.iter().enumerate() {
            if !scratch.triggered[i] {
                continue;
            }
            scratch.spans.clear();
            scratch.anchors.clear();
            if rule.is_anchored() {
                for h in &scratch.hits.list {
                    if let What::Pattern(p) = h.what
                        && self.pattern_rules.get(p as usize).is_some_and(|r| r.contains(&i)) {
                            scratch.anchors.push(h.start..h.end);
                        }
                }
                scratch.anchors.sort_by_key(|r| r.start);
            }
            scratch.windows.clear();
            if text.len() > WINDOWED_TEXT && rule.is_regex() {
                self.windows(i, text.len(), &scratch.hits, &mut scratch.windows);
            }
            rule.candidates(text, &scratch.anchors, &scratch.windows, &mut scratch.spans);
            for span in scratch.spans.drain(..) {
                let span = snap(text, span);
                if span.is_empty() || !rule.accept(text, &span, &markers) {
                    continue;
                }
                if self.allowed(&text[span.clone()]) {
                    continue;
                }
                out.push(Finding { span, rule: i });
            }
        }
        merge(out);
    }

    /// The sorted, merged windows around rule `rule`'s hits in a text of `len` bytes.
    fn windows(&self, rule: usize, len: usize, hits: &Hits, out: &mut Vec<Range<usize>>) {
        for h in &hits.list {
            let mine = match h.what {
                What::Pattern(p) => self.pattern_rules.get(p as usize).is_some_and(|r| r.contains(&rule)),
                What::Class(c) => self.class_rules.iter().any(|(bit, rules)| c & bit != 0 && rules.contains(&rule)),
            };
            if mine {
                out.push(h.start.saturating_sub(WINDOW_BEFORE)..(h.end + WINDOW_AFTER).min(len));
            }
        }
        out.sort_by_key(|w| w.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
        for w in out.drain(..) {
            match merged.last_mut() {
                Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                _ => merged.push(w),
            }
        }
        *out = merged;
    }

    /// Appends `text` with every finding replaced by its rule's action; counts per rule.
    pub fn render(&self, text: &str, findings: &[Finding], counts: &mut Counts) -> String {
        let mut out = String::with_capacity(text.len() + 16 * findings.len());
        let mut pos = 0;
        for f in findings {
            out.push_str(&text[pos..f.span.start]);
            self.render_one(f.rule, &text[f.span.clone()], &mut out);
            counts.add(f.rule);
            pos = f.span.end;
        }
        out.push_str(&text[pos..]);
        out
    }

    /// One masked value for rule `rule`.
    pub fn render_one(&self, rule: usize, secret: &str, out: &mut String) {
        let default = Action::default();
        let a = self.actions.get(rule).unwrap_or(&default);
        let id = self.rules.get(rule).map_or("", |r| r.id.as_str());
        action::render(a, id, secret, self.hash.as_ref(), out);
    }

    pub fn render_container(&self, rule: usize, out: &mut String) {
        let default = Action::default();
        let a = self.actions.get(rule).unwrap_or(&default);
        let id = self.rules.get(rule).map_or("", |r| r.id.as_str());
        action::render_container(a, id, out);
    }
}

/// Sorts findings and merges overlapping ones; the merged span keeps the rule listed first
/// (built-in order is priority order).
pub fn merge(findings: &mut Vec<Finding>) {
    if findings.len() < 2 {
        return;
    }
    findings.sort_by_key(|f| (f.span.start, std::cmp::Reverse(f.span.end)));
    let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        match merged.last_mut() {
            Some(last) if f.span.start < last.span.end => {
                last.span.end = last.span.end.max(f.span.end);
                last.rule = last.rule.min(f.rule);
            }
            _ => merged.push(f),
        }
    }
    *findings = merged;
}

/// The literal starts of what our actions produce.
fn marker_prefixes(rules: &[Rule], actions: &[Action], hash: Option<&HashSettings>) -> Vec<String> {
    let mut m: Vec<String> = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        let text = match a {
            Action::Redact { token } => token.split("{rule}").next().unwrap_or_default().to_string(),
            Action::Hash => hash.map(|h| h.prefix.split("{rule}").next().unwrap_or_default().to_string()).unwrap_or_default(),
            Action::Partial { .. } => String::new(),
        };
        let _ = rules.get(i);
        if text.len() >= 2 && !m.contains(&text) {
            m.push(text);
        }
    }
    if !m.iter().any(|x| x == "[REDACTED:") {
        m.push("[REDACTED:".to_string());
    }
    m
}

/// Findings per rule in one record (for the summary).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// (rule index, count), in first-seen order; few entries per record.
    pub per_rule: Vec<(usize, u32)>,
}

impl Counts {
    pub fn add(&mut self, rule: usize) {
        match self.per_rule.iter_mut().find(|(r, _)| *r == rule) {
            Some((_, n)) => *n += 1,
            None => self.per_rule.push((rule, 1)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.per_rule.is_empty()
    }

    pub fn clear(&mut self) {
        self.per_rule.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: usize, e: usize, r: usize) -> Finding {
        Finding { span: s..e, rule: r }
    }

    #[test]
    fn overlapping_findings_merge_under_the_first_rule() {
        let mut v = vec![f(10, 20, 5), f(0, 4, 9), f(12, 30, 2), f(30, 31, 1)];
        merge(&mut v);
        assert_eq!(v, vec![f(0, 4, 9), f(10, 30, 2), f(30, 31, 1)]);
    }
}
