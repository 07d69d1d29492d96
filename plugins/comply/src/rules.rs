//! Mapping rules, compiled once: a condition (logward-match) over record fields and `@source`
//! fields of a parsed line, and the tags, frameworks and risk it contributes.

use logward_match::{Compiler, Condition};
use logward_sdk::{ConfigError, ConfigSource, Fields};
use serde_json::{json, Value};

use crate::config::{RuleConfig, Settings, DEFAULT_MAPPING, DEFAULT_MAPPING_NAME};
use crate::frameworks::{Frameworks, TagTarget};
use crate::risk::Risk;
use crate::sources::{Source, SourceSet};

/// Id of the rule built from `personal_data` (the mask plugin's summary).
pub const PERSONAL_DATA_RULE: &str = "personal_data";

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub when: Condition,
    /// Field ids of which one must be present for `when` to hold (`None`: no such set).
    gate: Option<Vec<usize>>,
    /// Sorted, unique; tags of switched-off frameworks removed.
    pub tags: Vec<String>,
    /// Flat (Wazuh-style) spellings of `tags`, same order.
    pub flat_tags: Vec<String>,
    /// Indexes into the frameworks table, sorted, unique.
    pub frameworks: Vec<usize>,
    pub risk: Risk,
}

impl Rule {
    /// Evaluates the rule; most rules are decided by one look at whether their fields exist.
    pub fn matches(&self, fields: &Fields<'_>, record: &logward_sdk::Record<'_>) -> bool {
        let possible = self.gate.as_ref().is_none_or(|ids| ids.iter().any(|&id| !fields.get(id).is_empty()));
        possible && self.when.eval(fields, record)
    }
}

/// Compiles every rule of `settings` with `compiler` (so one field set serves all of them).
/// Returns the rules and the line sources their conditions read.
pub fn compile_all(
    settings: &Settings,
    frameworks: &Frameworks,
    compiler: &mut Compiler,
) -> Result<(Vec<Rule>, SourceSet), ConfigError> {
    let mut rules = Vec::new();
    let mut sources = SourceSet::default();
    for (config, origin) in &settings.rules {
        if let Some(rule) = compile(config, &origin.source, &origin.pointer, frameworks, compiler, &mut sources)? {
            rules.push(rule);
        }
    }
    if settings.personal_data.enabled {
        let (config, source, pointer) = personal_data_rule(settings)?;
        if let Some(rule) = compile(&config, &source, &pointer, frameworks, compiler, &mut sources)? {
            rules.push(rule);
        }
    }
    Ok((rules, sources))
}

// `compile` stays small: it is on the stack while logward-match compiles the condition
// recursively (one interpreter frame per nesting level, under WAMR's 8 KiB default), so the
// checks before and after live in functions of their own.
fn compile(
    config: &RuleConfig,
    source: &ConfigSource,
    pointer: &str,
    frameworks: &Frameworks,
    compiler: &mut Compiler,
    sources: &mut SourceSet,
) -> Result<Option<Rule>, ConfigError> {
    let when_ptr = check_rule(config, source, pointer, sources)?;
    let when = compiler.compile(&config.when, &when_ptr).map_err(|e| source.error_at(&e.pointer, e.message))?;
    finish_rule(config, when, source, pointer, frameworks)
}

/// Checks the id, that there are tags, and which line sources the condition reads; returns
/// the JSON pointer of `when`.
#[inline(never)]
fn check_rule(config: &RuleConfig, source: &ConfigSource, pointer: &str, sources: &mut SourceSet) -> Result<String, ConfigError> {
    if config.id.is_empty() || !config.id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
        return Err(source.error_at(&format!("{pointer}/id"), format!("rule id `{}` may only use letters, digits, `_`, `-` and `.`", config.id)));
    }
    if config.tags.is_empty() {
        return Err(source.error_at(&format!("{pointer}/tags"), format!("rule `{}` has no tags", config.id)));
    }
    let when_ptr = format!("{pointer}/when");
    for (field_ptr, path) in field_paths(&config.when, &when_ptr) {
        if let Some(root) = path.strip_prefix('@') {
            let name = root.split(['.', '[']).next().unwrap_or("");
            match Source::from_key(&format!("@{name}")) {
                Some(s) => sources.insert(s),
                None => {
                    return Err(source.error_at(
                        &field_ptr,
                        format!("unknown line source `@{name}`; use @auditd, @nginx, @mysql or @syslog"),
                    ))
                }
            }
        }
    }
    Ok(when_ptr)
}

