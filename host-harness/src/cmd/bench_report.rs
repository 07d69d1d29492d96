//! `bench` numbers: accumulation and presentation (table or JSON).

use std::time::Duration;

use serde_json::json;

use logward_harness::filter::Outcome;
use logward_harness::pipeline::Fate;
use logward_harness::wasm::instance::DEFAULT_STACK_SIZE;

/// Numbers for one filter, the whole pipeline, or the baseline.
#[derive(Debug, Clone)]
pub struct FilterStats {
    /// Instance name.
    pub name: String,
    /// Records handled.
    pub calls: u64,
    /// Wall time spent in calls.
    pub wall: Duration,
    /// Bytes handed to the guest (pipeline: input line bytes).
    pub bytes_in: u64,
    fuel_sum: u128,
    fuel_min: u64,
    fuel_max: u64,
    /// Records kept / dropped / corrupted.
    pub kept: u64,
    /// See `kept`.
    pub dropped: u64,
    /// See `kept`.
    pub corrupted: u64,
    /// Largest linear memory seen, bytes.
    pub peak_memory: usize,
    /// Linear memory after the first 10% of records.
    pub memory_after_warmup: usize,
    /// Linear memory at the end.
    pub memory_end: usize,
    /// Peak modelled WAMR stack, bytes (`None`: model unavailable or not run).
    pub peak_stack: Option<u32>,
    /// Smallest Wasm_Stack_Size (bytes) under which `_initialize` and every record fit.
    pub need_stack: Option<u32>,
    /// The part of that `_initialize` needs on its own.
    pub init_need_stack: Option<u32>,
    /// Fuel `_initialize` used (start-up cost: config, rule compilation).
    pub init_fuel: u64,
}

impl FilterStats {
    /// Empty stats.
    pub fn new(name: &str) -> Self {
        FilterStats {
            name: name.to_string(),
            calls: 0,
            wall: Duration::ZERO,
            bytes_in: 0,
            fuel_sum: 0,
            fuel_min: u64::MAX,
            fuel_max: 0,
            kept: 0,
            dropped: 0,
            corrupted: 0,
            peak_memory: 0,
            memory_after_warmup: 0,
            memory_end: 0,
            peak_stack: None,
            need_stack: None,
            init_need_stack: None,
            init_fuel: 0,
        }
    }

    /// Adds one record's fuel.
    pub fn add_fuel(&mut self, fuel: u64) {
        self.fuel_sum += u128::from(fuel);
        self.fuel_min = self.fuel_min.min(fuel);
        self.fuel_max = self.fuel_max.max(fuel);
    }

    /// Counts a filter outcome.
    pub fn count_outcome(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Kept(_) => self.kept += 1,
            Outcome::Dropped(_) => self.dropped += 1,
            Outcome::Corrupted(_) => self.corrupted += 1,
        }
    }

    /// Counts a pipeline fate.
    pub fn count_fate(&mut self, fate: &Fate) {
        match fate {
            Fate::Kept(_) => self.kept += 1,
            Fate::Dropped { .. } => self.dropped += 1,
            Fate::Corrupted { .. } => self.corrupted += 1,
        }
    }

    fn records_per_sec(&self) -> f64 {
        let s = self.wall.as_secs_f64();
        if s > 0.0 { self.calls as f64 / s } else { 0.0 }
    }

    fn mb_per_sec(&self) -> f64 {
        let s = self.wall.as_secs_f64();
        if s > 0.0 {
            self.bytes_in as f64 / 1e6 / s
        } else {
            0.0
        }
    }

    fn fuel_mean(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.fuel_sum as f64 / self.calls as f64
        }
    }

    fn fuel_min(&self) -> u64 {
        if self.calls == 0 { 0 } else { self.fuel_min }
    }

    /// The smallest Wasm_Stack_Size that runs `_initialize` and every record (WAMR needs
    /// `used + 2 × frame` free for each call), never below Fluent Bit's floor (smaller values
    /// are ignored).
    fn min_stack_size(&self) -> Option<u32> {
        self.need_stack.map(|n| n.max(DEFAULT_STACK_SIZE))
    }

    fn growth(&self) -> i64 {
        self.memory_end as i64 - self.memory_after_warmup as i64
    }

    fn to_json(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "records": self.calls,
            "wall_seconds": self.wall.as_secs_f64(),
            "records_per_second": self.records_per_sec(),
            "input_mb_per_second": self.mb_per_sec(),
            "fuel_per_record": { "mean": self.fuel_mean(), "min": self.fuel_min(), "max": self.fuel_max },
            "kept": self.kept, "dropped": self.dropped, "corrupted": self.corrupted,
            "peak_linear_memory_bytes": self.peak_memory,
            "memory_after_warmup_bytes": self.memory_after_warmup,
            "memory_end_bytes": self.memory_end,
            "memory_growth_after_warmup_bytes": self.growth(),
            "peak_wamr_stack_bytes": self.peak_stack,
            "min_wasm_stack_size_bytes": self.min_stack_size(),
            "init_wasm_stack_need_bytes": self.init_need_stack,
            "init_fuel": self.init_fuel,
        })
    }
}

