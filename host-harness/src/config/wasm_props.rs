//! A `Name wasm` section → [`FilterSpec`], checked the way Fluent Bit 5.1.1 checks it:
//! unknown properties refuse to start (`flb_config_map_properties_check`), `WASM_Path` and
//! `Function_Name` are required (there is no default function), sizes use Fluent Bit's decimal
//! K/M/G, and a `[FILTER]` without `Match`/`Match_Regex` is unloaded with a warning.

use anyhow::{Result, bail};

use super::model::{LoadOptions, Section};
use crate::filter::{AbiVersion, EventFormat, FilterSpec};
use crate::fluentbit::{TagMatcher, size_to_bytes};

/// Properties `filter_wasm` declares in its config map.
const PLUGIN_PROPERTIES: &[&str] = &[
    "event_format",
    "wasm_path",
    "accessible_paths",
    "function_name",
    "wasm_heap_size",
    "wasm_stack_size",
];

/// Properties every filter accepts (`filter_global_properties` and core keys).
const GLOBAL_PROPERTIES: &[&str] = &[
    "name",
    "match",
    "match_regex",
    "alias",
    "log_level",
    "log_suppress_interval",
    "active",
    "condition",
];

fn parse_size(section: &Section, key: &str, name: &str) -> Result<Option<u64>> {
    match section.get(key) {
        None => Ok(None),
        Some(text) => match size_to_bytes(text) {
            Some(n) if n >= 0 => Ok(Some(n as u64)),
            _ => bail!(
                "{}: [filter:wasm:{name}] invalid size '{text}' for {key} (Fluent Bit accepts bytes or K/M/G with an optional B; K = 1000)",
                section.origin
            ),
        },
    }
}

/// Builds the spec for instance number `instance_id`. `is_filter` is false for processors
/// (which need no `Match`). A `[FILTER]` without a match rule comes back with `matcher: None`
/// and a note: Fluent Bit unloads it.
pub fn wasm_filter_spec(
    section: &Section,
    instance_id: usize,
    is_filter: bool,
    options: &LoadOptions,
    notes: &mut Vec<String>,
) -> Result<FilterSpec> {
    let name = section
        .get("alias")
        .map(str::to_string)
        .unwrap_or_else(|| format!("wasm.{instance_id}"));
    let origin = &section.origin;
    for (key, _) in &section.properties {
        let lower = key.to_ascii_lowercase();
        if lower == "abi_version" {
            notes.push(format!(
                "{origin}: ABI_Version is logward's extension: Fluent Bit 5.1.1 refuses to start with \"[config] wasm: unknown configuration property 'abi_version'\""
            ));
        } else if !PLUGIN_PROPERTIES.contains(&lower.as_str())
            && !GLOBAL_PROPERTIES.contains(&lower.as_str())
        {
            bail!(
                "{origin}: [config] wasm: unknown configuration property '{key}' (Fluent Bit 5.1.1 refuses to start)"
            );
        }
    }
    let Some(wasm_path) = section.get("wasm_path") else {
        bail!("{origin}: [filter:wasm:{name}] no WASM 'program path' was given");
    };
    let Some(function_name) = section.get("function_name") else {
        bail!("{origin}: [filter:wasm:{name}] no WASM 'function name' was given");
    };
    let event_format = match section.get("event_format") {
        None => EventFormat::Json,
        Some(text) => match EventFormat::parse(text) {
            Some(f) => f,
            None => bail!("{origin}: [filter_wasm] unknown format: {text}"),
        },
    };
    let abi = match section.get("abi_version").map(str::trim) {
        None | Some("1") => AbiVersion::V1,
        Some("2") => AbiVersion::V2,
        Some(other) => bail!("{origin}: ABI_Version must be 1 or 2, not '{other}'"),
    };
    let mut spec = FilterSpec::new(wasm_path, function_name);
    spec.name = name.clone();
    spec.event_format = event_format;
    spec.abi = abi;
    if let Some(n) = parse_size(section, "wasm_heap_size", &name)? {
        spec.heap_size = n;
    }
    if let Some(n) = parse_size(section, "wasm_stack_size", &name)? {
        spec.stack_size = n;
    }
    if let Some(list) = section.get("accessible_paths") {
        spec.accessible_paths = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    spec.working_dir = options.working_dir.clone();
    spec.stack_model = options.stack_model;
    spec.fuel_limit = options.fuel_limit;
    spec.origin = origin.clone();
    spec.matcher = if is_filter {
        let (wildcard, regex) = (section.get("match"), section.get("match_regex"));
        if wildcard.is_none() && regex.is_none() {
            notes.push(format!(
                "{origin}: [filter] NO match rule for {name} filter instance, unloading."
            ));
            None
        } else {
            Some(TagMatcher::new(wildcard, regex).map_err(|e| anyhow::anyhow!("{origin}: {e:#}"))?)
        }
    } else {
        None
    };
    Ok(spec)
}
