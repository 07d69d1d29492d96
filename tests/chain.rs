//! chain.wasm end to end: chained logs built through the logward harness (the real module, run
//! as Fluent Bit 5.1.1 runs it), written as Fluent Bit's outputs write them, then verified
//! natively with `logward_chain::verify` — the code behind `logward verify`.
//!
//! - `proof_random_tampering_is_always_detected`: ≥ 1,000 random tamperings, 100% detected.
//! - `no_false_alarms_*`: untampered logs — re-encoded, restarted, interleaved, msgpack mode,
//!   several nodes — verify clean.
//! - `kill_mid_stream_reports_a_crash_window_not_tampering`: the kill test.
//! - `golden_*`: exact outputs, regenerated with `UPDATE_GOLDEN=1`.
//!
//! Needs `target/wasm32-wasip1/release/chain.wasm`:
//! `cargo build --release --target wasm32-wasip1 -p chain-wasm`.

use std::path::{Path, PathBuf};

use logward_chain::canonical::{fluent_bit_text, unescape_json};
use logward_chain::field::ChainField;
use logward_chain::keyfile;
use logward_chain::mac::{hex, SecretKey, Signer};
use logward_chain::verify::{self, Kind, Options, Report, Severity, Source};
use logward_harness::filter::{AbiVersion, EventFormat, FilterSpec, Outcome, WasmFilter};
use logward_harness::fluentbit::escape::write_str_escaped;
use logward_harness::fluentbit::FlbTime;
use logward_harness::output::{format_record, OutputFormat};
use logward_harness::pipeline::Record;
use logward_harness::wasm::GuestOutput;
use logward_integration::{body, temp_dir, workspace_root};
use serde_json::{json, Map, Value};

const KEY: [u8; 32] = [0x5a; 32];
const STREAMS: [&str; 3] = ["kube.app.frontend", "kube.app.backend", "kube.sys.audit"];

fn chain_wasm() -> PathBuf {
    let path = workspace_root().join("target/wasm32-wasip1/release/chain.wasm");
    assert!(path.exists(), "{} is missing: run `cargo build --release --target wasm32-wasip1 -p chain-wasm`", path.display());
    path
}

/// Deterministic xorshift64*: the same trials on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A config directory with chain.key and chain.json.
fn node_dir(name: &str, key: [u8; 32], config: Value) -> PathBuf {
    let dir = temp_dir(&format!("chain-{name}"));
    std::fs::write(dir.join("chain.key"), keyfile::render(&SecretKey::from_bytes(key))).unwrap();
    let mut c = json!({"persist": {"fsync": false}});
    if let (Value::Object(c), Value::Object(extra)) = (&mut c, config) {
        c.extend(extra);
    }
    std::fs::write(dir.join("chain.json"), serde_json::to_string_pretty(&c).unwrap()).unwrap();
    dir
}

fn start(dir: &Path, format: EventFormat) -> WasmFilter {
    let mut spec = FilterSpec::new(chain_wasm(), "filter");
    spec.accessible_paths = vec![dir.display().to_string()];
    spec.working_dir = dir.to_path_buf();
    spec.event_format = format;
    if format == EventFormat::Msgpack {
        // Under ABI v1 msgpack output is cut at its first 0x00 byte (see FLUENT-BIT-WASM.md).
        spec.abi = AbiVersion::V2;
        spec.function_name = "filter_v2".into();
    }
    spec.origin = "tests/chain.rs".into();
    match WasmFilter::new(&spec, &GuestOutput::capturing()) {
        Ok(f) => f,
        Err(e) => panic!("chain.wasm did not start:\n{e}"),
    }
}

