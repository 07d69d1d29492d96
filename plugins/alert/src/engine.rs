//! The rule engine: rules compiled once, then per record an index lookup, one field pass for
//! the candidates, condition evaluation and correlation windows.

use std::collections::BTreeMap;

use logward_match::{Compiler, Condition};
use logward_sdk::{FieldSet, Fields, Node, Record, Scalar, Shape};
use serde_json::{json, Value};

use crate::anchor::{self, Index};
use crate::bundle::{CorrelationType, Rule};
use crate::config::{Origin, MAX_THRESHOLD, MAX_TIMESPAN_SECONDS};
use crate::hours::BusinessHours;
use crate::level::Level;
use crate::placeholder;
use crate::window::{Counting, Fnv, Nanos, Window};

/// An error in one rule: its origin and a JSON pointer relative to the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub origin: Origin,
    pub pointer: String,
    pub message: String,
}

/// A detection rule ready to run.
#[derive(Debug)]
struct Detection {
    level: Level,
    /// `{id, title, level, tags}`, built once.
    alert: Value,
    condition: Condition,
    /// Writes its own alert (false: only feeds correlations).
    emits: bool,
    off_hours: bool,
    /// Correlations counting this rule's matches.
    feeds: Vec<usize>,
}

#[derive(Debug)]
struct Correlation {
    id: String,
    level: Level,
    alert: Value,
    group_by: Vec<usize>,
    value_field: Option<usize>,
    window: Window,
}

/// One alert written to a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub level: Level,
    pub alert: Value,
}

/// Settings the engine needs besides the rules.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    pub hours: BusinessHours,
    pub max_groups: usize,
    pub min_level: Level,
}

#[derive(Debug)]
pub struct Engine {
    detections: Vec<Detection>,
    correlations: Vec<Correlation>,
    fields: FieldSet,
    index: Index,
    settings: EngineSettings,
    /// Per-record scratch.
    candidates: Vec<usize>,
    counted: Vec<bool>,
}

fn alert_value(rule: &Rule) -> Value {
    json!({"id": rule.id, "title": rule.title, "level": rule.level.as_str(), "tags": rule.tags})
}

fn rule_err(origin: Origin, pointer: &str, message: impl Into<String>) -> RuleError {
    RuleError { origin, pointer: pointer.to_string(), message: message.into() }
}

/// Is the rule switched on, with every placeholder it requires filled?
fn active(rule: &Rule, placeholders: &BTreeMap<String, Vec<String>>) -> bool {
    rule.enabled && rule.requires.iter().all(|p| placeholders.get(p).is_some_and(|v| !v.is_empty()))
}

impl Engine {
    /// Compiles the active rules. Disabled rules, rules whose required placeholders are empty
    /// and feeder rules no active correlation needs are left out.
    ///
    /// Each step is its own function: Fluent Bit runs this on an 8 KiB interpreter stack, and a
    /// small frame here leaves room for the condition compiler's recursion below it.
    pub fn build(
        rules: &[(Rule, Origin)],
        placeholders: &BTreeMap<String, Vec<String>>,
        settings: EngineSettings,
    ) -> Result<Engine, RuleError> {
        check_shapes(rules)?;
        let mut compiler = Compiler::new();
        let mut correlations = Vec::new();
        // Detection rule id -> numbers of the active correlations counting it.
        let mut feeders: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (rule, origin) in rules {
            if rule.correlation.is_some() && active(rule, placeholders) {
                let c = build_correlation(rule, *origin, rules, &mut compiler, settings.max_groups)?;
                for id in rule.correlation.iter().flat_map(|s| &s.rules) {
                    feeders.entry(id.as_str()).or_default().push(correlations.len());
                }
                correlations.push(c);
            }
        }
        let mut detections = Vec::new();
        let mut anchors = Vec::new();
        for (rule, origin) in rules {
            let feeds = feeders.get(rule.id.as_str()).cloned().unwrap_or_default();
            let emits = rule.generate && active(rule, placeholders);
            if rule.condition.is_none() || (!emits && feeds.is_empty()) {
                continue;
            }
            let (condition, anchor) = build_detection(rule, *origin, placeholders, &mut compiler)?;
            anchors.push(anchor);
            detections.push(Detection {
                level: rule.level,
                alert: alert_value(rule),
                condition,
                emits,
                off_hours: rule.off_hours,
                feeds,
            });
        }
        let index = Index::build(&anchors);
        let counted = vec![false; correlations.len()];
        Ok(Engine { detections, correlations, fields: compiler.field_set(), index, settings, candidates: Vec::new(), counted })
    }

