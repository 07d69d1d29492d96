//! End-to-end tests of the plugin through the SDK's `Instance`, exactly as the wasm exports
//! drive it (format detection, zero-copy passthrough, ABI v1/v2).

use logward_sdk::abi::{Input, Instance, Output};
use logward_sdk::{Abi, ConfigSource, Timestamp};
use serde_json::Value;

use crate::Mask;

fn instance(config: Option<&str>) -> Instance<Mask> {
    let mut inst = Instance::<Mask>::new();
    let src = config.map(|c| ConfigSource::new("mask.json", c));
    inst.initialize_with(src.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    inst
}

/// Runs one JSON record under ABI v2 and returns the output text (the input if untouched).
fn run(inst: &mut Instance<Mask>, record: &str) -> String {
    run_tag(inst, "kube.app", record)
}

fn run_tag(inst: &mut Instance<Mask>, tag: &str, record: &str) -> String {
    match inst.handle(tag, Timestamp::default(), Input::Bytes { record: record.as_bytes(), nul_follows: false }, Abi::V2) {
        Output::Input => record.to_string(),
        Output::Buffer => String::from_utf8(inst.output_body().to_vec()).unwrap(),
        Output::Drop => panic!("mask dropped a record"),
    }
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

#[test]
fn clean_records_come_back_untouched_without_a_copy() {
    let mut m = instance(None);
    let rec = r#"{"log":"2024-05-01T10:00:00.123Z INFO  o.s.b.w.e.tomcat.TomcatWebServer : Tomcat started on port(s): 8080 (http)\n","stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}"#;
    let out = m.handle("t", Timestamp::default(), Input::Bytes { record: rec.as_bytes(), nul_follows: false }, Abi::V2);
    assert_eq!(out, Output::Input);
}

#[test]
fn secrets_in_text_are_masked_and_counted() {
    let mut m = instance(None);
    let out = run(&mut m, r#"{"log":"connecting to postgres://app:s3cr3t-Pa55@db:5432/orders with AKIALALEMEL33243OLIB\n","stream":"stdout"}"#);
    let v = parse(&out);
    assert_eq!(v["log"], "connecting to postgres://app:[REDACTED:url-userinfo]@db:5432/orders with [REDACTED:aws-access-key-id]\n");
    assert_eq!(v["stream"], "stdout");
    assert_eq!(v["logward"]["mask"]["rules"]["url-userinfo"], 1);
    assert_eq!(v["logward"]["mask"]["groups"]["secrets"], 2);
    assert_eq!(v["logward"]["mask"]["total"], 2);
}

#[test]
fn sensitive_keys_are_masked_whole_at_any_depth() {
    let mut m = instance(None);
    let out = run(&mut m, r#"{"user":"bob","db":{"Password":"hunter2","pool":{"api_key":12345678},"opts":[{"client_secret":{"a":1}}]},"token_type":"bearer","max_tokens":9,"empty_password":""}"#);
    let v = parse(&out);
    assert_eq!(v["db"]["Password"], "[REDACTED:sensitive-key]");
    assert_eq!(v["db"]["pool"]["api_key"], "[REDACTED:sensitive-key]");
    assert_eq!(v["db"]["opts"][0]["client_secret"], "[REDACTED:sensitive-key]");
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["max_tokens"], 9);
    assert_eq!(v["empty_password"], "", "nothing to hide in an empty value");
    assert_eq!(v["user"], "bob");
}

#[test]
fn name_value_pairs_mask_the_value() {
    let mut m = instance(None);
    let out = run(&mut m, r#"{"env":[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"LOG_LEVEL","value":"debug"}]}"#);
    let v = parse(&out);
    assert_eq!(v["env"][0]["value"], "[REDACTED:sensitive-key]");
    assert_eq!(v["env"][1]["value"], "debug");
}

#[test]
fn embedded_json_in_docker_log_lines() {
    let mut m = instance(None);
    let rec = r#"{"log":"{\"level\":\"info\",\"msg\":\"login\",\"password\":\"hunter2\",\"card\":\"4111 1111 1111 1111\"}\n","stream":"stdout"}"#;
    let v = parse(&run(&mut m, rec));
    let inner = parse(v["log"].as_str().unwrap().trim_end());
    assert_eq!(inner["password"], "[REDACTED:sensitive-key]");
    assert_eq!(inner["card"], "**** **** **** 1111");
    assert_eq!(inner["msg"], "login");
    assert!(v["log"].as_str().unwrap().ends_with('\n'));
}

#[test]
fn personal_data_with_validators() {
    let mut m = instance(None);
    let rec = r#"{"log":"user 11010519491231002X phone +86 138 1234 5678 mail zhang.wei@corp-mail.cn card 4111111111111111 bad 4111111111111112 order 2024051512345678 ssn 536-22-1234 iban DE89370400440532013000"}"#;
    let v = parse(&run(&mut m, rec));
    assert_eq!(
        v["log"],
        "user [REDACTED:cn-resident-id] phone [REDACTED:cn-mobile] mail [REDACTED:email] card ************1111 bad 4111111111111112 order 2024051512345678 ssn [REDACTED:us-ssn] iban [REDACTED:iban]"
    );
    assert_eq!(v["logward"]["mask"]["groups"]["pii"], 6);
}

#[test]
fn unicode_escaped_chinese_text_around_an_id() {
    let mut m = instance(None);
    // Fluent Bit escapes non-ASCII: 身份证号：11010519491231002X
    let rec = r#"{"log":"\u8eab\u4efd\u8bc1\u53f7\uff1a11010519491231002X"}"#;
    let v = parse(&run(&mut m, rec));
    assert_eq!(v["log"], "身份证号：[REDACTED:cn-resident-id]");
}

#[test]
fn numbers_holding_card_numbers() {
    let mut m = instance(None);
    let v = parse(&run(&mut m, r#"{"pan":4111111111111111,"amount":1999}"#));
    assert_eq!(v["pan"], "************1111");
    assert_eq!(v["amount"], 1999);
}

#[test]
fn invalid_records_are_masked_as_text_never_dropped() {
    let mut m = instance(None);
    let raw = "2024-05-01 ERROR login failed password=hunter2 for bob@corp-mail.cn {oops";
    let v = parse(&run(&mut m, raw));
    assert_eq!(v["log"], "2024-05-01 ERROR login failed password=[REDACTED:secret-assignment] for [REDACTED:email] {oops");
    assert!(v["logward_error"].as_str().unwrap().starts_with("mask: "));
    let v = parse(&run(&mut m, r#"{"a":"password=hunter2""#));
    assert!(v["log"].as_str().unwrap().contains("[REDACTED"), "{v}");
    let v = parse(&run(&mut m, ""));
    assert_eq!(v["log"], "");
}

#[test]
fn private_keys_spread_over_records_of_one_stream() {
    let mut m = instance(None);
    let lines = [
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "MIIEpAIBAAKCAQEAn6/O8li+SX4m98LLYt/PKSzEmQ++ZBD7Loh9P13f4yQ92EF3\n",
        "yxR5MsXFu9PRsrYQA7/4UTPHiC4y2sAVCBg4C2yyBpUEtMQjyCESi6Y=\n",
        "-----END RSA PRIVATE KEY-----\n",
        "MIIEpAIBAAKCAQEAn6/O8li+SX4m98LLYt/PKSzEmQ++ZBD7Loh9P13f4yQ92EF3\n",
    ];
    let mut outs = Vec::new();
    for l in lines {
        let rec = serde_json::json!({"log": l, "stream": "stderr"}).to_string();
        outs.push(parse(&run_tag(&mut m, "kube.a", &rec))["log"].as_str().unwrap().to_string());
        // Another stream in between is not affected.
        let other = serde_json::json!({"log": "MIIEpAIBAAKCAQEAn6/O8li+SX4m98LLYt/PKSzEmQ++ZBD7Loh9P13f4yQ92EF3\n"}).to_string();
        assert_eq!(run_tag(&mut m, "kube.b", &other), other);
    }
    assert_eq!(outs[0], "[REDACTED:private-key]");
    assert_eq!(outs[1], "[REDACTED:private-key]\n");
    assert_eq!(outs[2], "[REDACTED:private-key]\n");
    assert_eq!(outs[3], "[REDACTED:private-key]\n");
    assert_eq!(outs[4], lines[4], "the block ended at its END line");
}

#[test]
fn msgpack_records_are_masked_in_place() {
    let mut m = instance(None);
    let v = serde_json::json!({"log": "token=ghp_sfmtpo0sm9jl6ua71oc31vob73t8oppvzbfe", "n": 1, "pan": 4111111111111111u64});
    let mut mp = Vec::new();
    logward_sdk::value::encode(&mut mp, &v, logward_sdk::Format::Msgpack);
    let out = m.handle("t", Timestamp::default(), Input::Bytes { record: &mp, nul_follows: false }, Abi::V2);
    assert_eq!(out, Output::Buffer);
    let json = logward_sdk::convert::msgpack_to_json(m.output_body()).unwrap();
    let back = parse(&json);
    assert_eq!(back["log"], "token=[REDACTED:github-token]");
    assert_eq!(back["pan"], "************1111");
    assert_eq!(back["n"], 1);
}

#[test]
fn masking_twice_changes_nothing() {
    let mut m = instance(None);
    let once = run(&mut m, r#"{"log":"password=hunter2 AKIALALEMEL33243OLIB bob@corp-mail.cn","token":"abc"}"#);
    let v: Value = parse(&once);
    let mut without_summary = v.clone();
    without_summary.as_object_mut().unwrap().remove("logward");
    let again = run(&mut m, &without_summary.to_string());
    assert_eq!(parse(&again), without_summary, "second pass found something in: {once}");
}

#[test]
fn config_errors_are_located() {
    let bad = [
        ("{\n  \"rules\": {\"no-such-rule\": {\"enabled\": false}}\n}", 2, "unknown rule"),
        ("{\n  \"custom_rules\": [\n    {\"id\": \"x\", \"regex\": \"(unclosed\"}\n  ]\n}", 3, "does not compile"),
        ("{\n  \"groups\": {\"secret\": {}}\n}", 2, "unknown group"),
        ("{\n  \"action\": {\"mode\": \"redact\", \"keep_last\": 4}\n}", 2, "only applies"),
        ("{\n  \"action\": {\"mode\": \"hash\"}\n}", 2, "HMAC key"),
        ("{\n  \"colour\": 1\n}", 2, "unknown field"),
        ("{\n  \"keys\": {\"names\": [\"*\"]}\n}", 2, "literal"),
        ("{\n  \"scan\": {\"exclude\": [\"a..b\"]}\n}", 2, "empty part"),
        ("{\n  \"custom_rules\": [{\"id\": \"email\", \"regex\": \"x\"}]\n}", 2, "already used"),
        ("{\n  \"custom_rules\": [{\"id\": \"x\", \"regex\": \"(a)\", \"secret_group\": 2}]\n}", 2, "capture groups"),
    ];
    for (text, line, msg) in bad {
        let src = ConfigSource::new("mask.json", text);
        let e = match <Mask as logward_sdk::Plugin>::init(Some(&src)) {
            Err(e) => e,
            Ok(_) => panic!("accepted: {text}"),
        };
        assert_eq!(e.line, line, "{e}");
        assert!(e.message.contains(msg), "{e}");
    }
}

#[test]
fn config_switches_groups_rules_actions_and_custom_rules() {
    let dir = std::env::temp_dir().join(format!("logward-mask-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mask.key"), "0123456789abcdef0123456789abcdef\n").unwrap();
    let cfg = r##"{
      "groups": {"network": {"enabled": true}},
      "rules": {"email": {"action": {"mode": "hash"}}, "us-ssn": {"enabled": false},
                "payment-card": {"action": {"mode": "partial", "keep_first": 6, "keep_last": 4, "mask_char": "#"}}},
      "custom_rules": [{"id": "acme-order-key", "keywords": ["acme_"], "regex": "acme_[a-z0-9]{8}", "action": {"mode": "redact", "token": "<acme>"}}],
      "allowlist": {"values": ["ops@corp-mail.cn"], "paths": ["trace"]},
      "summary": {"field": "meta.masked"}
    }"##;
    let src = ConfigSource::new(dir.join("mask.json").to_str().unwrap(), cfg);
    let mut inst = Instance::<Mask>::new();
    inst.initialize_with(Some(&src)).unwrap();
    let out = run(&mut inst, r#"{"log":"ip 10.1.2.3 mail bob@corp-mail.cn ops@corp-mail.cn ssn 536-22-1234 key acme_12ab34cd card 4111111111111111","trace":"bob@corp-mail.cn"}"#);
    let v = parse(&out);
    let log = v["log"].as_str().unwrap();
    assert!(log.starts_with("ip [REDACTED:ipv4] mail hmac:"), "{log}");
    assert!(log.contains(" ops@corp-mail.cn ssn 536-22-1234 key <acme> card 411111######1111"), "{log}");
    assert_eq!(v["trace"], "bob@corp-mail.cn");
    assert_eq!(v["meta"]["masked"]["rules"]["acme-order-key"], 1);
    // The pseudonym is stable.
    let again = parse(&run(&mut inst, r#"{"log":"ip 10.1.2.3 mail bob@corp-mail.cn"}"#));
    assert_eq!(&again["log"].as_str().unwrap()[..40], &log[..40]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_readme_documents_every_rule() {
    let readme = include_str!("../README.md");
    for s in crate::rules::builtin() {
        assert!(readme.contains(&format!("| `{}` |", s.id)), "README.md has no row for rule `{}`", s.id);
    }
}

/// Values over 16 KiB are searched by regex rules only around their own hits: same results.
#[test]
fn huge_values_are_masked_like_small_ones() {
    let mut m = instance(None);
    let filler = "GET /api/items 200 in 12 ms, all good here. ".repeat(500);
    let secrets = ["ghp_sfmtpo0sm9jl6ua71oc31vob73t8oppvzbfe", "AKIALALEMEL33243OLIB", "4111 1111 1111 1111", "zhang.wei@corp-mail.cn"];
    let mut text = String::new();
    for s in secrets {
        text.push_str(&filler);
        text.push_str(&format!(" key {s} end "));
    }
    text.push_str(&filler);
    assert!(text.len() > 4 * 16 * 1024);
    let out = parse(&run(&mut m, &serde_json::json!({ "log": text }).to_string()));
    let log = out["log"].as_str().unwrap();
    for s in secrets {
        assert!(!log.contains(s), "{s} survived in a huge value");
    }
    assert_eq!(out["logward"]["mask"]["total"], 4);
    assert_eq!(log.matches("all good here").count(), 2500, "the rest is untouched");
}