/// Varied record bodies: Kubernetes metadata, unicode, escapes, nesting, every number kind.
fn record_json(rng: &mut Rng, i: usize) -> String {
    let messages = [
        "GET /api/v1/pods 200",
        "user \"admin\" logged in\tfrom 10.0.0.1",
        "héllo wörld — 日本語 😀",
        "path C:\\temp\\x\nsecond line",
        "control \u{1} and del \u{7f}",
    ];
    let msg = messages[rng.below(messages.len())];
    let namespace = ["prod", "staging"][rng.below(2)];
    let mut v = json!({
        "log": format!("{msg} #{i}"),
        "stream": if i % 2 == 0 { "stdout" } else { "stderr" },
        "kubernetes": {
            "namespace_name": namespace,
            "pod_name": format!("web-{}", rng.below(5)),
            "labels": {"app.kubernetes.io/name": "web", "tier": "front"},
        },
        "n": rng.next() as i64 % 100_000,
        "ratio": (rng.below(1000) as f64) / 7.0,
        "big": u64::MAX - rng.below(10) as u64,
        "ok": rng.below(2) == 0,
        "none": null,
        "list": [1, 2.5, "x", {"deep": [true, {"k": "v"}]}],
    });
    if rng.below(3) == 0 {
        v["integral_float"] = json!(3.0);
        v["tiny"] = json!(1.5e-7);
    }
    serde_json::to_string(&v).unwrap()
}

/// One line of Fluent Bit output.
#[derive(Clone)]
struct Line {
    format: OutputFormat,
    tag: String,
    time: FlbTime,
    body: Value,
}

impl Line {
    fn render(&self) -> String {
        let body = serde_json::to_string(&self.body).unwrap();
        match self.format {
            OutputFormat::OutFile => format!("{}: [{}, {body}]", self.tag, self.time),
            OutputFormat::JsonLines => {
                let mut m = Map::new();
                m.insert("date".into(), json!(self.time.to_double()));
                if let Value::Object(b) = &self.body {
                    m.extend(b.clone());
                }
                serde_json::to_string(&Value::Object(m)).unwrap()
            }
            OutputFormat::Record => body,
        }
    }

    fn stream(&self) -> String {
        self.body["_chain"]["stream"].as_str().unwrap_or_default().to_string()
    }
}

/// Runs records through a filter and returns Fluent Bit's output lines (exact bytes) and the
/// same records as structured lines for tampering.
fn chain_records(filter: &mut WasmFilter, records: &[(String, FlbTime, String)], format: OutputFormat) -> (Vec<String>, Vec<Line>) {
    let mut text = Vec::new();
    let mut lines = Vec::new();
    for (tag, time, json_text) in records {
        let result = filter.process(tag, *time, &body(json_text));
        let Outcome::Kept(out) = result.outcome else {
            panic!("record not kept: {:?} {:?}", result.outcome, result.diagnostics);
        };
        let rec = Record { tag: tag.clone(), time: *time, body: out };
        let bytes = format_record(&rec, format);
        let line = String::from_utf8(bytes).unwrap().trim_end().to_string();
        let json_body = logward_harness::fluentbit::msgpack_to_json(&rec.body);
        lines.push(Line { format, tag: tag.clone(), time: *time, body: serde_json::from_slice(&json_body).unwrap() });
        text.push(line);
    }
    (text, lines)
}

fn records(rng: &mut Rng, from: usize, n: usize) -> Vec<(String, FlbTime, String)> {
    (from..from + n)
        .map(|i| {
            let tag = STREAMS[rng.below(STREAMS.len())].to_string();
            (tag, FlbTime::new(1_700_000_000 + i as i64, (i * 1_000_003 % 1_000_000_000) as u32), record_json(rng, i))
        })
        .collect()
}

fn opts(keys: &[[u8; 32]]) -> Options {
    Options { keys: keys.iter().map(|k| SecretKey::from_bytes(*k)).collect(), threads: 2, ..Options::default() }
}

fn verify_texts(files: &[(&str, String)], checkpoints: &[u8], opts: &Options) -> Report {
    let sources: Vec<Source<'_>> = files.iter().map(|(n, t)| Source { name: n.to_string(), text: t.as_bytes() }).collect();
    let cks = [Source { name: "chain.checkpoints".into(), text: checkpoints }];
    verify::verify(&sources, if checkpoints.is_empty() { &[] } else { &cks }, opts)
}

fn not_info(r: &Report) -> Vec<Kind> {
    r.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| f.kind).collect()
}

/// A node's chained logs: 300 records over 3 interleaved streams, a restart (kill) in the
/// middle, the first run written as out_file, the second as json_lines.
struct Logs {
    dir: PathBuf,
    files: [Vec<Line>; 2],
}

