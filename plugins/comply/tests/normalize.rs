//! The `audit` object: one schema for Kubernetes audit events, Docker events, auditd and nginx;
//! fields a source lacks are left out. Also: untouched records go back as the host's own copy.

mod common;

use common::*;
use logward_comply::Comply;
use logward_sdk::abi::{Input, Instance, Output};
use logward_sdk::{Abi, ConfigSource, Timestamp};
use serde_json::{json, Value};

fn normalizing() -> Comply {
    plugin(Some(r#"{"normalize": {"enabled": true}}"#))
}

fn audit(out: &Option<Value>) -> Value {
    out.as_ref().and_then(|v| v.get("audit")).cloned().unwrap_or(Value::Null)
}

#[test]
fn kubernetes_audit_event() {
    let mut p = normalizing();
    let event = json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "7d1c", "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/payments/pods/pay-1/exec?command=sh&container=pay&stdin=true&tty=true",
        "verb": "create", "user": {"username": "alice@example.com", "groups": ["sre"]}, "sourceIPs": ["10.0.4.21", "10.0.0.1"],
        "objectRef": {"resource": "pods", "namespace": "payments", "name": "pay-1", "subresource": "exec"},
        "responseStatus": {"code": 101}, "requestReceivedTimestamp": "2023-11-14T22:13:20.123456Z", "stageTimestamp": "2023-11-14T22:13:50.000001Z"});
    let out = run(&mut p, &event.to_string());
    assert_eq!(audit(&out), json!({
        "timestamp": "2023-11-14T22:13:20.123456Z", "event_id": "7d1c", "user_id": "alice@example.com", "user_ip": "10.0.4.21",
        "event_type": "kubernetes.audit", "action": "create", "resource": "/api/v1/namespaces/payments/pods/pay-1/exec",
        "result": "success", "risk_level": "high"
    }));
}

#[test]
fn kubernetes_denied_and_received_stage() {
    let mut p = normalizing();
    let denied = json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a", "verb": "list", "requestURI": "/api/v1/secrets",
        "user": {"username": "system:anonymous"}, "sourceIPs": ["203.0.113.77"], "responseStatus": {"code": 403},
        "stageTimestamp": "2023-11-14T22:13:20.5Z"});
    let a = audit(&run(&mut p, &denied.to_string()));
    assert_eq!(a["result"], "failure");
    assert_eq!(a["timestamp"], "2023-11-14T22:13:20.5Z", "falls back to stageTimestamp");
    // Refused (403, medium); being anonymous alone is low risk.
    assert_eq!(a["risk_level"], "medium");
    // RequestReceived: no response yet, so no result; no user IPs: none invented. No
    // apiVersion either, as in audit webhook payloads (it is on the enclosing EventList).
    let received = json!({"kind": "Event", "auditID": "b", "stage": "RequestReceived", "verb": "get",
        "requestURI": "/healthz", "user": {"username": "u"}, "requestReceivedTimestamp": "2023-11-14T22:13:20Z"});
    let a = audit(&run(&mut p, &received.to_string()));
    assert_eq!(a, json!({"timestamp": "2023-11-14T22:13:20Z", "event_id": "b", "user_id": "u", "event_type": "kubernetes.audit",
        "action": "get", "resource": "/healthz", "risk_level": "low"}));
}

#[test]
fn docker_events() {
    let mut p = normalizing();
    let exec = json!({"status": "exec_start: sh -c id", "id": "9e8d", "Type": "container", "Action": "exec_start: sh -c id",
        "Actor": {"ID": "9e8d7c6b", "Attributes": {"image": "pay:3", "name": "shop-payments-1", "execID": "e4"}},
        "scope": "local", "time": 1700000301, "timeNano": 1700000301079500000u64});
    assert_eq!(audit(&run(&mut p, &exec.to_string())), json!({
        "timestamp": "2023-11-14T22:18:21.079500000Z", "container_id": "9e8d7c6b", "event_type": "docker.container",
        "action": "exec_start", "resource": "shop-payments-1", "risk_level": "high"
    }));
    // Not a container: no container_id; no timeNano: seconds; no name: the actor id.
    let pull = json!({"Type": "image", "Action": "pull", "Actor": {"ID": "nginx:1.25", "Attributes": {}}, "scope": "local", "time": 1700000000});
    assert_eq!(audit(&run(&mut p, &pull.to_string())), json!({
        "timestamp": "2023-11-14T22:13:20Z", "event_type": "docker.image", "action": "pull", "resource": "nginx:1.25", "risk_level": "low"
    }));
}

