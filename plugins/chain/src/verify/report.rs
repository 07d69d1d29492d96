//! What `logward verify` found, and how it is shown: one line per finding for people, one JSON
//! document for machines.

use std::fmt::Write as _;

use serde::Serialize;

/// How bad a finding is. Tampering fails verification; warnings fail only with `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Tamper,
    Warning,
    Info,
}

/// Every kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A record's content or chain field does not match its MAC.
    Modified,
    /// Records missing from the middle (or the start) of a stream.
    Deleted,
    /// The same record (same MAC) appears twice: a replay or duplicate insert.
    Duplicate,
    /// A record appears before its predecessor in the same file.
    Reordered,
    /// Two records claim the same predecessor without a restart mark.
    Forked,
    /// Chain members contradict each other (seq vs prev, restart vs seq).
    Inconsistent,
    /// Checkpoints prove records after the end of the logs.
    Truncated,
    /// A checkpointed record is in the logs with a different MAC.
    CheckpointMismatch,
    /// A record without a chain field.
    Unchained,
    /// A line that is not a record in a format `logward verify` reads.
    Unparseable,
    /// A chain field with unknown, missing or mistyped members.
    MalformedChain,
    /// A record made with a key that was not given (`--key`).
    UnknownKey,
    /// A plain SHA-256 record where keyed (HMAC) records were expected.
    Unkeyed,
    /// A record's epoch is lower than its predecessor's.
    EpochRegression,
    /// An epoch too large to derive a key for.
    EpochOutOfRange,
    /// Records lost just before a restart (Fluent Bit killed with records buffered).
    CrashLoss,
    /// A record whose content the chain does not cover (the plugin could not read it).
    Uncovered,
    /// The plugin restarted; records the previous run wrote after its last persisted seq
    /// are superseded by the restarted chain.
    CrashWindow,
    /// A stream restarted at seq 1 after being evicted from the plugin's stream table.
    Evicted,
    /// A stream starts after seq 1 and `--partial` was given.
    PartialHead,
    /// Checkpoints name a stream that is not in the input (`--partial`).
    AbsentStream,
}

impl Kind {
    pub fn severity(self) -> Severity {
        match self {
            Kind::CrashLoss | Kind::Uncovered => Severity::Warning,
            Kind::CrashWindow | Kind::Evicted | Kind::PartialHead | Kind::AbsentStream => Severity::Info,
            _ => Severity::Tamper,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Modified => "modified",
            Kind::Deleted => "deleted",
            Kind::Duplicate => "duplicate",
            Kind::Reordered => "reordered",
            Kind::Forked => "forked",
            Kind::Inconsistent => "inconsistent",
            Kind::Truncated => "truncated",
            Kind::CheckpointMismatch => "checkpoint-mismatch",
            Kind::Unchained => "unchained",
            Kind::Unparseable => "unparseable",
            Kind::MalformedChain => "malformed-chain",
            Kind::UnknownKey => "unknown-key",
            Kind::Unkeyed => "unkeyed",
            Kind::EpochRegression => "epoch-regression",
            Kind::EpochOutOfRange => "epoch-out-of-range",
            Kind::CrashLoss => "crash-loss",
            Kind::Uncovered => "uncovered",
            Kind::CrashWindow => "crash-window",
            Kind::Evicted => "evicted",
            Kind::PartialHead => "partial-head",
            Kind::AbsentStream => "absent-stream",
        }
    }
}

/// Where in the input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// First and last seq concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<(u64, u64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Location>,
    pub message: String,
}

impl Finding {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Finding { kind, severity: kind.severity(), stream: None, seq: None, at: None, message: message.into() }
    }
    pub fn stream(mut self, s: &str) -> Self {
        self.stream = Some(s.to_string());
        self
    }
    pub fn seq(mut self, from: u64, to: u64) -> Self {
        self.seq = Some((from, to));
        self
    }
    pub fn at(mut self, at: Option<Location>) -> Self {
        self.at = at;
        self
    }
}

