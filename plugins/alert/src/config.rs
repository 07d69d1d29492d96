//! `alert.json`: a rule bundle (as `logward rules compile` writes it) plus settings, merged with
//! the embedded default pack.
//!
//! Merge: with `include_default` (the default) the pack's rules come first, a rule in alert.json
//! with the same `id` replaces the pack's, other rules are added; `placeholders` replace the
//! pack's lists name by name; then `disable` and `enable` switch rules by id. Without
//! `include_default`, alert.json's rules are the whole set.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::bundle::{Bundle, Rule};
use crate::hours::BusinessHoursConfig;
use crate::level::Level;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Written by `logward rules compile`; accepted and ignored.
    #[serde(default)]
    pub logward_alert_bundle: Option<u32>,
    #[serde(default = "yes")]
    pub include_default: bool,
    #[serde(default)]
    pub placeholders: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub enable: Vec<String>,
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default)]
    pub output: OutputConfig,
    #[serde(default)]
    pub business_hours: BusinessHoursConfig,
    #[serde(default)]
    pub state: StateConfig,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Where the list of fired rules goes.
    #[serde(default = "default_key")]
    pub key: String,
    /// Where the highest level goes (for `rewrite_tag` routing).
    #[serde(default = "default_level_key")]
    pub level_key: String,
    /// Alerts below this level are not written (they still count in correlations).
    #[serde(default = "lowest")]
    pub min_level: Level,
}

fn default_key() -> String {
    "alert".into()
}
fn default_level_key() -> String {
    "alert_level".into()
}
fn lowest() -> Level {
    Level::Informational
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig { key: default_key(), level_key: default_level_key(), min_level: lowest() }
    }
}

/// Correlation state limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// Groups (e.g. user + source IP) tracked per correlation rule; the least recently active
    /// group is evicted to make room.
    #[serde(default = "default_max_groups")]
    pub max_groups: usize,
}

pub const DEFAULT_MAX_GROUPS: usize = 10_000;
/// Upper bounds accepted in rules and settings, so memory stays bounded by construction.
pub const MAX_GROUPS_LIMIT: usize = 1_000_000;
pub const MAX_THRESHOLD: u64 = 10_000;
pub const MAX_TIMESPAN_SECONDS: u64 = 31 * 86_400;

fn default_max_groups() -> usize {
    DEFAULT_MAX_GROUPS
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig { max_groups: DEFAULT_MAX_GROUPS }
    }
}

/// Where a merged rule came from, to locate errors in the right file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Index in the default pack's `rules`.
    Default(usize),
    /// Index in alert.json's `rules`.
    User(usize),
}

/// A config problem: JSON pointer into the default pack or alert.json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError {
    pub in_default: bool,
    pub pointer: String,
    pub message: String,
}

/// The effective rule set: rules with their origin, and placeholder lists.
#[derive(Debug, Clone)]
pub struct Merged {
    pub rules: Vec<(Rule, Origin)>,
    pub placeholders: BTreeMap<String, Vec<String>>,
}

impl Merged {
    pub fn new(default: &Bundle, config: Option<&Config>) -> Result<Merged, MergeError> {
        let user_err = |pointer: String, message: String| MergeError { in_default: false, pointer, message };
        let include_default = config.is_none_or(|c| c.include_default);
        let mut rules: Vec<(Rule, Origin)> = Vec::new();
        let mut placeholders = BTreeMap::new();
        if include_default {
            rules.extend(default.rules.iter().cloned().enumerate().map(|(i, r)| (r, Origin::Default(i))));
            placeholders = default.placeholders.clone();
        }
        let Some(config) = config else {
            return Ok(Merged { rules, placeholders });
        };
        for (i, rule) in config.rules.iter().enumerate() {
            if let Some(j) = config.rules[..i].iter().position(|r| r.id == rule.id) {
                return Err(user_err(format!("/rules/{i}/id"), format!("rule id `{}` is also rule {j}", rule.id)));
            }
            match rules.iter_mut().find(|(r, _)| r.id == rule.id) {
                Some(slot) => *slot = (rule.clone(), Origin::User(i)),
                None => rules.push((rule.clone(), Origin::User(i))),
            }
        }
        for (name, values) in &config.placeholders {
            placeholders.insert(name.clone(), values.clone());
        }
        for (list, on) in [(&config.disable, false), (&config.enable, true)] {
            let key = if on { "enable" } else { "disable" };
            for (i, id) in list.iter().enumerate() {
                let rule = rules
                    .iter_mut()
                    .find(|(r, _)| &r.id == id)
                    .ok_or_else(|| user_err(format!("/{key}/{i}"), format!("no rule has id `{id}`")))?;
                rule.0.enabled = on;
            }
        }
        Ok(Merged { rules, placeholders })
    }
}