    /// The rule index (for tests and reports).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Evaluates one record at record time `time` (ns); returns the alerts it raises, in rule
    /// order. A record that cannot be read raises none.
    pub fn evaluate(&mut self, record: &Record<'_>, time: Nanos, out: &mut Vec<Fired>) {
        out.clear();
        let mut candidates = std::mem::take(&mut self.candidates);
        if self.index.candidates(record, &mut candidates).is_err() || candidates.is_empty() {
            self.candidates = candidates;
            return;
        }
        if let Ok(fields) = record.lookup(&self.fields) {
            self.counted.iter_mut().for_each(|c| *c = false);
            let off_hours = self.settings.hours.is_off_hours((time / 1_000_000_000) as i64);
            for &i in &candidates {
                let Some(d) = self.detections.get(i) else { continue };
                if d.off_hours && !off_hours {
                    continue;
                }
                if !d.condition.eval(&fields, record) {
                    continue;
                }
                if d.emits && d.level >= self.settings.min_level {
                    out.push(Fired { level: d.level, alert: d.alert.clone() });
                }
                for &c in &d.feeds {
                    // An event matching several rules of one correlation counts once.
                    if self.counted.get(c).copied().unwrap_or(true) {
                        continue;
                    }
                    if let Some(flag) = self.counted.get_mut(c) {
                        *flag = true;
                    }
                    let Some(corr) = self.correlations.get_mut(c) else { continue };
                    let group = group_key(&fields, &corr.group_by);
                    let value = corr.value_field.and_then(|f| value_hash(&fields, f));
                    let observed = corr.window.observe(group, value, time);
                    if observed.evicted {
                        report_eviction(corr);
                    }
                    if observed.fired && corr.level >= self.settings.min_level {
                        out.push(Fired { level: corr.level, alert: corr.alert.clone() });
                    }
                }
            }
        }
        self.candidates = candidates;
    }

    /// (groups tracked, groups evicted) per correlation rule id.
    pub fn window_stats(&self) -> Vec<(&str, usize, u64)> {
        self.correlations.iter().map(|c| (c.id.as_str(), c.window.groups(), c.window.evicted())).collect()
    }
}

/// Unique ids; a rule is a detection or a correlation.
#[inline(never)]
fn check_shapes(rules: &[(Rule, Origin)]) -> Result<(), RuleError> {
    for (i, (rule, origin)) in rules.iter().enumerate() {
        if let Some((_, first)) = rules[..i].iter().find(|(r, _)| r.id == rule.id) {
            return Err(rule_err(*origin, "/id", format!("rule id `{}` is used twice (also {first:?})", rule.id)));
        }
        if rule.condition.is_some() == rule.correlation.is_some() {
            return Err(rule_err(*origin, "", "a rule has either `condition` or `correlation`"));
        }
    }
    Ok(())
}

#[inline(never)]
fn build_correlation(
    rule: &Rule,
    origin: Origin,
    rules: &[(Rule, Origin)],
    compiler: &mut Compiler,
    max_groups: usize,
) -> Result<Correlation, RuleError> {
    let Some(spec) = &rule.correlation else {
        return Err(rule_err(origin, "", "not a correlation"));
    };
    if spec.rules.is_empty() {
        return Err(rule_err(origin, "/correlation/rules", "a correlation needs at least one rule"));
    }
    for (i, id) in spec.rules.iter().enumerate() {
        let pointer = format!("/correlation/rules/{i}");
        match rules.iter().find(|(r, _)| &r.id == id) {
            Some((r, _)) if r.condition.is_some() => {}
            Some(_) => return Err(rule_err(origin, &pointer, format!("`{id}` is a correlation; correlations of correlations are not supported"))),
            None => return Err(rule_err(origin, &pointer, format!("no rule has id `{id}`"))),
        }
    }
    if spec.gte == 0 || spec.gte > MAX_THRESHOLD {
        return Err(rule_err(origin, "/correlation/gte", format!("the threshold must be 1..={MAX_THRESHOLD}")));
    }
    if spec.timespan == 0 || spec.timespan > MAX_TIMESPAN_SECONDS {
        return Err(rule_err(origin, "/correlation/timespan", format!("the timespan must be 1..={MAX_TIMESPAN_SECONDS} seconds")));
    }
    let mut group_by = Vec::new();
    for (i, f) in spec.group_by.iter().enumerate() {
        group_by.push(compiler.field(f).map_err(|e| rule_err(origin, &format!("/correlation/group_by/{i}"), e))?);
    }
    let (counting, value_field) = match spec.kind {
        CorrelationType::EventCount => (Counting::Events, None),
        CorrelationType::ValueCount => {
            let f = spec.field.as_deref().ok_or_else(|| rule_err(origin, "/correlation", "value_count needs `field`"))?;
            let id = compiler.field(f).map_err(|e| rule_err(origin, "/correlation/field", e))?;
            (Counting::DistinctValues, Some(id))
        }
    };
    Ok(Correlation {
        id: rule.id.clone(),
        level: rule.level,
        alert: alert_value(rule),
        group_by,
        value_field,
        window: Window::new(counting, spec.timespan, spec.gte, max_groups),
    })
}

