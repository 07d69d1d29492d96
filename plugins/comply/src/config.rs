//! `comply.json`: its schema, and how it is laid over the built-in defaults.
//!
//! The defaults are themselves a `comply.json` (`default-mapping.json`, compiled into the
//! module). A user file is merged over them: scalars and objects field by field, frameworks by
//! id (field by field), rules by id (a user rule with a default rule's id replaces it).

use std::collections::BTreeMap;

use logward_sdk::{convert, ConfigError, ConfigSource, Format, Node};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use crate::risk::Risk;

/// The built-in mapping, frameworks table and settings.
pub const DEFAULT_MAPPING: &str = include_str!("../default-mapping.json");
/// The name errors in the built-in mapping are reported under.
pub const DEFAULT_MAPPING_NAME: &str = "default-mapping.json (built in)";

/// One config document as written (every field optional, so a user file states only changes).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub output: Option<OutputConfig>,
    pub normalize: Option<NormalizeConfig>,
    /// Include the built-in mapping rules (default true).
    pub default_rules: Option<bool>,
    /// Ids of built-in rules to leave out.
    #[serde(default)]
    pub disable_rules: Vec<String>,
    #[serde(default)]
    pub rules: Vec<RuleConfig>,
    #[serde(default)]
    pub frameworks: BTreeMap<String, FrameworkConfig>,
    pub personal_data: Option<PersonalDataConfig>,
    /// Fields that may hold a free-text line (auditd, nginx, MySQL, syslog), first found wins.
    pub line_fields: Option<Vec<String>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Where the result object goes (a field path).
    pub field: Option<String>,
    /// Include the ids of the rules that matched.
    pub rule_ids: Option<bool>,
    /// Include `flat_tags`: Wazuh-style `pci_dss_10.2.1.2` strings.
    pub flat_tags: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalizeConfig {
    pub enabled: Option<bool>,
    /// Where the normalized `audit` object goes (a field path).
    pub field: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub id: String,
    /// Documentation only: what the rule recognizes and why it maps to its tags.
    #[serde(default)]
    #[allow(dead_code)]
    pub description: String,
    /// Required, but skipped by serde: serde_json would build it recursively (frames per
    /// nesting level overflow WAMR's 8 KiB stack); [`read_conditions`] builds `when` instead.
    #[serde(rename = "when")]
    #[allow(dead_code)]
    pub when_present: IgnoredAny,
    /// A logward-match condition.
    #[serde(skip)]
    pub when: Value,
    pub tags: Vec<String>,
    #[serde(default)]
    pub risk: Risk,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkConfig {
    /// Documentation only: the framework's full name.
    #[allow(dead_code)]
    pub name: Option<String>,
    /// Minimum total retention in days; 0: the framework sets none.
    pub retention_days: Option<u32>,
    /// Of those, days that must stay immediately available ("online"); 0: not stated.
    pub online_days: Option<u32>,
    /// `false` removes this framework's tags from every rule.
    pub enabled: Option<bool>,
    /// Prefix of this framework's flat tags (`pci_dss` → `pci_dss_10.2.1.2`).
    pub flat_prefix: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataConfig {
    /// Where the mask plugin writes its summary (an object of counts per mask rule id).
    pub summary_field: Option<String>,
    /// Mask rule ids that mean personal data.
    pub rule_ids: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub risk: Option<Risk>,
}

/// Where a rule came from, for error messages.
#[derive(Debug, Clone)]
pub struct RuleOrigin {
    pub source: ConfigSource,
    /// JSON pointer of the rule in its document.
    pub pointer: String,
}

/// A framework after merging.
#[derive(Debug, Clone)]
pub struct FrameworkSettings {
    pub retention_days: u32,
    pub online_days: u32,
    pub enabled: bool,
    pub flat_prefix: String,
}

/// Everything, merged and with defaults applied.
#[derive(Debug)]
pub struct Settings {
    pub output_field: String,
    pub rule_ids: bool,
    pub flat_tags: bool,
    pub normalize: bool,
    pub normalize_field: String,
    pub rules: Vec<(RuleConfig, RuleOrigin)>,
    pub frameworks: BTreeMap<String, FrameworkSettings>,
    pub personal_data: PersonalDataSettings,
    pub line_fields: Vec<String>,
    /// Where settings came from: the user file if there is one (for locating errors).
    pub user: Option<ConfigSource>,
}

#[derive(Debug)]
pub struct PersonalDataSettings {
    pub summary_field: String,
    pub rule_ids: Vec<String>,
    pub tags: Vec<String>,
    pub risk: Risk,
    pub enabled: bool,
}

fn builtin_source() -> ConfigSource {
    ConfigSource::new(DEFAULT_MAPPING_NAME, DEFAULT_MAPPING)
}

/// Merges `user` (if any) over the built-in defaults.
#[inline(never)]
pub fn load(user: Option<&ConfigSource>) -> Result<Settings, ConfigError> {
    let builtin_src = builtin_source();
    let mut builtin: FileConfig = builtin_src.parse()?;
    read_conditions(&builtin_src, &mut builtin.rules)?;
    let file: FileConfig = match user {
        Some(src) => {
            let mut file: FileConfig = src.parse()?;
            read_conditions(src, &mut file.rules)?;
            file
        }
        None => FileConfig::default(),
    };
    let at_user = |pointer: &str, msg: String| match user {
        Some(src) => src.error_at(pointer, msg),
        None => ConfigError::new(DEFAULT_MAPPING_NAME, 1, 1, msg),
    };
    let missing = |what: &str| ConfigError::new(DEFAULT_MAPPING_NAME, 1, 1, format!("the built-in mapping lacks `{what}`"));

    let b_out = builtin.output.clone().unwrap_or_default();
    let u_out = file.output.clone().unwrap_or_default();
    let b_norm = builtin.normalize.clone().unwrap_or_default();
    let u_norm = file.normalize.clone().unwrap_or_default();
    let b_pd = builtin.personal_data.clone().unwrap_or_default();
    let u_pd = file.personal_data.clone().unwrap_or_default();

    // Frameworks: the built-in table, each entry overlaid field by field; new ids added.
    let mut frameworks = BTreeMap::new();
    let ids: Vec<&String> = builtin.frameworks.keys().chain(file.frameworks.keys()).collect();
    for id in ids {
        let b = builtin.frameworks.get(id).cloned().unwrap_or_default();
        let u = file.frameworks.get(id).cloned().unwrap_or_default();
        let pointer = format!("/frameworks/{}", id.replace('~', "~0").replace('/', "~1"));
        if !valid_framework_id(id) {
            return Err(at_user(&pointer, format!("framework id `{id}` may only use a-z, 0-9, `_`, `.` and `-`")));
        }
        let settings = FrameworkSettings {
            retention_days: u.retention_days.or(b.retention_days).unwrap_or(0),
            online_days: u.online_days.or(b.online_days).unwrap_or(0),
            enabled: u.enabled.or(b.enabled).unwrap_or(true),
            flat_prefix: u.flat_prefix.or(b.flat_prefix).unwrap_or_else(|| id.clone()),
        };
        if settings.retention_days > 0 && settings.online_days > settings.retention_days {
            return Err(at_user(
                &format!("{pointer}/online_days"),
                format!("online_days ({}) exceeds retention_days ({})", settings.online_days, settings.retention_days),
            ));
        }
        frameworks.insert(id.clone(), settings);
    }

    // Rules: built-in ones (unless switched off or disabled by id), then the user's; a user
    // rule with a built-in id takes that rule's place.
    let use_defaults = file.default_rules.or(builtin.default_rules).unwrap_or(true);
    for (i, id) in file.disable_rules.iter().enumerate() {
        let known = builtin.rules.iter().any(|r| &r.id == id) || (id == crate::rules::PERSONAL_DATA_RULE);
        if !known {
            return Err(at_user(&format!("/disable_rules/{i}"), format!("no built-in rule has the id `{id}`")));
        }
    }
    let mut rules: Vec<(RuleConfig, RuleOrigin)> = Vec::new();
    if use_defaults {
        for (i, r) in builtin.rules.iter().enumerate() {
            if file.disable_rules.contains(&r.id) {
                continue;
            }
            let origin = RuleOrigin { source: builtin_src.clone(), pointer: format!("/rules/{i}") };
            rules.push((r.clone(), origin));
        }
    }
    let user_src = user.cloned().unwrap_or_else(builtin_source);
    for (i, r) in file.rules.iter().enumerate() {
        let origin = RuleOrigin { source: user_src.clone(), pointer: format!("/rules/{i}") };
        if file.rules[..i].iter().any(|o| o.id == r.id) {
            return Err(at_user(&format!("/rules/{i}/id"), format!("rule id `{}` is used twice", r.id)));
        }
        match rules.iter_mut().find(|(b, o)| b.id == r.id && o.source.path() == DEFAULT_MAPPING_NAME) {
            Some(slot) => *slot = (r.clone(), origin),
            None => rules.push((r.clone(), origin)),
        }
    }

    let personal_data = PersonalDataSettings {
        summary_field: u_pd.summary_field.or(b_pd.summary_field).ok_or_else(|| missing("personal_data.summary_field"))?,
        rule_ids: u_pd.rule_ids.or(b_pd.rule_ids).ok_or_else(|| missing("personal_data.rule_ids"))?,
        tags: u_pd.tags.or(b_pd.tags).ok_or_else(|| missing("personal_data.tags"))?,
        risk: u_pd.risk.or(b_pd.risk).unwrap_or_default(),
        enabled: use_defaults && !file.disable_rules.iter().any(|d| d == crate::rules::PERSONAL_DATA_RULE),
    };

    Ok(Settings {
        output_field: u_out.field.or(b_out.field).ok_or_else(|| missing("output.field"))?,
        rule_ids: u_out.rule_ids.or(b_out.rule_ids).unwrap_or(true),
        flat_tags: u_out.flat_tags.or(b_out.flat_tags).unwrap_or(false),
        normalize: u_norm.enabled.or(b_norm.enabled).unwrap_or(false),
        normalize_field: u_norm.field.or(b_norm.field).ok_or_else(|| missing("normalize.field"))?,
        rules,
        frameworks,
        personal_data,
        line_fields: file.line_fields.or(builtin.line_fields).ok_or_else(|| missing("line_fields"))?,
        user: user.cloned(),
    })
}

fn valid_framework_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
}

/// Fills each rule's `when` from its text in `source`, without recursion (see
/// [`RuleConfig::when_present`]). `rules` are the document's `rules`, in order.
fn read_conditions(source: &ConfigSource, rules: &mut [RuleConfig]) -> Result<(), ConfigError> {
    if rules.is_empty() {
        return Ok(());
    }
    let text = source.text().as_bytes();
    let fail = |i: usize, e: logward_sdk::Error| source.error_at(&format!("/rules/{i}/when"), e.to_string());
    let root = Node::root(text, Format::Json).map_err(|e| fail(0, e))?;
    let Some(list) = root.get("rules").map_err(|e| fail(0, e))? else { return Ok(()) };
    let Some(elements) = list.elements().map_err(|e| fail(0, e))? else { return Ok(()) };
    for (i, (rule, element)) in rules.iter_mut().zip(elements).enumerate() {
        let element = element.map_err(|e| fail(i, e))?;
        if let Some(when) = element.get("when").map_err(|e| fail(i, e))? {
            rule.when = convert::to_value(when.raw().map_err(|e| fail(i, e))?, Format::Json).map_err(|e| fail(i, e))?;
        }
    }
    Ok(())
}
