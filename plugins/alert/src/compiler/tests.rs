//! The compiler end to end: YAML in, bundle or located errors out.

use serde_json::json;

use super::*;

fn src(path: &str, text: &str) -> Source {
    Source { path: path.to_string(), text: text.to_string() }
}

fn ok(text: &str) -> Bundle {
    compile(&[src("r.yml", text)], &Options::default()).unwrap_or_else(|e| panic!("{}", e[0]))
}

fn errs(text: &str) -> Vec<String> {
    compile(&[src("r.yml", text)], &Options::default()).unwrap_err().iter().map(ToString::to_string).collect()
}

const RULE: &str = r#"
title: Secret read by a human
id: 11111111-0000-4000-8000-000000000001
status: stable
description: |
  A person read a secret.
references: [https://kubernetes.io/docs/concepts/configuration/secret/]
author: logward
date: 2025-03-14
tags:
    - attack.credential-access
    - attack.t1552.007
logsource:
    product: kubernetes
    service: audit
detection:
    selection:
        verb: [get, list, watch]
        objectRef.resource: secrets
    filter_system:
        user.username|startswith: 'system:'
    condition: selection and not 1 of filter_*
falsepositives:
    - Administrators
level: high
logward:
    off_hours: true
"#;

#[test]
fn detection_rule() {
    let b = ok(RULE);
    assert_eq!(b.logward_alert_bundle, Some(1));
    let r = &b.rules[0];
    assert_eq!(r.id, "11111111-0000-4000-8000-000000000001");
    assert_eq!((r.level, r.off_hours, r.generate, r.enabled), (Level::High, true, true, true));
    assert_eq!(r.tags, ["attack.credential-access", "attack.t1552.007"]);
    assert_eq!(r.description.as_deref(), Some("A person read a secret."));
    assert_eq!(r.source.as_deref(), Some("r.yml:2"));
    assert_eq!(
        r.condition_value(),
        Some(json!({"all": [
            {"field": "verb", "glob": ["get", "list", "watch"], "ignore_case": true},
            {"field": "objectRef.resource", "glob": "secrets", "ignore_case": true},
            {"not": {"field": "user.username", "startswith": "system:", "ignore_case": true}}]}))
    );
}

#[test]
fn correlation_resolves_names_and_turns_off_generation() {
    let b = ok(r#"
title: Failed login
name: failed_login
detection:
    sel: {responseStatus.code: 401}
    condition: sel
---
title: Burst of failed logins
id: burst
correlation:
    type: event_count
    rules: [failed_login]
    group-by: [sourceIPs]
    timespan: 1m
    condition: {gte: 5}
level: high
---
title: Distinct secrets
correlation:
    type: value_count
    rules: failed_login
    timespan: 6m
    condition: {gt: 2, field: objectRef.name}
generate: true
"#);
    assert_eq!(b.rules.len(), 3);
    assert_eq!(b.rules[0].id, "r", "id defaults to the file name");
    assert_eq!(b.rules[2].id, "r-3");
    assert!(b.rules[0].generate, "one correlation asks for it");
    let c = b.rules[1].correlation.as_ref().unwrap();
    assert_eq!((c.kind, c.rules.clone(), c.timespan, c.gte), (CorrelationType::EventCount, vec!["r".to_string()], 60, 5));
    let v = b.rules[2].correlation.as_ref().unwrap();
    assert_eq!((v.kind, v.gte, v.field.as_deref(), v.timespan), (CorrelationType::ValueCount, 3, Some("objectRef.name"), 360));
}

#[test]
fn feeder_rules_do_not_alert_by_default() {
    let b = ok("title: a\nid: a\ndetection: {s: {x: 1}, condition: s}\n---\ntitle: c\ncorrelation: {type: event_count, rules: [a], timespan: 5m, condition: {gte: 2}}\n");
    assert!(!b.rules[0].generate);
}

#[test]
fn placeholders_document() {
    let b = ok("logward_placeholders:\n  bad: [192.0.2.1]\n  none: []\n---\ntitle: x\ndetection:\n  s: {sourceIPs|cidr|expand: '%bad%'}\n  condition: s\n");
    assert_eq!(b.placeholders["bad"], ["192.0.2.1"]);
    assert!(b.placeholders["none"].is_empty());
}

#[test]
fn errors_are_located_and_all_reported() {
    let e = errs("title: x\nlevel: severe\ndetection:\n  sel:\n    verb|contians: get\n  condition: sel and nope\n");
    assert_eq!(
        e,
        vec![
            "r.yml:2:8: `severe` is not a level; use informational, low, medium, high or critical",
            "r.yml:5:5: unknown modifier `|contians`",
            "r.yml:6:22: `nope` is not a search identifier of this detection",
        ],
        "every problem of a document"
    );
    let e = errs("title: x\ndetection:\n  sel: {verb: get}\n  condition: sel and nope\n");
    assert_eq!(e, vec!["r.yml:4:22: `nope` is not a search identifier of this detection"]);
    let e = errs("title: x\nlevel: severe\ndetection: {s: {a: 1}, condition: s}\n---\ntitle: y\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("r.yml:2:8: `severe` is not a level"), "{e:?}");
    assert!(e[1].starts_with("r.yml:5:1: a rule needs `detection`"), "{e:?}");
    let e = errs("title: x\ncorrelation: {type: temporal, rules: [a], timespan: 1m}\n");
    assert!(e[0].contains("not supported yet"), "{e:?}");
    let e = errs("title: c\ncorrelation: {type: event_count, rules: [missing], timespan: 1m, condition: {gte: 2}}\n");
    assert!(e[0].contains("no detection rule has id or name `missing`"), "{e:?}");
    let e = errs("title: c\ncorrelation: {type: event_count, rules: [a], timespan: 1m, condition: {lt: 2}}\n");
    assert!(e[0].contains("cannot be decided"), "{e:?}");
    let e = errs("title: x\ndetection:\n  s: {a: 1}\n  condition: s | count() > 5\n");
    assert!(e[0].contains("correlation rule"), "{e:?}");
    let e = errs("title: x\nid: same\ndetection: {s: {a: 1}, condition: s}\n---\ntitle: y\nid: same\ndetection: {s: {a: 1}, condition: s}\n");
    assert!(e[0].contains("also used at r.yml:1"), "{e:?}");
    let e = errs("a: [1, 2\n");
    assert!(e[0].starts_with("r.yml:"), "{e:?}");
}

#[test]
fn logward_matcher_limits_are_checked_at_compile_time() {
    let mut cond = String::from("s");
    for _ in 0..20 {
        cond = format!("not (s and {cond})");
    }
    let e = errs(&format!("title: x\ndetection:\n  s: {{a: 1}}\n  condition: {cond}\n"));
    assert!(e[0].contains("nest deeper"), "{e:?}");
}