fn build_logs(name: &str) -> Logs {
    let dir = node_dir(name, KEY, json!({"checkpoint": {"records": 1, "seconds": 0}, "persist": {"records": 40, "fsync": false}, "epoch": {"records": 50, "seconds": 0}}));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut filter = start(&dir, EventFormat::Json);
    let (_, first) = chain_records(&mut filter, &records(&mut rng, 0, 150), OutputFormat::OutFile);
    drop(filter); // killed: nothing runs at exit
    let mut filter = start(&dir, EventFormat::Json);
    let (_, second) = chain_records(&mut filter, &records(&mut rng, 150, 150), OutputFormat::JsonLines);
    Logs { dir, files: [first, second] }
}

fn render(lines: &[Line]) -> String {
    lines.iter().map(Line::render).collect::<Vec<_>>().join("\n")
}

/// Changes one leaf of `v` (not inside the chain field).
fn modify_leaf(rng: &mut Rng, v: &mut Value) {
    // Pick a path first (JSON pointer), then edit through it.
    let mut pointer = String::new();
    let mut cur: &Value = v;
    loop {
        let step = match cur {
            Value::Object(m) => {
                let keys: Vec<&String> = m.keys().filter(|k| *k != "_chain").collect();
                if keys.is_empty() {
                    break;
                }
                let k = keys[rng.below(keys.len())];
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                &m[k.as_str()]
            }
            Value::Array(a) if !a.is_empty() => {
                let i = rng.below(a.len());
                pointer.push_str(&format!("/{i}"));
                &a[i]
            }
            _ => break,
        };
        cur = step;
    }
    let target = v.pointer_mut(&pointer).expect("the path just walked");
    let replacement = match &*target {
        Value::Object(m) => {
            let mut m = m.clone();
            m.insert("added".into(), json!(1));
            Value::Object(m)
        }
        Value::Array(_) => json!([0]),
        Value::String(s) => json!(format!("{s}x")),
        Value::Number(n) => match n.as_i64() {
            Some(i) => json!(i.wrapping_add(1)),
            None => json!(n.as_f64().unwrap_or(0.0) + 1.0),
        },
        Value::Bool(b) => json!(!b),
        Value::Null => json!(0),
    };
    *target = replacement;
}

/// The canonical body and header of a (possibly edited) record, for recomputing a MAC.
fn recompute_sha256(line: &mut Line, drop_kid: bool) {
    if drop_kid {
        line.body["_chain"].as_object_mut().unwrap().remove("kid");
    }
    let text = serde_json::to_string(&line.body).unwrap();
    let mut canon = logward_chain::canonical::Canonicalizer::new();
    let mut doc = canon.load_json(text.as_bytes()).unwrap();
    let id = doc.root_member("_chain").unwrap();
    let field = ChainField::read(&mut doc, id).unwrap();
    let mut body = Vec::new();
    doc.write_root(&mut body, &|k| k == "_chain").unwrap();
    let mut header = Vec::new();
    field.write_header(&mut header);
    line.body["_chain"]["mac"] = json!(hex(&Signer::Sha256.record_mac(&header, &body)));
}

const TAMPERINGS: [&str; 10] = [
    "modify a value",
    "delete one record",
    "delete a run",
    "insert a forged record",
    "insert an unchained record",
    "swap two records",
    "truncate the tail",
    "replay an old record",
    "edit, then recompute a plain SHA-256",
    "edit the chain field",
];