#[test]
fn nginx_line_in_a_container_log() {
    let mut p = normalizing();
    let rec = json!({"log": "10.0.4.21 - - [14/Nov/2023:22:13:23 +0000] \"GET /products?id=1 HTTP/1.1\" 200 18233 \"-\" \"Mozilla/5.0\"",
        "stream": "stdout", "kubernetes": {"pod_name": "web-1", "docker_id": "c3d4e5f6"}});
    assert_eq!(audit(&run(&mut p, &rec.to_string())), json!({
        "timestamp": "2023-11-14T22:13:23+00:00", "user_ip": "10.0.4.21", "container_id": "c3d4e5f6", "event_type": "nginx.access",
        "action": "GET", "resource": "/products", "result": "success", "risk_level": "low"
    }));
}

#[test]
fn auditd_line() {
    let mut p = normalizing();
    let rec = line(r#"type=SYSCALL msg=audit(1700000240.777:350): arch=c000003e syscall=257 success=no exit=-13 auid=1001 uid=1001 comm="cat" exe="/usr/bin/cat" key="access""#);
    assert_eq!(audit(&run(&mut p, &rec)), json!({
        "timestamp": "2023-11-14T22:17:20.777Z", "event_id": "1700000240.777:350", "user_id": "1001", "event_type": "auditd.SYSCALL",
        "action": "257", "resource": "/usr/bin/cat", "result": "failure", "risk_level": "medium"
    }));
}

#[test]
fn normalization_without_a_matching_rule_has_no_risk() {
    let mut p = plugin(Some(r#"{"normalize": {"enabled": true}, "disable_rules": ["http_access"]}"#));
    let out = run(&mut p, &line(r#"10.0.4.21 - - [14/Nov/2023:22:13:23 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#)).unwrap();
    assert_eq!(out.get("compliance"), None);
    assert_eq!(out["audit"].get("risk_level"), None);
    assert_eq!(out["audit"]["action"], "GET");
}

#[test]
fn other_sources_are_not_normalized() {
    let mut p = normalizing();
    for rec in [
        line("Nov 14 22:13:22 web-1 sshd[2211]: Failed password for root from 203.0.113.77 port 52144 ssh2"),
        line("2023-11-14T22:13:20.123456Z\t   12 Query\tSELECT 1"),
        json!({"log": "INFO hello"}).to_string(),
    ] {
        assert_eq!(audit(&run(&mut p, &rec)), Value::Null, "{rec}");
    }
}

/// Through the SDK's ABI layer: a record no rule matches goes back as the host's own copy.
#[test]
fn untouched_records_are_returned_without_a_copy() {
    let mut inst: Instance<Comply> = Instance::new();
    inst.initialize_with(Some(&ConfigSource::new("comply.json", r#"{"normalize": {"enabled": true}}"#))).unwrap();
    let untouched = br#"{"log":"INFO GET /api/cart/42 -> 200","stream":"stdout","kubernetes":{"labels":{"app":"web"}}}"#;
    for abi in [Abi::V1, Abi::V2] {
        let out = inst.handle("kube.web", Timestamp::default(), Input::Bytes { record: untouched, nul_follows: true }, abi);
        assert_eq!(out, Output::Input, "{abi:?}");
    }
    let tagged = br#"{"log":"x","kubernetes":{"labels":{"compliance.sox":"true"}}}"#;
    let out = inst.handle("kube.ledger", Timestamp::default(), Input::Bytes { record: tagged, nul_follows: true }, Abi::V2);
    assert_eq!(out, Output::Buffer);
    let text = std::str::from_utf8(inst.output()).unwrap().trim_end_matches('\0');
    assert!(text.starts_with(r#"{"log":"x","kubernetes":{"labels":{"compliance.sox":"true"}},"compliance":{"#), "{text}");
}
