//! Sigma YAML → rule bundle (`logward rules check|compile`). Native only (feature `compiler`).
//!
//! Reads Sigma detection rules and Sigma correlation rules (`event_count`, `value_count`),
//! several per file as YAML documents, and writes the JSON bundle the plugin loads. Every
//! problem is reported as `file:line:column: message`; compilation goes on to report them all.
//!
//! logward extensions, all optional:
//! - a rule's `logward:` mapping: `off_hours: true` (fire only outside business hours),
//!   `requires: [placeholder, …]` (off while those lists are empty), `enabled: false`;
//! - a document `logward_placeholders: {name: [values]}` giving placeholder defaults for
//!   `|expand` values `%name%`.

mod condition;
mod detection;
pub mod encode;
pub mod fieldmap;
mod yaml;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bundle::{Bundle, CorrelationSpec, CorrelationType, Related, Rule, FORMAT};
use crate::config::{Origin, MAX_THRESHOLD, MAX_TIMESPAN_SECONDS};
use crate::engine::{Engine, EngineSettings};
use crate::level::Level;
use detection::{at, Ctx};
use yaml::{Val, Y};

/// A problem at a position in a source file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// A problem within one file.
#[derive(Debug, Clone)]
pub struct Error {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// A rule file.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Map Sigma field names per log source (see [`fieldmap`]).
    pub map_fields: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { map_fields: true }
    }
}

