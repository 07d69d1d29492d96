//! # logward-alert
//!
//! Flags security-relevant records with Sigma-style rules, inside Fluent Bit. Records that fire
//! rules get a list of `{id, title, level, tags}` (key `alert`) and the highest level as a
//! top-level `alert_level`, so a `rewrite_tag` filter can route them; records that fire nothing
//! leave byte-identical.
//!
//! - Rules come compiled ([`bundle`]): the default pack is embedded (`default-rules.json`,
//!   compiled from `rules/*.yml`), `alert.json` in `Accessible_Paths` extends or replaces it and
//!   carries settings ([`config`]). Conditions are `logward-match` conditions.
//! - Per record: the [`anchor`] index picks the rules that can match from a few fields, read
//!   with an early-stopping scan; only then one lookup pass reads every field those rules use.
//! - Correlations (Sigma `event_count`, `value_count`) count matches per group over a sliding
//!   window of record time, with bounded state ([`window`]).
//! - The Sigma YAML compiler (`logward rules check|compile`) is the `compiler` feature.

pub mod anchor;
pub mod bundle;
#[cfg(feature = "compiler")]
pub mod compiler;
pub mod config;
pub mod engine;
pub mod hours;
pub mod level;
pub mod placeholder;
pub mod scan;
mod tree;
pub mod value;
pub mod window;

use logward_sdk::serde_json::Value;
use logward_sdk::{Call, ConfigError, ConfigSource, FieldPath, Plugin, PluginError, Record, Verdict};

use crate::bundle::Bundle;
use crate::config::{Config, Merged, Origin, MAX_GROUPS_LIMIT};
use crate::engine::{Engine, EngineSettings, Fired};
use crate::hours::BusinessHours;
use crate::level::Level;

/// The default rule pack, compiled from `rules/` (a test keeps it in sync).
pub const DEFAULT_RULES: &str = include_str!("../default-rules.json");
/// How errors in the embedded pack are reported.
pub const DEFAULT_RULES_NAME: &str = "default-rules.json (embedded)";

pub struct Alert {
    engine: Engine,
    key: FieldPath,
    level_key: FieldPath,
    fired: Vec<Fired>,
}

impl Alert {
    /// The engine, for tests and tools.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Parses the embedded default pack.
pub fn default_bundle() -> Result<Bundle, ConfigError> {
    ConfigSource::new(DEFAULT_RULES_NAME, DEFAULT_RULES).parse()
}

impl Plugin for Alert {
    const NAME: &'static str = "alert";

    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        let default_source = ConfigSource::new(DEFAULT_RULES_NAME, DEFAULT_RULES);
        let default: Bundle = default_source.parse()?;
        let user: Option<Config> = config.map(ConfigSource::parse).transpose()?;
        let user_err = |pointer: &str, message: String| match config {
            Some(source) => source.error_at(pointer, message),
            None => ConfigError::new("alert.json", 1, 1, message),
        };
        let merged = Merged::new(&default, user.as_ref()).map_err(|e| {
            if e.in_default { default_source.error_at(&e.pointer, e.message) } else { user_err(&e.pointer, e.message) }
        })?;
        let (output, hours, state) = match &user {
            Some(c) => (c.output.clone(), c.business_hours.clone(), c.state.clone()),
            None => Default::default(),
        };
        let hours = BusinessHours::parse(&hours).map_err(|(k, m)| user_err(&format!("/business_hours/{k}"), m))?;
        if state.max_groups == 0 || state.max_groups > MAX_GROUPS_LIMIT {
            return Err(user_err("/state/max_groups", format!("`max_groups` must be 1..={MAX_GROUPS_LIMIT}")));
        }
        let key = FieldPath::parse(&output.key).map_err(|e| user_err("/output/key", e))?;
        let level_key = FieldPath::parse(&output.level_key).map_err(|e| user_err("/output/level_key", e))?;
        let settings = EngineSettings { hours, max_groups: state.max_groups, min_level: output.min_level };
        let engine = Engine::build(&merged.rules, &merged.placeholders, settings).map_err(|e| {
            let pointer = match e.origin {
                Origin::Default(i) | Origin::User(i) => format!("/rules/{i}{}", e.pointer),
            };
            match e.origin {
                Origin::Default(_) => default_source.error_at(&pointer, e.message),
                Origin::User(_) => user_err(&pointer, e.message),
            }
        })?;
        Ok(Alert { engine, key, level_key, fired: Vec::new() })
    }

    fn process(&mut self, record: &mut Record<'_>, call: &Call<'_>) -> Result<Verdict, PluginError> {
        let time = u64::from(call.time.sec) * 1_000_000_000 + u64::from(call.time.nsec);
        self.engine.evaluate(record, time, &mut self.fired);
        if self.fired.is_empty() {
            return Ok(Verdict::Keep);
        }
        let highest = self.fired.iter().map(|f| f.level).max().unwrap_or(Level::Informational);
        let alerts: Vec<Value> = self.fired.iter().map(|f| f.alert.clone()).collect();
        record.set(&self.key, Value::Array(alerts))?;
        record.set(&self.level_key, Value::String(highest.as_str().to_string()))?;
        Ok(Verdict::Keep)
    }
}