/// The condition compiled, and the anchors the index needs.
#[inline(never)]
fn build_detection(
    rule: &Rule,
    origin: Origin,
    placeholders: &BTreeMap<String, Vec<String>>,
    compiler: &mut Compiler,
) -> Result<(Condition, Vec<(String, anchor::Pred)>), RuleError> {
    let Some(text) = &rule.condition else {
        return Err(rule_err(origin, "", "not a detection"));
    };
    let mut resolved = crate::value::parse(text.get()).map_err(|m| rule_err(origin, "/condition", m))?;
    placeholder::resolve(&mut resolved, placeholders).map_err(|(p, m)| rule_err(origin, &format!("/condition{p}"), m))?;
    let compiled = crate::tree::compile(compiler, &resolved, "/condition").map_err(|e| rule_err(origin, &e.pointer, e.message))?;
    let anchors = anchor::necessary(&resolved);
    crate::value::drop_flat(resolved);
    Ok((compiled, anchors))
}

/// Evictions are reported on stderr (Fluent Bit's log) at 1, 2, 4, 8, … so a flood is visible
/// without flooding the log.
fn report_eviction(c: &Correlation) {
    let n = c.window.evicted();
    if n.is_power_of_two() {
        eprintln!(
            "logward-alert: correlation {}: {n} group(s) evicted so far (state.max_groups reached); their counts restart at zero",
            c.id
        );
    }
}

/// Hash of the group-by values (an absent field is a value of its own).
fn group_key(fields: &Fields<'_>, ids: &[usize]) -> u64 {
    let mut h = Fnv::default();
    for &id in ids {
        let nodes = fields.get(id);
        if nodes.is_empty() {
            h.part(b"\x00absent");
        }
        for n in nodes {
            hash_node(&mut h, *n);
        }
        h.part(b"\x00end");
    }
    h.finish()
}

fn value_hash(fields: &Fields<'_>, id: usize) -> Option<u64> {
    let nodes = fields.get(id);
    if nodes.is_empty() {
        return None;
    }
    let mut h = Fnv::default();
    for n in nodes {
        hash_node(&mut h, *n);
    }
    Some(h.finish())
}

/// Scalars by their decoded text (so JSON and msgpack agree), containers by their leaves.
fn hash_node(h: &mut Fnv, node: Node<'_>) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match n.shape() {
            Ok(Shape::Scalar) => match n.scalar() {
                Ok(Some(Scalar::Str(s))) => h.part(s.text().as_bytes()),
                Ok(Some(Scalar::Num(x))) => h.part(x.to_text().as_bytes()),
                Ok(Some(Scalar::Bool(b))) => h.part(if b { b"true" } else { b"false" }),
                _ => h.part(b"null"),
            },
            Ok(Shape::Array) => {
                if let Ok(Some(items)) = n.elements() {
                    let mut children: Vec<Node<'_>> = items.map_while(Result::ok).collect();
                    children.reverse();
                    stack.extend(children);
                }
            }
            Ok(Shape::Object) => {
                if let Ok(Some(members)) = n.members() {
                    let mut children = Vec::new();
                    for (k, v) in members.map_while(Result::ok) {
                        h.part(k.text().as_bytes());
                        children.push(v);
                    }
                    children.reverse();
                    stack.extend(children);
                }
            }
            Err(_) => h.part(b"\x00error"),
        }
    }
}
