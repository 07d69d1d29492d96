//! Measures the built-in rules against gitleaks' rule cases, natively (fast to iterate on; the
//! same measurement through the real mask.wasm is in tests/mask.rs).
//!
//!     cargo run --release -p logward-mask --example gitleaks_eval [-- --misses]
//!
//! Each case's `text` is fed twice: as the `log` value of a JSON record, and as a raw record
//! (a line that is not JSON). A true case counts as masked when none of its `secrets` survives
//! in the decoded output; a false case counts as altered when the output text differs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use logward_mask::Mask;
use logward_sdk::abi::{Input, Instance, Output};
use logward_sdk::{Abi, Timestamp};
use serde_json::Value;

fn eval_path() -> PathBuf {
    if let Ok(p) = std::env::var("GITLEAKS_CASES") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/secrets/gitleaks-cases.jsonl")
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.iter().filter(|(k, _)| *k != "logward").for_each(|(_, x)| strings(x, out)),
        _ => {}
    }
}

/// Runs `record`; returns the decoded output strings, and whether the text changed.
fn run(inst: &mut Instance<Mask>, record: &[u8], original: &str, json_mode: bool) -> (String, bool) {
    let out = inst.handle("kube.eval", Timestamp::default(), Input::Bytes { record, nul_follows: false }, Abi::V2);
    let body = match out {
        Output::Input => return (original.to_string(), false),
        Output::Buffer => inst.output_body().to_vec(),
        Output::Drop => panic!("dropped"),
    };
    let v: Value = serde_json::from_slice(&body).expect("mask output is JSON");
    let mut all = Vec::new();
    strings(&v, &mut all);
    let text = all.join("\u{1}");
    let altered = if json_mode {
        v.get("log").and_then(Value::as_str) != Some(original)
    } else {
        match serde_json::from_str::<Value>(original) {
            Ok(mut orig) if orig.is_object() => {
                let mut v = v.clone();
                if let Some(o) = v.as_object_mut() {
                    o.remove("logward");
                }
                if let Some(o) = orig.as_object_mut() {
                    o.remove("logward");
                }
                v != orig
            }
            _ => v.get("log").and_then(Value::as_str) != Some(original.trim_end_matches('\0')),
        }
    };
    (text, altered)
}

#[derive(Default)]
struct Tally {
    true_cases: usize,
    masked_json: usize,
    masked_raw: usize,
    false_cases: usize,
    altered_json: usize,
    altered_raw: usize,
}

fn main() {
    let show_misses = std::env::args().any(|a| a == "--misses");
    let path = eval_path();
    let Ok(data) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} not found (set GITLEAKS_CASES)", path.display());
        return;
    };
    let mut inst = Instance::<Mask>::new();
    inst.initialize_with(None).expect("default config");
    let mut per_rule: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut misses = Vec::new();
    let mut alterations = Vec::new();
    for line in data.lines() {
        let case: Value = serde_json::from_str(line).expect("case");
        let rule = case["rule_id"].as_str().unwrap_or("?").to_string();
        let text = case["text"].as_str().unwrap_or_default();
        let expect = case["expect"].as_bool().unwrap_or(false);
        let secrets: Vec<&str> = case["secrets"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let record = serde_json::json!({ "log": text }).to_string();
        let (json_out, json_altered) = run(&mut inst, record.as_bytes(), text, true);
        let (raw_out, raw_altered) = run(&mut inst, text.as_bytes(), text, false);
        let t = per_rule.entry(rule.clone()).or_default();
        if expect {
            let ok_json = secrets.iter().all(|s| !json_out.contains(s));
            let ok_raw = secrets.iter().all(|s| !raw_out.contains(s));
            t.true_cases += 1;
            total.true_cases += 1;
            t.masked_json += usize::from(ok_json);
            t.masked_raw += usize::from(ok_raw);
            total.masked_json += usize::from(ok_json);
            total.masked_raw += usize::from(ok_raw);
            if !ok_json || !ok_raw {
                misses.push(format!("{rule} json={ok_json} raw={ok_raw}: {:?}", text.chars().take(160).collect::<String>()));
            }
        } else {
            t.false_cases += 1;
            total.false_cases += 1;
            t.altered_json += usize::from(json_altered);
            t.altered_raw += usize::from(raw_altered);
            total.altered_json += usize::from(json_altered);
            total.altered_raw += usize::from(raw_altered);
            if json_altered || raw_altered {
                let fired = case["any_rule_fires"].as_bool().unwrap_or(false);
                alterations.push(format!("{rule} (gitleaks fires: {fired}) json={json_altered} raw={raw_altered}: {:?} -> {:?}", text.chars().take(120).collect::<String>(), json_out.chars().take(160).collect::<String>()));
            }
        }
    }
    println!("{:<48} {:>5} {:>8} {:>8} {:>5} {:>7} {:>7}", "rule", "true", "json%", "raw%", "false", "alt.js", "alt.raw");
    for (rule, t) in &per_rule {
        let pct = |n: usize, d: usize| if d == 0 { "-".to_string() } else { format!("{:.1}", 100.0 * n as f64 / d as f64) };
        if t.masked_json < t.true_cases || t.masked_raw < t.true_cases || t.altered_json > 0 || t.altered_raw > 0 {
            println!("{:<48} {:>5} {:>8} {:>8} {:>5} {:>7} {:>7}", rule, t.true_cases, pct(t.masked_json, t.true_cases), pct(t.masked_raw, t.true_cases), t.false_cases, t.altered_json, t.altered_raw);
        }
    }
    println!(
        "TOTAL true {} masked json {} ({:.2}%) raw {} ({:.2}%) | false {} altered json {} ({:.2}%) raw {} ({:.2}%)",
        total.true_cases,
        total.masked_json,
        100.0 * total.masked_json as f64 / total.true_cases as f64,
        total.masked_raw,
        100.0 * total.masked_raw as f64 / total.true_cases as f64,
        total.false_cases,
        total.altered_json,
        100.0 * total.altered_json as f64 / total.false_cases as f64,
        total.altered_raw,
        100.0 * total.altered_raw as f64 / total.false_cases as f64,
    );
    println!("(rules listed only when they miss or alter; all others: 100% masked, 0 altered)");
    if show_misses {
        println!("\nMISSES");
        for m in &misses {
            println!("  {m}");
        }
        println!("\nALTERED FALSE CASES");
        for a in &alterations {
            println!("  {a}");
        }
    }
}
