//! Sigma search identifiers (selections) → logward-match conditions.
//!
//! A mapping is an AND of its fields; a list of mappings an OR of them; a list of plain values
//! is keywords. A field's list of values is an OR (`|all`: AND). Matching follows Sigma:
//! case-insensitive unless `|cased`, `*`/`?` wildcards in plain values (`\*` `\?` `\\` escape
//! them), `|re` case-sensitive (`|re|i` for not), `null` = absent or null.
//!
//! Two logward extensions (other Sigma tools reject rules using them): `|every` — every value
//! the record has at the field must match (Sigma's default is any element of an array); and
//! `|deep` — the field may be an object, and its keys and every value under it are searched.

use serde_json::{json, Value};

use super::encode;
use super::fieldmap;
use super::yaml::{Val, Y};
use super::Error;

/// What a selection is compiled for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ctx<'a> {
    pub product: Option<&'a str>,
    pub service: Option<&'a str>,
    /// Apply the log source's field mapping ([`fieldmap`]).
    pub map_fields: bool,
}

const MATCH_OPS: &[&str] = &["contains", "startswith", "endswith", "re", "cidr", "exists", "gt", "gte", "lt", "lte", "neq"];
const TRANSFORMS: &[&str] = &["base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "windash"];
const FLAGS: &[&str] = &["all", "cased", "expand", "every", "deep", "i", "m", "s"];
const UNSUPPORTED: &[(&str, &str)] = &[
    ("fieldref", "`|fieldref` (comparing two fields) is not supported"),
    ("minute", "time modifiers are not supported"),
    ("hour", "time modifiers are not supported; for working hours use `logward: {off_hours: true}`"),
    ("day", "time modifiers are not supported"),
    ("week", "time modifiers are not supported"),
    ("month", "time modifiers are not supported"),
    ("year", "time modifiers are not supported"),
];

pub fn at(y: &Y, message: impl Into<String>) -> Error {
    Error { line: y.line, col: y.col, message: message.into() }
}

pub fn any(mut items: Vec<Value>) -> Value {
    if items.len() == 1 { items.remove(0) } else { json!({ "any": items }) }
}

pub fn all(mut items: Vec<Value>) -> Value {
    if items.len() == 1 { items.remove(0) } else { json!({ "all": items }) }
}

/// A search identifier's value → condition.
pub fn selection(sel: &Y, ctx: &Ctx<'_>) -> Result<Value, Error> {
    match &sel.val {
        Val::Map(fields) => {
            if fields.is_empty() {
                return Err(at(sel, "an empty selection"));
            }
            let tests = fields.iter().map(|(k, v)| field_test(k, v, ctx)).collect::<Result<Vec<_>, _>>()?;
            Ok(all(tests))
        }
        Val::Seq(items) if items.iter().all(|i| matches!(i.val, Val::Map(_))) && !items.is_empty() => {
            Ok(any(items.iter().map(|i| selection(i, ctx)).collect::<Result<Vec<_>, _>>()?))
        }
        Val::Seq(items) if items.iter().all(|i| i.scalar_text().is_some()) && !items.is_empty() => keywords(items),
        Val::Str(_) | Val::Int(_) | Val::Float(_) => keywords(std::slice::from_ref(sel)),
        Val::Seq(items) if items.is_empty() => Err(at(sel, "an empty selection")),
        Val::Seq(_) => Err(at(sel, "a list selection holds either mappings (OR of field tests) or plain values (keywords), not both")),
        _ => Err(at(sel, format!("a selection is a mapping, a list or keywords, not {}", sel.kind()))),
    }
}

/// Free-text search: a string value of the record contains one of them.
fn keywords(items: &[Y]) -> Result<Value, Error> {
    let mut words = Vec::new();
    for item in items {
        let text = item.scalar_text().ok_or_else(|| at(item, "a keyword must be a string"))?;
        let trimmed = trim_stars(&text);
        if has_wildcard(trimmed) {
            return Err(at(item, "keywords match as substrings; wildcards inside a keyword are not supported"));
        }
        let word = unescape(trimmed);
        if word.is_empty() {
            return Err(at(item, "an empty keyword matches everything"));
        }
        words.push(Value::String(word));
    }
    Ok(json!({ "keywords": words }))
}

fn trim_stars(s: &str) -> &str {
    let s = s.strip_prefix('*').unwrap_or(s);
    match s.strip_suffix('*') {
        Some(rest) if !rest.ends_with('\\') => rest,
        _ => s,
    }
}

/// True if `s` has an unescaped `*` or `?`.
pub fn has_wildcard(s: &str) -> bool {
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

pub fn unescape(s: &str) -> String {
    logward_match::ops::glob::Glob::unescape(s)
}

/// One value to match, after transforms.
#[derive(Debug, Clone)]
enum Atom {
    /// Sigma string: wildcards and escapes apply.
    Pattern(String),
    /// Produced by an encoding: matched literally.
    Literal(String),
    Json(Value),
    Placeholder(String),
}

/// `field|mod|mod: value(s)` → condition.
fn field_test(key: &Y, value: &Y, ctx: &Ctx<'_>) -> Result<Value, Error> {
    let spec = key.as_str().ok_or_else(|| at(key, format!("a field name must be a string, not {}", key.kind())))?;
    let mut parts = spec.split('|');
    let field = parts.next().unwrap_or_default();
    let mods: Vec<&str> = parts.collect();
    if field.is_empty() {
        return Err(at(key, "a field test needs a field name before `|`"));
    }
    let mut op: Option<&str> = None;
    let (mut cased, mut all_values, mut expand, mut every, mut deep) = (false, false, false, false, false);
    let mut re_flags = String::new();
    let mut transforms: Vec<&str> = Vec::new();
    for m in &mods {
        if let Some((_, why)) = UNSUPPORTED.iter().find(|(n, _)| n == m) {
            return Err(at(key, *why));
        }
        if MATCH_OPS.contains(m) {
            if let Some(prev) = op {
                return Err(at(key, format!("`|{prev}` and `|{m}` cannot be combined")));
            }
            op = Some(m);
        } else if TRANSFORMS.contains(m) {
            transforms.push(m);
        } else if FLAGS.contains(m) {
            match *m {
                "all" => all_values = true,
                "cased" => cased = true,
                "expand" => expand = true,
                "every" => every = true,
                "deep" => deep = true,
                flag => {
                    if op != Some("re") {
                        return Err(at(key, format!("`|{flag}` is a flag of `|re` and must follow it")));
                    }
                    re_flags.push_str(flag);
                }
            }
        } else {
            return Err(at(key, format!("unknown modifier `|{m}`")));
        }
    }
    let op = op.unwrap_or("eq");
    if op == "re" && cased {
        return Err(at(key, "`|re` is case-sensitive already; use `|re|i` to ignore case"));
    }
    if !transforms.is_empty() && !matches!(op, "eq" | "contains" | "startswith" | "endswith") {
        return Err(at(key, format!("encoding modifiers do not combine with `|{op}`")));
    }
    let items: Vec<&Y> = match &value.val {
        Val::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    if items.is_empty() {
        return Err(at(value, "an empty list of values"));
    }
    let paths = mapped_paths(field, ctx);
    for p in &paths {
        logward_sdk::FieldPath::parse(p).map_err(|e| at(key, e))?;
    }
    let ignore_case = !cased;
    let mut per_path = Vec::new();
    for path in &paths {
        let test = match op {
            "exists" => {
                let b = match items.as_slice() {
                    [Y { val: Val::Bool(b), .. }] => *b,
                    _ => return Err(at(value, "`|exists` takes true or false")),
                };
                json!({"field": path, "exists": b})
            }
            "gt" | "gte" | "lt" | "lte" => {
                let mut tests = Vec::new();
                for item in &items {
                    let n = number(item).ok_or_else(|| at(item, format!("`|{op}` compares with a number")))?;
                    tests.push(json!({"field": path, op: n}));
                }
                if all_values { all(tests) } else { any(tests) }
            }
            "cidr" | "re" => {
                let mut texts = Vec::new();
                let mut holders = Vec::new();
                for item in &items {
                    let t = item.as_str().ok_or_else(|| at(item, format!("`|{op}` takes strings")))?;
                    match placeholder_name(t, expand) {
                        Some(name) => holders.push(name),
                        None if op == "re" => {
                            let pattern = if re_flags.is_empty() { t.to_string() } else { format!("(?{re_flags}){t}") };
                            regex::Regex::new(&pattern).map_err(|e| at(item, format!("regex does not compile: {e}")))?;
                            texts.push(Value::String(pattern));
                        }
                        None => {
                            logward_match::ops::cidr::Cidr::parse(t).map_err(|e| at(item, e))?;
                            texts.push(Value::String(t.to_string()));
                        }
                    }
                }
                let key_op = if op == "re" { "regex" } else { "cidr" };
                let mut tests = Vec::new();
                if !texts.is_empty() {
                    let mut t = json!({"field": path, key_op: texts});
                    if all_values {
                        t["values"] = json!("all");
                    }
                    tests.push(t);
                }
                for name in holders {
                    if op == "re" && !re_flags.is_empty() {
                        return Err(at(value, "`|re` flags do not apply to placeholders"));
                    }
                    tests.push(json!({"placeholder": name, "field": path, "op": key_op}));
                }
                if all_values { all(tests) } else { any(tests) }
            }
            _ => {
                // eq, contains, startswith, endswith, neq: wildcards, encodings, placeholders.
                let mut groups: Vec<Vec<Atom>> = Vec::new();
                for item in &items {
                    groups.push(atoms(item, &transforms, expand, op)?);
                }
                let base = if op == "neq" { "eq" } else { op };
                let test = combine(path, base, &groups, all_values && op != "neq", ignore_case);
                if op == "neq" {
                    json!({"all": [{"field": path, "exists": true}, {"not": test}]})
                } else {
                    test
                }
            }
        };
        per_path.push(test);
    }
    if every || deep {
        if matches!(op, "exists" | "neq") {
            return Err(at(key, format!("`|every` and `|deep` do not apply to `|{op}`")));
        }
        for test in &mut per_path {
            set_option(test, every, deep);
        }
    }
    Ok(any(per_path))
}

/// Sets `elements: all` / `deep: true` on every field test inside `v`.
fn set_option(v: &mut Value, every: bool, deep: bool) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) if o.contains_key("field") => {
                if every {
                    o.insert("elements".into(), json!("all"));
                }
                if deep {
                    o.insert("deep".into(), json!(true));
                }
            }
            Value::Object(o) => stack.extend(o.values_mut()),
            Value::Array(a) => stack.extend(a.iter_mut()),
            _ => {}
        }
    }
}

