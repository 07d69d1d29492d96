//! comply.json: validation with file:line:column errors, merging over the defaults, options.

mod common;

use common::*;
use logward_comply::Comply;
use logward_sdk::{ConfigSource, Plugin};
use serde_json::json;

/// The error `init` gives for `text`, as `file:line:column: message`.
fn error(text: &str) -> String {
    match Comply::init(Some(&ConfigSource::new("comply.json", text))) {
        Ok(_) => panic!("config accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn assert_error(text: &str, at: &str, contains: &str) {
    let e = error(text);
    assert!(e.starts_with(&format!("comply.json:{at}: ")), "expected an error at {at}, got: {e}");
    assert!(e.contains(contains), "expected `{contains}` in: {e}");
}

#[test]
fn unknown_keys_and_bad_types_are_located() {
    assert_error("{\n  \"normalise\": {}\n}", "2:13", "unknown field `normalise`");
    assert_error("{\n  \"output\": {\"field\": 3}\n}", "2:23", "invalid type");
    assert_error("{\"rules\": [\n {\"id\": \"r\", \"when\": true, \"tags\": [\"sox:404\"], \"risk\": \"severe\"}\n]}", "2:64", "unknown variant `severe`");
}

#[test]
fn tags_must_name_a_declared_framework() {
    let text = "{\"rules\": [\n  {\"id\": \"r\", \"when\": true,\n   \"tags\": [\"sox:404\", \"pci_dss_4.0:10.2\"]}\n]}";
    assert_error(text, "3:24", "unknown framework `pci_dss_4.0`");
    assert_error("{\"rules\": [{\"id\": \"r\", \"when\": true, \"tags\": [\"sox\"]}]}", "1:47", "must be `framework:control`");
    assert_error("{\"rules\": [{\"id\": \"r\", \"when\": true, \"tags\": []}]}", "1:46", "has no tags");
}

#[test]
fn condition_errors_are_located() {
    let text = "{\"rules\": [\n  {\"id\": \"r\", \"tags\": [\"sox:404\"],\n   \"when\": {\"all\": [{\"field\": \"verb\", \"regex\": \"(\"}]}}\n]}";
    assert_error(text, "3:48", "regex does not compile");
    let text = "{\"rules\": [{\"id\": \"r\", \"tags\": [\"sox:404\"],\n \"when\": {\"field\": \"@apache.status\", \"equals\": 500}}]}";
    assert_error(text, "2:20", "unknown line source `@apache`");
    assert_error("{\"rules\": [{\"id\": \"bad id\", \"when\": true, \"tags\": [\"sox:404\"]}]}", "1:19", "rule id `bad id`");
}

#[test]
fn rule_ids_are_checked() {
    assert_error("{\n  \"disable_rules\": [\"k8s_secret_raed\"]\n}", "2:21", "no built-in rule has the id `k8s_secret_raed`");
    let r = r#"{"id": "mine", "when": true, "tags": ["sox:404"]}"#;
    assert_error(&format!("{{\"rules\": [{r},\n {r}]}}"), "2:9", "used twice");
}

#[test]
fn framework_settings_are_checked() {
    assert_error("{\"frameworks\": {\n \"acme\": {\"retention_days\": 30, \"online_days\": 90}}}", "2:48", "online_days (90) exceeds retention_days (30)");
    assert_error("{\"frameworks\": {\"ACME policy\": {}}}", "1:32", "framework id `ACME policy`");
}

#[test]
fn output_fields_are_checked() {
    assert_error("{\"output\": {\"field\": \"a[0]\"}}", "1:22", "array indexes");
    assert_error("{\"normalize\": {\"enabled\": true, \"field\": \"compliance\"}}", "1:42", "must differ from output.field");
    assert_error("{\"line_fields\": [\"log..x\"]}", "1:18", "empty part");
}

#[test]
fn personal_data_settings_are_checked() {
    assert_error("{\"personal_data\": {\"rule_ids\": []}}", "1:32", "at least one mask rule id");
    assert_error("{\"personal_data\": {\"rule_ids\": [\"e mail\"]}}", "1:33", "mask rule id `e mail`");
}

const SECRET_READ: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","verb":"get","objectRef":{"resource":"secrets"},"responseStatus":{"code":200}}"#;

#[test]
fn a_user_rule_with_a_default_id_replaces_it() {
    let mut p = plugin(Some(r#"{"rules": [{"id": "k8s_secret_read", "when": {"field": "verb", "equals": "get"}, "tags": ["sox:404"], "risk": "critical"}]}"#));
    let out = run(&mut p, SECRET_READ);
    let c = &out.as_ref().unwrap()["compliance"];
    assert!(tags_of(&out).contains(&"sox:404".to_string()));
    assert!(!tags_of(&out).contains(&"pci_dss_v4.0:10.2.1.1".to_string()), "{out:?}");
    assert_eq!(c["risk_level"], "critical");
}

#[test]
fn default_rules_can_be_left_out_entirely() {
    let mut p = plugin(Some(r#"{"default_rules": false, "rules": [{"id": "reads", "when": {"field": "verb", "equals": "get"}, "tags": ["sox:404"]}]}"#));
    assert_eq!(rules_of(&run(&mut p, SECRET_READ)), vec!["reads"]);
    // The personal-data rule is a default rule too.
    assert_eq!(run(&mut p, r#"{"logward": {"mask": {"email": 1}}}"#), None);
}

#[test]
fn disabled_rules_and_frameworks_are_left_out() {
    let mut p = plugin(Some(r#"{"disable_rules": ["k8s_audit_event"], "frameworks": {"cn_csl": {"enabled": false}, "mlps_2.0": {"enabled": false}}}"#));
    let out = run(&mut p, SECRET_READ);
    assert_eq!(rules_of(&out), vec!["k8s_secret_read"]);
    assert!(tags_of(&out).iter().all(|t| !t.starts_with("cn_csl:") && !t.starts_with("mlps_2.0:")), "{out:?}");
    // A rule whose every tag belongs to switched-off frameworks does nothing.
    let mut p = plugin(Some(r#"{"frameworks": {"sox": {"enabled": false}}}"#));
    assert_eq!(run(&mut p, r#"{"log": "x", "kubernetes": {"labels": {"compliance.sox": "true"}}}"#), None);
}

#[test]
fn retention_table_is_merged_and_extended() {
    let config = r#"{
        "frameworks": {"pci_dss_v4.0": {"retention_days": 400}, "acme_policy": {"retention_days": 3650, "online_days": 30}},
        "rules": [{"id": "acme_payments", "when": {"field": "app", "equals": "payments"}, "tags": ["acme_policy:LOG-7", "pci_dss_v4.0:10.2.1"]}]
    }"#;
    let mut p = plugin(Some(config));
    let out = run(&mut p, r#"{"app": "payments"}"#).unwrap();
    assert_eq!(out["compliance"]["retention_days"], 3650);
    // PCI's online days (90, kept from the defaults) beat acme's 30.
    assert_eq!(out["compliance"]["retention_online_days"], 90);
    assert_eq!(out["compliance"]["frameworks"], json!(["acme_policy", "pci_dss_v4.0"]));
}

#[test]
fn frameworks_without_retention_leave_it_out() {
    let mut p = plugin(Some(r#"{"default_rules": false, "rules": [{"id": "r", "when": true, "tags": ["gdpr:art32", "nist_800_53_r5:AU-2"]}]}"#));
    let out = run(&mut p, "{}").unwrap();
    assert_eq!(out["compliance"].get("retention_days"), None);
    assert_eq!(out["compliance"].get("retention_online_days"), None);
}

#[test]
fn a_default_tag_applies_to_every_record() {
    let mut p = plugin(Some(r#"{"rules": [{"id": "pci_scope", "description": "this pipeline only carries the CDE's logs", "when": true, "tags": ["pci_dss_v4.0:10.2.1"]}]}"#));
    let out = run(&mut p, r#"{"log": "anything"}"#);
    assert_eq!(rules_of(&out), vec!["pci_scope"]);
}

#[test]
fn output_options() {
    let config = r#"{"output": {"field": "logward.comply", "rule_ids": false, "flat_tags": true}, "normalize": {"enabled": true, "field": "logward.audit"}}"#;
    let mut p = plugin(Some(config));
    let out = run(&mut p, r#"{"logward": {"mask": {"email": 2}}, "log": "x"}"#).unwrap();
    let c = &out["logward"]["comply"];
    assert_eq!(c.get("rules"), None);
    assert_eq!(c["flat_tags"], json!(["cn_pipl_art51", "gdpr_art30", "gdpr_art32", "iso_27001_A.5.34", "mlps_8.1.4.11"]));
    // The mask summary next to it is kept.
    assert_eq!(out["logward"]["mask"]["email"], 2);
    let out = run(&mut p, SECRET_READ).unwrap();
    assert_eq!(out["logward"]["audit"]["event_type"], "kubernetes.audit");
    assert_eq!(out["logward"]["comply"]["risk_level"], "medium");
}

#[test]
fn personal_data_ids_and_summary_field_are_configurable() {
    let mut p = plugin(Some(r#"{"personal_data": {"summary_field": "masked", "rule_ids": ["passport"], "tags": ["gdpr:art9"]}}"#));
    assert_eq!(tags_of(&run(&mut p, r#"{"masked": {"passport": 1}}"#)), vec!["gdpr:art9"]);
    assert_eq!(run(&mut p, r#"{"masked": {"email": 1}}"#), None);
    assert_eq!(run(&mut p, r#"{"logward": {"mask": {"passport": 1}}}"#), None);
}

#[test]
fn comply_reruns_replace_its_own_output() {
    let mut p = plugin(None);
    let once = run(&mut p, SECRET_READ).unwrap();
    let twice = run(&mut p, &once.to_string()).unwrap();
    assert_eq!(once, twice);
}

/// The example in README.md's configuration reference is a valid comply.json.
#[test]
fn the_readme_example_config_loads() {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("## Configuration reference").expect("section")..];
    let start = section.find("```json").expect("a json block") + "```json".len();
    let end = start + section[start..].find("```").expect("end of block");
    let mut p = plugin(Some(&section[start..end]));
    let out = run(&mut p, &line("2023-11-14T22:13:20.125877Z\t   12 Query\tSELECT id, pan_token FROM cards WHERE customer_id = 48213"));
    assert!(rules_of(&out).contains(&"payments_db_reads".to_string()), "{out:?}");
}

/// Results are cached per set of matched rules; more distinct sets than the cache holds still
/// give each record exactly its own rules and tags.
#[test]
fn every_matched_rule_set_gets_its_own_result() {
    let rules: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"id": "r{i}", "when": {{"field": "f{i}", "exists": true}}, "tags": ["acme:c{i}"]}}"#))
        .collect();
    let config = format!(r#"{{"default_rules": false, "frameworks": {{"acme": {{}}}}, "rules": [{}]}}"#, rules.join(","));
    let mut p = plugin(Some(&config));
    for round in 0..2 {
        for set in (0u32..1024).rev() {
            let present: Vec<u32> = (0..10).filter(|i| set & (1 << i) != 0).collect();
            let record = format!("{{{}}}", present.iter().map(|i| format!(r#""f{i}":1"#)).collect::<Vec<_>>().join(","));
            let out = run(&mut p, &record);
            let mut expected: Vec<String> = present.iter().map(|i| format!("r{i}")).collect();
            expected.sort();
            assert_eq!(rules_of(&out), expected, "round {round}, {record}");
            let mut tags: Vec<String> = present.iter().map(|i| format!("acme:c{i}")).collect();
            tags.sort();
            assert_eq!(tags_of(&out), tags, "round {round}, {record}");
        }
    }
}