/// Applies tampering number `kind` to the logs; returns a description.
fn tamper(rng: &mut Rng, files: &mut [Vec<Line>; 2], kind: usize) -> String {
    let f = rng.below(2);
    let n = files[f].len();
    let i = rng.below(n);
    match kind {
        0 => {
            modify_leaf(rng, &mut files[f][i].body);
            format!("file {f} line {i}")
        }
        1 => {
            files[f].remove(i);
            format!("file {f} line {i}")
        }
        2 => {
            let len = 2 + rng.below(9);
            let end = (i + len).min(n);
            files[f].drain(i..end);
            format!("file {f} lines {i}..{end}")
        }
        3 => {
            // A plausible record with a chain field copied from a real one, seq bumped.
            let mut forged = files[f][i].clone();
            modify_leaf(rng, &mut forged.body);
            let seq = forged.body["_chain"]["seq"].as_u64().unwrap();
            forged.body["_chain"]["seq"] = json!(seq + rng.below(3) as u64);
            let at = rng.below(n + 1);
            files[f].insert(at, forged);
            format!("file {f} at {at}")
        }
        4 => {
            let mut forged = files[f][i].clone();
            forged.body.as_object_mut().unwrap().remove("_chain");
            files[f].insert(i, forged);
            format!("file {f} at {i}")
        }
        5 => {
            let stream = files[f][i].stream();
            let same: Vec<usize> = (0..n).filter(|&j| j != i && files[f][j].stream() == stream).collect();
            let j = same[rng.below(same.len())];
            files[f].swap(i, j);
            format!("file {f} lines {i} and {j}")
        }
        6 => {
            let k = 1 + rng.below(5);
            let len = files[1].len();
            files[1].truncate(len - k);
            format!("last {k} records")
        }
        7 => {
            let old = files[f][i].clone();
            let target = rng.below(2);
            let at = rng.below(files[target].len() + 1);
            files[target].insert(at, old);
            format!("file {f} line {i} replayed into file {target} at {at}")
        }
        8 => {
            modify_leaf(rng, &mut files[f][i].body);
            let drop_kid = rng.below(2) == 0;
            recompute_sha256(&mut files[f][i], drop_kid);
            format!("file {f} line {i} (kid dropped: {drop_kid})")
        }
        _ => {
            let c = &mut files[f][i].body["_chain"];
            match rng.below(5) {
                0 => match c.as_object_mut().unwrap().remove("restart") {
                    Some(_) => {}
                    None => c["restart"] = json!(c["seq"].as_u64().unwrap() - 1),
                },
                1 => c["epoch"] = json!(c["epoch"].as_u64().unwrap() + 1),
                2 => c["keys"] = json!(c["keys"].as_u64().unwrap() + 1),
                3 => c["time"] = json!("1600000000.000000000"),
                _ => c["stream"] = json!("kube.other"),
            }
            format!("file {f} line {i}")
        }
    }
}

#[test]
fn proof_random_tampering_is_always_detected() {
    let logs = build_logs("proof");
    let checkpoints = std::fs::read(logs.dir.join("chain.checkpoints")).unwrap();
    let o = opts(&[KEY]);
    let clean = verify_texts(&[("a.log", render(&logs.files[0])), ("b.log", render(&logs.files[1]))], &checkpoints, &o);
    assert_eq!(not_info(&clean), [], "untampered logs must verify:\n{}", clean.to_human(false));
    assert!(clean.findings.iter().any(|f| f.kind == Kind::CrashWindow), "the restart shows:\n{}", clean.to_human(false));

    let mut rng = Rng(0x00c0_ffee_1234_5678);
    let trials = 1200;
    let mut detected = [0usize; TAMPERINGS.len()];
    let mut tried = [0usize; TAMPERINGS.len()];
    let mut misses = Vec::new();
    for t in 0..trials {
        let kind = t % TAMPERINGS.len();
        let mut files = logs.files.clone();
        let what = tamper(&mut rng, &mut files, kind);
        let (a, b) = (render(&files[0]), render(&files[1]));
        let r = verify_texts(&[("a.log", a), ("b.log", b)], &checkpoints, &o);
        tried[kind] += 1;
        if r.tampered() {
            detected[kind] += 1;
        } else {
            misses.push(format!("{}: {what}\n{}", TAMPERINGS[kind], r.to_human(false)));
        }
    }
    for (k, name) in TAMPERINGS.iter().enumerate() {
        println!("{name:<40} {}/{} detected", detected[k], tried[k]);
    }
    assert!(misses.is_empty(), "{} of {trials} tamperings went unnoticed; first:\n{}", misses.len(), misses[0]);
}