/// Everything `bench` measured.
pub struct BenchReport {
    /// Records in the input.
    pub records: usize,
    /// Passes over the input.
    pub repeat: u32,
    /// Per filter.
    pub filters: Vec<FilterStats>,
    /// The whole pipeline (every filter, plus the host's per-record work between them).
    pub chain: FilterStats,
    /// The passthrough baseline.
    pub baseline: Option<FilterStats>,
}

/// Prints the report as JSON on stdout.
pub fn print_json(report: &BenchReport) {
    let value = json!({
        "records": report.records,
        "repeat": report.repeat,
        "filters": report.filters.iter().map(FilterStats::to_json).collect::<Vec<_>>(),
        "pipeline": report.chain.to_json(),
        "baseline": report.baseline.as_ref().map(FilterStats::to_json),
        "notes": [
            "records/s is native wasmtime wall-clock time, not WAMR's; fuel (≈ wasm instructions) is deterministic",
            "fuel is measured without the stack instrumentation; peak stack with it",
            "Wasm_Stack_Size sizes are bytes (Fluent Bit reads 64K as 64000)"
        ],
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
}

fn kib(bytes: usize) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0)
}

/// Prints the report as a table on stdout.
pub fn print_table(report: &BenchReport) {
    println!("{} records x {} pass(es)", report.records, report.repeat);
    println!(
        "{:<12} {:>12} {:>9} {:>14} {:>22} {:>11} {:>11} {:>11} {:>20} {:>18}",
        "filter",
        "records/s",
        "MB/s",
        "fuel/rec mean",
        "fuel/rec min..max",
        "peak mem",
        "mem growth",
        "peak stack",
        "min Wasm_Stack_Size",
        "kept/drop/corrupt"
    );
    let row = |s: &FilterStats| {
        let stack = s.peak_stack.map_or("n/a".to_string(), |p| format!("{p} B"));
        let min_stack = s.min_stack_size().map_or("n/a".to_string(), |p| {
            format!("{p} ({}K)", p.div_ceil(1000))
        });
        println!(
            "{:<12} {:>12.0} {:>9.2} {:>14.0} {:>22} {:>11} {:>11} {:>11} {:>20} {:>18}",
            s.name,
            s.records_per_sec(),
            s.mb_per_sec(),
            s.fuel_mean(),
            format!("{}..{}", s.fuel_min(), s.fuel_max),
            kib(s.peak_memory),
            format!("{:+} B", s.growth()),
            stack,
            min_stack,
            format!("{}/{}/{}", s.kept, s.dropped, s.corrupted)
        );
    };
    for s in &report.filters {
        row(s);
    }
    // The whole pipeline only differs from its filter when there are several.
    if report.filters.len() > 1 {
        row(&report.chain);
    }
    if let Some(b) = &report.baseline {
        row(b);
    }
    println!(
        "records/s: native wasmtime wall clock (WAMR's interpreter is much slower); fuel ≈ wasm instructions, deterministic."
    );
    if report.filters.iter().any(|s| s.peak_stack.is_none()) {
        println!(
            "peak stack n/a: the WAMR stack model is unavailable (placeholder logward-wamr-model) or was disabled."
        );
    }
}
