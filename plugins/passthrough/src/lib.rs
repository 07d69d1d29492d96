//! `passthrough`: the smallest complete logward plugin.
//!
//! With no `passthrough.json` it returns every record untouched (Fluent Bit gets its own copy
//! back, no bytes moved). With `{"append": {"key": value, ...}}` it appends those fields to each
//! record by splicing them before the closing brace. Benchmarks use both as baselines: the cost
//! of the SDK itself, and of its cheapest edit.

use logward_sdk::serde_json::{Map, Value};
use logward_sdk::{Call, ConfigError, ConfigSource, FieldPath, Plugin, PluginError, Record, Verdict};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Fields appended to every record (dotted keys create nested objects).
    #[serde(default)]
    append: Map<String, Value>,
}

pub struct Passthrough {
    append: Vec<(FieldPath, Value)>,
}

impl Plugin for Passthrough {
    const NAME: &'static str = "passthrough";

    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        let Some(source) = config else {
            return Ok(Passthrough { append: Vec::new() });
        };
        let parsed: Config = source.parse()?;
        let mut append = Vec::new();
        for (key, value) in parsed.append {
            let path = FieldPath::parse(&key).map_err(|e| source.error_at(&format!("/append/{key}"), e))?;
            append.push((path, value));
        }
        Ok(Passthrough { append })
    }

    fn process(&mut self, record: &mut Record<'_>, _call: &Call<'_>) -> Result<Verdict, PluginError> {
        for (path, value) in &self.append {
            record.set(path, value.clone())?;
        }
        Ok(Verdict::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logward_sdk::{Abi, Format, Timestamp};

    fn run(p: &mut Passthrough, text: &str) -> String {
        let mut rec = Record::new(text.as_bytes(), Format::Json);
        let call = Call { tag: "t", time: Timestamp::default(), format: Format::Json, abi: Abi::V1 };
        assert_eq!(p.process(&mut rec, &call).unwrap(), Verdict::Keep);
        let mut out = Vec::new();
        rec.write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn without_config_nothing_changes() {
        let mut p = Passthrough::init(None).unwrap();
        assert_eq!(run(&mut p, r#"{"a":1}"#), r#"{"a":1}"#);
    }

    #[test]
    fn appends_configured_fields() {
        let src = ConfigSource::new("passthrough.json", r#"{"append": {"env": "prod", "meta.node": 3}}"#);
        let mut p = Passthrough::init(Some(&src)).unwrap();
        assert_eq!(run(&mut p, r#"{"a":1}"#), r#"{"a":1,"env":"prod","meta":{"node":3}}"#);
    }

    #[test]
    fn unknown_config_key_is_an_error() {
        let src = ConfigSource::new("passthrough.json", "{\n \"apend\": {}\n}");
        let e = Passthrough::init(Some(&src)).err().unwrap();
        assert!(e.to_string().starts_with("passthrough.json:2:"), "{e}");
    }
}
