//! `logward rules`: check and compile Sigma rules for the alert plugin.
//!
//! ```text
//! logward rules check RULES...                 every problem as file:line:column: message
//! logward rules compile RULES... [-o alert.json] [--replace-default]
//! logward rules list [BUNDLE]                  the rules of a bundle (default: the built-in pack)
//! ```
//! RULES are `.yml`/`.yaml` files or directories (searched recursively).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use logward_alert::bundle::Bundle;
use logward_alert::compiler::{self, Diagnostic, Options};

use super::{EXIT_FINDINGS, EXIT_SETUP};

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum RulesCommand {
    /// Check Sigma rules; print every problem as file:line:column: message.
    Check {
        /// Rule files or directories.
        #[arg(required = true, value_name = "RULES")]
        rules: Vec<PathBuf>,
        /// Do not map Sigma field names per log source (e.g. Kubernetes audit `hostPath`).
        #[arg(long)]
        no_field_mapping: bool,
    },
    /// Compile Sigma rules into the alert plugin's bundle (alert.json).
    Compile {
        /// Rule files or directories.
        #[arg(required = true, value_name = "RULES")]
        rules: Vec<PathBuf>,
        /// Where to write the bundle (default: stdout).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The bundle replaces the built-in rule pack instead of extending it.
        #[arg(long)]
        replace_default: bool,
        /// Do not map Sigma field names per log source (e.g. Kubernetes audit `hostPath`).
        #[arg(long)]
        no_field_mapping: bool,
    },
    /// List the rules of a compiled bundle (default: the built-in pack).
    List {
        /// A bundle or alert.json.
        bundle: Option<PathBuf>,
    },
}

/// Runs the subcommand; returns the exit status.
pub fn run(args: &RulesArgs) -> i32 {
    match &args.command {
        RulesCommand::Check {
            rules,
            no_field_mapping,
        } => match build(rules, !no_field_mapping) {
            Ok(Ok(bundle)) => {
                let n = bundle.rules.len();
                let corr = bundle
                    .rules
                    .iter()
                    .filter(|r| r.correlation.is_some())
                    .count();
                eprintln!(
                    "logward rules: {} detection and {corr} correlation rule(s) OK",
                    n - corr
                );
                0
            }
            Ok(Err(diags)) => report(&diags),
            Err(code) => code,
        },
        RulesCommand::Compile {
            rules,
            output,
            replace_default,
            no_field_mapping,
        } => {
            let bundle = match build(rules, !no_field_mapping) {
                Ok(Ok(b)) => b,
                Ok(Err(diags)) => return report(&diags),
                Err(code) => return code,
            };
            let text = bundle_text(&bundle, *replace_default);
            match output {
                Some(path) => {
                    if let Err(e) = std::fs::write(path, text) {
                        eprintln!("logward rules: cannot write {}: {e}", path.display());
                        return EXIT_SETUP;
                    }
                    eprintln!(
                        "logward rules: wrote {} rule(s) to {}",
                        bundle.rules.len(),
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            0
        }
        RulesCommand::List { bundle } => list(bundle.as_ref()),
    }
}

fn build(paths: &[PathBuf], map_fields: bool) -> Result<Result<Bundle, Vec<Diagnostic>>, i32> {
    let files = match compiler::collect_files(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("logward rules: {e}");
            return Err(EXIT_SETUP);
        }
    };
    if files.is_empty() {
        eprintln!("logward rules: no .yml or .yaml files found");
        return Err(EXIT_SETUP);
    }
    let sources = match compiler::read_sources(&files) {
        Ok(s) => s,
        Err(diags) => return Ok(Err(diags)),
    };
    Ok(compiler::compile(&sources, &Options { map_fields }))
}

fn report(diags: &[Diagnostic]) -> i32 {
    for d in diags {
        eprintln!("{d}");
    }
    eprintln!("logward rules: {} problem(s)", diags.len());
    EXIT_FINDINGS
}

/// The bundle as alert.json; `replace_default` adds `"include_default": false`.
fn bundle_text(bundle: &Bundle, replace_default: bool) -> String {
    if !replace_default {
        return bundle.to_json();
    }
    let mut value = serde_json::to_value(bundle).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "include_default".to_string(),
            serde_json::Value::Bool(false),
        );
    }
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

fn list(path: Option<&PathBuf>) -> i32 {
    let (name, text) = match path {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => (p.display().to_string(), t),
            Err(e) => {
                eprintln!("logward rules: cannot read {}: {e}", p.display());
                return EXIT_SETUP;
            }
        },
        None => (
            logward_alert::DEFAULT_RULES_NAME.to_string(),
            logward_alert::DEFAULT_RULES.to_string(),
        ),
    };
    // alert.json carries settings too: read only the rules.
    let rules = match logward_alert::bundle::rules_in(&text) {
        Ok(rules) => rules,
        Err(e) => {
            eprintln!("{name}: {e}");
            return EXIT_FINDINGS;
        }
    };
    for r in &rules {
        let kind = if r.correlation.is_some() {
            "correlation"
        } else {
            "detection"
        };
        let state = if !r.enabled {
            " (disabled)"
        } else if !r.generate {
            " (feeds correlations)"
        } else {
            ""
        };
        println!(
            "{:<13} {:<11} {}  {}{state}",
            r.level.as_str(),
            kind,
            r.id,
            r.title
        );
    }
    0
}
