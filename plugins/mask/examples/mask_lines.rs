//! Masks each line of stdin with the default configuration (or `MASK_CONFIG=path/mask.json`)
//! and prints the result: a quick way to see what the rules do to a log.
//!
//!     cargo run -p logward-mask --example mask_lines < app.log

use std::io::{BufRead, Write};

use logward_mask::Mask;
use logward_sdk::abi::{Input, Instance, Output};
use logward_sdk::{Abi, ConfigSource, Timestamp};

fn main() {
    let mut inst = Instance::<Mask>::new();
    let source = std::env::var("MASK_CONFIG").ok().map(|p| ConfigSource::read(&p).unwrap_or_else(|e| panic!("{e}")));
    if let Err(e) = inst.initialize_with(source.as_ref()) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    let whole = std::env::args().any(|a| a == "--whole");
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut input = String::new();
    let records: Vec<String> = if whole {
        stdin.lock().read_line(&mut input).ok();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdin.lock(), &mut rest).ok();
        vec![input + &rest]
    } else {
        stdin.lock().lines().map_while(Result::ok).collect()
    };
    for line in records {
        let record = if line.trim_start().starts_with('{') { line.clone() } else { serde_json::json!({ "log": line }).to_string() };
        let res = inst.handle("mask_lines", Timestamp::default(), Input::Bytes { record: record.as_bytes(), nul_follows: false }, Abi::V2);
        let text = match res {
            Output::Input => record,
            Output::Buffer => String::from_utf8_lossy(inst.output_body()).into_owned(),
            Output::Drop => "<dropped>".to_string(),
        };
        let _ = writeln!(out, "{text}");
    }
}
