//! `logward report`: what the logward stages did to a set of output records — masked values
//! by rule, compliance tags, alerts by level, chain heads — read back from Fluent Bit output
//! (plain JSON lines, out_file's `tag: [time, {...}]`, or json_lines).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::Value;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output files to read ("-" for stdin).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Where mask put its counts (mask.json `summary.key`).
    #[arg(long, default_value = "logward.mask", value_name = "PATH")]
    pub mask_key: String,

    /// Where comply put its tags (comply.json `output.key`).
    #[arg(long, default_value = "compliance", value_name = "KEY")]
    pub comply_key: String,

    /// Where alert put its alerts (alert.json `output.key`).
    #[arg(long, default_value = "alert", value_name = "KEY")]
    pub alert_key: String,

    /// The chain field (chain.json `field`).
    #[arg(long, default_value = "_chain", value_name = "KEY")]
    pub chain_key: String,

    /// How many tags and rules to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

#[derive(Default)]
struct Tally {
    records: u64,
    unreadable: u64,
    errors: u64,
    masked_records: u64,
    masked: BTreeMap<String, u64>,
    tagged_records: u64,
    tags: BTreeMap<String, u64>,
    frameworks: BTreeMap<String, u64>,
    risk: BTreeMap<String, u64>,
    max_retention: u64,
    alert_records: u64,
    alert_levels: BTreeMap<String, u64>,
    alerts: BTreeMap<String, u64>,
    /// stream -> (records, last seq, last mac, restarts)
    chains: BTreeMap<String, (u64, u64, String, u64)>,
}

/// The record body of one output line, whatever the output format.
fn record_of(line: &str) -> Option<Value> {
    let line = line.trim();
    if line.starts_with('{') {
        return serde_json::from_str(line).ok();
    }
    // out_file default format: `tag: [time, {record}]`
    let at = line.find(": [")?;
    match serde_json::from_str::<Value>(&line[at + 2..]).ok()? {
        Value::Array(mut items) if items.len() == 2 => items.pop(),
        _ => None,
    }
}

fn at_path<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |cur, k| cur.get(k))
}

impl Tally {
    fn add(&mut self, r: &Value, args: &ReportArgs) {
        self.records += 1;
        if r.get("logward_error").is_some() {
            self.errors += 1;
        }
        if let Some(Value::Object(counts)) = at_path(r, &args.mask_key) {
            let mut any = false;
            for (rule, n) in counts {
                if let Some(n) = n.as_u64() {
                    *self.masked.entry(rule.clone()).or_default() += n;
                    any |= n > 0;
                }
            }
            self.masked_records += u64::from(any);
        }
        if let Some(c) = r.get(&args.comply_key) {
            self.tagged_records += 1;
            for (field, map) in [("tags", &mut self.tags), ("frameworks", &mut self.frameworks)] {
                for t in c.get(field).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(t) = t.as_str() {
                        *map.entry(t.to_string()).or_default() += 1;
                    }
                }
            }
            if let Some(level) = c.get("risk_level").and_then(Value::as_str) {
                *self.risk.entry(level.to_string()).or_default() += 1;
            }
            if let Some(days) = c.get("retention_days").and_then(Value::as_u64) {
                self.max_retention = self.max_retention.max(days);
            }
        }
        if let Some(level) = r.get("alert_level").and_then(Value::as_str) {
            self.alert_records += 1;
            *self.alert_levels.entry(level.to_string()).or_default() += 1;
        }
        for a in r.get(&args.alert_key).and_then(Value::as_array).into_iter().flatten() {
            let id = a.get("id").and_then(Value::as_str).unwrap_or("?");
            let title = a.get("title").and_then(Value::as_str).unwrap_or("");
            let level = a.get("level").and_then(Value::as_str).unwrap_or("");
            *self.alerts.entry(format!("{level:>8}  {id}  {title}")).or_default() += 1;
        }
        if let Some(ch) = r.get(&args.chain_key) {
            let stream = ch.get("stream").and_then(Value::as_str).unwrap_or("?").to_string();
            let e = self.chains.entry(stream).or_insert((0, 0, String::new(), 0));
            e.0 += 1;
            if let Some(seq) = ch.get("seq").and_then(Value::as_u64) {
                if seq >= e.1 {
                    e.1 = seq;
                    e.2 = ch.get("mac").and_then(Value::as_str).unwrap_or("").chars().take(16).collect();
                }
            }
            e.3 += u64::from(ch.get("restart").is_some());
        }
    }
}

fn top(map: &BTreeMap<String, u64>, n: usize) -> Vec<(&String, &u64)> {
    let mut v: Vec<_> = map.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

fn print(t: &Tally, args: &ReportArgs) {
    println!("records            {}{}", t.records, if t.unreadable > 0 { format!(" (+{} unreadable lines)", t.unreadable) } else { String::new() });
    if t.errors > 0 {
        println!("with logward_error {}", t.errors);
    }
    let masked: u64 = t.masked.values().sum();
    println!("\nmask     {masked} values masked in {} records", t.masked_records);
    for (rule, n) in top(&t.masked, args.top) {
        println!("  {n:>6}  {rule}");
    }
    println!("\ncomply   {} records tagged; longest retention {} days", t.tagged_records, t.max_retention);
    let fw: Vec<String> = top(&t.frameworks, 20).iter().map(|(f, n)| format!("{f} {n}")).collect();
    println!("  frameworks: {}", fw.join(", "));
    let risk: Vec<String> = t.risk.iter().map(|(l, n)| format!("{l} {n}")).collect();
    println!("  risk: {}", risk.join(", "));
    for (tag, n) in top(&t.tags, args.top) {
        println!("  {n:>6}  {tag}");
    }
    let levels: Vec<String> = ["critical", "high", "medium", "low"]
        .iter()
        .filter_map(|l| t.alert_levels.get(*l).map(|n| format!("{l} {n}")))
        .collect();
    println!("\nalert    {} records alerted ({})", t.alert_records, levels.join(", "));
    for (alert, n) in top(&t.alerts, args.top) {
        println!("  {n:>6}  {alert}");
    }
    println!("\nchain    {} streams", t.chains.len());
    for (stream, (n, seq, mac, restarts)) in &t.chains {
        let r = if *restarts > 0 { format!(", {restarts} restart marks") } else { String::new() };
        println!("  {stream}: {n} records, head seq {seq} mac {mac}…{r}");
    }
}

pub fn run(args: &ReportArgs) -> Result<i32> {
    let mut tally = Tally::default();
    for file in &args.files {
        let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            let f = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
            Box::new(std::io::BufReader::new(f))
        };
        for line in reader.lines() {
            let line = line.with_context(|| format!("reading {}", file.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            match record_of(&line) {
                Some(r) => tally.add(&r, args),
                None => tally.unreadable += 1,
            }
        }
    }
    print(&tally, args);
    Ok(0)
}
