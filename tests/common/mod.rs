//! Helpers for the logward integration tests: locating the probe modules built by
//! `make probes`, building filter specs for them, and reading results.

use std::path::PathBuf;

use logward_harness::filter::{EventFormat, FilterResult, FilterSpec, Outcome, WasmFilter};
use logward_harness::fluentbit::{FlbTime, parse_json_stream};
use logward_harness::wasm::{GuestOutput, SetupError};
use rmpv::Value;

/// Which build of the probe crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeBuild {
    /// Exports malloc/free (the repository's default wasm32-wasip1 flags).
    Standard,
    /// No malloc/free export: copies go to WAMR's app heap.
    NoMalloc,
    /// `_initialize` prints and traps.
    InitFail,
}

/// The workspace root (this crate lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// Path of a probe module; panics with instructions when it has not been built.
pub fn probe_path(build: ProbeBuild) -> PathBuf {
    let file = match build {
        ProbeBuild::Standard => "logward_probes.wasm",
        ProbeBuild::NoMalloc => "logward_probes_nomalloc.wasm",
        ProbeBuild::InitFail => "logward_probes_initfail.wasm",
    };
    let path = workspace_root()
        .join("target/probes/wasm32-wasip1/release")
        .join(file);
    assert!(
        path.exists(),
        "probe module {} is missing: run `make probes` in {} first",
        path.display(),
        workspace_root().display()
    );
    path
}

/// A JSON-mode, ABI v1 spec for `function` in the given probe build, with Fluent Bit's
/// defaults otherwise.
pub fn probe_spec(build: ProbeBuild, function: &str) -> FilterSpec {
    let mut spec = FilterSpec::new(probe_path(build), function);
    spec.working_dir = workspace_root();
    spec.origin = format!("contract test ({function})");
    spec
}

/// Same, in msgpack mode.
pub fn msgpack_spec(build: ProbeBuild, function: &str) -> FilterSpec {
    let mut spec = probe_spec(build, function);
    spec.event_format = EventFormat::Msgpack;
    spec
}

/// Starts a filter, panicking with Fluent Bit's error text if it cannot start.
pub fn start(spec: &FilterSpec) -> WasmFilter {
    match WasmFilter::new(spec, &GuestOutput::capturing()) {
        Ok(f) => f,
        Err(e) => panic!("filter {} did not start:\n{e}", spec.function_name),
    }
}

/// Starts a filter that is expected to fail.
pub fn start_err(spec: &FilterSpec) -> SetupError {
    match WasmFilter::new(spec, &GuestOutput::capturing()) {
        Ok(_) => panic!("filter {} started but should not have", spec.function_name),
        Err(e) => e,
    }
}

/// Parses one JSON object into a record body (the way Fluent Bit would have packed it).
pub fn body(json: &str) -> Value {
    let mut values = parse_json_stream(json.as_bytes()).expect("test JSON parses");
    values.remove(0)
}

/// The time used for test records.
pub const T: FlbTime = FlbTime {
    sec: 1_700_000_000,
    nsec: 123_456_789,
};

/// Runs one record with tag `app.logs` and time [`T`].
pub fn run(filter: &mut WasmFilter, json: &str) -> FilterResult {
    filter.process("app.logs", T, &body(json))
}

/// The kept body, or a panic describing what happened instead.
pub fn kept(result: &FilterResult) -> &Value {
    match &result.outcome {
        Outcome::Kept(v) => v,
        other => panic!(
            "expected the record to be kept, got {other:?}; log: {:?}",
            messages(result)
        ),
    }
}

/// A field of a map body.
pub fn field<'a>(value: &'a Value, key: &str) -> &'a Value {
    value
        .as_map()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v)
        })
        .unwrap_or_else(|| panic!("no field {key:?} in {value:?}"))
}

/// An integer field.
pub fn int(value: &Value, key: &str) -> i64 {
    field(value, key)
        .as_i64()
        .unwrap_or_else(|| panic!("field {key:?} is not an integer in {value:?}"))
}

/// The rendered log lines of a result.
pub fn messages(result: &FilterResult) -> Vec<String> {
    result.diagnostics.iter().map(ToString::to_string).collect()
}

/// Whether any log line contains `needle`.
pub fn logged(result: &FilterResult, needle: &str) -> bool {
    messages(result).iter().any(|m| m.contains(needle))
}

/// A fresh, empty temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logward-contract-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}