fn mapped_paths(field: &str, ctx: &Ctx<'_>) -> Vec<String> {
    if ctx.map_fields
        && let Some(paths) = fieldmap::map(ctx.product, ctx.service, field) {
            return paths.iter().map(|p| p.to_string()).collect();
        }
    vec![field.to_string()]
}

fn number(y: &Y) -> Option<Value> {
    match &y.val {
        Val::Int(i) => Some(json!(i)),
        Val::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number),
        Val::Str(s) => s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
        _ => None,
    }
}

fn placeholder_name(s: &str, expand: bool) -> Option<String> {
    if !expand {
        return None;
    }
    let inner = s.strip_prefix('%')?.strip_suffix('%')?;
    (!inner.is_empty() && !inner.contains('%')).then(|| inner.to_string())
}

/// The alternatives one listed value stands for.
fn atoms(item: &Y, transforms: &[&str], expand: bool, op: &str) -> Result<Vec<Atom>, Error> {
    if let Val::Str(s) = &item.val
        && let Some(name) = placeholder_name(s, expand) {
            if !transforms.is_empty() {
                return Err(at(item, "encoding modifiers do not apply to placeholders"));
            }
            return Ok(vec![Atom::Placeholder(name)]);
        }
    let text = match &item.val {
        Val::Str(s) => s.clone(),
        Val::Int(_) | Val::Float(_) if transforms.is_empty() && matches!(op, "eq" | "neq") => {
            return Ok(vec![Atom::Json(number(item).unwrap_or(Value::Null))]);
        }
        Val::Bool(b) if transforms.is_empty() && matches!(op, "eq" | "neq") => return Ok(vec![Atom::Json(json!(b))]),
        Val::Null if transforms.is_empty() && matches!(op, "eq" | "neq") => return Ok(vec![Atom::Json(Value::Null)]),
        Val::Int(_) | Val::Float(_) => item.scalar_text().unwrap_or_default(),
        _ => return Err(at(item, format!("a value here must be a string, number, boolean or null, not {}", item.kind()))),
    };
    if transforms.is_empty() {
        return Ok(vec![Atom::Pattern(text)]);
    }
    let mut texts = vec![text];
    let mut bytes: Option<Vec<Vec<u8>>> = None;
    for t in transforms {
        match *t {
            "windash" => {
                if bytes.is_some() {
                    return Err(at(item, "`|windash` must come before encodings"));
                }
                texts = texts.iter().flat_map(|s| encode::windash(s, 256)).collect();
            }
            "utf16le" | "wide" | "utf16be" | "utf16" => {
                if bytes.is_some() {
                    return Err(at(item, "only one UTF-16 modifier, before base64"));
                }
                let f = match *t {
                    "utf16be" => encode::utf16be,
                    "utf16" => encode::utf16_bom,
                    _ => encode::utf16le,
                };
                bytes = Some(texts.iter().map(|s| f(&unescape(s))).collect());
            }
            "base64" | "base64offset" => {
                let input = bytes.take().unwrap_or_else(|| texts.iter().map(|s| unescape(s).into_bytes()).collect());
                let encoded: Vec<String> = if *t == "base64" {
                    input.iter().map(|b| encode::base64(b)).collect()
                } else {
                    input.iter().flat_map(|b| encode::base64_offsets(b)).filter(|s| !s.is_empty()).collect()
                };
                return Ok(encoded.into_iter().map(Atom::Literal).collect());
            }
            _ => {}
        }
    }
    if bytes.is_some() {
        return Err(at(item, "UTF-16 modifiers must be followed by `|base64` or `|base64offset`"));
    }
    Ok(texts.into_iter().map(Atom::Pattern).collect())
}

