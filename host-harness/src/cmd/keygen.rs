//! `logward keygen`: writes a new chain key file for the chain plugin.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use logward_chain::{keyfile, verify};

use super::EXIT_USAGE;

/// Write a new random 32-byte chain key (64 hex digits, mode 0600) for the chain plugin's
/// `key_file`. Keep a copy offline: `logward verify --key` needs it.
#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// Where to write the key (refuses to overwrite an existing file).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: &KeygenArgs) -> i32 {
    let key = match verify::generate_key() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("logward keygen: {e}");
            return EXIT_USAGE;
        }
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = options.open(&args.out).and_then(|mut f| {
        f.write_all(keyfile::render(&key).as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written {
        eprintln!("logward keygen: cannot create {}: {e}", args.out.display());
        return EXIT_USAGE;
    }
    eprintln!(
        "logward keygen: wrote {} (key id {}, mode 0600).\n\
         Keep a copy OFFLINE: `logward verify --key {}` needs it, and it is the only way to check old logs.\n\
         Put it next to chain.json for Fluent Bit's first start, then remove it from the node: the plugin keeps only\n\
         the evolved key in its state file, so whoever steals the node later cannot forge earlier epochs.",
        args.out.display(),
        key.key_id(),
        args.out.display()
    );
    0
}