/// Writes JSON the way another tool might: keys in reverse order, spaces, all non-ASCII as
/// `\u` escapes, integral floats as integers.
fn respell(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push_str("{ ");
            for (i, (k, v)) in m.iter().rev().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                respell(&Value::String(k.clone()), out);
                out.push_str(" :");
                respell(v, out);
            }
            out.push_str(" }");
        }
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(",  ");
                }
                respell(v, out);
            }
            out.push(']');
        }
        Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '/' => out.push_str("\\/"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for u in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{u:04X}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => out.push_str(&format!("{}", f as i64)),
            _ => out.push_str(&n.to_string()),
        },
        other => out.push_str(&other.to_string()),
    }
}

#[test]
fn no_false_alarms_on_reencoded_restarted_interleaved_logs() {
    let logs = build_logs("reencode");
    let checkpoints = std::fs::read(logs.dir.join("chain.checkpoints")).unwrap();
    let o = opts(&[KEY]);
    // Exact Fluent Bit output, as the harness formats it.
    let exact = verify_texts(&[("a.log", render(&logs.files[0])), ("b.log", render(&logs.files[1]))], &checkpoints, &o);
    assert_eq!(not_info(&exact), [], "{}", exact.to_human(false));
    // Pretty-printed by serde_json (keys sorted), and respelled by a careless tool.
    let all: Vec<Line> = logs.files.iter().flatten().cloned().collect();
    let pretty: String = all.iter().map(|l| serde_json::to_string_pretty(&l.body).unwrap().replace('\n', " ") + "\n").collect();
    let mut respelled = String::new();
    for l in &all {
        respell(&l.body, &mut respelled);
        respelled.push('\n');
    }
    for (name, text) in [("pretty", pretty), ("respelled", respelled)] {
        let r = verify_texts(&[(name, text)], &checkpoints, &o);
        assert_eq!(not_info(&r), [], "{name}:\n{}", r.to_human(false));
    }
}

#[test]
fn no_false_alarms_in_msgpack_mode_and_across_nodes() {
    let other_key = [0x17; 32];
    let a = node_dir("node-a", KEY, json!({"stream_field": "kubernetes.namespace_name"}));
    let b = node_dir("node-b", other_key, json!({}));
    let mut rng = Rng(42);
    let mut fa = start(&a, EventFormat::Msgpack);
    let mut fb = start(&b, EventFormat::Json);
    let (ta, _) = chain_records(&mut fa, &records(&mut rng, 0, 90), OutputFormat::OutFile);
    let (tb, _) = chain_records(&mut fb, &records(&mut rng, 90, 90), OutputFormat::OutFile);
    // Interleave the two nodes' lines in one file, as an aggregator would.
    let merged: Vec<String> = ta.iter().zip(&tb).flat_map(|(x, y)| [x.clone(), y.clone()]).collect();
    let r = verify_texts(&[("merged.log", merged.join("\n"))], &[], &opts(&[KEY, other_key]));
    assert_eq!(not_info(&r), [], "{}", r.to_human(false));
    assert_eq!(r.records, 180);
    // With only one node's key the other's records are unverifiable: named, not silently passed.
    let r = verify_texts(&[("merged.log", merged.join("\n"))], &[], &opts(&[KEY]));
    assert!(r.findings.iter().any(|f| f.kind == Kind::UnknownKey));
}

