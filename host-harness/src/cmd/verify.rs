//! `logward verify`: checks hash-chained logs written through the chain plugin (chain.wasm).
//! The verifier itself is `logward_chain::verify`; this is its command line.

use std::path::PathBuf;

use clap::Args;
use logward_chain::verify::{self, Options};

use super::EXIT_USAGE;

/// Verify chained logs: every modified, deleted, inserted, duplicated, reordered or truncated
/// record is reported with its stream and seq. Exit status: 0 intact, 1 tampered, 2 usage error
/// or unreadable input.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Fluent Bit output files: out_file (`tag: [time, {record}]`), json_lines, stdout or plain
    /// JSON lines. Streams may be interleaved and split over files (give them oldest first).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Key file written by `logward keygen` (the initial key). Repeat for logs of several
    /// nodes. Without a key, plain SHA-256 chains (`"mode": "sha256"`) are verified.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Checkpoint file(s) the plugin wrote (chain.checkpoints): detect a truncated tail.
    #[arg(long = "checkpoints", value_name = "FILE")]
    pub checkpoints: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Name of the chain field (the plugin's `field`).
    #[arg(long, default_value = "_chain")]
    pub field: String,
    /// A top-level field an output adds (besides `date` and `@timestamp`), e.g. a custom
    /// `json_date_key`. Repeatable.
    #[arg(long = "output-key", value_name = "NAME")]
    pub output_keys: Vec<String>,
    /// The input may begin streams after seq 1 (earlier files rotated away), and checkpoints
    /// may name streams that are not in the input.
    #[arg(long)]
    pub partial: bool,
    /// Lines without a chain field are not findings (files that mix chained and other logs).
    #[arg(long)]
    pub ignore_unchained: bool,
    /// Warnings (records lost before a restart, content the plugin could not cover) fail too.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

pub fn run(args: &VerifyArgs) -> i32 {
    let mut keys = Vec::new();
    for path in &args.keys {
        match verify::read_key(path) {
            Ok(k) => keys.push(k),
            Err(e) => {
                eprintln!("logward verify: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let mut output_keys = verify::default_output_keys();
    output_keys.extend(args.output_keys.iter().cloned());
    let opts = Options {
        keys,
        field: args.field.clone(),
        output_keys,
        partial: args.partial,
        ignore_unchained: args.ignore_unchained,
        threads: args.threads,
    };
    let report = match verify::verify_paths(&args.files, &args.checkpoints, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("logward verify: {e}");
            return EXIT_USAGE;
        }
    };
    if args.json {
        println!("{}", report.to_json(args.strict));
    } else {
        print!("{}", report.to_human(args.strict));
    }
    report.exit_code(args.strict)
}
