//! Helpers: run records through the plugin natively with a given record time.

#![allow(dead_code)]

use logward_alert::Alert;
use logward_sdk::{Abi, Call, ConfigSource, Format, Plugin, Record, Timestamp};
use serde_json::Value;

pub fn plugin(config: Option<&str>) -> Alert {
    let source = config.map(|c| ConfigSource::new("alert.json", c));
    match Alert::init(source.as_ref()) {
        Ok(a) => a,
        Err(e) => panic!("init failed: {e}"),
    }
}

/// Runs one JSON record at `time` (unix seconds); returns the output text.
pub fn run_at(p: &mut Alert, record: &str, time: u32) -> String {
    let mut rec = Record::new(record.as_bytes(), Format::Json);
    let call = Call { tag: "kube.audit", time: Timestamp { sec: time, nsec: 0 }, format: Format::Json, abi: Abi::V1 };
    p.process(&mut rec, &call).expect("process");
    let mut out = Vec::new();
    rec.write(&mut out).expect("write");
    String::from_utf8(out).expect("utf8")
}

/// Alert ids written to an output record.
pub fn alert_ids(output: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(output).expect("output is JSON");
    v.get("alert")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x["id"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// `2025-03-14T02:07:10.000000Z` → unix seconds (UTC only, as audit logs write it).
pub fn rfc3339(s: &str) -> Option<u32> {
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let time = time.trim_end_matches('Z');
    let mut t = time.split(':');
    let (h, min) = (t.next()?.parse::<i64>().ok()?, t.next()?.parse::<i64>().ok()?);
    let sec = t.next()?.split('.').next()?.parse::<i64>().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u32::try_from(days * 86_400 + h * 3600 + min * 60 + sec).ok()
}

/// Record time of an audit event, as Fluent Bit's parser would set it.
pub fn event_time(record: &str) -> u32 {
    let v: Value = serde_json::from_str(record).expect("record is JSON");
    v.get("requestReceivedTimestamp").and_then(Value::as_str).and_then(rfc3339).unwrap_or(0)
}

pub fn eval_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} is absent (the shared evaluation data is not on this machine)", dir.display());
        None
    }
}

/// An audit event (ResponseComplete, allowed, 200, `get pods` by alice) with `patch` merged in
/// (objects merge key by key; other values replace).
pub fn event(patch: Value) -> String {
    let mut e = serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "2b1f7c1e-0000-4000-8000-000000000001", "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/default/pods", "verb": "get",
        "user": {"username": "alice@example.com", "groups": ["system:authenticated"]},
        "sourceIPs": ["203.0.113.10"], "userAgent": "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625",
        "objectRef": {"resource": "pods", "namespace": "default", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": "2025-03-14T10:00:00.000000Z", "stageTimestamp": "2025-03-14T10:00:00.004000Z",
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
    });
    merge(&mut e, patch);
    e.to_string()
}

pub fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(&k);
                } else {
                    merge(a.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (a, b) => *a = b,
    }
}

/// A pod-create event with the given pod spec.
pub fn pod_create(spec: Value) -> Value {
    serde_json::json!({"verb": "create", "responseStatus": {"code": 201},
        "objectRef": {"resource": "pods", "namespace": "default"},
        "requestObject": {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "x"}, "spec": spec}})
}
