//! `logward bench`: how fast and how big. Two passes over the same records:
//!
//! 1. timing and fuel, on the modules as built (the stack instrumentation adds instructions, so
//!    it is off here): records/s (native wasmtime, wall clock), fuel per record (≈ wasm
//!    instructions: deterministic, comparable across machines, a proxy for WAMR interpreter
//!    cost), input MB/s, linear memory peak and growth after warm-up;
//! 2. stack, on the instrumented modules with an unlimited stack: the peak modelled WAMR stack
//!    and the smallest `Wasm_Stack_Size` that would have run every record.
//!
//! A passthrough baseline (the `echo` probe, or `--baseline FILE:FN`) puts the numbers in context.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use logward_harness::filter::{EventFormat, FilterSpec};
use logward_harness::input::RecordReader;
use logward_harness::pipeline::{Pipeline, Record};
use logward_harness::wasm::GuestOutput;

use super::EXIT_SETUP;
use super::bench_report::{BenchReport, FilterStats, print_json, print_table};
use super::pipeline_args::{PipelineArgs, split_plugin};
use super::replay::{DEFAULT_TAG, InputArgs};

/// `logward bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,

    #[command(flatten)]
    pub input: InputArgs,

    /// Run the whole input this many times (after loading it into memory once).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeat: u32,

    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,

    /// Passthrough module to compare with, FILE[:FUNCTION] (default: the `echo` probe from
    /// `make probes`, when it is built).
    #[arg(long, value_name = "FILE[:FUNCTION]")]
    pub baseline: Option<String>,

    /// Do not run a baseline.
    #[arg(long)]
    pub no_baseline: bool,

    /// Also print each filter's N most expensive functions by fuel (self and with callees,
    /// per record): an exact instruction-count profile of the guest.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "25")]
    pub profile: Option<usize>,
}

/// Where `make probes` puts the echo probe, relative to the workspace's target directory.
const ECHO_PROBE: &str = "probes/wasm32-wasip1/release/logward_probes.wasm";

fn default_baseline() -> Option<PathBuf> {
    // The binary lives in <target>/release/logward.
    let exe = std::env::current_exe().ok()?;
    let target = exe.parent()?.parent()?;
    let probe = target.join(ECHO_PROBE);
    probe.exists().then_some(probe)
}

/// One timed run of `specs` over `records`; returns per-filter and chain stats.
fn timed_run(
    specs: &[FilterSpec],
    records: &[(Record, usize)],
    repeat: u32,
) -> Result<(Vec<FilterStats>, FilterStats), String> {
    let mut pipeline =
        Pipeline::start(specs, &GuestOutput::capturing()).map_err(|e| e.to_string())?;
    let mut stats: Vec<FilterStats> = specs.iter().map(|s| FilterStats::new(&s.name)).collect();
    for (s, f) in stats.iter_mut().zip(pipeline.filters()) {
        s.init_fuel = f.init_usage().fuel;
    }
    let mut chain = FilterStats::new("pipeline");
    let warmup_at = (records.len() / 10).max(1);
    for round in 0..repeat {
        for (i, (record, line_bytes)) in records.iter().enumerate() {
            let started = Instant::now();
            let trip = pipeline.run(record.clone());
            chain.wall += started.elapsed();
            chain.calls += 1;
            chain.bytes_in += *line_bytes as u64;
            let mut record_fuel = 0u64;
            for step in &trip.steps {
                let s = &mut stats[step.filter];
                s.calls += 1;
                s.wall += step.elapsed;
                s.bytes_in += step.result.record_bytes as u64;
                s.add_fuel(step.result.usage.fuel);
                s.count_outcome(&step.result.outcome);
                record_fuel += step.result.usage.fuel;
            }
            chain.add_fuel(record_fuel);
            chain.count_fate(&trip.fate);
            if round == 0 && i + 1 == warmup_at {
                for (s, f) in stats.iter_mut().zip(pipeline.filters()) {
                    s.memory_after_warmup = f.memory_size();
                }
            }
            for (s, f) in stats.iter_mut().zip(pipeline.filters()) {
                s.peak_memory = s.peak_memory.max(f.memory_size());
            }
        }
    }
    for (s, f) in stats.iter_mut().zip(pipeline.filters()) {
        s.memory_end = f.memory_size();
    }
    chain.peak_memory = stats.iter().map(|s| s.peak_memory).sum();
    chain.memory_after_warmup = stats.iter().map(|s| s.memory_after_warmup).sum();
    chain.memory_end = stats.iter().map(|s| s.memory_end).sum();
    Ok((stats, chain))
}

/// Modelled WAMR stack use of one filter, in bytes.
#[derive(Debug, Clone, Copy)]
struct StackUse {
    peak: u32,
    need: u32,
    init_need: u32,
}

/// Modelled WAMR stack per filter (`None` where the model is unavailable): the peak in use and
/// the smallest `Wasm_Stack_Size` that works, over `_initialize` and every record.
fn stack_run(
    specs: &[FilterSpec],
    records: &[(Record, usize)],
) -> Result<Vec<Option<StackUse>>, String> {
    let specs: Vec<FilterSpec> = specs
        .iter()
        .map(|s| FilterSpec {
            stack_model: true,
            stack_size: 1 << 30,
            ..s.clone()
        })
        .collect();
    let mut pipeline =
        Pipeline::start(&specs, &GuestOutput::capturing()).map_err(|e| e.to_string())?;
    let mut uses: Vec<StackUse> = pipeline
        .filters()
        .iter()
        .map(|f| StackUse { peak: 0, need: 0, init_need: f.init_usage().need_stack })
        .collect();
    for (record, _) in records {
        let trip = pipeline.run(record.clone());
        for step in &trip.steps {
            let u = &mut uses[step.filter];
            u.peak = u.peak.max(step.result.usage.peak_stack);
            u.need = u.need.max(step.result.usage.need_stack);
        }
    }
    Ok(pipeline
        .filters()
        .iter()
        .zip(uses)
        .map(|(f, u)| f.has_stack_model().then_some(u))
        .collect())
}