/// Values only msgpack can hold: float32, binary, invalid UTF-8, duplicate keys. The msgpack-
/// mode filter must canonicalize them exactly as the verifier reads Fluent Bit's JSON output.
#[test]
fn msgpack_only_values_survive_fluent_bit_json_output() {
    use rmpv::Value as M;
    let dir = node_dir("msgpack-values", KEY, json!({}));
    let mut filter = start(&dir, EventFormat::Msgpack);
    // A msgpack str holding invalid UTF-8 (what Fluent Bit keeps from a raw input).
    let invalid_utf8 = rmpv::decode::read_value(&mut &[0xa5, b'x', 0xed, 0xa0, 0x80, 0xe6][..]).unwrap();
    let bodies = [
        M::Map(vec![(M::from("f32"), M::F32(0.1)), (M::from("f64"), M::F64(1.0 / 3.0)), (M::from("int_float"), M::F64(2.0))]),
        M::Map(vec![(M::from("bin"), M::Binary(b"a\x00b\xff".to_vec())), (M::from("bad"), invalid_utf8)]),
        M::Map(vec![(M::from("dup"), M::from(1)), (M::from("other"), M::from(2)), (M::from("dup"), M::from(3))]),
        M::Map(vec![(M::from("big"), M::F64(1e20)), (M::from("neg_zero"), M::F64(-0.0)), (M::from("u"), M::from(u64::MAX))]),
    ];
    let mut lines = Vec::new();
    for (i, b) in bodies.iter().enumerate() {
        let time = FlbTime::new(1_700_000_000 + i as i64, 0);
        let result = filter.process("app", time, b);
        let Outcome::Kept(out) = result.outcome else { panic!("{:?}", result.outcome) };
        lines.push(String::from_utf8(format_record(&Record { tag: "app".into(), time, body: out }, OutputFormat::OutFile)).unwrap());
    }
    let r = verify_texts(&[("out.log", lines.concat())], &[], &opts(&[KEY]));
    assert_eq!(not_info(&r), [], "{}\n{}", lines.concat(), r.to_human(false));
}

#[test]
fn kill_mid_stream_reports_a_crash_window_not_tampering() {
    let dir = node_dir("kill", KEY, json!({"persist": {"records": 50, "fsync": false}, "checkpoint": {"records": 50, "seconds": 0}}));
    let mut rng = Rng(7);
    let mut filter = start(&dir, EventFormat::Json);
    let (first, _) = chain_records(&mut filter, &records(&mut rng, 0, 120), OutputFormat::OutFile);
    drop(filter); // killed after 120 records: the state on disk is from record 100
    let mut filter = start(&dir, EventFormat::Json);
    let (second, _) = chain_records(&mut filter, &records(&mut rng, 120, 60), OutputFormat::OutFile);
    let checkpoints = std::fs::read(dir.join("chain.checkpoints")).unwrap();
    let text = [first, second].concat().join("\n");
    let r = verify_texts(&[("out.log", text)], &checkpoints, &opts(&[KEY]));
    assert_eq!(r.exit_code(true), 0, "{}", r.to_human(true));
    let windows: Vec<_> = r.findings.iter().filter(|f| f.kind == Kind::CrashWindow).collect();
    assert!(!windows.is_empty(), "{}", r.to_human(false));
    let superseded: u64 = windows.iter().filter_map(|f| f.seq).map(|(a, b)| b - a + 1).sum();
    // 20 records were chained after the last persist (at record 100); each stream reports
    // its share as superseded.
    assert_eq!(superseded, 20, "{}", r.to_human(false));
    println!("{}", r.to_human(false));
}

#[test]
fn fluent_bit_string_escaping_decodes_like_the_plugin_reads_raw_bytes() {
    let mut rng = Rng(99);
    for _ in 0..20_000 {
        let len = rng.below(12);
        let bytes: Vec<u8> = (0..len).map(|_| [b'a', b'"', b'\\', 0x01, 0x7f, 0x80, 0xc3, 0xa9, 0xe6, 0x97, 0xed, 0xf0, 0x9f, 0xff][rng.below(14)]).collect();
        let mut escaped = Vec::new();
        write_str_escaped(&mut escaped, &bytes);
        assert_eq!(unescape_json(&escaped), fluent_bit_text(&bytes), "{bytes:x?}");
    }
}

#[test]
fn fuel_per_record_against_passthrough() {
    let pass = workspace_root().join("target/wasm32-wasip1/release/passthrough.wasm");
    if !pass.exists() {
        println!("SKIPPED: {} missing (cargo build --release --target wasm32-wasip1 -p passthrough-wasm)", pass.display());
        return;
    }
    let dir = node_dir("fuel", KEY, json!({}));
    let mut chain = start(&dir, EventFormat::Json);
    let mut spec = FilterSpec::new(pass, "filter");
    spec.working_dir = dir.clone();
    let mut passthrough = WasmFilter::new(&spec, &GuestOutput::capturing()).unwrap();
    let mut rng = Rng(5);
    let recs = records(&mut rng, 0, 200);
    let (mut fc, mut fp, mut bytes) = (0u64, 0u64, 0usize);
    for (tag, time, text) in &recs {
        let b = body(text);
        let c = chain.process(tag, *time, &b);
        fc += c.usage.fuel;
        bytes += c.record_bytes;
        fp += passthrough.process(tag, *time, &b).usage.fuel;
    }
    let n = recs.len() as u64;
    println!("records of {} bytes on average: chain {} fuel/record, passthrough {} fuel/record ({:.1}x)", bytes / recs.len(), fc / n, fp / n, fc as f64 / fp.max(1) as f64);
}

