//! The format-independent view of a configuration and how it becomes filter specs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::wasm_props::wasm_filter_spec;
use crate::filter::FilterSpec;

/// One `[SECTION]` (or YAML list item) with its properties in file order.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Lowercased section kind: `input`, `filter`, `output`, `service`, `processor`, …
    pub kind: String,
    /// (key, value) pairs; keys as written, values with `${VAR}` already expanded.
    pub properties: Vec<(String, String)>,
    /// Processors attached to this section (YAML `processors: logs:`).
    pub log_processors: Vec<Section>,
    /// `file:line` for messages.
    pub origin: String,
}

impl Section {
    /// The last value of a property (keys are case-insensitive in Fluent Bit).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The plugin name (`Name`).
    pub fn plugin_name(&self) -> &str {
        self.get("name").unwrap_or("")
    }
}

/// How to interpret a configuration.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Fluent Bit's working directory (relative `WASM_Path` and `Accessible_Paths`).
    pub working_dir: PathBuf,
    /// The tag replayed records carry; picks the input whose processors apply.
    pub tag: Option<String>,
    /// Emulate `Wasm_Stack_Size`.
    pub stack_model: bool,
    /// Fuel budget per call.
    pub fuel_limit: u64,
}

/// The wasm part of a configuration.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The main file.
    pub path: PathBuf,
    /// Wasm filters in the order Fluent Bit applies them: the selected input's processors,
    /// then `[FILTER]`s in file order (each keeps its `Match`).
    pub filters: Vec<FilterSpec>,
    /// Things logward does not emulate, or that Fluent Bit 5.1.1 would treat differently.
    pub notes: Vec<String>,
    /// The tag of the selected input, when the configuration sets one.
    pub input_tag: Option<String>,
}

/// Reads a classic or YAML configuration (by extension: `.yaml`/`.yml` are YAML).
pub fn load_config(path: &Path, options: &LoadOptions) -> Result<LoadedConfig> {
    let is_yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    let sections = if is_yaml {
        super::yaml::read_yaml_config(path)?
    } else {
        super::classic::read_classic_config(path)?
    };
    interpret(path, &sections, options)
}

fn interpret(path: &Path, sections: &[Section], options: &LoadOptions) -> Result<LoadedConfig> {
    let mut notes = Vec::new();
    let mut filters = Vec::new();
    let mut instance_id = 0usize;

    let inputs: Vec<&Section> = sections.iter().filter(|s| s.kind == "input").collect();
    let selected = match &options.tag {
        Some(tag) => inputs
            .iter()
            .find(|s| s.get("tag") == Some(tag.as_str()))
            .copied(),
        None => inputs
            .iter()
            .find(|s| s.get("tag").is_some())
            .copied()
            .or(inputs.first().copied()),
    };
    let input_tag = selected.and_then(|s| s.get("tag")).map(str::to_string);
    for input in &inputs {
        let chosen = selected.is_some_and(|s| std::ptr::eq(s, *input));
        for processor in &input.log_processors {
            if !chosen {
                if processor.plugin_name().eq_ignore_ascii_case("wasm") {
                    notes.push(format!("{}: wasm processor of input '{}' skipped: replayed records do not come from that input", processor.origin, input.plugin_name()));
                }
                continue;
            }
            if processor.plugin_name().eq_ignore_ascii_case("wasm") {
                filters.push(wasm_filter_spec(
                    processor,
                    instance_id,
                    false,
                    options,
                    &mut notes,
                )?);
                instance_id += 1;
            } else {
                notes.push(not_emulated(processor, "processor"));
            }
        }
    }
    for section in sections {
        match section.kind.as_str() {
            "filter" => {
                if section.plugin_name().eq_ignore_ascii_case("wasm") {
                    let spec = wasm_filter_spec(section, instance_id, true, options, &mut notes)?;
                    if spec.matcher.is_some() {
                        filters.push(spec);
                    }
                } else {
                    notes.push(not_emulated(section, "filter"));
                }
                instance_id += 1;
            }
            "output" => {
                for processor in &section.log_processors {
                    if processor.plugin_name().eq_ignore_ascii_case("wasm") {
                        notes.push(format!(
                            "{}: wasm as an OUTPUT processor is not emulated; in Fluent Bit 5.1.1 it fails every record (\"thread signal env not inited\")",
                            processor.origin
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let config_dir = path.parent().unwrap_or(Path::new("."));
    for spec in &filters {
        let from_cwd = spec.working_dir.join(&spec.wasm_path);
        let from_config = config_dir.join(&spec.wasm_path);
        if spec.wasm_path.is_relative() && !from_cwd.exists() && from_config.exists() {
            notes.push(format!(
                "{}: WASM_Path {} exists next to the configuration file, but Fluent Bit resolves it against its working directory ({}); use --chdir {} to run as Fluent Bit started there",
                spec.origin,
                spec.wasm_path.display(),
                spec.working_dir.display(),
                config_dir.display()
            ));
        }
    }
    if filters.is_empty() {
        bail!(
            "{}: no wasm filter to run (no [FILTER] with Name wasm, and no wasm processor on the selected input)",
            path.display()
        );
    }
    Ok(LoadedConfig {
        path: path.to_path_buf(),
        filters,
        notes,
        input_tag,
    })
}

fn not_emulated(section: &Section, what: &str) -> String {
    format!(
        "{}: {what} '{}' is not emulated: logward skips it, so records it would change or drop pass through unchanged",
        section.origin,
        section.plugin_name()
    )
}

/// Reads a file for a config loader, naming it in errors.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read configuration file {}", path.display()))
}
