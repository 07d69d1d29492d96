//! # logward.wasm — the four plugins in one filter
//!
//! Each separate Fluent Bit `[FILTER]` costs a msgpack → JSON → msgpack round trip per record
//! in the host. The bundle runs any subset of mask, comply, alert and chain, in the configured
//! order, in one call — the same crates as the separate modules, no copied logic.
//!
//! Configuration, first found in `Accessible_Paths` order:
//! - `logward.json`: `{"stages": ["mask", "comply", "alert", "chain"], "mask": {...}, ...}` —
//!   `stages` defaults to all four in that order; a stage without a section here reads its own
//!   `<stage>.json`, or uses its defaults when there is none;
//! - without `logward.json`: all four stages, each with its own file or defaults.
//!
//! The bundle is fail-closed like mask: a record it cannot process at all (its config failed
//! to load, or the host could not copy the record) is replaced by an error record, never
//! passed on unscanned.

use logward_sdk::config::{self, ConfigError, ConfigSource};
use logward_sdk::stage::{stage_of, Stage, StageInit, Stages};
use logward_sdk::{Call, Plugin, PluginError, Record, Verdict};

/// Every stage the bundle can run, in the default order.
pub fn registry() -> [(&'static str, StageInit); 4] {
    [
        stage_of::<logward_mask::Mask>(),
        stage_of::<logward_comply::Comply>(),
        stage_of::<logward_alert::Alert>(),
        stage_of::<logward_chain::Chain>(),
    ]
}

pub struct Bundle {
    stages: Stages,
}

impl Bundle {
    /// Names of the stages this instance runs, in order.
    pub fn stage_names(&self) -> Vec<&'static str> {
        self.stages.names()
    }

    /// Builds the bundle; `load_own` finds a stage's own `<stage>.json` when `logward.json` has
    /// no section for it (injectable for tests).
    pub fn build(
        config: Option<&ConfigSource>,
        load_own: &dyn Fn(&str) -> Result<Option<ConfigSource>, ConfigError>,
    ) -> Result<Bundle, ConfigError> {
        let registry = registry();
        let wanted = match config {
            Some(src) => stage_list(src, &registry)?,
            None => registry.iter().map(|(n, _)| n.to_string()).collect(),
        };
        let mut stages: Vec<Box<dyn Stage>> = Vec::with_capacity(wanted.len());
        for name in &wanted {
            let Some((_, init)) = registry.iter().find(|(n, _)| n == name) else { continue };
            let section = match config {
                Some(src) => src.section(name)?,
                None => None,
            };
            let stage_config = match section {
                Some(s) => Some(s),
                None => load_own(&format!("{name}.json"))?,
            };
            stages.push(init(stage_config.as_ref())?);
        }
        Ok(Bundle { stages: Stages::new(stages) })
    }
}

/// Reads and checks `stages` and the top-level keys of `logward.json`.
fn stage_list(src: &ConfigSource, registry: &[(&'static str, StageInit)]) -> Result<Vec<String>, ConfigError> {
    let doc: serde_json::Value = src.parse()?;
    let obj = doc.as_object().ok_or_else(|| src.error_at("", "logward.json must be a JSON object"))?;
    let known = |k: &str| registry.iter().any(|(n, _)| *n == k);
    for key in obj.keys() {
        if key != "stages" && !known(key) {
            let names: Vec<&str> = registry.iter().map(|(n, _)| *n).collect();
            return Err(src.error_at(
                &format!("/{key}"),
                format!("unknown key `{key}`; expected `stages` or a stage section: {}", names.join(", ")),
            ));
        }
    }
    let Some(list) = obj.get("stages") else {
        return Ok(registry.iter().map(|(n, _)| n.to_string()).collect());
    };
    let items = list.as_array().ok_or_else(|| src.error_at("/stages", "`stages` must be a list of stage names"))?;
    let mut names: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = item.as_str().filter(|n| known(n)).ok_or_else(|| {
            let all: Vec<&str> = registry.iter().map(|(n, _)| *n).collect();
            src.error_at(&format!("/stages/{i}"), format!("unknown stage; expected one of: {}", all.join(", ")))
        })?;
        if names.iter().any(|n| n == name) {
            return Err(src.error_at(&format!("/stages/{i}"), format!("stage `{name}` is listed twice")));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

impl Plugin for Bundle {
    const NAME: &'static str = "logward";
    const FAIL_CLOSED: bool = true;

    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        Bundle::build(config, &|name| config::load(name))
    }

    fn start(&mut self) -> Result<(), ConfigError> {
        self.stages.start()
    }

    fn process(&mut self, record: &mut Record<'_>, call: &Call<'_>) -> Result<Verdict, PluginError> {
        Ok(self.stages.run(record, call))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: &str) -> Result<Option<ConfigSource>, ConfigError> {
        Ok(None)
    }

    fn err(text: &str) -> String {
        let src = ConfigSource::new("logward.json", text);
        match Bundle::build(Some(&src), &no_files) {
            Ok(_) => panic!("accepted {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn config_errors_are_located() {
        assert_eq!(
            err("{\"stages\": [\"mask\", \"redact\"]}"),
            "logward.json:1:21: unknown stage; expected one of: mask, comply, alert, chain"
        );
        assert!(err("{\"stages\": [\"chain\", \"chain\"]}").contains("listed twice"));
        assert!(err("{\n \"stage\": []\n}").starts_with("logward.json:2:11: unknown key `stage`"));
        assert!(err("{\"stages\": \"mask\"}").contains("must be a list"));
    }
}
