//! The rule index: which rules can possibly match a record, decided from a few fields read
//! with an early-stopping scan, before the full one-pass lookup of every rule field.
//!
//! From each rule's condition we derive *anchors*: (field, predicate) pairs the record must
//! satisfy for the condition to be true — the equality, prefix and CIDR tests of its top-level
//! conjunction (and of every branch of a disjunction on the same field). The index keeps a
//! small set of anchor fields covering the most rules (for Kubernetes audit events
//! `objectRef.resource`, `verb`, …) and dispatches on the first one with a sorted map. Anchors
//! are necessary conditions only, so a candidate still has its full condition evaluated; they
//! are compared case-insensitively (a superset of what any rule needs), never missing a match.
//!
//! The scan walks the record's top-level members in order and stops once every anchor field's
//! top-level key has been seen: in an audit event `verb` and `objectRef` come before the large
//! `requestObject`/`responseObject`, which a non-matching record never reads. A top-level key
//! that appears twice is read at its first occurrence only.

use std::borrow::Cow;
use std::collections::BTreeMap;

use logward_match::ops::cidr::Cidr;
use logward_match::ops::text::fold;
use logward_sdk::{FieldPath, Format, Node, Record, Scalar, Segment, Shape};
use serde_json::Value;

use crate::scan;

/// A necessary condition on one field's values: some value satisfies it.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Equal (ignoring case) to one of `texts`, or numerically equal to one of `nums`.
    Values { texts: Vec<String>, nums: Vec<f64> },
    /// Starts with one of these (lowercase).
    Prefix(Vec<String>),
    Cidr(Vec<Cidr>),
    /// One of these holds (a disjunction whose branches constrain the field differently).
    AnyOf(Vec<Pred>),
    /// The field is absent or null (`field: null`). Reliable because the scan reads every
    /// member of the objects on an anchor path before it stops.
    NullOrAbsent,
    /// No value starts with one of these (from `not startswith`, case-insensitive).
    NotPrefix(Vec<String>),
    /// No value equals one of these (from `not equals` of words, case-insensitive).
    NotValues(Vec<String>),
}

/// One value found at an anchor field.
pub struct Leaf<'a> {
    /// Lowercased text (numbers as written).
    text: Cow<'a, str>,
    num: Option<f64>,
    null: bool,
}

impl Pred {
    fn holds(&self, leaf: &Leaf<'_>) -> bool {
        match self {
            Pred::Values { texts, nums } => {
                texts.binary_search_by(|t| t.as_str().cmp(leaf.text.as_ref())).is_ok()
                    || leaf.num.is_some_and(|n| nums.contains(&n))
            }
            Pred::Prefix(p) => p.iter().any(|p| leaf.text.starts_with(p.as_str())),
            Pred::Cidr(c) => c.iter().any(|c| c.contains_text(&leaf.text)),
            Pred::AnyOf(ps) => ps.iter().any(|p| p.holds(leaf)),
            Pred::NullOrAbsent => leaf.null,
            Pred::NotPrefix(p) => leaf.null || !p.iter().any(|p| leaf.text.starts_with(p.as_str())),
            Pred::NotValues(t) => leaf.null || t.binary_search_by(|t| t.as_str().cmp(leaf.text.as_ref())).is_err(),
        }
    }

    /// Merges branch predicates of a disjunction (`None`: no usable anchor).
    fn union(preds: Vec<Pred>) -> Option<Pred> {
        if preds.iter().any(|p| matches!(p, Pred::NullOrAbsent | Pred::NotPrefix(_) | Pred::NotValues(_))) {
            return None;
        }
        let mut texts = Vec::new();
        let mut nums = Vec::new();
        let mut others = Vec::new();
        for p in preds {
            match p {
                Pred::Values { texts: t, nums: n } => {
                    texts.extend(t);
                    nums.extend(n);
                }
                other => others.push(other),
            }
        }
        texts.sort();
        texts.dedup();
        let values = Pred::Values { texts, nums };
        if others.is_empty() {
            return Some(values);
        }
        if let Pred::Values { texts, nums } = &values
            && (!texts.is_empty() || !nums.is_empty()) {
                others.push(values);
            }
        Some(Pred::AnyOf(others))
    }
}

