//! `logward`: run Fluent Bit wasm filter plugins exactly as Fluent Bit 5.1.1 runs them.

mod cmd;

use clap::{Parser, Subcommand};

use cmd::{EXIT_SETUP, bench, fuzz, keygen, replay, report, rules, verify};

/// Test Fluent Bit wasm filters without Fluent Bit: a native host that emulates Fluent Bit
/// 5.1.1's filter_wasm (and its WAMR runtime), sharp edges included.
#[derive(Debug, Parser)]
#[command(name = "logward", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run log lines through wasm filters and write what Fluent Bit would output.
    Replay(replay::ReplayArgs),
    /// Measure filters: records/s, fuel per record, memory, peak WAMR stack.
    Bench(bench::BenchArgs),
    /// Feed generated and mutated records to filters; fail on traps and unexpected drops.
    Fuzz(fuzz::FuzzArgs),
    /// Verify hash-chained logs written through the chain plugin.
    Verify(verify::VerifyArgs),
    /// Generate keys for the chain plugin.
    Keygen(keygen::KeygenArgs),
    /// Check and compile alert rules for the alert plugin.
    Rules(rules::RulesArgs),
    /// Summarize output records: masked values by rule, compliance tags, alerts, chain heads.
    Report(report::ReportArgs),
}

fn main() {
    let cli = Cli::parse();
    let status = match &cli.command {
        Command::Replay(a) => replay::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Fuzz(a) => fuzz::run(a),
        Command::Verify(a) => Ok(verify::run(a)),
        Command::Keygen(a) => Ok(keygen::run(a)),
        Command::Rules(a) => Ok(rules::run(a)),
        Command::Report(a) => report::run(a),
    };
    let code = match status {
        Ok(code) => code,
        Err(e) => {
            eprintln!("logward: {e:#}");
            EXIT_SETUP
        }
    };
    std::process::exit(code);
}
