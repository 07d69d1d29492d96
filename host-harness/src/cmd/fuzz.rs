//! `logward fuzz`: generated and mutated inputs against the filters, in two ways — raw bytes
//! straight to each export, and valid records through the full emulation — stopping at the
//! first failure with a shrunk reproducer and the seed.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rmpv::Value;

use logward_harness::filter::{EventFormat, FilterSpec, WasmFilter};
use logward_harness::fluentbit::{FlbTime, msgpack_to_json};
use logward_harness::fuzz::Rng;
use logward_harness::fuzz::generate::{GenLimits, random_record};
use logward_harness::fuzz::minimize::{shrink_bytes, shrink_value};
use logward_harness::fuzz::mutate::mutate_line;
use logward_harness::fuzz::raw::{raw_json_input, raw_msgpack_input};
use logward_harness::input::{InputFormat, parse_line};
use logward_harness::pipeline::{Pipeline, Record};
use logward_harness::wasm::GuestOutput;

use super::fuzz_check::{Failure, Tally, check_raw, check_trip};
use super::pipeline_args::PipelineArgs;
use super::replay::DEFAULT_TAG;
use super::{EXIT_FINDINGS, EXIT_SETUP};

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FuzzMode {
    /// Alternate raw and host inputs.
    Both,
    /// Raw bytes straight to each export.
    Raw,
    /// Valid records through the full emulation.
    Host,
}

/// `logward fuzz`.
#[derive(Debug, Clone, Args)]
pub struct FuzzArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,

    /// Inputs to try.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub iterations: u64,

    /// Seed for the generator (default: from the clock; always printed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// File of seed lines (log lines) to mutate.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,

    /// Longest ordinary generated string or line, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4096)]
    pub max_len: usize,

    /// Accept drops the plugin asks for (NULL, "" or v2 0); by default any drop fails.
    #[arg(long)]
    pub allow_drop: bool,

    /// Which inputs to generate.
    #[arg(long, value_enum, default_value = "both")]
    pub mode: FuzzMode,

    /// Never generate the rare 5 MB strings.
    #[arg(long)]
    pub no_huge: bool,

    /// Tag of host-mode records.
    #[arg(long, default_value = DEFAULT_TAG)]
    pub tag: String,
}

enum Input {
    Host(Value),
    Raw { filter: usize, bytes: Vec<u8> },
}

fn time_for(i: u64) -> FlbTime {
    FlbTime::new(1_700_000_000 + i as i64, 0)
}

fn fresh_failure_host(
    specs: &[FilterSpec],
    tag: &str,
    body: &Value,
    allow_drop: bool,
) -> Option<Failure> {
    let mut pipeline = Pipeline::start(specs, &GuestOutput::capturing()).ok()?;
    let trip = pipeline.run(Record {
        tag: tag.to_string(),
        time: time_for(0),
        body: body.clone(),
    });
    check_trip(&trip, specs, body, allow_drop, &mut Tally::default())
}