/// `.yml`/`.yaml` files under `paths` (files as given, directories recursively, each
/// directory's entries in name order, depth first).
pub fn collect_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    // (path, given on the command line): given files are taken whatever their extension.
    let mut stack: Vec<(PathBuf, bool)> = paths.iter().rev().map(|p| (p.clone(), true)).collect();
    while let Some((p, given)) = stack.pop() {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&p)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
            entries.sort();
            stack.extend(entries.into_iter().rev().map(|e| (e, false)));
        } else if given || matches!(p.extension().and_then(|x| x.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Reads the files (errors as diagnostics at 1:1).
pub fn read_sources(files: &[PathBuf]) -> Result<Vec<Source>, Vec<Diagnostic>> {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        let path = f.display().to_string();
        match std::fs::read_to_string(f) {
            Ok(text) => sources.push(Source { path, text }),
            Err(e) => errors.push(Diagnostic { file: path, line: 1, column: 1, message: format!("cannot read: {e}") }),
        }
    }
    if errors.is_empty() { Ok(sources) } else { Err(errors) }
}

/// A compiled document, before correlation references are resolved.
struct Compiled {
    file: usize,
    rule: Rule,
    /// Correlations: the `rules` entries as written, with their nodes for errors.
    refs: Vec<(String, Y)>,
    generate: bool,
    at: Y,
}

/// Compiles rule files into one bundle, or every problem found.
pub fn compile(sources: &[Source], options: &Options) -> Result<Bundle, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut compiled: Vec<Compiled> = Vec::new();
    let mut placeholders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let diag = |file: &str, e: Error| Diagnostic { file: file.to_string(), line: e.line, column: e.col, message: e.message };
    for (fi, src) in sources.iter().enumerate() {
        let docs = match yaml::load(&src.text) {
            Ok(d) => d,
            Err(e) => {
                errors.push(Diagnostic { file: src.path.clone(), line: e.line, column: e.col, message: e.message });
                continue;
            }
        };
        let stem = Path::new(&src.path).file_stem().and_then(|s| s.to_str()).unwrap_or("rule").to_string();
        let mut n = 0;
        for doc in &docs {
            if matches!(doc.val, Val::Null) {
                continue;
            }
            if let Some(lists) = doc.get("logward_placeholders") {
                match placeholder_defaults(lists) {
                    Ok(found) => {
                        for (name, values, node) in found {
                            if placeholders.insert(name.clone(), values).is_some() {
                                errors.push(diag(&src.path, at(&node, format!("placeholder `{name}` is defined twice"))));
                            }
                        }
                    }
                    Err(e) => errors.push(diag(&src.path, e)),
                }
                continue;
            }
            n += 1;
            let default_id = if n == 1 { stem.clone() } else { format!("{stem}-{n}") };
            match document(doc, &default_id, &src.path, options) {
                Ok(mut c) => {
                    c.file = fi;
                    compiled.push(c);
                }
                Err(es) => errors.extend(es.into_iter().map(|e| diag(&src.path, e))),
            }
        }
    }

    // Ids are unique; correlations refer to rules by id or name.
    for i in 0..compiled.len() {
        if let Some(j) = (0..i).find(|&j| compiled[j].rule.id == compiled[i].rule.id) {
            let other = compiled[j].rule.source.clone().unwrap_or_default();
            let e = at(&compiled[i].at, format!("rule id `{}` is also used at {other}", compiled[i].rule.id));
            errors.push(diag(&sources[compiled[i].file].path, e));
        }
    }
    let mut generate_votes: BTreeMap<String, bool> = BTreeMap::new();
    for i in 0..compiled.len() {
        let refs = std::mem::take(&mut compiled[i].refs);
        let mut ids = Vec::new();
        for (r, node) in &refs {
            let target = compiled.iter().find(|c| c.rule.condition.is_some() && (c.rule.id == *r || c.rule.name.as_deref() == Some(r)));
            match target {
                Some(t) => {
                    ids.push(t.rule.id.clone());
                    let vote = generate_votes.entry(t.rule.id.clone()).or_insert(false);
                    *vote |= compiled[i].generate;
                }
                None => {
                    let is_corr = compiled.iter().any(|c| c.rule.correlation.is_some() && (c.rule.id == *r || c.rule.name.as_deref() == Some(r)));
                    let msg = if is_corr {
                        format!("`{r}` is a correlation rule; correlations of correlations are not supported")
                    } else {
                        format!("no detection rule has id or name `{r}`")
                    };
                    errors.push(diag(&sources[compiled[i].file].path, at(node, msg)));
                }
            }
        }
        if let Some(spec) = compiled[i].rule.correlation.as_mut() {
            spec.rules = ids;
        }
    }
    for c in &mut compiled {
        if let Some(&g) = generate_votes.get(&c.rule.id) {
            c.rule.generate = g;
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let bundle = Bundle {
        logward_alert_bundle: Some(FORMAT),
        placeholders,
        rules: compiled.iter().map(|c| c.rule.clone()).collect(),
    };
    // Build the engine as the plugin would: catches what only logward-match checks.
    let rules: Vec<(Rule, Origin)> = bundle.rules.iter().cloned().enumerate().map(|(i, r)| (r, Origin::Default(i))).collect();
    let settings = EngineSettings { hours: Default::default(), max_groups: 1, min_level: Level::Informational };
    let mut all_on = rules.clone();
    for (r, _) in &mut all_on {
        r.enabled = true;
        r.requires.clear();
    }
    if let Err(e) = Engine::build(&all_on, &bundle.placeholders, settings) {
        let (Origin::Default(i) | Origin::User(i)) = e.origin;
        let pointer = if e.pointer.is_empty() { "/" } else { &e.pointer };
        let d = match compiled.get(i) {
            Some(c) => diag(&sources[c.file].path, at(&c.at, format!("{} (at {pointer})", e.message))),
            None => Diagnostic { file: String::new(), line: 1, column: 1, message: e.message },
        };
        return Err(vec![d]);
    }
    Ok(bundle)
}

fn placeholder_defaults(lists: &Y) -> Result<Vec<(String, Vec<String>, Y)>, Error> {
    let map = lists.as_map().ok_or_else(|| at(lists, "`logward_placeholders` maps names to lists of values"))?;
    let mut out = Vec::new();
    for (k, v) in map {
        let name = k.as_str().ok_or_else(|| at(k, "a placeholder name is a string"))?.to_string();
        let items = v.as_seq().ok_or_else(|| at(v, "a placeholder's values are a list (possibly empty)"))?;
        let values = items.iter().map(|i| i.scalar_text().ok_or_else(|| at(i, "placeholder values are strings"))).collect::<Result<_, _>>()?;
        out.push((name, values, k.clone()));
    }
    Ok(out)
}

fn string(doc: &Y, key: &str) -> Result<Option<String>, Error> {
    match doc.get(key) {
        None => Ok(None),
        Some(Y { val: Val::Null, .. }) => Ok(None),
        Some(v) => v.scalar_text().map(Some).ok_or_else(|| at(v, format!("`{key}` must be a string, not {}", v.kind()))),
    }
}

fn strings(doc: &Y, key: &str) -> Result<Vec<String>, Error> {
    match doc.get(key) {
        None => Ok(Vec::new()),
        Some(Y { val: Val::Null, .. }) => Ok(Vec::new()),
        Some(Y { val: Val::Seq(items), .. }) => {
            items.iter().map(|i| i.scalar_text().ok_or_else(|| at(i, format!("`{key}` holds strings")))).collect()
        }
        Some(v) => v.scalar_text().map(|s| vec![s]).ok_or_else(|| at(v, format!("`{key}` must be a list of strings"))),
    }
}

fn flag(map: &Y, key: &str) -> Result<Option<bool>, Error> {
    match map.get(key) {
        None => Ok(None),
        Some(Y { val: Val::Bool(b), .. }) => Ok(Some(*b)),
        Some(v) => Err(at(v, format!("`{key}` takes true or false"))),
    }
}

/// Metadata common to detection and correlation rules.
fn metadata(doc: &Y, default_id: &str, path: &str) -> Result<Rule, Error> {
    if doc.as_map().is_none() {
        return Err(at(doc, format!("a rule is a mapping, not {}", doc.kind())));
    }
    if doc.get("action").is_some() {
        return Err(at(doc, "Sigma rule collections (`action: global`) are not supported; write each rule in full"));
    }
    let title = string(doc, "title")?.ok_or_else(|| at(doc, "a rule needs a `title`"))?;
    let level = match doc.get("level") {
        None => Level::default(),
        Some(v) => {
            let s = v.as_str().unwrap_or_default();
            Level::parse(s).ok_or_else(|| at(v, format!("`{s}` is not a level; use informational, low, medium, high or critical")))?
        }
    };
    let related = match doc.get("related") {
        None => Vec::new(),
        Some(v) => {
            let items = v.as_seq().ok_or_else(|| at(v, "`related` is a list of {id, type}"))?;
            items
                .iter()
                .map(|i| {
                    let id = string(i, "id")?.ok_or_else(|| at(i, "a related entry needs `id`"))?;
                    let kind = string(i, "type")?.ok_or_else(|| at(i, "a related entry needs `type`"))?;
                    Ok(Related { id, kind })
                })
                .collect::<Result<_, Error>>()?
        }
    };
    let mut rule = Rule {
        id: string(doc, "id")?.unwrap_or_else(|| default_id.to_string()),
        name: string(doc, "name")?,
        title,
        level,
        status: string(doc, "status")?,
        description: string(doc, "description")?.map(|d| d.trim_end().to_string()),
        tags: strings(doc, "tags")?,
        references: strings(doc, "references")?,
        falsepositives: strings(doc, "falsepositives")?,
        related,
        author: string(doc, "author")?,
        date: string(doc, "date")?,
        modified: string(doc, "modified")?,
        source: Some(format!("{path}:{}", doc.line)),
        ..Rule::default()
    };
    rule.enabled = true;
    rule.generate = true;
    if let Some(ext) = doc.get("logward") {
        if ext.as_map().is_none() {
            return Err(at(ext, "`logward` is a mapping (off_hours, requires, enabled)"));
        }
        for (k, _) in ext.as_map().unwrap_or_default() {
            let key = k.as_str().unwrap_or_default();
            if !matches!(key, "off_hours" | "requires" | "enabled") {
                return Err(at(k, format!("unknown `logward` setting `{key}`; use off_hours, requires, enabled")));
            }
        }
        rule.off_hours = flag(ext, "off_hours")?.unwrap_or(false);
        rule.enabled = flag(ext, "enabled")?.unwrap_or(true);
        rule.requires = strings(ext, "requires")?;
    }
    Ok(rule)
}

/// One document; every problem found in it (metadata, each selection, the condition).
fn document(doc: &Y, default_id: &str, path: &str, options: &Options) -> Result<Compiled, Vec<Error>> {
    let meta = metadata(doc, default_id, path);
    if let Some(corr) = doc.get("correlation") {
        if doc.get("detection").is_some() {
            return Err(vec![at(doc, "a rule has `detection` or `correlation`, not both")]);
        }
        return match (meta, correlation(doc, corr)) {
            (Ok(mut rule), Ok((spec, refs, generate))) => {
                rule.correlation = Some(spec);
                Ok(Compiled { file: 0, rule, refs, generate, at: doc.clone() })
            }
            (m, c) => Err(m.err().into_iter().chain(c.err()).collect()),
        };
    }
    let Some(det) = doc.get("detection") else {
        return Err(meta.err().into_iter().chain([at(doc, "a rule needs `detection` (or `correlation`)")]).collect());
    };
    let logsource = doc.get("logsource");
    let product = logsource.and_then(|l| l.get("product")).and_then(Y::as_str);
    let service = logsource.and_then(|l| l.get("service")).and_then(Y::as_str);
    let ctx = Ctx { product, service, map_fields: options.map_fields };
    match (meta, detection_condition(det, &ctx)) {
        (Ok(mut rule), Ok(condition)) => {
            rule.set_condition(&condition);
            Ok(Compiled { file: 0, rule, refs: Vec::new(), generate: true, at: doc.clone() })
        }
        (m, d) => Err(m.err().into_iter().chain(d.err().into_iter().flatten()).collect()),
    }
}

fn detection_condition(det: &Y, ctx: &Ctx<'_>) -> Result<Value, Vec<Error>> {
    let map = det.as_map().ok_or_else(|| vec![at(det, "`detection` is a mapping of search identifiers and a `condition`")])?;
    let mut idents: Vec<(String, Value)> = Vec::new();
    let mut errors = Vec::new();
    let mut cond: Option<&Y> = None;
    for (k, v) in map {
        let Some(name) = k.as_str() else {
            errors.push(at(k, "a search identifier is a string"));
            continue;
        };
        match name {
            "condition" => cond = Some(v),
            "timeframe" => errors.push(at(k, "`timeframe` is not supported; write a Sigma correlation rule with `timespan`")),
            _ => match detection::selection(v, ctx) {
                Ok(c) => idents.push((name.to_string(), c)),
                Err(e) => {
                    errors.push(e);
                    // Keep the name known so the condition is still checked.
                    idents.push((name.to_string(), Value::Bool(false)));
                }
            },
        }
    }
    let Some(cond) = cond else {
        errors.push(at(det, "`detection` needs a `condition`"));
        return Err(errors);
    };
    let exprs: Vec<&Y> = match &cond.val {
        Val::Seq(items) => items.iter().collect(),
        _ => vec![cond],
    };
    let mut compiled = Vec::new();
    for e in exprs {
        let Some(text) = e.as_str() else {
            errors.push(at(e, "a condition is a string expression"));
            continue;
        };
        match condition::parse(text, &idents) {
            Ok(v) => compiled.push(v),
            Err((col, msg)) => errors.push(Error { line: e.line, col: e.col + col - 1, message: msg }),
        }
    }
    if errors.is_empty() { Ok(detection::any(compiled)) } else { Err(errors) }
}

/// A correlation's spec, its `rules` entries as written (with their nodes), and `generate`.
type CorrelationParts = (CorrelationSpec, Vec<(String, Y)>, bool);

fn correlation(doc: &Y, corr: &Y) -> Result<CorrelationParts, Error> {
    let kind_node = corr.get("type").ok_or_else(|| at(corr, "a correlation needs `type`"))?;
    let kind = match kind_node.as_str() {
        Some("event_count") => CorrelationType::EventCount,
        Some("value_count") => CorrelationType::ValueCount,
        Some(t @ ("temporal" | "temporal_ordered" | "value_sum" | "value_avg" | "value_percentile" | "value_median")) => {
            return Err(at(kind_node, format!("correlation type `{t}` is not supported yet (event_count and value_count are)")));
        }
        _ => return Err(at(kind_node, "`type` is event_count or value_count")),
    };
    if let Some(a) = corr.get("aliases") {
        return Err(at(a, "correlation `aliases` are not supported"));
    }
    let rules_node = corr.get("rules").ok_or_else(|| at(corr, "a correlation needs `rules`"))?;
    let refs: Vec<(String, Y)> = match &rules_node.val {
        Val::Seq(items) => items
            .iter()
            .map(|i| i.scalar_text().map(|s| (s, i.clone())).ok_or_else(|| at(i, "`rules` holds rule ids or names")))
            .collect::<Result<_, _>>()?,
        _ => vec![(rules_node.scalar_text().ok_or_else(|| at(rules_node, "`rules` holds rule ids or names"))?, rules_node.clone())],
    };
    if refs.is_empty() {
        return Err(at(rules_node, "`rules` is empty"));
    }
    let group_by = strings(corr, "group-by")?;
    for g in &group_by {
        logward_sdk::FieldPath::parse(g).map_err(|e| at(corr.get("group-by").unwrap_or(corr), e))?;
    }
    let ts_node = corr.get("timespan").ok_or_else(|| at(corr, "a correlation needs `timespan`"))?;
    let timespan = ts_node
        .as_str()
        .and_then(parse_timespan)
        .filter(|t| (1..=MAX_TIMESPAN_SECONDS).contains(t))
        .ok_or_else(|| at(ts_node, format!("`timespan` is a number and s, m, h or d (e.g. 5m), at most {} days", MAX_TIMESPAN_SECONDS / 86_400)))?;
    let cond = corr.get("condition").ok_or_else(|| at(corr, "a correlation needs `condition` (e.g. gte: 5)"))?;
    let cmap = cond.as_map().ok_or_else(|| at(cond, "`condition` is a mapping such as {gte: 5}"))?;
    let mut gte: Option<u64> = None;
    let mut field: Option<String> = None;
    for (k, v) in cmap {
        let key = k.as_str().unwrap_or_default();
        let n = || match v.val {
            Val::Int(i) if i >= 0 => Ok(i as u64),
            _ => Err(at(v, "a count is a whole number")),
        };
        match key {
            "gte" => gte = Some(n()?),
            "gt" => gte = Some(n()?.saturating_add(1)),
            "field" => field = Some(v.scalar_text().ok_or_else(|| at(v, "`field` is a field name"))?),
            "lt" | "lte" | "eq" => {
                return Err(at(k, format!("`{key}` cannot be decided when a record arrives (only at the window's end); use gt or gte")));
            }
            _ => return Err(at(k, format!("unknown condition `{key}`; use gt, gte (and field for value_count)"))),
        }
    }
    let gte = gte.ok_or_else(|| at(cond, "the condition needs gt or gte"))?;
    if gte == 0 || gte > MAX_THRESHOLD {
        return Err(at(cond, format!("the threshold must be 1..={MAX_THRESHOLD}")));
    }
    match (kind, &field) {
        (CorrelationType::ValueCount, None) => return Err(at(cond, "value_count needs `field` in its condition")),
        (CorrelationType::EventCount, Some(_)) => return Err(at(cond, "`field` is for value_count")),
        (_, Some(f)) => {
            logward_sdk::FieldPath::parse(f).map_err(|e| at(cond, e))?;
        }
        _ => {}
    }
    let generate = flag(doc, "generate")?.or(flag(corr, "generate")?).unwrap_or(false);
    Ok((CorrelationSpec { kind, rules: Vec::new(), group_by, timespan, gte, field }, refs, generate))
}

fn parse_timespan(s: &str) -> Option<u64> {
    let unit = s.chars().last()?;
    let n: u64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests;
