//! Replay counters and the closing summary.

use std::collections::BTreeMap;
use std::time::Duration;

use logward_harness::pipeline::Fate;

/// What happened to the records of one replay.
#[derive(Debug, Default)]
pub struct ReplaySummary {
    /// Records read.
    pub records_in: u64,
    /// Records written.
    pub records_out: u64,
    /// Drops by (filter, reason).
    pub dropped: BTreeMap<(String, &'static str), u64>,
    /// Corruptions by (filter, reason).
    pub corrupted: BTreeMap<(String, &'static str), u64>,
    /// Drops that were call failures (traps and the like).
    pub errors: u64,
    /// Records whose --time-key field was missing or unparseable.
    pub time_key_missed: u64,
}

impl ReplaySummary {
    /// Counts one record's fate; `names` maps filter indexes to instance names.
    pub fn count(&mut self, fate: &Fate, names: &[String]) {
        let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
        match fate {
            Fate::Kept(_) => self.records_out += 1,
            Fate::Dropped { filter, reason } => {
                if reason.is_error() {
                    self.errors += 1;
                }
                *self
                    .dropped
                    .entry((name(*filter), reason.key()))
                    .or_default() += 1;
            }
            Fate::Corrupted { filter, reason } => {
                let who = filter.map(name).unwrap_or_else(|| "input".into());
                *self.corrupted.entry((who, reason.key())).or_default() += 1;
            }
        }
    }

    /// Total drops.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.values().sum()
    }

    /// Total corruptions.
    pub fn corrupted_total(&self) -> u64 {
        self.corrupted.values().sum()
    }

    /// The summary block for stderr.
    pub fn render(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.records_in as f64 / secs
        } else {
            0.0
        };
        let mut out = format!(
            "logward replay: {} in, {} out, {} dropped, {} corrupted, {} errors in {:.3} s ({:.0} records/s)",
            self.records_in,
            self.records_out,
            self.dropped_total(),
            self.corrupted_total(),
            self.errors,
            secs,
            rate
        );
        for ((filter, reason), n) in &self.dropped {
            out.push_str(&format!("\n  dropped   {n:>8}  {filter}: {reason}"));
        }
        for ((filter, reason), n) in &self.corrupted {
            out.push_str(&format!("\n  corrupted {n:>8}  {filter}: {reason} (Fluent Bit would also lose the rest of the chunk)"));
        }
        if self.time_key_missed > 0 {
            out.push_str(&format!(
                "\n  {} record(s) had no usable --time-key field and kept the default time",
                self.time_key_missed
            ));
        }
        out
    }
}