fn fresh_failure_raw(spec: &FilterSpec, tag: &str, bytes: &[u8]) -> Option<Failure> {
    let mut filter = WasmFilter::new(spec, &GuestOutput::capturing()).ok()?;
    let nul = spec.event_format == EventFormat::Json;
    check_raw(
        &filter.process_raw(tag.as_bytes(), time_for(0), bytes, nul),
        spec,
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn report_failure(
    seed: u64,
    iteration: u64,
    failure: &Failure,
    input: &Input,
    specs: &[FilterSpec],
    args: &FuzzArgs,
) {
    eprintln!("logward fuzz: FAILURE at iteration {iteration} (seed {seed})");
    eprintln!("  {}", failure.description);
    match input {
        Input::Host(body) => {
            let small = shrink_value(body, |c| {
                fresh_failure_host(specs, &args.tag, c, args.allow_drop).as_ref() == Some(failure)
            });
            let reproduces =
                fresh_failure_host(specs, &args.tag, &small, args.allow_drop).is_some();
            let mut msgpack = Vec::new();
            let _ = rmpv::encode::write_value(&mut msgpack, &small);
            eprintln!(
                "  host-mode record (Fluent Bit JSON): {}",
                String::from_utf8_lossy(&msgpack_to_json(&small))
            );
            eprintln!("  as msgpack (hex): {}", hex(&msgpack));
            if !reproduces {
                eprintln!(
                    "  (does not fail in a fresh instance: the failure depends on earlier records; replay the seed)"
                );
            }
        }
        Input::Raw { filter, bytes } => {
            let spec = &specs[*filter];
            let small = shrink_bytes(bytes, |c| {
                fresh_failure_raw(spec, &args.tag, c).as_ref() == Some(failure)
            });
            let reproduces = fresh_failure_raw(spec, &args.tag, &small).is_some();
            eprintln!(
                "  raw input to {} ({} bytes): {:?}",
                spec.name,
                small.len(),
                String::from_utf8_lossy(&small)
            );
            eprintln!("  hex: {}", hex(&small));
            if !reproduces {
                eprintln!(
                    "  (does not fail in a fresh instance: the failure depends on earlier inputs; replay the seed)"
                );
            }
        }
    }
    eprintln!("  reproduce: {}", reproduce_command(seed, iteration + 1));
}

/// Runs the command; returns the process exit status.
pub fn run(args: &FuzzArgs) -> Result<i32> {
    let resolved = match args.pipeline.resolve(Some(&args.tag)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("logward fuzz: {e:#}");
            return Ok(EXIT_SETUP);
        }
    };
    let specs = resolved.specs;
    let corpus: Vec<Vec<u8>> = match &args.corpus {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read corpus {}", path.display()))?
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect(),
        None => Vec::new(),
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    eprintln!(
        "logward fuzz: seed {seed}, {} iterations, {} filter(s)",
        args.iterations,
        specs.len()
    );
    let guest_output = GuestOutput::capturing();
    let mut pipeline = match Pipeline::start(&specs, &guest_output) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("logward fuzz: the pipeline cannot start:\n{e}");
            return Ok(EXIT_SETUP);
        }
    };
    let limits = GenLimits {
        max_len: args.max_len,
        huge_strings: !args.no_huge,
        exotic: true,
    };
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    let (mut host_count, mut raw_count) = (0u64, 0u64);
    let started = Instant::now();
    for i in 0..args.iterations {
        let host = match args.mode {
            FuzzMode::Host => true,
            FuzzMode::Raw => false,
            FuzzMode::Both => i % 2 == 0,
        };
        let (input, failure) = if host {
            host_count += 1;
            let body = if !corpus.is_empty() && rng.one_in(2) {
                let pick = rng.index(corpus.len());
                let line = mutate_line(&mut rng, &corpus[pick], args.max_len);
                parse_line(&line, InputFormat::Auto, &args.tag, time_for(i))
                    .map(|(r, _)| r.body)
                    .unwrap_or(Value::Map(vec![]))
            } else {
                random_record(&mut rng, limits)
            };
            let trip = pipeline.run(Record {
                tag: args.tag.clone(),
                time: time_for(i),
                body: body.clone(),
            });
            let failure = check_trip(&trip, &specs, &body, args.allow_drop, &mut tally);
            (Input::Host(body), failure)
        } else {
            raw_count += 1;
            let index = rng.index(specs.len());
            let spec = &specs[index];
            let bytes = if !corpus.is_empty() && rng.one_in(2) {
                let pick = rng.index(corpus.len());
                mutate_line(&mut rng, &corpus[pick], args.max_len)
            } else if spec.event_format == EventFormat::Json {
                raw_json_input(&mut rng, limits)
            } else {
                raw_msgpack_input(&mut rng, limits)
            };
            let nul = spec.event_format == EventFormat::Json;
            let result = pipeline.filters_mut()[index].process_raw(
                args.tag.as_bytes(),
                time_for(i),
                &bytes,
                nul,
            );
            (
                Input::Raw {
                    filter: index,
                    bytes,
                },
                check_raw(&result, spec),
            )
        };
        if let Some(failure) = failure {
            report_failure(seed, i, &failure, &input, &specs, args);
            let output = guest_output.captured();
            if !output.trim().is_empty() {
                eprintln!("  guest output (last lines):\n{}", tail_lines(&output, 20));
            }
            return Ok(EXIT_FINDINGS);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "logward fuzz: {} inputs ({host_count} host, {raw_count} raw) in {secs:.2} s ({:.0} inputs/s): no failures",
        args.iterations,
        args.iterations as f64 / secs.max(1e-9)
    );
    if tally.intentional_drops > 0 {
        eprintln!(
            "  {} intentional drop(s) (allowed by --allow-drop)",
            tally.intentional_drops
        );
    }
    if tally.json_unrepresentable > 0 {
        eprintln!(
            "  {} record(s) with NaN/inf/ext/non-string keys could not round-trip Fluent Bit's JSON (Fluent Bit's limitation, counted, not failures)",
            tally.json_unrepresentable
        );
    }
    if tally.cut_at_nul > 0 {
        eprintln!(
            "  {} ABI v1 msgpack bodies cut at a 0x00 byte (counted, not failures)",
            tally.cut_at_nul
        );
    }
    Ok(0)
}

/// This command line with `--seed`/`--iterations` set to reproduce the failure.
fn reproduce_command(seed: u64, iterations: u64) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1).peekable();
    while let Some(arg) = args.next() {
        if arg == "--seed" || arg == "--iterations" {
            args.next();
            continue;
        }
        if arg.starts_with("--seed=") || arg.starts_with("--iterations=") {
            continue;
        }
        out.push(arg);
    }
    format!(
        "logward {} --seed {seed} --iterations {iterations}",
        out.join(" ")
    )
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
