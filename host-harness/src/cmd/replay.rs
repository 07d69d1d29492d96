//! `logward replay`: run log lines through the wasm filters as Fluent Bit 5.1.1 would, write
//! the surviving records, and summarize what was dropped or corrupted and why.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use logward_harness::input::reader::ReadRecord;
use logward_harness::input::{InputFormat, InputOptions, RecordReader, TimeSource};
use logward_harness::output::{OutputFormat, format_record};
use logward_harness::pipeline::{Fate, Pipeline};
use logward_harness::wasm::GuestOutput;

use super::messages::MessagePrinter;
use super::pipeline_args::PipelineArgs;
use super::summary::ReplaySummary;
use super::{EXIT_FINDINGS, EXIT_SETUP};

/// Tag for records whose line carries none, when neither --tag nor the config gives one.
pub const DEFAULT_TAG: &str = "app.logs";

/// `--input-format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InputFormatArg {
    /// Detect each line: out_file, json_lines, Docker, Kubernetes audit, JSON, else raw text.
    Auto,
    /// Every line must be a JSON object.
    Json,
    /// Every line is Fluent Bit out_file output (TAG: [time, {record}]).
    OutFile,
    /// Every line becomes {"log": "<line>"}.
    Raw,
}

impl From<InputFormatArg> for InputFormat {
    fn from(a: InputFormatArg) -> Self {
        match a {
            InputFormatArg::Auto => InputFormat::Auto,
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::OutFile => InputFormat::OutFile,
            InputFormatArg::Raw => InputFormat::Raw,
        }
    }
}

/// `--output-format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormatArg {
    /// The record body only, one JSON object per line.
    Record,
    /// Fluent Bit out_file: TAG: [SEC.NSEC, {record}]
    OutFile,
    /// Fluent Bit json_lines with a "date" key first.
    JsonLines,
}

/// Options for reading records, shared with `bench`.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Input file; `-` reads stdin. Repeatable: files are read in order.
    #[arg(short = 'i', long = "input", value_name = "FILE", required = true)]
    pub inputs: Vec<PathBuf>,

    /// How to read lines.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: InputFormatArg,

    /// Tag for records whose line carries none (default: the config input's Tag, else app.logs).
    #[arg(long)]
    pub tag: Option<String>,

    /// Take each record's time from this field (RFC 3339 or epoch seconds), e.g. time,
    /// requestReceivedTimestamp, stageTimestamp.
    #[arg(long, value_name = "FIELD")]
    pub time_key: Option<String>,

    /// Give records without a time the wall-clock time (default: 1700000000 + record index,
    /// so replays are reproducible).
    #[arg(long)]
    pub real_time: bool,
}

impl InputArgs {
    /// Reader options, with the tag decided.
    pub fn options(&self, tag: String) -> InputOptions {
        InputOptions {
            paths: self.inputs.clone(),
            format: self.input_format.into(),
            tag,
            time_key: self.time_key.clone(),
            time_source: if self.real_time {
                TimeSource::Now
            } else {
                TimeSource::default()
            },
        }
    }