/// Canonical text of a number, so `403`, `403.0` and `"403"` meet in the dispatch map.
fn number_key(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

/// Anchors implied by a (placeholder-resolved) logward-match condition.
pub fn necessary(cond: &Value) -> Vec<(String, Pred)> {
    let Value::Object(obj) = cond else { return Vec::new() };
    if let Some(Value::Array(items)) = obj.get("all") {
        return items.iter().flat_map(necessary).collect();
    }
    if let Some(Value::Array(items)) = obj.get("any") {
        let branches: Vec<Vec<(String, Pred)>> = items.iter().map(necessary).collect();
        let Some(first) = branches.first() else { return Vec::new() };
        let mut out = Vec::new();
        let mut paths: Vec<&String> = first.iter().map(|(p, _)| p).collect();
        paths.dedup();
        for path in paths {
            let per_branch: Option<Vec<Pred>> = branches
                .iter()
                .map(|b| b.iter().find(|(p, _)| p == path).map(|(_, pred)| pred.clone()))
                .collect();
            if let Some(pred) = per_branch.and_then(Pred::union) {
                out.push((path.clone(), pred));
            }
        }
        return out;
    }
    if let Some(inner) = obj.get("not") {
        return negated(inner);
    }
    test_pred(obj).into_iter().collect()
}

/// Anchors implied by `not cond`: `not (A or B)` gives those of `not A` and `not B`; a
/// negated test gives one only where our comparison is exactly the test's (case-insensitive
/// prefixes, case-insensitive words), since a negation turns a superset into a subset.
fn negated(cond: &Value) -> Vec<(String, Pred)> {
    let Value::Object(obj) = cond else { return Vec::new() };
    if let Some(Value::Array(items)) = obj.get("any") {
        return items.iter().flat_map(negated).collect();
    }
    if let Some(inner) = obj.get("not") {
        return necessary(inner);
    }
    let Some(field) = obj.get("field").and_then(Value::as_str) else { return Vec::new() };
    let plain = obj.get("ignore_case") == Some(&Value::Bool(true))
        && !["values", "elements", "deep"].iter().any(|k| obj.contains_key(*k));
    if !plain {
        return Vec::new();
    }
    let words = |v: &Value| -> Option<Vec<String>> {
        let list = match v {
            Value::Array(a) => a.iter().collect::<Vec<_>>(),
            other => vec![other],
        };
        list.iter().map(|x| x.as_str().map(|s| fold(s).into_owned())).collect()
    };
    if let Some(prefixes) = obj.get("startswith").and_then(words) {
        return vec![(field.to_string(), Pred::NotPrefix(prefixes))];
    }
    let exact = obj.get("glob").or_else(|| obj.get("equals"));
    if let Some(texts) = exact.and_then(words) {
        // `not (x in [A, B*])` implies `not (x == A)`: keep the values that are plain words
        // (no wildcards, escapes or numbers, where equality is exactly ours).
        let mut texts: Vec<String> =
            texts.into_iter().filter(|t| !t.contains(['*', '?', '\\']) && parse_number(t).is_none()).collect();
        if texts.is_empty() {
            return Vec::new();
        }
        texts.sort();
        return vec![(field.to_string(), Pred::NotValues(texts))];
    }
    Vec::new()
}

fn test_pred(obj: &serde_json::Map<String, Value>) -> Option<(String, Pred)> {
    let field = obj.get("field")?.as_str()?;
    // Options that change which record values count make the test unusable as an anchor.
    if obj.get("deep").is_some_and(|d| d != &Value::Bool(false)) || obj.get("elements").is_some_and(|e| e != "any") {
        return None;
    }
    let list = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        }
    };
    let pred = if let Some(v) = obj.get("equals").or_else(|| obj.get("glob")) {
        let glob = obj.contains_key("glob");
        let mut texts = Vec::new();
        let mut nums = Vec::new();
        for item in list(v) {
            match item {
                Value::String(s) => {
                    if glob && has_wildcard(&s) {
                        return None;
                    }
                    let s = if glob { unescape_glob(&s) } else { s };
                    if let Some(n) = parse_number(&s) {
                        nums.push(n);
                    }
                    texts.push(fold(&s).into_owned());
                }
                Value::Number(n) => {
                    let f = n.as_f64()?;
                    nums.push(f);
                    texts.push(number_key(f));
                }
                Value::Bool(b) => texts.push(b.to_string()),
                // `null` alone: absent or null. Mixed with other values: no anchor.
                Value::Null if list(v).len() == 1 => return Some((field.to_string(), Pred::NullOrAbsent)),
                _ => return None,
            }
        }
        texts.sort();
        texts.dedup();
        Pred::Values { texts, nums }
    } else if let Some(v) = obj.get("startswith") {
        let prefixes: Option<Vec<String>> = list(v).iter().map(|s| s.as_str().map(|s| fold(s).into_owned())).collect();
        Pred::Prefix(prefixes?)
    } else if let Some(v) = obj.get("cidr") {
        let cidrs: Option<Vec<Cidr>> = list(v).iter().map(|s| s.as_str().and_then(|s| Cidr::parse(s).ok())).collect();
        Pred::Cidr(cidrs?)
    } else {
        return None;
    };
    Some((field.to_string(), pred))
}

