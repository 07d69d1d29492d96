//! Falco's Kubernetes audit regression cases (../shared/eval/k8s-audit-falco) through the
//! default pack. Each case replays one trace file; a rule "corresponds" to a Falco rule when
//! its `related` names `falco:<rule name>` (the 2026 names, `expected_counts_head_rule_names`).
//!
//! - detect: true — every expected Falco rule fires on exactly the expected number of events;
//! - detect: false — no rule corresponding to any Falco rule fires.
//!
//! The 41 cases that use only the upstream rules run with the default pack as shipped. The
//! others load Falco override files; their lists and macros are expressed as alert.json
//! settings (placeholders, enable/disable, a custom rule) — see `emulate`.

mod common;

use std::collections::BTreeMap;

use common::{eval_dir, event_time, plugin, run_at};
use logward_alert::bundle::Bundle;
use serde_json::{json, Value};

struct Case {
    test: String,
    trace: String,
    detect: bool,
    expected: BTreeMap<String, u64>,
    rules_files: Vec<String>,
    upstream_only: bool,
}

fn load_cases(dir: &std::path::Path) -> (Vec<Case>, BTreeMap<String, Vec<String>>) {
    let cases = std::fs::read_to_string(dir.join("k8s-audit-falco/cases.jsonl")).unwrap();
    let cases = cases
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Case {
                test: v["test"].as_str().unwrap().to_string(),
                trace: v["trace_file"].as_str().unwrap().to_string(),
                detect: v["detect"].as_bool().unwrap(),
                expected: serde_json::from_value(v["expected_counts_head_rule_names"].clone()).unwrap(),
                rules_files: serde_json::from_value(v["rules_files"].clone()).unwrap(),
                upstream_only: v["uses_only_upstream_k8s_audit_rules"].as_bool().unwrap(),
            }
        })
        .collect();
    let mut events: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in std::fs::read_to_string(dir.join("k8s-audit-falco/events.jsonl")).unwrap().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        events.entry(v["trace_file"].as_str().unwrap().to_string()).or_default().push(v["event"].to_string());
    }
    (cases, events)
}

/// Falco image repositories as our image globs.
fn images(repos: &[&str]) -> Vec<String> {
    repos.iter().flat_map(|r| [r.to_string(), format!("{r}:*"), format!("{r}@*")]).collect()
}

fn default_placeholder(name: &str) -> Vec<String> {
    let b: Bundle = serde_json::from_str(logward_alert::DEFAULT_RULES).unwrap();
    b.placeholders.get(name).cloned().unwrap_or_default()
}

/// The override files of a case as alert.json settings (`None`: the default pack as is).
fn emulate(files: &[String]) -> Option<Value> {
    let names: Vec<&str> = files.iter().map(|f| f.rsplit('/').next().unwrap_or(f)).collect();
    if names.iter().all(|n| *n == "k8s_audit_rules.yaml" || *n == "engine_v4_k8s_audit_rules.yaml") {
        return None;
    }
    let mut placeholders = serde_json::Map::new();
    let mut add = |name: &str, extra: Vec<String>| {
        let mut list = placeholders
            .get(name)
            .and_then(|v: &Value| serde_json::from_value::<Vec<String>>(v.clone()).ok())
            .unwrap_or_else(|| default_placeholder(name));
        list.extend(extra);
        placeholders.insert(name.to_string(), json!(list));
    };
    let mut disable: Vec<String> = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    let mut include_default = true;
    // Falco turns "Disallowed K8s User" on with its rules file; the pack ships it off.
    let mut enable = vec!["lw-falco-disallowed-user".to_string()];
    for n in &names {
        match *n {
            "k8s_audit_rules.yaml" | "engine_v4_k8s_audit_rules.yaml" => {}
            "allow_namespace_foo.yaml" => add("allowed_namespaces", vec!["foo".into()]),
            "allow_user_some-user.yaml" => add("allowed_k8s_users", vec!["some-user".into()]),
            "allow_nginx_container.yaml" => add("allowed_images", images(&["nginx"])),
            "allow_only_apache_container.yaml" => add("allowed_images", images(&["apache"])),
            "trust_nginx_container.yaml" => {
                for list in ["privileged_images", "sensitive_mount_images", "hostnetwork_images"] {
                    add(list, images(&["nginx"]));
                }
            }
            "disallow_kactivity.yaml" => {
                let b: Bundle = serde_json::from_str(logward_alert::DEFAULT_RULES).unwrap();
                // Falco's `kactivity` rules: the activity records and the rules built on them.
                disable.extend(b.rules.iter().filter(|r| r.tags == ["detection.threat-hunting"]).map(|r| r.id.clone()));
                for id in ["lw-falco-secret-get-failed", "lw-falco-ingress-without-tls", "lw-k8s-namespace-deleted",
                           "lw-k8s-secret-read-by-human", "lw-k8s-secret-read-by-service-account"] {
                    disable.push(id.into());
                }
            }
            "single_rule_with_json_pointer.yaml" => {
                include_default = false;
                enable.clear();
                rules.push(json!({
                    "id": "json-pointer-example",
                    "title": "json_pointer_example",
                    "level": "medium",
                    "related": [{"id": "falco:json_pointer_example", "type": "similar"}],
                    "condition": {"all": [
                        {"field": "annotations[\"authorization.k8s.io/decision\"]", "exists": true},
                        {"not": {"field": "[\"a/~b\"]", "exists": true}}]}
                }));
            }
            other => panic!("no emulation for Falco override file {other}"),
        }
    }
    disable.sort();
    disable.dedup();
    Some(json!({"include_default": include_default, "placeholders": placeholders, "disable": disable,
                "enable": enable, "rules": rules}))
}