/// (logward-match operator, value) for one string under a Sigma operator; `literal` strings
/// (encodings) have no wildcards or escapes.
fn op_value(op: &str, text: &str, literal: bool) -> (&'static str, Value) {
    let wild = !literal && has_wildcard(text);
    let plain = if literal { text.to_string() } else { unescape(text) };
    match op {
        "contains" if wild => ("glob", json!(format!("*{text}*"))),
        "contains" => ("contains", json!(plain)),
        "startswith" if wild => ("glob", json!(format!("{text}*"))),
        "startswith" => ("startswith", json!(plain)),
        "endswith" if wild => ("glob", json!(format!("*{text}"))),
        "endswith" => ("endswith", json!(plain)),
        _ if literal => ("glob", json!(escape_glob(text))),
        _ => ("glob", json!(text)),
    }
}

fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn placeholder_op(op: &str) -> &'static str {
    match op {
        "contains" => "contains",
        "startswith" => "startswith",
        "endswith" => "endswith",
        _ => "glob",
    }
}

/// Builds the tests for a field: atoms grouped by operator into value lists.
fn combine(path: &str, op: &str, groups: &[Vec<Atom>], all_values: bool, ignore_case: bool) -> Value {
    let build = |atoms: &[&Atom], values_all: bool| -> Vec<Value> {
        let mut by_op: Vec<(&'static str, Vec<Value>)> = Vec::new();
        let mut tests = Vec::new();
        for a in atoms {
            let (o, v) = match a {
                Atom::Placeholder(name) => {
                    let mut t = json!({"placeholder": name, "field": path, "op": placeholder_op(op)});
                    if ignore_case {
                        t["ignore_case"] = json!(true);
                    }
                    tests.push(t);
                    continue;
                }
                Atom::Json(v) => ("glob", v.clone()),
                Atom::Pattern(s) => op_value(op, s, false),
                Atom::Literal(s) => op_value(op, s, true),
            };
            match by_op.iter_mut().find(|(x, _)| *x == o) {
                Some((_, vals)) => vals.push(v),
                None => by_op.push((o, vec![v])),
            }
        }
        let mut out: Vec<Value> = by_op
            .into_iter()
            .map(|(o, vals)| {
                let vals = if vals.len() == 1 { vals.into_iter().next().unwrap_or(Value::Null) } else { Value::Array(vals) };
                let mut t = json!({"field": path, o: vals});
                if ignore_case {
                    t["ignore_case"] = json!(true);
                }
                if values_all && t[o].is_array() {
                    t["values"] = json!("all");
                }
                t
            })
            .collect();
        out.extend(tests);
        out
    };
    if !all_values {
        let flat: Vec<&Atom> = groups.iter().flatten().collect();
        return any(build(&flat, false));
    }
    if groups.iter().all(|g| g.len() == 1 && !matches!(g[0], Atom::Placeholder(_))) {
        let flat: Vec<&Atom> = groups.iter().flatten().collect();
        return all(build(&flat, true));
    }
    all(groups.iter().map(|g| any(build(&g.iter().collect::<Vec<_>>(), false))).collect())
}

#[cfg(test)]
mod tests {
    use super::super::yaml::load;
    use super::*;

    fn sel(yaml: &str) -> Value {
        let doc = load(yaml).unwrap().remove(0);
        selection(&doc, &Ctx::default()).unwrap_or_else(|e| panic!("{yaml}: {e:?}"))
    }

    fn sel_err(yaml: &str) -> String {
        let doc = load(yaml).unwrap().remove(0);
        selection(&doc, &Ctx::default()).unwrap_err().message
    }

    #[test]
    fn fields_and_lists() {
        assert_eq!(
            sel("verb: [get, list]\nobjectRef.resource: secrets"),
            json!({"all": [
                {"field": "verb", "glob": ["get", "list"], "ignore_case": true},
                {"field": "objectRef.resource", "glob": "secrets", "ignore_case": true}]})
        );
        assert_eq!(sel("- a: 1\n- b: true"), json!({"any": [
            {"field": "a", "glob": 1, "ignore_case": true}, {"field": "b", "glob": true, "ignore_case": true}]}));
        assert_eq!(sel("a: null"), json!({"field": "a", "glob": null, "ignore_case": true}));
    }

    #[test]
    fn string_modifiers_and_wildcards() {
        assert_eq!(sel("a|contains: x"), json!({"field": "a", "contains": "x", "ignore_case": true}));
        assert_eq!(sel("a|contains: 'x*y'"), json!({"field": "a", "glob": "*x*y*", "ignore_case": true}));
        assert_eq!(sel("a|startswith|cased: 'X\\*'"), json!({"field": "a", "startswith": "X*"}));
        assert_eq!(sel("a|endswith: [.sock, x?]"), json!({"any": [
            {"field": "a", "endswith": ".sock", "ignore_case": true},
            {"field": "a", "glob": "*x?", "ignore_case": true}]}));
        assert_eq!(sel("a|contains|all: [x, y]"), json!({"field": "a", "contains": ["x", "y"], "ignore_case": true, "values": "all"}));
    }

    #[test]
    fn other_operators() {
        assert_eq!(sel("a|re: '^x'"), json!({"field": "a", "regex": ["^x"]}));
        assert_eq!(sel("a|re|i|s: '^x.'"), json!({"field": "a", "regex": ["(?is)^x."]}));
        assert_eq!(sel("a|cidr: [10.0.0.0/8]"), json!({"field": "a", "cidr": ["10.0.0.0/8"]}));
        assert_eq!(sel("a|exists: false"), json!({"field": "a", "exists": false}));
        assert_eq!(sel("a|gte: 400"), json!({"field": "a", "gte": 400}));
        assert_eq!(sel("a|neq: x"), json!({"all": [{"field": "a", "exists": true}, {"not": {"field": "a", "glob": "x", "ignore_case": true}}]}));
        assert_eq!(sel("a|expand: '%bad%'"), json!({"placeholder": "bad", "field": "a", "op": "glob", "ignore_case": true}));
        assert_eq!(sel("a|cidr|expand: ['%bad%', 10.0.0.0/8]"), json!({"any": [
            {"field": "a", "cidr": ["10.0.0.0/8"]}, {"placeholder": "bad", "field": "a", "op": "cidr"}]}));
        assert_eq!(sel("a|base64: xyz"), json!({"field": "a", "glob": "eHl6", "ignore_case": true}));
        assert_eq!(sel("- x\n- '*y*'"), json!({"keywords": ["x", "y"]}));
        assert_eq!(sel("a|every|expand: '%ok%'"), json!({"placeholder": "ok", "field": "a", "op": "glob", "ignore_case": true, "elements": "all"}));
        assert_eq!(sel("a|contains|deep: pw"), json!({"field": "a", "contains": "pw", "ignore_case": true, "deep": true}));
    }

    #[test]
    fn errors() {
        assert!(sel_err("a|contain: x").contains("unknown modifier"));
        assert!(sel_err("a|contains|startswith: x").contains("cannot be combined"));
        assert!(sel_err("a|re: '('").contains("regex"));
        assert!(sel_err("a|cidr: 300.0.0.1/8").contains("300"));
        assert!(sel_err("a|gt: x").contains("number"));
        assert!(sel_err("a|exists: yes").contains("true or false"));
        assert!(sel_err("a|i: x").contains("|re"));
        assert!(sel_err("a|fieldref: b").contains("not supported"));
        assert!(sel_err("a: []").contains("empty"));
        assert!(sel_err("- a: 1\n- x").contains("not both"));
        assert!(sel_err("a|wide: x").contains("base64"));
    }

    #[test]
    fn field_mapping_for_kubernetes_audit() {
        let doc = load("hostPath: '*'").unwrap().remove(0);
        let ctx = Ctx { product: Some("kubernetes"), service: Some("audit"), map_fields: true };
        let v = selection(&doc, &ctx).unwrap();
        assert_eq!(v["any"][0], json!({"field": "requestObject.spec.volumes.hostPath.path", "glob": "*", "ignore_case": true}));
    }
}