fn has_wildcard(s: &str) -> bool {
    let mut escaped = false;
    for c in s.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '*' | '?' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

fn unescape_glob(s: &str) -> String {
    logward_match::ops::glob::Glob::unescape(s)
}

/// A value's number, as logward-match reads it (a superset: never `None` where it has one).
fn parse_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let first = *b.first()?;
    // Most values are words: no number can start with a letter or punctuation other than these.
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') || first.is_ascii_whitespace() || first >= 0x80) {
        return None;
    }
    if b.len() <= 15 && b.iter().all(u8::is_ascii_digit) {
        return Some(b.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64);
    }
    let t = s.trim();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// A rule's anchors on the index's fields.
#[derive(Debug, Clone)]
struct RuleAnchors {
    /// (anchor field number, predicate): all must hold.
    preds: Vec<(usize, Pred)>,
}

/// The compiled index.
#[derive(Debug)]
pub struct Index {
    fields: Vec<AnchorField>,
    /// Distinct first keys of the anchor fields (the scan stops when all were seen).
    root_keys: Vec<String>,
    rules: Vec<RuleAnchors>,
    /// Field 0's values → rules whose field-0 predicate is a plain value list.
    dispatch: BTreeMap<String, Vec<usize>>,
    /// Rules checked on every record (anchored elsewhere, or not at all).
    always: Vec<usize>,
    /// Per-record scratch: rule → stamp of the last record it was added for.
    stamp: Vec<u32>,
    round: u32,
    /// The fast JSON walker's plan and reusable buffers.
    plan: scan::Plan,
    found: Vec<scan::Found>,
    work: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct AnchorField {
    path: String,
    segments: Vec<String>,
}



impl Index {
    /// `rule_anchors[i]`: the anchors of rule `i` (from [`necessary`]).
    pub fn build(rule_anchors: &[Vec<(String, Pred)>]) -> Index {
        // Greedy cover: repeatedly take the field that anchors the most rules not yet anchored.
        // Ties go to a field under a top-level key already chosen (no extra reading), then to
        // the field anchoring the most rules overall: fields many rules use come first in
        // records (`verb`, `objectRef`), rarely used ones tend to be late (`annotations`).
        let usable = |path: &str| FieldPath::parse(path).is_ok_and(|p| p.segments().iter().all(|s| matches!(s, Segment::Key(_))));
        let root_of = |path: &str| -> String {
            FieldPath::parse(path)
                .ok()
                .and_then(|p| match p.segments().first() {
                    Some(Segment::Key(k)) => Some(k.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        let mut overall: BTreeMap<&str, usize> = BTreeMap::new();
        for anchors in rule_anchors {
            let mut seen: Vec<&str> = Vec::new();
            for (p, _) in anchors {
                if usable(p) && !seen.contains(&p.as_str()) {
                    seen.push(p);
                    *overall.entry(p).or_default() += 1;
                }
            }
        }
        let mut chosen: Vec<String> = Vec::new();
        let mut uncovered: Vec<usize> =
            (0..rule_anchors.len()).filter(|&i| rule_anchors[i].iter().any(|(p, _)| usable(p))).collect();
        while !uncovered.is_empty() {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for &i in &uncovered {
                let mut seen: Vec<&str> = Vec::new();
                for (p, _) in &rule_anchors[i] {
                    if usable(p) && !seen.contains(&p.as_str()) {
                        seen.push(p);
                        *counts.entry(p).or_default() += 1;
                    }
                }
            }
            let chosen_roots: Vec<String> = chosen.iter().map(|c| root_of(c)).collect();
            let score = |p: &str, n: usize| (n, chosen_roots.contains(&root_of(p)), overall.get(p).copied().unwrap_or(0));
            // Highest score; remaining ties by name (BTreeMap order) for a deterministic index.
            let Some(best) = counts
                .iter()
                .max_by(|a, b| score(a.0, *a.1).cmp(&score(b.0, *b.1)).then(b.0.cmp(a.0)))
                .map(|(p, _)| p.to_string())
            else {
                break;
            };
            uncovered.retain(|&i| !rule_anchors[i].iter().any(|(p, _)| *p == best));
            chosen.push(best);
        }
        // Then every other field that anchors several rules, or one rule and sits at the top
        // level (`requestURI`): one more field narrows the candidates (`verb` after
        // `objectRef.resource`) for the price of comparing it.
        let mut extra: BTreeMap<&str, usize> = BTreeMap::new();
        for anchors in rule_anchors {
            let mut seen: Vec<&str> = Vec::new();
            for (p, _) in anchors {
                if usable(p) && !chosen.contains(p) && !seen.contains(&p.as_str()) {
                    seen.push(p);
                    *extra.entry(p).or_default() += 1;
                }
            }
        }
        let top_level = |p: &str| FieldPath::parse(p).is_ok_and(|f| f.segments().len() == 1);
        chosen.extend(extra.into_iter().filter(|(p, n)| *n >= 2 || top_level(p)).map(|(p, _)| p.to_string()));
        let fields: Vec<AnchorField> = chosen
            .iter()
            .map(|p| {
                let segments = FieldPath::parse(p)
                    .map(|fp| {
                        fp.segments()
                            .iter()
                            .filter_map(|s| match s {
                                Segment::Key(k) => Some(k.clone()),
                                Segment::Index(_) => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                AnchorField { path: p.clone(), segments }
            })
            .collect();
        let mut root_keys: Vec<String> = fields.iter().filter_map(|f| f.segments.first().cloned()).collect();
        root_keys.sort();
        root_keys.dedup();

        let mut rules = Vec::new();
        let mut dispatch: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut always = Vec::new();
        for (i, anchors) in rule_anchors.iter().enumerate() {
            let preds: Vec<(usize, Pred)> = anchors
                .iter()
                .filter_map(|(p, pred)| chosen.iter().position(|c| c == p).map(|f| (f, pred.clone())))
                .collect();
            let primary = preds.iter().find_map(|(f, pred)| match pred {
                Pred::Values { texts, nums } if *f == 0 && nums.iter().all(|n| texts.contains(&number_key(*n))) => {
                    Some(texts.clone())
                }
                _ => None,
            });
            match primary {
                Some(texts) => {
                    for t in texts {
                        dispatch.entry(t).or_default().push(i);
                    }
                }
                None => always.push(i),
            }
            rules.push(RuleAnchors { preds });
        }
        let plan = scan::Plan::new(&fields.iter().map(|f| f.segments.clone()).collect::<Vec<_>>());
        Index {
            fields,
            root_keys,
            stamp: vec![0; rules.len()],
            rules,
            dispatch,
            always,
            round: 0,
            plan,
            found: Vec::new(),
            work: Vec::new(),
        }
    }

    /// The anchor fields, most rules first.
    pub fn fields(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.path.as_str()).collect()
    }

    /// Rules checked on every record whatever their anchors say (for reports and tests).
    pub fn unanchored(&self) -> Vec<usize> {
        self.rules.iter().enumerate().filter(|(_, r)| r.preds.is_empty()).map(|(i, _)| i).collect()
    }

    /// Rules whose anchors hold on `record`, ascending. `Err` when the record cannot be read.
    pub fn candidates(&mut self, record: &Record<'_>, out: &mut Vec<usize>) -> logward_sdk::Result<()> {
        out.clear();
        if self.rules.is_empty() {
            return Ok(());
        }
        let mut values = self.scan(record)?;
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.round = 1;
        }
        let round = self.round;
        // Rules picked by the primary field's values, then those checked on every record.
        let mut picked: Vec<usize> = Vec::new();
        let mut pick = |i: usize, stamp: &mut Vec<u32>| {
            if let Some(s) = stamp.get_mut(i)
                && *s != round {
                    *s = round;
                    picked.push(i);
                }
        };
        for k in 0..values.len() {
            if values.field(k) != 0 {
                continue;
            }
            let leaf = values.leaf(k);
            if let Some(rules) = self.dispatch.get(leaf.text.as_ref()) {
                rules.iter().for_each(|&i| pick(i, &mut self.stamp));
            }
            if let Some(n) = leaf.num
                && let Some(rules) = self.dispatch.get(number_key(n).as_str()) {
                    rules.iter().for_each(|&i| pick(i, &mut self.stamp));
                }
        }
        for &i in &self.always {
            pick(i, &mut self.stamp);
        }
        for i in picked {
            if self.rules.get(i).is_some_and(|r| r.preds.iter().all(|(f, pred)| values.check(*f, pred))) {
                out.push(i);
            }
        }
        out.sort_unstable();
        Ok(())
    }

    /// The values of every anchor field, reading top-level members only until all anchor keys
    /// were seen: JSON with the fast walker (values decoded only when a rule asks), msgpack (or
    /// JSON the walker gives up on) with the SDK's reader.
    fn scan<'a>(&mut self, record: &Record<'a>) -> logward_sdk::Result<Values<'a>> {
        if self.fields.is_empty() {
            return Ok(Values { src: &[], entries: Vec::new() });
        }
        let src = record.bytes();
        if record.format() == Format::Json && self.plan.scan(src, &mut self.found, &mut self.work).is_ok() {
            return Ok(Values { src, entries: self.found.iter().map(|f| (f.field, Some(*f), None)).collect() });
        }
        let leaves = self.scan_nodes(record)?;
        Ok(Values { src, entries: leaves.into_iter().map(|(f, l)| (f, None, Some(l))).collect() })
    }

    fn scan_nodes<'a>(&self, record: &Record<'a>) -> logward_sdk::Result<Vec<(usize, Leaf<'a>)>> {
        let mut out: Vec<(usize, Leaf<'a>)> = Vec::new();
        let root = record.root()?;
        let Some(members) = root.members()? else { return Ok(out) };
        let mut seen = vec![false; self.root_keys.len()];
        let mut unseen = self.root_keys.len();
        let mut nodes: Vec<Node<'a>> = Vec::new();
        let mut found: Vec<Leaf<'a>> = Vec::new();
        for member in members {
            let (key, value) = member?;
            let exact = self.root_keys.iter().position(|r| key.eq_str(r));
            let dotted_key = exact.is_none() && key.raw().contains(&b'.');
            if exact.is_none() && !dotted_key {
                continue;
            }
            let text = key.text();
            for (f, field) in self.fields.iter().enumerate() {
                let rest = match exact {
                    Some(k) if field.segments.first() == self.root_keys.get(k) => field.segments.get(1..),
                    Some(_) => None,
                    None => dotted_prefix(&text, &field.segments),
                };
                if let Some(rest) = rest {
                    nodes.clear();
                    found.clear();
                    descend(value, rest, &mut nodes)?;
                    leaves(&nodes, &mut found);
                    out.extend(found.drain(..).map(|l| (f, l)));
                }
            }
            if let Some(k) = exact {
                if let Some(s) = seen.get_mut(k)
                    && !*s {
                        *s = true;
                        unseen -= 1;
                    }
                if unseen == 0 {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// If `key` spells the first n > 1 segments joined by dots, the remaining segments.
fn dotted_prefix<'s>(key: &str, segments: &'s [String]) -> Option<&'s [String]> {
    let mut rest = key;
    for (i, seg) in segments.iter().enumerate() {
        rest = rest.strip_prefix(seg.as_str())?;
        if rest.is_empty() {
            return (i > 0).then(|| &segments[i + 1..]);
        }
        rest = rest.strip_prefix('.')?;
    }
    None
}

/// Nodes at `segments` below `node`; arrays are transparent; dotted keys match several segments.
fn descend<'a>(node: Node<'a>, segments: &[String], out: &mut Vec<Node<'a>>) -> logward_sdk::Result<()> {
    let mut work: Vec<(Node<'a>, usize)> = vec![(node, 0)];
    while let Some((n, i)) = work.pop() {
        let Some(seg) = segments.get(i) else {
            out.push(n);
            continue;
        };
        match n.shape()? {
            Shape::Object => {
                if let Some(members) = n.members()? {
                    for m in members {
                        let (k, v) = m?;
                        if k.eq_str(seg) {
                            work.push((v, i + 1));
                        } else if k.raw().contains(&b'.')
                            && let Some(rest) = dotted_prefix(&k.text(), &segments[i..]) {
                                work.push((v, segments.len() - rest.len()));
                            }
                    }
                }
            }
            Shape::Array => {
                if let Some(elements) = n.elements()? {
                    for e in elements {
                        work.push((e?, i));
                    }
                }
            }
            Shape::Scalar => {}
        }
    }
    Ok(())
}

/// Scalar values under `nodes`, arrays flattened.
fn leaves<'a>(nodes: &[Node<'a>], out: &mut Vec<Leaf<'a>>) {
    let mut stack: Vec<Node<'a>> = nodes.to_vec();
    while let Some(n) = stack.pop() {
        match n.shape() {
            Ok(Shape::Scalar) => {
                if let Ok(Some(s)) = n.scalar() {
                    out.push(leaf(s));
                }
            }
            Ok(Shape::Array) => {
                if let Ok(Some(items)) = n.elements() {
                    stack.extend(items.map_while(Result::ok));
                }
            }
            _ => {}
        }
    }
}

/// One record's anchor values, decoded on first use.
struct Values<'a> {
    src: &'a [u8],
    /// (field, position from the fast walker, decoded value).
    entries: Vec<(usize, Option<scan::Found>, Option<Leaf<'a>>)>,
}

const NULL_LEAF: Leaf<'static> = Leaf { text: Cow::Borrowed("null"), num: None, null: true };

impl<'a> Values<'a> {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn field(&self, k: usize) -> usize {
        self.entries.get(k).map_or(usize::MAX, |e| e.0)
    }

    fn leaf(&mut self, k: usize) -> &Leaf<'a> {
        let src = self.src;
        match self.entries.get_mut(k) {
            Some((_, found, leaf)) => leaf.get_or_insert_with(|| found.as_ref().map_or(NULL_LEAF, |f| found_leaf(src, f))),
            None => &NULL_LEAF,
        }
    }

    /// Does `pred` hold for the values of field `f`?
    fn check(&mut self, f: usize, pred: &Pred) -> bool {
        let negation = matches!(pred, Pred::NotPrefix(_) | Pred::NotValues(_));
        let mut seen = false;
        for k in 0..self.entries.len() {
            if self.field(k) != f {
                continue;
            }
            seen = true;
            let holds = pred.holds(self.leaf(k));
            // A negation fails on the first value that matches; the others hold on the first.
            if holds != negation {
                return holds;
            }
        }
        // `null` also matches an absent field.
        negation || (matches!(pred, Pred::NullOrAbsent) && !seen)
    }
}

/// Lowercase for case-insensitive comparison, as logward-match folds (ASCII without tables).
fn lower(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    if !b.iter().any(|c| c.is_ascii_uppercase() || *c >= 0x80) {
        Cow::Borrowed(s)
    } else if b.is_ascii() {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

fn found_leaf<'a>(src: &'a [u8], f: &scan::Found) -> Leaf<'a> {
    let body = src.get(f.start..f.end).unwrap_or_default();
    match f.kind {
        scan::Kind::Str { escaped: false } => {
            let text = match std::str::from_utf8(body) {
                Ok(b) => lower(b),
                Err(_) => Cow::Owned(lower(&String::from_utf8_lossy(body)).into_owned()),
            };
            let num = parse_number(&text);
            Leaf { text, num, null: false }
        }
        scan::Kind::Str { escaped: true } => {
            let text = lower(&logward_sdk::json::unescape(body)).into_owned();
            let num = parse_number(&text);
            Leaf { text: Cow::Owned(text), num, null: false }
        }
        scan::Kind::Num => {
            let text = std::str::from_utf8(body).map_or_else(|_| String::from_utf8_lossy(body), Cow::Borrowed);
            let num = parse_number(&text);
            Leaf { text, num, null: false }
        }
        scan::Kind::Bool(b) => Leaf { text: Cow::Borrowed(if b { "true" } else { "false" }), num: None, null: false },
        scan::Kind::Null => Leaf { text: Cow::Borrowed("null"), num: None, null: true },
    }
}

fn leaf(s: Scalar<'_>) -> Leaf<'_> {
    match s {
        Scalar::Str(s) => {
            let text = match s.text() {
                Cow::Borrowed(b) => fold(b),
                Cow::Owned(o) => Cow::Owned(fold(&o).into_owned()),
            };
            let num = parse_number(&text);
            Leaf { text, num, null: false }
        }
        Scalar::Num(n) => {
            let num = n.as_f64();
            Leaf { text: Cow::Owned(n.to_text().into_owned()), num, null: false }
        }
        Scalar::Bool(b) => Leaf { text: Cow::Borrowed(if b { "true" } else { "false" }), num: None, null: false },
        Scalar::Null => Leaf { text: Cow::Borrowed("null"), num: None, null: true },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logward_sdk::Format;
    use serde_json::json;

    fn anchors(c: Value) -> Vec<(String, Pred)> {
        necessary(&c)
    }

    #[test]
    fn conjunction_gives_every_anchor() {
        let a = anchors(json!({"all": [
            {"field": "verb", "equals": ["get", "LIST"], "ignore_case": true},
            {"field": "objectRef.resource", "equals": "secrets"},
            {"not": {"field": "user.username", "startswith": "system:"}},
            {"field": "requestURI", "contains": "x"}]}));
        assert_eq!(a.len(), 2);
        assert_eq!(a[0], ("verb".into(), Pred::Values { texts: vec!["get".into(), "list".into()], nums: vec![] }));
        assert_eq!(a[1].0, "objectRef.resource");
    }

    #[test]
    fn disjunction_anchors_only_fields_every_branch_constrains() {
        let a = anchors(json!({"any": [
            {"all": [{"field": "verb", "equals": "create"}, {"field": "objectRef.resource", "equals": "pods"}]},
            {"all": [{"field": "verb", "equals": "patch"}, {"field": "requestURI", "contains": "x"}]}]}));
        assert_eq!(a, vec![("verb".into(), Pred::Values { texts: vec!["create".into(), "patch".into()], nums: vec![] })]);
        assert!(anchors(json!({"any": [{"field": "verb", "equals": "x"}, {"keywords": ["y"]}]})).is_empty());
    }

    #[test]
    fn no_anchor_from_negation_null_wildcards_or_deep() {
        for c in [
            json!({"not": {"field": "verb", "equals": "get"}}),
            json!({"not": {"field": "verb", "glob": "g*", "ignore_case": true}}),
            json!({"not": {"field": "code", "glob": "403", "ignore_case": true}}),
            json!({"not": {"all": [{"field": "verb", "glob": "get", "ignore_case": true}, {"field": "a", "exists": true}]}}),
            json!({"field": "verb", "equals": [null, "get"]}),
            json!({"any": [{"field": "verb", "equals": null}, {"field": "verb", "equals": "get"}]}),
            json!({"field": "verb", "glob": "g*"}),
            json!({"field": "a", "equals": "x", "deep": true}),
            json!({"field": "a", "equals": "x", "elements": "all"}),
        ] {
            assert!(anchors(c.clone()).is_empty(), "{c}");
        }
        assert_eq!(anchors(json!({"field": "verb", "glob": "g\\*"}))[0].1, Pred::Values { texts: vec!["g*".into()], nums: vec![] });
    }

    fn candidates(index: &mut Index, rec: &str) -> Vec<usize> {
        let r = Record::new(rec.as_bytes(), Format::Json);
        let mut out = Vec::new();
        index.candidates(&r, &mut out).unwrap();
        out
    }

    #[test]
    fn index_dispatches_and_checks_other_anchors() {
        let rules = vec![
            anchors(json!({"all": [{"field": "objectRef.resource", "equals": "secrets"}, {"field": "verb", "equals": "get"}]})),
            anchors(json!({"all": [{"field": "objectRef.resource", "equals": ["pods", "secrets"]}, {"field": "verb", "equals": "create"}]})),
            anchors(json!({"field": "responseStatus.code", "equals": [401, 403]})),
            anchors(json!({"field": "sourceIPs", "cidr": "192.0.2.0/24"})),
            anchors(json!({"keywords": ["evil"]})),
        ];
        let mut idx = Index::build(&rules);
        assert_eq!(idx.fields()[0], "objectRef.resource");
        assert_eq!(idx.unanchored(), vec![4]);
        let get_secret = r#"{"verb":"get","objectRef":{"resource":"Secrets"},"sourceIPs":["10.0.0.1"],"responseStatus":{"code":200}}"#;
        assert_eq!(candidates(&mut idx, get_secret), vec![0, 4]);
        let forbidden = r#"{"verb":"list","responseStatus":{"code":403.0},"sourceIPs":["192.0.2.9"]}"#;
        assert_eq!(candidates(&mut idx, forbidden), vec![2, 3, 4]);
        let dotted = r#"{"verb":"create","objectRef.resource":"pods"}"#;
        assert_eq!(candidates(&mut idx, dotted), vec![1, 4]);
        let code_as_text = r#"{"responseStatus":{"code":"401"}}"#;
        assert_eq!(candidates(&mut idx, code_as_text), vec![2, 4]);
    }

    #[test]
    fn negated_words_and_prefixes() {
        let a = anchors(json!({"all": [
            {"field": "objectRef.resource", "equals": "secrets"},
            {"not": {"any": [
                {"field": "user.username", "startswith": "system:", "ignore_case": true},
                {"field": "user.username", "glob": ["Admin", "root"], "ignore_case": true}]}}]}));
        assert_eq!(a[1], ("user.username".into(), Pred::NotPrefix(vec!["system:".into()])));
        assert_eq!(a[2], ("user.username".into(), Pred::NotValues(vec!["admin".into(), "root".into()])));
        // Twice: a second field is indexed when it anchors several rules.
        let mut idx = Index::build(&[a.clone(), a]);
        let rec = |user: &str| format!(r#"{{"objectRef":{{"resource":"secrets"}},"user":{{"username":{user}}}}}"#);
        assert_eq!(candidates(&mut idx, &rec(r#""alice""#)), vec![0, 1]);
        assert!(candidates(&mut idx, &rec(r#""SYSTEM:node:x""#)).is_empty());
        assert!(candidates(&mut idx, &rec(r#""ADMIN""#)).is_empty());
        assert_eq!(candidates(&mut idx, &rec("null")), vec![0, 1], "null never starts with anything");
        assert_eq!(candidates(&mut idx, r#"{"objectRef":{"resource":"secrets"}}"#), vec![0, 1], "absent");
    }

    #[test]
    fn null_anchors_on_absence() {
        let rules = vec![
            anchors(json!({"all": [{"field": "objectRef.resource", "equals": "nodes"}, {"field": "objectRef.subresource", "glob": null}]})),
            anchors(json!({"all": [{"field": "objectRef.resource", "equals": "nodes"}, {"field": "objectRef.subresource", "equals": "status"}]})),
        ];
        let mut idx = Index::build(&rules);
        assert_eq!(candidates(&mut idx, r#"{"objectRef":{"resource":"nodes","subresource":"status"}}"#), vec![1]);
        assert_eq!(candidates(&mut idx, r#"{"objectRef":{"resource":"nodes"}}"#), vec![0]);
        assert_eq!(candidates(&mut idx, r#"{"objectRef":{"resource":"nodes","subresource":null}}"#), vec![0]);
        // Like logward-match's `null`: one null element of an array is enough.
        assert_eq!(candidates(&mut idx, r#"{"objectRef":{"resource":"nodes","subresource":[null,"status"]}}"#), vec![0, 1]);
    }

    #[test]
    fn scan_stops_after_the_anchor_keys() {
        let rules = vec![anchors(json!({"field": "verb", "equals": "get"}))];
        let mut idx = Index::build(&rules);
        // Everything after `verb` is never read: a broken tail does not matter.
        assert_eq!(candidates(&mut idx, r#"{"kind":"Event","verb":"get","requestObject":{"#), vec![0]);
        let r = Record::new(br#"{"kind":"Event","requestObject":{"#, Format::Json);
        assert!(idx.candidates(&r, &mut Vec::new()).is_err());
    }

    #[test]
    fn msgpack_records_are_indexed_too() {
        let rules = vec![anchors(json!({"all": [{"field": "objectRef.resource", "equals": "secrets"}]}))];
        let mut idx = Index::build(&rules);
        let v = rmpv::Value::Map(vec![(
            "objectRef".into(),
            rmpv::Value::Map(vec![("resource".into(), "secrets".into())]),
        )]);
        let mut buf = Vec::new();
        rmpv::encode::write_value(&mut buf, &v).unwrap();
        let r = Record::new(&buf, Format::Msgpack);
        let mut out = Vec::new();
        idx.candidates(&r, &mut out).unwrap();
        assert_eq!(out, vec![0]);
    }
}