/// Resolves the tags; `None` when every framework the rule tags is switched off.
#[inline(never)]
fn finish_rule(config: &RuleConfig, when: Condition, source: &ConfigSource, pointer: &str, frameworks: &Frameworks) -> Result<Option<Rule>, ConfigError> {
    let mut tagged: Vec<(String, usize)> = Vec::new();
    for (j, tag) in config.tags.iter().enumerate() {
        match frameworks.resolve(tag) {
            Ok(TagTarget::Framework(index)) => tagged.push((tag.clone(), index)),
            Ok(TagTarget::Disabled) => {}
            Err(message) => return Err(source.error_at(&format!("{pointer}/tags/{j}"), message)),
        }
    }
    if tagged.is_empty() {
        return Ok(None);
    }
    tagged.sort();
    tagged.dedup();
    let mut fw: Vec<usize> = tagged.iter().map(|(_, i)| *i).collect();
    fw.sort_unstable();
    fw.dedup();
    Ok(Some(Rule {
        id: config.id.clone(),
        gate: when.required_fields(),
        when,
        flat_tags: tagged.iter().map(|(t, i)| frameworks.flat_tag(*i, t)).collect(),
        tags: tagged.into_iter().map(|(t, _)| t).collect(),
        frameworks: fw,
        risk: config.risk,
    }))
}

/// Every `"field"` of a condition, with the JSON pointer of its value (iterative walk).
fn field_paths<'v>(when: &'v Value, base: &str) -> Vec<(String, &'v str)> {
    let mut out = Vec::new();
    let mut stack: Vec<(&Value, String)> = vec![(when, base.to_string())];
    while let Some((v, ptr)) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(path)) = m.get("field") {
                    out.push((format!("{ptr}/field"), path.as_str()));
                }
                for (k, child) in m {
                    stack.push((child, format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"))));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((child, format!("{ptr}/{i}")));
                }
            }
            _ => {}
        }
    }
    out
}

/// The rule for records the mask plugin found personal data in: any listed mask rule id with
/// a count above zero under the summary field.
#[inline(never)]
fn personal_data_rule(settings: &Settings) -> Result<(RuleConfig, ConfigSource, String), ConfigError> {
    let pd = &settings.personal_data;
    let user_has_it = settings.user.as_ref().is_some_and(|u| u.section("personal_data").ok().flatten().is_some());
    let source = match (&settings.user, user_has_it) {
        (Some(user), true) => user.clone(),
        _ => ConfigSource::new(DEFAULT_MAPPING_NAME, DEFAULT_MAPPING),
    };
    if pd.rule_ids.is_empty() {
        return Err(source.error_at("/personal_data/rule_ids", "list at least one mask rule id"));
    }
    let mut tests = Vec::new();
    for (i, id) in pd.rule_ids.iter().enumerate() {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
            return Err(source.error_at(&format!("/personal_data/rule_ids/{i}"), format!("mask rule id `{id}` may only use letters, digits, `_`, `-` and `.`")));
        }
        tests.push(json!({"field": format!("{}[\"{id}\"]", pd.summary_field), "gt": 0}));
    }
    let config = RuleConfig {
        id: PERSONAL_DATA_RULE.to_string(),
        description: "The mask plugin reported personal data in this record".to_string(),
        when_present: serde::de::IgnoredAny,
        when: json!({ "any": tests }),
        tags: pd.tags.clone(),
        risk: pd.risk,
    };
    Ok((config, source, "/personal_data".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_are_found_with_pointers() {
        let when = json!({"all": [{"field": "verb", "equals": "get"}, {"not": {"field": "@auditd.key", "exists": true}}]});
        let mut found = field_paths(&when, "/rules/0/when");
        found.sort();
        assert_eq!(
            found,
            vec![("/rules/0/when/all/0/field".to_string(), "verb"), ("/rules/0/when/all/1/not/field".to_string(), "@auditd.key")]
        );
    }
}
