//! Placeholders (Sigma's `|expand`): `{"placeholder": NAME, "field": F, "op": OP, ...}` in a
//! bundle condition becomes the logward-match test `{"field": F, OP: [values of NAME], ...}`,
//! or `false` when the list is empty (an empty deny-list matches nothing).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Conditions nest at most this deep here (logward-match's own limit is lower).
const MAX_DEPTH: usize = 64;

/// Error: JSON pointer relative to the condition, and message.
pub type ResolveError = (String, String);

/// Replaces every placeholder node in `cond` with its resolved test; returns the names used.
pub fn resolve(cond: &mut Value, lists: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, ResolveError> {
    let mut used = Vec::new();
    // Explicit stack: (node, pointer, depth).
    let mut stack: Vec<(&mut Value, String, usize)> = vec![(cond, String::new(), 0)];
    while let Some((node, ptr, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err((ptr, format!("condition nests deeper than {MAX_DEPTH} levels")));
        }
        let is_placeholder = node.as_object().is_some_and(|o| o.contains_key("placeholder"));
        if is_placeholder {
            let (name, resolved) = expand(node, lists, &ptr)?;
            if !used.contains(&name) {
                used.push(name);
            }
            *node = resolved;
            continue;
        }
        match node {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if matches!(k.as_str(), "all" | "any" | "not") {
                        stack.push((v, format!("{ptr}/{k}"), depth + 1));
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    stack.push((v, format!("{ptr}/{i}"), depth + 1));
                }
            }
            _ => {}
        }
    }
    Ok(used)
}

fn expand(node: &Value, lists: &BTreeMap<String, Vec<String>>, ptr: &str) -> Result<(String, Value), ResolveError> {
    let obj = node.as_object().ok_or_else(|| (ptr.to_string(), "a placeholder must be an object".to_string()))?;
    let name = obj
        .get("placeholder")
        .and_then(Value::as_str)
        .ok_or_else(|| (format!("{ptr}/placeholder"), "`placeholder` takes the name of a list".to_string()))?;
    let op = obj
        .get("op")
        .and_then(Value::as_str)
        .ok_or_else(|| (format!("{ptr}/op"), "a placeholder needs `op` (equals, glob, contains, startswith, endswith, cidr, regex)".to_string()))?;
    let values = lists.get(name).ok_or_else(|| {
        (format!("{ptr}/placeholder"), format!("placeholder `{name}` has no list; define it under `placeholders`"))
    })?;
    if values.is_empty() {
        return Ok((name.to_string(), Value::Bool(false)));
    }
    let mut test = Map::new();
    for (k, v) in obj {
        if k != "placeholder" && k != "op" {
            test.insert(k.clone(), v.clone());
        }
    }
    test.insert(op.to_string(), Value::Array(values.iter().cloned().map(Value::String).collect()));
    Ok((name.to_string(), Value::Object(test)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lists() -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([("bad".to_string(), vec!["192.0.2.0/24".to_string()]), ("none".to_string(), vec![])])
    }

    #[test]
    fn expands_in_place_and_reports_names() {
        let mut c = json!({"all": [{"field": "verb", "equals": "get"},
                                   {"not": {"placeholder": "bad", "field": "sourceIPs", "op": "cidr"}}]});
        let used = resolve(&mut c, &lists()).unwrap();
        assert_eq!(used, vec!["bad"]);
        assert_eq!(c, json!({"all": [{"field": "verb", "equals": "get"},
                                     {"not": {"field": "sourceIPs", "cidr": ["192.0.2.0/24"]}}]}));
    }

    #[test]
    fn empty_list_is_false_and_options_are_kept() {
        let mut c = json!({"placeholder": "none", "field": "a", "op": "glob", "ignore_case": true});
        resolve(&mut c, &lists()).unwrap();
        assert_eq!(c, json!(false));
        let mut c = json!({"placeholder": "bad", "field": "a", "op": "glob", "ignore_case": true});
        resolve(&mut c, &lists()).unwrap();
        assert_eq!(c, json!({"field": "a", "glob": ["192.0.2.0/24"], "ignore_case": true}));
    }

    #[test]
    fn unknown_list_is_located() {
        let mut c = json!({"any": [true, {"placeholder": "nope", "field": "a", "op": "equals"}]});
        let (ptr, msg) = resolve(&mut c, &lists()).unwrap_err();
        assert_eq!(ptr, "/any/1/placeholder");
        assert!(msg.contains("nope"), "{msg}");
    }
}