/// Real Kubernetes audit events (Falco's regression set) chained and re-encoded: no false alarm.
#[test]
fn no_false_alarms_on_kubernetes_audit_events() {
    let path = workspace_root().join("../shared/eval/k8s-audit-falco/events.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("SKIPPED: {} not present (the shared evaluation data)", path.display());
        return;
    };
    let dir = node_dir("k8s", KEY, json!({"stream_field": "objectRef.namespace"}));
    let mut filter = start(&dir, EventFormat::Json);
    let recs: Vec<(String, FlbTime, String)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let v: Value = serde_json::from_str(l).ok()?;
            Some(("k8s.audit".to_string(), FlbTime::new(1_700_000_000 + i as i64, 0), serde_json::to_string(&v["event"]).ok()?))
        })
        .collect();
    assert!(recs.len() > 40);
    let (exact, lines) = chain_records(&mut filter, &recs, OutputFormat::JsonLines);
    let mut respelled = String::new();
    for l in &lines {
        respell(&l.body, &mut respelled);
        respelled.push('\n');
    }
    for (name, t) in [("exact", exact.join("\n")), ("respelled", respelled)] {
        let r = verify_texts(&[(name, t)], &[], &opts(&[KEY]));
        assert_eq!(not_info(&r), [], "{name}:\n{}", r.to_human(false));
    }
}

fn golden(name: &str, actual: &str) {
    let path = workspace_root().join("tests/golden/chain").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(actual, expected, "{} differs (UPDATE_GOLDEN=1 regenerates it after review)", path.display());
}

/// The exact output of a fixed input (fixed key and times), in both event formats, and the
/// report of a fixed tampering.
#[test]
fn golden_output_and_report() {
    let input = [
        ("app.web", r#"{"log":"GET / 200","n":1}"#),
        ("app.db", r#"{"log":"slow query","ms":1250.5,"user":"héloïse"}"#),
        ("app.web", r#"{"log":"GET /x 404","n":2.0,"nested":{"b":[1,{"c":null}],"a":true}}"#),
        ("app.web", r#"{"log":"POST /login","n":3}"#),
    ];
    let mut outputs = String::new();
    let mut json_mode_lines = Vec::new();
    for (format, name) in [(EventFormat::Json, "json"), (EventFormat::Msgpack, "msgpack")] {
        let dir = node_dir(&format!("golden-{name}"), KEY, json!({}));
        let mut filter = start(&dir, format);
        let recs: Vec<(String, FlbTime, String)> =
            input.iter().enumerate().map(|(i, (t, j))| (t.to_string(), FlbTime::new(1_700_000_000 + i as i64, 250_000_000), j.to_string())).collect();
        let (lines, _) = chain_records(&mut filter, &recs, OutputFormat::OutFile);
        outputs.push_str(&format!("# Event_Format {name}\n{}\n", lines.join("\n")));
        if format == EventFormat::Json {
            json_mode_lines = lines;
        }
    }
    golden("out_file.log", &outputs);
    // Event_Format must not change a single MAC.
    let macs = |section: &str| section.lines().filter_map(|l| l.split("\"mac\":\"").nth(1).map(|s| s[..64].to_string())).collect::<Vec<_>>();
    let (a, b) = outputs.split_once("# Event_Format msgpack").unwrap();
    assert_eq!(macs(a), macs(b));

    let mut tampered = json_mode_lines.clone();
    tampered[0] = tampered[0].replace("GET / 200", "GET / 500");
    tampered.remove(2);
    let r = verify_texts(&[("out.log", tampered.join("\n"))], &[], &opts(&[KEY]));
    golden("verify-tampered.txt", &r.to_human(false));
}
