//! The rule bundle: what `logward rules compile` writes and the plugin loads — the embedded
//! default pack (`default-rules.json`) and the user's `alert.json` share this shape, the latter
//! with the settings of [`crate::config`] on top.
//!
//! Conditions are `logward-match` JSON, plus one node of our own resolved at load time:
//! `{"placeholder": NAME, "field": PATH, "op": OP, ...options}` — a test whose values come from
//! the placeholder list `NAME` (Sigma's `|expand` modifier), so settings such as the known-bad
//! IP list can change without recompiling rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::level::Level;

/// Bundle format version written by the compiler.
pub const FORMAT: u32 = 1;

/// A rule: a detection (`condition`: one record matches or not) or a correlation
/// (`correlation`: counts of detection matches over time). Field names follow Sigma.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub title: String,
    #[serde(default)]
    pub level: Level,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub falsepositives: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Where the rule was compiled from (`file:line`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Shipped but off until `enable`d in alert.json.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// False when the rule only feeds correlations (Sigma's `generate: false`, the default for
    /// rules a correlation refers to).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub generate: bool,
    /// Only outside business hours (record time, see `business_hours`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub off_hours: bool,
    /// Placeholders that must be non-empty for the rule to be active (an allow- or deny-list
    /// nobody filled in turns the rule off instead of making it fire on everything).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Detection: the condition (logward-match JSON with placeholder nodes), kept as text
    /// until the engine reads it without recursion (see [`crate::value`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Box<RawValue>>,
    /// Correlation: what to count, per group, over which window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<CorrelationSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Related {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    EventCount,
    ValueCount,
}

/// A Sigma correlation, normalized: the threshold is "at least `gte`", the window in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationSpec {
    #[serde(rename = "type")]
    pub kind: CorrelationType,
    /// Ids of the detection rules whose matches are counted.
    pub rules: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    /// Window length in seconds.
    pub timespan: u64,
    /// Fires when the count in the window reaches this.
    pub gte: u64,
    /// value_count: the field whose distinct values are counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Rule {
    /// The condition as a value (`None` for correlations and unreadable text).
    pub fn condition_value(&self) -> Option<Value> {
        self.condition.as_ref().and_then(|c| crate::value::parse(c.get()).ok())
    }

    /// Sets the condition from a value.
    pub fn set_condition(&mut self, value: &Value) {
        self.condition = RawValue::from_string(value.to_string()).ok();
    }
}

/// A compiled rule set.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logward_alert_bundle: Option<u32>,
    /// Default values of the placeholders the rules use.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub placeholders: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The `rules` of a bundle or alert.json, whatever else the document holds.
pub fn rules_in(text: &str) -> Result<Vec<Rule>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Rules {
        #[serde(default)]
        rules: Vec<Rule>,
    }
    serde_json::from_str::<Rules>(text).map(|d| d.rules)
}

impl Bundle {
    /// Pretty JSON with a trailing newline, as committed (`default-rules.json`).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}
