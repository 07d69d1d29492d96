//! comply.wasm through the harness (Fluent Bit 5.1.1's filter_wasm, emulated): golden replays of
//! the examples, format parity, and the Falco Kubernetes audit events from the evaluation data.
//!
//! Build the module first: `cargo build --release --target wasm32-wasip1 -p comply-wasm`.
//! Golden files (`tests/golden/comply/*.jsonl`) hold, per input record, only what comply added
//! (`compliance`, `audit`); the test checks separately that everything else is byte-for-byte the
//! input. `UPDATE_GOLDEN=1 cargo test -p logward-integration --test comply` rewrites them.

use std::path::{Path, PathBuf};

use logward_harness::filter::{AbiVersion, EventFormat, FilterSpec};
use logward_harness::fluentbit::json_out::msgpack_to_json;
use logward_harness::input::{InputFormat, InputOptions, RecordReader, TimeSource};
use logward_harness::pipeline::{Fate, Pipeline, Record};
use logward_harness::wasm::GuestOutput;
use logward_integration::workspace_root;
use rmpv::Value;

/// Keys comply may add to a record.
const ADDED: &[&str] = &["compliance", "audit"];

fn module() -> PathBuf {
    let path = workspace_root().join("target/wasm32-wasip1/release/comply.wasm");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release --target wasm32-wasip1 -p comply-wasm` first",
        path.display()
    );
    path
}

fn golden_dir() -> PathBuf {
    workspace_root().join("tests/golden/comply")
}

/// comply with `tests/golden/comply/comply.json` (normalization on).
fn pipeline(format: EventFormat, abi: AbiVersion) -> Pipeline {
    let mut spec = FilterSpec::new(module(), "filter");
    spec.function_name = if abi == AbiVersion::V2 { "filter_v2".into() } else { "filter".into() };
    spec.working_dir = workspace_root();
    spec.accessible_paths = vec![golden_dir().display().to_string()];
    spec.event_format = format;
    spec.abi = abi;
    spec.origin = "comply integration test".into();
    match Pipeline::start(&[spec], &GuestOutput::capturing()) {
        Ok(p) => p,
        Err(e) => panic!("comply.wasm did not start:\n{e}"),
    }
}

fn records(input: &Path) -> Vec<Record> {
    let options = InputOptions {
        paths: vec![input.to_path_buf()],
        format: InputFormat::Auto,
        tag: "app.logs".into(),
        time_key: None,
        time_source: TimeSource::default(),
    };
    RecordReader::new(options).map(|r| r.unwrap_or_else(|e| panic!("{}: {e:#}", input.display())).record).collect()
}

fn entries(v: &Value) -> &[(Value, Value)] {
    v.as_map().map(Vec::as_slice).unwrap_or_else(|| panic!("not a map: {v:?}"))
}

fn kept(fate: Fate, what: &str) -> Record {
    match fate {
        Fate::Kept(r) => r,
        other => panic!("{what}: expected the record to be kept, got {other:?}"),
    }
}

/// One golden line: the record's number and what comply added, as Fluent Bit would print it.
fn delta_line(n: usize, input: &Value, output: &Value) -> String {
    let (inp, out) = (entries(input), entries(output));
    assert!(out.len() >= inp.len() && out[..inp.len()] == *inp, "record {n}: comply changed the input's own fields");
    let mut line = format!("{{\"line\":{n}");
    for (k, v) in &out[inp.len()..] {
        let key = k.as_str().unwrap_or_default();
        assert!(ADDED.contains(&key), "record {n}: unexpected field {key:?} added");
        line.push_str(&format!(",\"{key}\":{}", String::from_utf8_lossy(&msgpack_to_json(v))));
    }
    line.push('}');
    line
}

/// The examples and their golden files (`tests/golden/comply/<name>.jsonl`).
const EXAMPLES: &[(&str, &str)] = &[
    ("examples/k8s-audit/audit.log", "k8s-audit"),
    ("examples/docker-events/events.log", "docker-events"),
    ("examples/auditd/audit.log", "auditd"),
    ("examples/nginx/access.log", "nginx"),
    ("examples/mysql/general.log", "mysql-general"),
    ("examples/mysql/slow.log", "mysql-slow"),
    ("examples/app-labels/kubernetes.log", "app-labels-kubernetes"),
    ("examples/app-labels/docker.log", "app-labels-docker"),
    ("examples/auth/auth.log", "auth"),
];

/// Replays `example` through both pipelines; the golden text (one line per record).
fn replay(example: &str, json: &mut Pipeline, msgpack: &mut Pipeline) -> String {
    let recs = records(&workspace_root().join(example));
    assert!(!recs.is_empty(), "{example} has no records");
    let mut lines = Vec::new();
    for (i, rec) in recs.into_iter().enumerate() {
        let n = i + 1;
        let out = kept(json.run(rec.clone()).fate, &format!("{example} record {n}"));
        // The same record in msgpack mode (ABI v2: binary-safe) gives the same result.
        let out_mp = kept(msgpack.run(rec.clone()).fate, &format!("{example} record {n} (msgpack)"));
        assert_eq!(out.body, out_mp.body, "{example} record {n}: JSON and msgpack results differ");
        lines.push(delta_line(n, &rec.body, &out.body));
    }
    lines.join("\n") + "\n"
}

/// Every example against its golden file. One test (one module compilation per format, which
/// dominates the run time); every differing file is reported.
#[test]
fn golden_replays() {
    let mut json = pipeline(EventFormat::Json, AbiVersion::V1);
    let mut msgpack = pipeline(EventFormat::Msgpack, AbiVersion::V2);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut problems = Vec::new();
    for (example, name) in EXAMPLES {
        let text = replay(example, &mut json, &mut msgpack);
        let path = golden_dir().join(format!("{name}.jsonl"));
        if update {
            std::fs::write(&path, &text).unwrap();
            eprintln!("updated {}", path.display());
            continue;
        }
        let expected = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
                continue;
            }
        };
        if expected != text {
            let first = expected.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
            problems.push(format!(
                "{} differs from the replay of {example} (first at line {}):\n  golden: {}\n  now:    {}",
                path.display(),
                first + 1,
                expected.lines().nth(first).unwrap_or("<end>"),
                text.lines().nth(first).unwrap_or("<end>")
            ));
        }
    }
    assert!(problems.is_empty(), "{}\nRun with UPDATE_GOLDEN=1 to accept.", problems.join("\n"));
}

/// Starts comply with `comply_json` in a fresh directory, with Fluent Bit's defaults (8 KiB
/// Wasm_Stack_Size, emulated by the WAMR stack model) unless `stack` is given.
fn start_with(name: &str, comply_json: &str, stack: Option<u64>) -> Result<Pipeline, String> {
    let dir = std::env::temp_dir().join(format!("logward-comply-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("comply.json"), comply_json).unwrap();
    let mut spec = FilterSpec::new(module(), "filter");
    spec.working_dir = workspace_root();
    spec.accessible_paths = vec![dir.display().to_string()];
    if let Some(s) = stack {
        spec.stack_size = s;
    }
    Pipeline::start(&[spec], &GuestOutput::capturing()).map_err(|e| e.to_string())
}

/// Rules compile at `_initialize`, recursively over their nesting, within WAMR's stack: the
/// built-in mapping, the README's example and four nested levels fit the 8 KiB default; deeper
/// nesting makes Fluent Bit refuse to start (loudly) until Wasm_Stack_Size is raised.
#[test]
fn starts_within_the_default_stack() {
    assert!(spec_has_stack_model(), "the WAMR stack model is off: this test would prove nothing");
    let readme = std::fs::read_to_string(workspace_root().join("plugins/comply/README.md")).unwrap();
    let section = &readme[readme.find("## Configuration reference").unwrap()..];
    let start = section.find("```json").unwrap() + "```json".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let nested = |levels: usize| {
        let mut c = r#"{"field": "verb", "equals": "get"}"#.to_string();
        for i in 0..levels {
            c = if i % 2 == 0 { format!(r#"{{"all": [{c}, {{"field": "auditID", "exists": true}}]}}"#) } else { format!(r#"{{"any": [{c}, {{"field": "x", "exists": true}}]}}"#) };
        }
        format!(r#"{{"rules": [{{"id": "nested", "when": {c}, "tags": ["sox:404"]}}]}}"#)
    };
    for (name, config) in [("empty", "{}".to_string()), ("readme", example.to_string()), ("nested4", nested(4))] {
        let mut p = start_with(name, &config, None).unwrap_or_else(|e| panic!("{name}: comply did not start:\n{e}"));
        let out = kept(p.run(records(&workspace_root().join("examples/k8s-audit/audit.log")).remove(0)).fate, name);
        assert!(msgpack_to_json(&out.body).starts_with(b"{"), "{name}");
    }
    let err = match start_with("nested8", &nested(8), None) {
        Ok(_) => panic!("8 nested levels fit 8 KiB: update the README's stack note"),
        Err(e) => e,
    };
    assert!(err.contains("wasm operand stack overflow"), "{err}");
    assert!(start_with("nested8-32k", &nested(8), Some(32_000)).is_ok(), "Wasm_Stack_Size 32K should hold 8 levels");
}

fn spec_has_stack_model() -> bool {
    FilterSpec::new(module(), "filter").stack_model
}

/// A bad comply.json stops Fluent Bit at start, naming the file, line and column.
#[test]
fn bad_config_fails_at_initialize() {
    let dir = std::env::temp_dir().join(format!("logward-comply-bad-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("comply.json"), "{\n  \"rules\": [{\"id\": \"r\", \"when\": true, \"tags\": [\"pci:10.2\"]}]\n}\n").unwrap();
    let mut spec = FilterSpec::new(module(), "filter");
    spec.working_dir = workspace_root();
    spec.accessible_paths = vec![dir.display().to_string()];
    let err = match Pipeline::start(&[spec], &GuestOutput::capturing()) {
        Ok(_) => panic!("comply started with an invalid comply.json"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("comply.json:2:48: tag `pci:10.2`: unknown framework `pci`"), "{err}");
}

/// Falco's Kubernetes audit regression events (shared evaluation data): nothing dropped, every
/// event tagged as audit evidence, and the events named after an activity get that activity's rule.
#[test]
fn falco_k8s_audit_events() {
    let path = workspace_root().join("../shared/eval/k8s-audit-falco/events.jsonl");
    if !path.exists() {
        eprintln!("SKIPPED falco_k8s_audit_events: {} is not present", path.display());
        return;
    }
    let expectations: &[(&str, &str)] = &[
        ("anonymous_creates_namespace", "k8s_anonymous_request"),
        ("anonymous_creates_namespace", "k8s_system_object_change"),
        ("attach_cluster_admin_role", "k8s_rbac_change"),
        ("attach_pod", "k8s_interactive_access"),
        ("exec_pod", "k8s_interactive_access"),
        ("create_clusterrole", "k8s_rbac_change"),
        ("delete_clusterrolebinding", "k8s_rbac_change"),
        ("modify_cluster_role", "k8s_rbac_change"),
        ("create_configmap", "k8s_configmap_change"),
        ("delete_configmap", "k8s_configmap_change"),
        ("create_secret", "k8s_secret_change"),
        ("create_kube_system_secret", "k8s_system_namespace_change"),
        ("delete_secret", "k8s_secret_change"),
        ("creates_namespace_foo", "k8s_system_object_change"),
        ("delete_namespace_foo", "k8s_system_object_change"),
        ("create_pod_kube_system_namespace", "k8s_system_namespace_change"),
        ("create_pod_kube_public_namespace", "k8s_system_namespace_change"),
        ("create_serviceaccount", "k8s_serviceaccount_change"),
        ("delete_serviceaccount", "k8s_serviceaccount_change"),
    ];
    let text = std::fs::read_to_string(&path).unwrap();
    let mut p = pipeline(EventFormat::Json, AbiVersion::V1);
    let mut matched = vec![0usize; expectations.len()];
    let mut events = 0;
    for line in text.lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let trace = case["trace_file"].as_str().unwrap_or_default().to_string();
        let body = logward_integration::body(&case["event"].to_string());
        let out = kept(p.run(Record { tag: "kube.audit".into(), time: logward_integration::T, body: body.clone() }).fate, &trace);
        let json: serde_json::Value = serde_json::from_slice(&msgpack_to_json(&out.body)).unwrap();
        let rules: Vec<&str> = json.pointer("/compliance/rules").and_then(|r| r.as_array()).map_or(Vec::new(), |a| a.iter().filter_map(|v| v.as_str()).collect());
        if case["event"]["kind"] == "Event" {
            events += 1;
            assert!(rules.contains(&"k8s_audit_event"), "{trace}: {rules:?}");
            assert_eq!(json["audit"]["event_type"], "kubernetes.audit", "{trace}");
        }
        for (i, (name, rule)) in expectations.iter().enumerate() {
            if trace.contains(name) {
                assert!(rules.contains(rule), "{trace}: expected {rule}, got {rules:?}");
                matched[i] += 1;
            }
        }
    }
    assert!(events >= 50, "only {events} audit events read");
    for (i, (name, _)) in expectations.iter().enumerate() {
        assert!(matched[i] > 0, "no event named like {name}");
    }
}
