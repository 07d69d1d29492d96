//! The verifier against logs the filter made natively. (tests/chain.rs does the same through
//! the real chain.wasm in the logward harness, with randomized tampering.)

use logward_sdk::serde_json::{self, json, Value};

use super::*;
use crate::tests::{open, run, setup, KEY};

fn opts() -> Options {
    Options { keys: vec![SecretKey::from_bytes(KEY)], threads: 2, ..Options::default() }
}

/// `n` records over three interleaved streams, as out_file would write them.
fn build(name: &str, n: usize, extra: Value) -> (std::path::PathBuf, Vec<String>) {
    let dir = setup(name, extra);
    let mut chain = open(&dir).unwrap();
    let lines = (0..n)
        .map(|i| {
            let tag = ["app.a", "app.b", "app.c"][i % 3];
            let out = run(&mut chain, tag, 1_700_000_000 + i as u32, &format!(r#"{{"log":"line {i} é","n":{i},"f":{}.5}}"#, i));
            format!("{tag}: [1700000000.000000007, {out}]")
        })
        .collect();
    (dir, lines)
}

fn check(lines: &[String], opts: &Options) -> Report {
    let text = lines.join("\n");
    verify(&[Source { name: "out.log".into(), text: text.as_bytes() }], &[], opts)
}

fn kinds(r: &Report) -> Vec<Kind> {
    r.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| f.kind).collect()
}

#[test]
fn intact_logs_verify() {
    let (_, lines) = build("v-intact", 30, json!({}));
    let r = check(&lines, &opts());
    assert_eq!(kinds(&r), [], "{}", r.to_human(false));
    assert_eq!(r.exit_code(false), 0);
    assert_eq!(r.streams.len(), 3);
    assert!(r.streams.iter().all(|s| s.records == 10 && s.last_seq == 10));
}

#[test]
fn every_kind_of_tampering_is_named() {
    let (_, lines) = build("v-tamper", 30, json!({}));
    let cases: Vec<(&str, Vec<String>, Kind)> = vec![
        ("modify", { let mut l = lines.clone(); l[4] = l[4].replace("line 4", "line X"); l }, Kind::Modified),
        ("delete", { let mut l = lines.clone(); l.remove(7); l }, Kind::Deleted),
        ("duplicate", { let mut l = lines.clone(); l.push(lines[3].clone()); l }, Kind::Duplicate),
        ("swap", { let mut l = lines.clone(); l.swap(3, 6); l }, Kind::Reordered),
        ("insert", { let mut l = lines.clone(); l.insert(5, r#"app.a: [1, {"log":"forged"}]"#.into()); l }, Kind::Unchained),
        ("garbage", { let mut l = lines.clone(); l.insert(5, "garbage".into()); l }, Kind::Unparseable),
    ];
    for (name, tampered, kind) in cases {
        let r = check(&tampered, &opts());
        assert!(r.tampered(), "{name}: {}", r.to_human(false));
        assert!(kinds(&r).contains(&kind), "{name}: {}", r.to_human(false));
    }
}

#[test]
fn the_wrong_key_or_no_key_is_not_intact() {
    let (_, lines) = build("v-keys", 6, json!({}));
    let wrong = Options { keys: vec![SecretKey::from_bytes([1; 32])], ..opts() };
    assert!(kinds(&check(&lines, &wrong)).contains(&Kind::UnknownKey));
    let none = Options { keys: vec![], ..opts() };
    assert!(kinds(&check(&lines, &none)).contains(&Kind::UnknownKey));
    // Several keys: each record is checked with its own.
    let both = Options { keys: vec![SecretKey::from_bytes([1; 32]), SecretKey::from_bytes(KEY)], ..opts() };
    assert_eq!(kinds(&check(&lines, &both)), []);
}

#[test]
fn json_round_trips_and_added_output_fields_are_not_tampering() {
    let (_, lines) = build("v-reencode", 12, json!({}));
    let reencoded: Vec<String> = lines
        .iter()
        .map(|l| {
            let (_, rest) = l.split_once(": [1700000000.000000007, ").unwrap();
            let mut v: Value = serde_json::from_str(rest.trim_end_matches(']')).unwrap();
            v.as_object_mut().unwrap().insert("date".into(), json!(1_700_000_000.5));
            serde_json::to_string_pretty(&v).unwrap().replace('\n', " ")
        })
        .collect();
    let r = check(&reencoded, &opts());
    assert_eq!(kinds(&r), [], "{}", r.to_human(false));
    assert_eq!(r.output_fields_ignored, 12);
    // But a field added that is not an output's own is tampering.
    let mut added = reencoded.clone();
    added[3] = added[3].replacen("{", r#"{"injected":1,"#, 1);
    assert!(kinds(&check(&added, &opts())).contains(&Kind::Modified));
}

#[test]
fn a_kill_between_persists_is_a_crash_window_not_tampering() {
    let dir = setup("v-crash", json!({"persist": {"records": 4, "fsync": false}, "checkpoint": {"records": 4, "seconds": 0}}));
    let mut lines = Vec::new();
    let mut chain = open(&dir).unwrap();
    for i in 0..10 {
        lines.push(run(&mut chain, "app", 100 + i, &format!(r#"{{"i":{i}}}"#)));
    }
    drop(chain); // persisted at seq 8; 9 and 10 are in the window
    let mut chain = open(&dir).unwrap();
    for i in 10..15 {
        lines.push(run(&mut chain, "app", 200 + i, &format!(r#"{{"i":{i}}}"#)));
    }
    let ck = std::fs::read(dir.join("chain.checkpoints")).unwrap();
    let text = lines.join("\n");
    let r = verify(&[Source { name: "out".into(), text: text.as_bytes() }], &[Source { name: "ck".into(), text: &ck }], &opts());
    assert_eq!(r.exit_code(false), 0, "{}", r.to_human(false));
    let window = r.findings.iter().find(|f| f.kind == Kind::CrashWindow).expect("a crash window");
    assert_eq!(window.seq, Some((9, 10)), "{}", r.to_human(false));

    // Fluent Bit lost its buffered records 7..10 when killed: a warning, not tampering.
    let mut lost = lines.clone();
    lost.drain(6..10);
    let text = lost.join("\n");
    let r = verify(&[Source { name: "out".into(), text: text.as_bytes() }], &[], &opts());
    assert_eq!(kinds(&r), [Kind::CrashLoss], "{}", r.to_human(false));
    assert_eq!(r.exit_code(false), 0);
    assert_eq!(r.exit_code(true), 1);
}

#[test]
fn checkpoints_reveal_a_truncated_tail() {
    let (dir, lines) = build("v-truncate", 30, json!({"checkpoint": {"records": 1, "seconds": 0}}));
    let ck = std::fs::read(dir.join("chain.checkpoints")).unwrap();
    let cut = &lines[..lines.len() - 2];
    let text = cut.join("\n");
    let r = verify(&[Source { name: "out".into(), text: text.as_bytes() }], &[Source { name: "ck".into(), text: &ck }], &opts());
    assert!(kinds(&r).contains(&Kind::Truncated), "{}", r.to_human(false));
    // Without checkpoints the same cut cannot be seen: said in the report.
    let r = check(cut, &opts());
    assert_eq!(kinds(&r), []);
    assert!(r.to_human(false).contains("a truncated tail cannot be detected"));
}

#[test]
fn files_may_be_split_and_given_in_any_order_and_partial_heads_are_allowed_on_request() {
    let (_, lines) = build("v-split", 30, json!({}));
    let (a, b) = lines.split_at(13);
    let (ta, tb) = (a.join("\n"), b.join("\n"));
    let sources = [Source { name: "2.log".into(), text: tb.as_bytes() }, Source { name: "1.log".into(), text: ta.as_bytes() }];
    let r = verify(&sources, &[], &opts());
    assert_eq!(kinds(&r), [], "{}", r.to_human(false));
    let only_b = verify(&sources[..1], &[], &opts());
    assert!(kinds(&only_b).contains(&Kind::Deleted));
    let partial = verify(&sources[..1], &[], &Options { partial: true, ..opts() });
    assert_eq!(kinds(&partial), [], "{}", partial.to_human(false));
}

#[test]
fn report_formats() {
    let (_, lines) = build("v-report", 6, json!({}));
    let mut l = lines.clone();
    l.remove(2);
    let r = check(&l, &opts());
    let human = r.to_human(false);
    assert!(human.starts_with("TAMPERED: 5 records in 3 streams"), "{human}");
    assert!(human.contains("TAMPER  deleted") && human.contains("stream \"app.c\" seq 1 at out.log:5"), "{human}");
    let doc: Value = serde_json::from_str(&r.to_json(false)).unwrap();
    assert_eq!(doc["status"], "tampered");
    assert_eq!(doc["findings"][0]["kind"], "deleted");
    assert_eq!(doc["findings"][0]["seq"], json!([1, 1]));
}

/// Files are read in batches: whatever the batch size, the report is the one for the whole
/// text (line numbers across batches, lines cut by a batch end, blank lines, no final newline).
#[test]
fn batched_reading_gives_the_same_report() {
    let (dir, lines) = build("v-batches", 40, json!({}));
    let mut l = lines.clone();
    l.remove(7);
    l[11] = l[11].replace("line 12", "line X");
    l.insert(20, String::new());
    l.insert(21, "garbage".into());
    l.insert(30, "   ".into());
    let text = l.join("\n");
    let expected = verify(&[Source { name: "x.log".into(), text: text.as_bytes() }], &[], &opts()).to_json(false);
    let path = dir.join("x.log");
    std::fs::write(&path, &text).unwrap();
    let named = |r: Report| r.to_json(false).replace(&path.display().to_string(), "x.log");
    for batch in [1, 7, 100, 333, 4096, 1 << 20] {
        let r = verify_paths_in_batches(std::slice::from_ref(&path), &[], &opts(), batch).unwrap();
        assert_eq!(named(r), expected, "batch {batch}");
    }
    // A final newline changes nothing.
    std::fs::write(&path, format!("{text}\n")).unwrap();
    assert_eq!(named(verify_paths_in_batches(std::slice::from_ref(&path), &[], &opts(), 50).unwrap()), expected);
    // Big enough for several workers per batch.
    let many: Vec<String> = (0..60).flat_map(|_| lines.iter().cloned()).collect();
    let text = many.join("\n");
    std::fs::write(&path, &text).unwrap();
    let expected = verify(&[Source { name: "x.log".into(), text: text.as_bytes() }], &[], &opts()).to_json(false);
    assert!(text.len() > 2 * CHUNK);
    for batch in [70_000, 1 << 20] {
        assert_eq!(named(verify_paths_in_batches(std::slice::from_ref(&path), &[], &opts(), batch).unwrap()), expected);
    }
}
