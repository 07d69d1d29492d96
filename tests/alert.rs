//! The alert plugin as Fluent Bit 5.1.1 runs it: the real `alert.wasm` (build it with
//! `cargo build --release --target wasm32-wasip1 -p alert-wasm`) in the logward harness, with
//! the default 8 KiB WAMR stack.
//!
//! Golden file: `tests/golden/alert/example.jsonl` — for each record of
//! `examples/k8s-audit/audit.log` that raises alerts, its line, `alert_level` and rule ids.
//! `UPDATE_GOLDEN=1` rewrites it.

use std::path::PathBuf;

use logward_harness::filter::{AbiVersion, EventFormat, FilterSpec, Outcome, WasmFilter};
use logward_harness::fluentbit::{parse_json_stream, FlbTime};
use logward_harness::input::detect::value_as_time;
use logward_harness::wasm::GuestOutput;
use logward_integration::{temp_dir, workspace_root};
use rmpv::Value;

fn module() -> PathBuf {
    let path = workspace_root().join("target/wasm32-wasip1/release/alert.wasm");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release --target wasm32-wasip1 -p alert-wasm` first",
        path.display()
    );
    path
}

fn spec(accessible: Option<PathBuf>, format: EventFormat, abi: AbiVersion) -> FilterSpec {
    let (function, abi) = match abi {
        AbiVersion::V1 => ("filter", AbiVersion::V1),
        other => ("filter_v2", other),
    };
    let mut spec = FilterSpec::new(module(), function);
    spec.working_dir = workspace_root();
    spec.event_format = format;
    spec.abi = abi;
    spec.origin = "alert integration test".into();
    // An empty directory: no alert.json, the default pack alone.
    let dir = accessible.unwrap_or_else(|| temp_dir("alert-empty"));
    spec.accessible_paths = vec![dir.display().to_string()];
    spec
}

fn start(spec: &FilterSpec) -> WasmFilter {
    WasmFilter::new(spec, &GuestOutput::capturing()).unwrap_or_else(|e| panic!("alert.wasm did not start:\n{e}"))
}

fn example_dir() -> PathBuf {
    workspace_root().join("examples/k8s-audit")
}

fn example_records() -> Vec<Value> {
    let text = std::fs::read_to_string(example_dir().join("audit.log")).unwrap();
    text.lines().map(|l| parse_json_stream(l.as_bytes()).unwrap().remove(0)).collect()
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_map()?.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
}

/// Runs the example through a filter; per record: the kept body.
fn run_example(spec: &FilterSpec) -> Vec<Value> {
    let mut f = start(spec);
    example_records()
        .iter()
        .map(|r| {
            let time = get(r, "requestReceivedTimestamp").and_then(value_as_time).unwrap_or(FlbTime::new(0, 0));
            match f.process("kube.audit", time, r).outcome {
                Outcome::Kept(v) => v,
                other => panic!("record not kept: {other:?}"),
            }
        })
        .collect()
}

/// `{"line": n, "alert_level": L, "ids": [...]}` per alerting record.
fn summary(input: &[Value], output: &[Value]) -> String {
    let mut out = String::new();
    for (i, (before, after)) in input.iter().zip(output).enumerate() {
        let Some(level) = get(after, "alert_level") else {
            assert_eq!(before, after, "line {}: a record without alerts must pass unchanged", i + 1);
            continue;
        };
        let ids: Vec<String> = get(after, "alert")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| get(x, "id").and_then(Value::as_str).map(String::from)).collect())
            .unwrap_or_default();
        let line = serde_json::json!({"line": i + 1, "alert_level": level.as_str(), "ids": ids});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// JSON under ABI v1 (what Fluent Bit 5.1.1 can return) and msgpack under ABI v2 agree. (msgpack
/// under ABI v1 cannot carry the 0x00 bytes an alert record's msgpack holds; the SDK then
/// returns the record as JSON text with `logward_error` — Fluent Bit's limit, see
/// FLUENT-BIT-WASM.md.)
#[test]
fn example_log_matches_the_golden_file_in_json_v1_and_msgpack_v2() {
    let input = example_records();
    let golden_path = workspace_root().join("tests/golden/alert/example.jsonl");
    let json_v1 = summary(&input, &run_example(&spec(Some(example_dir()), EventFormat::Json, AbiVersion::V1)));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden_path.parent().unwrap()).unwrap();
        std::fs::write(&golden_path, &json_v1).unwrap();
    }
    let golden = std::fs::read_to_string(&golden_path).expect("golden file (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(json_v1, golden, "JSON, ABI v1 differs from {}", golden_path.display());
    let msgpack_v2 = summary(&input, &run_example(&spec(Some(example_dir()), EventFormat::Msgpack, AbiVersion::V2)));
    assert_eq!(msgpack_v2, golden, "msgpack, ABI v2");
    assert!(golden.lines().count() > 30, "the example raises alerts");
}

#[test]
fn default_pack_without_alert_json() {
    let input = example_records();
    let output = run_example(&spec(None, EventFormat::Json, AbiVersion::V1));
    let text = summary(&input, &output);
    // Rules that need settings stay off; the rest of the pack runs.
    assert!(!text.contains("lw-k8s-known-bad-ip") && !text.contains("lw-k8s-pod-created-from-pod-ip"));
    assert!(text.contains("lw-k8s-production-namespace-deleted") && text.contains("lw-falco-deployment-deleted"));
}

#[test]
fn a_bad_alert_json_stops_fluent_bit_with_its_location() {
    let dir = temp_dir("alert-bad-config");
    std::fs::write(dir.join("alert.json"), "{\n  \"placeholders\": {\"known_bad_ips\": [\"10.0.0.0/8\"]},\n  \"disable\": [\"no-such-rule\"]\n}\n").unwrap();
    let err = match WasmFilter::new(&spec(Some(dir.clone()), EventFormat::Json, AbiVersion::V1), &GuestOutput::capturing()) {
        Ok(_) => panic!("started with a bad alert.json"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("alert.json:3:"), "{err}");
    assert!(err.contains("no rule has id `no-such-rule`"), "{err}");
    std::fs::write(dir.join("alert.json"), "{\"output\": {\"kye\": \"x\"}}").unwrap();
    let err = WasmFilter::new(&spec(Some(dir), EventFormat::Json, AbiVersion::V1), &GuestOutput::capturing())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("unknown field `kye`"), "{err}");
}

#[test]
fn odd_records_pass_unchanged() {
    let mut f = start(&spec(None, EventFormat::Json, AbiVersion::V1));
    for text in [r#"{"log":"plain application line"}"#, r#"{"verb":"get","objectRef":"not an object"}"#, "{}"] {
        let body = parse_json_stream(text.as_bytes()).unwrap().remove(0);
        match f.process("app", FlbTime::new(1_741_946_400, 0), &body).outcome {
            Outcome::Kept(v) => assert_eq!(v, body),
            other => panic!("{text}: {other:?}"),
        }
    }
}