/// Rule id → the Falco rule names it corresponds to.
fn correspondence(config: Option<&Value>) -> BTreeMap<String, Vec<String>> {
    let mut rules: Vec<logward_alert::bundle::Rule> = Vec::new();
    if config.is_none_or(|c| c["include_default"] != json!(false)) {
        let b: Bundle = serde_json::from_str(logward_alert::DEFAULT_RULES).unwrap();
        rules.extend(b.rules);
    }
    if let Some(c) = config {
        rules.extend(serde_json::from_value::<Vec<logward_alert::bundle::Rule>>(c["rules"].clone()).unwrap());
    }
    rules
        .into_iter()
        .map(|r| {
            let names = r.related.iter().filter_map(|x| x.id.strip_prefix("falco:").map(String::from)).collect();
            (r.id, names)
        })
        .collect()
}

struct Outcome {
    ok: bool,
    /// Falco rule name → events on which a corresponding rule fired.
    fired: BTreeMap<String, u64>,
    others: Vec<String>,
}

fn run_case(case: &Case, events: &[String]) -> Outcome {
    let config = if case.upstream_only { None } else { emulate(&case.rules_files) };
    let text = config.as_ref().map(Value::to_string);
    let mut p = plugin(text.as_deref());
    let falco_of = correspondence(config.as_ref());
    let mut fired: BTreeMap<String, u64> = BTreeMap::new();
    let mut others = Vec::new();
    for e in events {
        let out = run_at(&mut p, e, event_time(e));
        let mut names: Vec<String> = Vec::new();
        for id in common::alert_ids(&out) {
            match falco_of.get(&id) {
                Some(n) if !n.is_empty() => names.extend(n.iter().cloned()),
                _ => others.push(id),
            }
        }
        names.sort();
        names.dedup();
        for n in names {
            *fired.entry(n).or_default() += 1;
        }
    }
    let ok = if case.detect {
        case.expected.iter().all(|(name, n)| fired.get(name) == Some(n))
    } else {
        fired.is_empty()
    };
    Outcome { ok, fired, others }
}

#[test]
fn falco_regression_cases() {
    let Some(dir) = eval_dir() else { return };
    let (cases, events) = load_cases(&dir);
    assert_eq!(cases.len(), 66);
    let mut failures = Vec::new();
    let (mut upstream, mut upstream_ok, mut other_ok) = (0, 0, 0);
    for case in &cases {
        let evs = events.get(&case.trace).unwrap_or_else(|| panic!("no events for {}", case.trace));
        let o = run_case(case, evs);
        let kind = if case.upstream_only { "upstream" } else { "override" };
        println!(
            "{:<5} {kind:<8} detect={:<5} {:<55} expected={:?} fired={:?} other_rules={:?}",
            if o.ok { "PASS" } else { "FAIL" },
            case.detect,
            case.test,
            case.expected,
            o.fired,
            o.others
        );
        if case.upstream_only {
            upstream += 1;
            upstream_ok += usize::from(o.ok);
        } else {
            other_ok += usize::from(o.ok);
        }
        if !o.ok {
            failures.push(case.test.clone());
        }
    }
    println!("upstream-only cases: {upstream_ok}/{upstream} pass; cases with override files: {other_ok}/{} pass", cases.len() - upstream);
    assert_eq!(upstream, 41);
    assert!(failures.is_empty(), "failing cases: {failures:?}");
}