/// Runs the command; returns the process exit status.
pub fn run(args: &BenchArgs) -> Result<i32> {
    let resolved = match args.pipeline.resolve(args.input.tag.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("logward bench: {e:#}");
            return Ok(EXIT_SETUP);
        }
    };
    for note in &resolved.notes {
        eprintln!("logward: note: {note}");
    }
    let tag = args
        .input
        .tag
        .clone()
        .or(resolved.config_tag.clone())
        .unwrap_or_else(|| DEFAULT_TAG.to_string());
    let mut records = Vec::new();
    for item in RecordReader::new(args.input.options(tag)) {
        match item {
            Ok(r) => records.push((r.record, r.line_bytes)),
            Err(e) => {
                eprintln!("logward bench: {e:#}");
                return Ok(EXIT_SETUP);
            }
        }
    }
    if records.is_empty() {
        eprintln!("logward bench: the input has no records");
        return Ok(EXIT_SETUP);
    }
    let repeat = args.repeat.max(1);
    let plain: Vec<FilterSpec> = resolved
        .specs
        .iter()
        .map(|s| FilterSpec {
            stack_model: false,
            ..s.clone()
        })
        .collect();
    let (mut filters, chain) = match timed_run(&plain, &records, repeat) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("logward bench: the pipeline cannot start:\n{e}");
            return Ok(EXIT_SETUP);
        }
    };
    if !args.pipeline.no_stack_model {
        match stack_run(&resolved.specs, &records) {
            Ok(uses) => {
                for (s, u) in filters.iter_mut().zip(uses) {
                    s.peak_stack = u.map(|u| u.peak);
                    s.need_stack = u.map(|u| u.need.max(u.init_need));
                    s.init_need_stack = u.map(|u| u.init_need);
                }
            }
            Err(e) => eprintln!("logward bench: stack pass failed: {e}"),
        }
    }
    let baseline = if args.no_baseline {
        None
    } else {
        let chosen =
            args.baseline.as_deref().map(split_plugin).or_else(|| {
                default_baseline().map(|p| (p.display().to_string(), "echo".to_string()))
            });
        match chosen {
            Some((file, function)) => {
                let mut spec = FilterSpec::new(file, function);
                spec.name = "baseline".into();
                spec.stack_model = false;
                spec.event_format = plain.first().map_or(EventFormat::Json, |s| s.event_format);
                spec.working_dir = args.pipeline.working_dir()?;
                match timed_run(&[spec], &records, repeat) {
                    Ok((mut s, _)) => s.pop(),
                    Err(e) => {
                        eprintln!("logward bench: baseline skipped: {e}");
                        None
                    }
                }
            }
            None => {
                eprintln!(
                    "logward bench: no baseline (run `make probes`, or pass --baseline FILE:FN)"
                );
                None
            }
        }
    };
    let report = BenchReport {
        records: records.len(),
        repeat,
        filters,
        chain,
        baseline,
    };
    if args.json {
        print_json(&report);
    } else {
        print_table(&report);
    }
    if let Some(top) = args.profile {
        if let Err(e) = profile_run(&resolved.specs, &records, top, args.json) {
            eprintln!("logward bench: profile pass failed: {e}");
            return Ok(EXIT_SETUP);
        }
    }
    Ok(0)
}

/// Runs every record once with each filter instrumented and prints its top functions.
fn profile_run(specs: &[FilterSpec], records: &[(Record, usize)], top: usize, json: bool) -> Result<(), String> {
    let specs: Vec<FilterSpec> = specs.iter().map(|s| FilterSpec { profile: true, stack_model: false, ..s.clone() }).collect();
    let mut pipeline = Pipeline::start(&specs, &GuestOutput::capturing()).map_err(|e| e.to_string())?;
    for (record, _) in records {
        pipeline.run(record.clone());
    }
    let n = records.len().max(1) as f64;
    let mut out = Vec::new();
    for (spec, filter) in specs.iter().zip(pipeline.filters()) {
        let bytes = std::fs::read(&spec.wasm_path).map_err(|e| e.to_string())?;
        let names = logward_harness::wasm::profile::function_names(&bytes);
        let Some(profile) = filter.profile() else { continue };
        let rows = profile.top(&names, top);
        if json {
            out.push(serde_json::json!({
                "filter": spec.name,
                "functions": rows.iter().map(|(name, f)| serde_json::json!({
                    "function": name,
                    "self_fuel_per_record": f.self_fuel as f64 / n,
                    "inclusive_fuel_per_record": f.inclusive as f64 / n,
                    "calls_per_record": f.calls as f64 / n,
                })).collect::<Vec<_>>(),
            }));
            continue;
        }
        println!("\nprofile of {} ({}), per record:", spec.name, spec.wasm_path.display());
        println!("{:>10} {:>10} {:>8}  function", "self", "with calls", "calls");
        for (name, f) in rows {
            let name: String = name.chars().take(100).collect();
            println!(
                "{:>10.0} {:>10.0} {:>8.1}  {name}",
                f.self_fuel as f64 / n,
                f.inclusive as f64 / n,
                f.calls as f64 / n
            );
        }
    }
    if json {
        println!("{}", serde_json::json!({ "profile": out }));
    }
    Ok(())
}
