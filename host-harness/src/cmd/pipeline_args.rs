//! Options shared by `replay`, `bench` and `fuzz`: which wasm filters to run and how.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use logward_harness::config::{LoadOptions, load_config};
use logward_harness::filter::{AbiVersion, EventFormat, FilterSpec};
use logward_harness::fluentbit::size_to_bytes;
use logward_harness::wasm::instance::DEFAULT_FUEL_LIMIT;

/// `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Records reach the guest as JSON text (Event_Format json).
    Json,
    /// Records reach the guest as msgpack (Event_Format msgpack).
    Msgpack,
}

/// `--abi`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AbiArg {
    /// Fluent Bit 5.1.1: i32 pointer to a NUL-terminated string.
    #[value(name = "1")]
    V1,
    /// logward's ABI v2 (not in Fluent Bit 5.1.1): i64 (len << 32) | ptr.
    #[value(name = "2")]
    V2,
}

/// Which filters to run.
#[derive(Debug, Clone, Args)]
pub struct PipelineArgs {
    /// A wasm filter to run, FILE[:FUNCTION] (default function: `filter`). Repeatable: applied
    /// in order, each matching every tag.
    #[arg(long = "plugin", value_name = "FILE[:FUNCTION]")]
    pub plugins: Vec<String>,

    /// A Fluent Bit configuration (classic .conf, or .yaml/.yml) whose wasm filters to run, with
    /// their Match rules, in pipeline order.
    #[arg(
        short = 'c',
        long = "config",
        value_name = "FILE",
        conflicts_with = "plugins"
    )]
    pub config: Option<PathBuf>,

    /// Event_Format for --plugin filters.
    #[arg(long, value_enum, default_value = "json")]
    pub format: FormatArg,

    /// ABI_Version for --plugin filters.
    #[arg(long, value_enum, default_value = "1")]
    pub abi: AbiArg,

    /// Wasm_Heap_Size for --plugin filters: bytes, or with K/M/G (decimal, as in Fluent Bit:
    /// 64K = 64000). Values below 8192 are raised to 8192, as Fluent Bit does.
    #[arg(long, value_name = "SIZE")]
    pub heap_size: Option<String>,

    /// Wasm_Stack_Size for --plugin filters (same syntax; default 8192, Fluent Bit's default).
    #[arg(long, value_name = "SIZE")]
    pub stack_size: Option<String>,

    /// Accessible_Paths for --plugin filters, comma-separated (default ".").
    #[arg(long, value_name = "A,B")]
    pub accessible_paths: Option<String>,

    /// Do not emulate Wasm_Stack_Size (no WAMR stack model).
    #[arg(long)]
    pub no_stack_model: bool,

    /// Fuel (≈ wasm instructions) allowed per call before logward gives up on it; Fluent Bit
    /// has no limit and would hang.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_FUEL_LIMIT)]
    pub fuel_limit: u64,

    /// Fluent Bit's working directory: relative WASM_Path and Accessible_Paths resolve against
    /// it (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
}

/// The filters to start, what the config says the tag is, and remarks to show.
pub struct ResolvedPipeline {
    /// Filter specs in order.
    pub specs: Vec<FilterSpec>,
    /// The selected input's tag, from a config.
    pub config_tag: Option<String>,
    /// Remarks (not-emulated plugins, 5.1.1 differences).
    pub notes: Vec<String>,
}

fn parse_size_arg(flag: &str, text: &str) -> Result<u64> {
    match size_to_bytes(text) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => bail!(
            "{flag} {text:?}: expected bytes or a number with K, M or G (K = 1000, as in Fluent Bit)"
        ),
    }
}

/// Splits `FILE[:FUNCTION]`.
pub fn split_plugin(text: &str) -> (String, String) {
    match text.rsplit_once(':') {
        Some((file, function))
            if !file.is_empty() && !function.is_empty() && !function.contains(['/', '\\', '.']) =>
        {
            (file.to_string(), function.to_string())
        }
        _ => (text.to_string(), "filter".to_string()),
    }
}

impl PipelineArgs {
    /// The working directory Fluent Bit would have.
    pub fn working_dir(&self) -> Result<PathBuf> {
        let cwd = std::env::current_dir().context("cannot determine the current directory")?;
        Ok(match &self.chdir {
            Some(dir) => cwd.join(dir),
            None => cwd,
        })
    }

    /// Resolves `--plugin`s or `-c` into filter specs. `tag` picks the config input whose
    /// processors apply.
    pub fn resolve(&self, tag: Option<&str>) -> Result<ResolvedPipeline> {
        let working_dir = self.working_dir()?;
        if let Some(config) = &self.config {
            let options = LoadOptions {
                working_dir,
                tag: tag.map(str::to_string),
                stack_model: !self.no_stack_model,
                fuel_limit: self.fuel_limit,
            };
            let loaded = load_config(config, &options)?;
            return Ok(ResolvedPipeline {
                specs: loaded.filters,
                config_tag: loaded.input_tag,
                notes: loaded.notes,
            });
        }
        if self.plugins.is_empty() {
            bail!(
                "nothing to run: give --plugin FILE[:FUNCTION] (repeatable) or -c FLUENT-BIT-CONFIG"
            );
        }
        let heap = self
            .heap_size
            .as_deref()
            .map(|t| parse_size_arg("--heap-size", t))
            .transpose()?;
        let stack = self
            .stack_size
            .as_deref()
            .map(|t| parse_size_arg("--stack-size", t))
            .transpose()?;
        let mut notes = Vec::new();
        if matches!(self.abi, AbiArg::V2) {
            notes.push(
                "ABI v2 is logward's extension; Fluent Bit 5.1.1 has no ABI_Version property"
                    .to_string(),
            );
        }
        let mut specs = Vec::new();
        for (i, text) in self.plugins.iter().enumerate() {
            let (file, function) = split_plugin(text);
            let mut spec = FilterSpec::new(file, function);
            spec.name = format!("wasm.{i}");
            spec.event_format = match self.format {
                FormatArg::Json => EventFormat::Json,
                FormatArg::Msgpack => EventFormat::Msgpack,
            };
            spec.abi = match self.abi {
                AbiArg::V1 => AbiVersion::V1,
                AbiArg::V2 => AbiVersion::V2,
            };
            if let Some(h) = heap {
                spec.heap_size = h;
            }
            if let Some(s) = stack {
                spec.stack_size = s;
            }
            if let Some(paths) = &self.accessible_paths {
                spec.accessible_paths = paths
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            spec.working_dir = working_dir.clone();
            spec.stack_model = !self.no_stack_model;
            spec.fuel_limit = self.fuel_limit;
            spec.origin = format!("--plugin {text}");
            specs.push(spec);
        }
        Ok(ResolvedPipeline {
            specs,
            config_tag: None,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::split_plugin;

    #[test]
    fn plugin_argument_forms() {
        assert_eq!(
            split_plugin("mask.wasm"),
            ("mask.wasm".into(), "filter".into())
        );
        assert_eq!(
            split_plugin("mask.wasm:filter_v2"),
            ("mask.wasm".into(), "filter_v2".into())
        );
        assert_eq!(
            split_plugin("dir:x/mask.wasm"),
            ("dir:x/mask.wasm".into(), "filter".into())
        );
    }
}