/// One stream's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamSummary {
    pub stream: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Records whose MAC verified.
    pub records: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub epochs: (u64, u64),
    pub restarts: u64,
    pub tampered: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Record lines read (chained or not).
    pub records: u64,
    pub files: u64,
    pub checkpoints: u64,
    pub streams: Vec<StreamSummary>,
    pub findings: Vec<Finding>,
    /// Records whose output-added fields (`date`, `@timestamp`...) were left out of the check.
    pub output_fields_ignored: u64,
}

impl Report {
    pub fn tampered(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Tamper)
    }

    pub fn warnings(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Warning)
    }

    /// 0 intact, 1 tampered (or, when `strict`, warnings).
    pub fn exit_code(&self, strict: bool) -> i32 {
        if self.tampered() || (strict && self.warnings()) { 1 } else { 0 }
    }

    pub fn status(&self, strict: bool) -> &'static str {
        if self.exit_code(strict) == 0 { "intact" } else { "tampered" }
    }

    /// Findings in a stable order: severity, stream, seq, place.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.severity, &a.stream, a.seq, &a.at, a.kind).cmp(&(b.severity, &b.stream, b.seq, &b.at, b.kind))
        });
        self.streams.sort_by(|a, b| (&a.stream, &a.kid).cmp(&(&b.stream, &b.kid)));
    }

    pub fn to_json(&self, strict: bool) -> String {
        #[derive(Serialize)]
        struct Doc<'a> {
            status: &'a str,
            #[serde(flatten)]
            report: &'a Report,
        }
        serde_json::to_string_pretty(&Doc { status: self.status(strict), report: self }).unwrap_or_default()
    }

    pub fn to_human(&self, strict: bool) -> String {
        let mut out = String::new();
        let tamper = self.findings.iter().filter(|f| f.severity == Severity::Tamper).count();
        let warn = self.findings.iter().filter(|f| f.severity == Severity::Warning).count();
        let _ = writeln!(
            out,
            "{}: {} records in {} streams, {} file(s), {} checkpoint(s); {} tampering finding(s), {} warning(s)",
            self.status(strict).to_uppercase(),
            self.records,
            self.streams.len(),
            self.files,
            self.checkpoints,
            tamper,
            warn
        );
        for f in &self.findings {
            let sev = match f.severity {
                Severity::Tamper => "TAMPER ",
                Severity::Warning => "warning",
                Severity::Info => "info   ",
            };
            let _ = write!(out, "  {sev} {:<19}", f.kind.name());
            if let Some(s) = &f.stream {
                let _ = write!(out, " stream {s:?}");
            }
            match f.seq {
                Some((a, b)) if a == b => {
                    let _ = write!(out, " seq {a}");
                }
                Some((a, b)) => {
                    let _ = write!(out, " seq {a}..{b}");
                }
                None => {}
            }
            if let Some(at) = &f.at {
                let _ = write!(out, " at {}:{}", at.file, at.line);
            }
            let _ = writeln!(out, ": {}", f.message);
        }
        if self.checkpoints == 0 && self.records > 0 {
            let _ = writeln!(out, "  note: no checkpoints given (--checkpoints): a truncated tail cannot be detected");
        }
        if self.output_fields_ignored > 0 {
            let _ = writeln!(
                out,
                "  note: {} record(s) carry fields added by the output (date, @timestamp...) that the chain does not cover",
                self.output_fields_ignored
            );
        }
        for s in &self.streams {
            let _ = writeln!(
                out,
                "  stream {:?}{}: seq {}..{}, {} verified record(s), epochs {}..{}, {} restart(s){}",
                s.stream,
                s.kid.as_ref().map(|k| format!(" (key {k})")).unwrap_or_default(),
                s.first_seq,
                s.last_seq,
                s.records,
                s.epochs.0,
                s.epochs.1,
                s.restarts,
                if s.tampered { " — TAMPERED" } else { "" }
            );
        }
        out
    }
}