    /// Total size of the input files (0 for stdin).
    pub fn total_bytes(&self) -> u64 {
        self.inputs
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// `logward replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,

    #[command(flatten)]
    pub input: InputArgs,

    /// Write records here instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// How to write records.
    #[arg(long, value_enum, default_value = "record")]
    pub output_format: OutputFormatArg,

    /// Exit with status 1 if any record was dropped, trapped or corrupted.
    #[arg(long)]
    pub fail_on_drop: bool,

    /// Also show Fluent Bit's debug-level lines (e.g. "WASM function returned empty string").
    #[arg(long)]
    pub debug: bool,

    /// Show at most this many per-record log lines (the rest are counted).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_messages: usize,

    /// Keep the guests' stdout/stderr to yourself (not shown) instead of copying it to stderr.
    #[arg(long)]
    pub quiet_guests: bool,
}

fn progress_bar(total_bytes: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || total_bytes < 8 * 1024 * 1024 {
        return None;
    }
    let bar = ProgressBar::new(total_bytes);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

fn eprint_lines(bar: Option<&ProgressBar>, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let print = || {
        for line in lines {
            eprintln!("{line}");
        }
    };
    match bar {
        Some(b) => b.suspend(print),
        None => print(),
    }
}

/// Runs the command; returns the process exit status.
pub fn run(args: &ReplayArgs) -> Result<i32> {
    let resolved = match args.pipeline.resolve(args.input.tag.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("logward replay: {e:#}");
            return Ok(EXIT_SETUP);
        }
    };
    for note in &resolved.notes {
        eprintln!("logward: note: {note}");
    }
    let guest_output = if args.quiet_guests {
        GuestOutput::capturing()
    } else {
        GuestOutput::forwarding()
    };
    let mut pipeline = match Pipeline::start(&resolved.specs, &guest_output) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "logward replay: the pipeline cannot start (Fluent Bit would refuse to start):\n{e}"
            );
            return Ok(EXIT_SETUP);
        }
    };
    let names: Vec<String> = pipeline
        .filters()
        .iter()
        .map(|f| f.spec().name.clone())
        .collect();
    for filter in pipeline.filters() {
        for note in filter.setup_notes() {
            eprintln!("{note}");
        }
    }
    let tag = args
        .input
        .tag
        .clone()
        .or(resolved.config_tag.clone())
        .unwrap_or_else(|| DEFAULT_TAG.to_string());
    let reader = RecordReader::new(args.input.options(tag));

    let mut sink: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(BufWriter::new(File::create(path).with_context(|| {
                format!("cannot create output file {}", path.display())
            })?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let bar = progress_bar(args.input.total_bytes());
    let mut printer = MessagePrinter::new(args.max_messages, args.debug);
    let mut summary = ReplaySummary::default();
    let output_format = match args.output_format {
        OutputFormatArg::Record => OutputFormat::Record,
        OutputFormatArg::OutFile => OutputFormat::OutFile,
        OutputFormatArg::JsonLines => OutputFormat::JsonLines,
    };
    let started = Instant::now();
    for item in reader {
        let ReadRecord {
            record,
            origin,
            line_bytes,
            time_key_missed,
            ..
        } = match item {
            Ok(r) => r,
            Err(e) => {
                if let Some(b) = &bar {
                    b.abandon();
                }
                eprintln!("logward replay: {e:#}");
                return Ok(EXIT_SETUP);
            }
        };
        summary.records_in += 1;
        summary.time_key_missed += u64::from(time_key_missed);
        let trip = pipeline.run(record);
        let mut lines = printer.render(&origin, &trip.diagnostics);
        if let Fate::Corrupted {
            filter: None,
            reason,
        } = &trip.fate
        {
            lines.push(format!(
                "{origin}: logward: the input record cannot travel through Fluent Bit: {}",
                reason.explain()
            ));
        }
        eprint_lines(bar.as_ref(), &lines);
        summary.count(&trip.fate, &names);
        if let Fate::Kept(out) = &trip.fate {
            sink.write_all(&format_record(out, output_format))
                .context("writing output")?;
        }
        if let Some(b) = &bar {
            b.inc(line_bytes as u64);
        }
    }
    sink.flush().context("writing output")?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if printer.suppressed() > 0 {
        eprintln!(
            "logward: {} more log line(s) not shown (raise --max-messages)",
            printer.suppressed()
        );
    }
    eprintln!("{}", summary.render(started.elapsed()));
    let problems = summary.dropped_total() + summary.corrupted_total();
    if args.fail_on_drop && problems > 0 {
        eprintln!("logward replay: --fail-on-drop: {problems} record(s) did not make it through");
        return Ok(EXIT_FINDINGS);
    }
    Ok(0)
}
