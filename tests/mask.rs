//! mask.wasm through the harness (Fluent Bit 5.1.1's filter_wasm, emulated): golden replays of
//! `examples/containers`, parity of JSON/msgpack × ABI v1/v2, fail-closed handling of records
//! that are not JSON, start-up behaviour (config errors, Wasm_Stack_Size), a short fuzz run,
//! and the quality measurement on gitleaks' cases from the evaluation data.
//!
//! Build the module first: `cargo build --release --target wasm32-wasip1 -p mask-wasm`.
//! `UPDATE_GOLDEN=1 cargo test --release -p logward-integration --test mask` rewrites
//! `tests/golden/mask/*.jsonl` (one output record per input record, as Fluent Bit prints it).

use std::path::{Path, PathBuf};

use logward_harness::filter::{AbiVersion, DropReason, EventFormat, FilterSpec, Outcome, WasmFilter};
use logward_harness::fluentbit::json_out;
use logward_harness::fluentbit::{json_round_trips, FlbTime};
use logward_harness::fuzz::{generate, mutate, Rng};
use logward_harness::input::{InputFormat, InputOptions, RecordReader, TimeSource};
use logward_harness::pipeline::{Fate, Pipeline, Record};
use logward_harness::wasm::GuestOutput;
use logward_integration::{temp_dir, workspace_root};
use rmpv::Value;

/// The stack our Fluent Bit configurations give mask (`Wasm_Stack_Size 64K`).
const STACK: u64 = 64_000;

/// A record body as Fluent Bit prints it.
fn msgpack_to_json(v: &Value) -> String {
    String::from_utf8(json_out::msgpack_to_json(v)).expect("Fluent Bit JSON is UTF-8")
}

fn module() -> PathBuf {
    let path = workspace_root().join("target/wasm32-wasip1/release/mask.wasm");
    assert!(path.exists(), "{} is missing: run `cargo build --release --target wasm32-wasip1 -p mask-wasm` first", path.display());
    path
}

fn golden_dir() -> PathBuf {
    workspace_root().join("tests/golden/mask")
}

fn spec(format: EventFormat, abi: AbiVersion, config_dir: Option<&Path>, stack: u64) -> FilterSpec {
    let mut spec = FilterSpec::new(module(), if abi == AbiVersion::V2 { "filter_v2" } else { "filter" });
    spec.working_dir = workspace_root();
    // A directory without mask.json: the defaults.
    let dir = config_dir.map_or_else(|| workspace_root().join("examples/containers"), Path::to_path_buf);
    spec.accessible_paths = vec![dir.display().to_string()];
    spec.event_format = format;
    spec.abi = abi;
    spec.stack_size = stack;
    spec.origin = "mask integration test".into();
    spec
}

fn pipeline(format: EventFormat, abi: AbiVersion, config_dir: Option<&Path>) -> Pipeline {
    match Pipeline::start(&[spec(format, abi, config_dir, STACK)], &GuestOutput::capturing()) {
        Ok(p) => p,
        Err(e) => panic!("mask.wasm did not start:\n{e}"),
    }
}

fn records(input: &Path) -> Vec<Record> {
    let options = InputOptions {
        paths: vec![input.to_path_buf()],
        format: InputFormat::Auto,
        tag: "kube.var.log.containers.app".into(),
        time_key: None,
        time_source: TimeSource::default(),
    };
    RecordReader::new(options).map(|r| r.unwrap_or_else(|e| panic!("{}: {e:#}", input.display())).record).collect()
}

fn kept(fate: Fate, what: &str) -> Record {
    match fate {
        Fate::Kept(r) => r,
        other => panic!("{what}: expected the record to be kept, got {other:?}"),
    }
}

fn examples() -> Vec<PathBuf> {
    let dir = workspace_root().join("examples/containers");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    v.sort();
    v
}

/// Compares `actual` with the golden file (or writes it with UPDATE_GOLDEN=1).
fn golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    if expected != actual {
        for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
            assert_eq!(e, a, "{name}: line {} differs", i + 1);
        }
        assert_eq!(expected.lines().count(), actual.lines().count(), "{name}: line count differs");
    }
}

#[test]
fn golden_replays_of_the_container_examples() {
    let mut p = pipeline(EventFormat::Json, AbiVersion::V1, None);
    for input in examples() {
        let mut out = String::new();
        for (i, r) in records(&input).into_iter().enumerate() {
            let k = kept(p.run(r).fate, &format!("{} record {}", input.display(), i + 1));
            out.push_str(&msgpack_to_json(&k.body));
            out.push('\n');
        }
        let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        golden(&format!("{stem}.jsonl"), &out);
    }
}

#[test]
fn what_must_and_must_not_be_masked_in_the_examples() {
    // Guards the goldens' meaning: a regenerated golden that leaks fails here too.
    let mut p = pipeline(EventFormat::Json, AbiVersion::V1, None);
    let mut all = String::new();
    for input in examples() {
        for r in records(&input) {
            let k = kept(p.run(r).fate, "example");
            all.push_str(&msgpack_to_json(&k.body));
            all.push('\n');
        }
    }
    for secret in [
        "Wint3r-Is-C0ming!", "r3d1s-S3cret", "Xk3pQ9vL2mR8tZ7wB1nC4yF6hJ0sD5gA", "4532 0151 1283 0366", "wang.fang@example-mail.cn",
        "139 2233 4455", "AKIA4TQX7RZ2NB5WKD3L", "DE89 3704 0044 0532 0130 00", "Tr0ub4dor", "li.na+shop@corp-mail.cn", "13812345678",
        "320106198803152134", "sk_live_51NzQx8LkT3vR9wPq2mYc7bH4", "qZ8m3Lx9Vp2Rt7Nw4Yk1", "m0ng0-pa55", "n0t-a-real-pw",
        "ghp_T4kq9Zx3Lm8Vp2Rt7Nw4Yk1Bc6Df0Gh5Jk8L", "B1ll1ng$ecret", "xQ8m3Lx9Vp2Rt7Nw4Yk1Bc6D", "YmlsbGluZzpzM2NyM3QtdG9rZW4=",
        "rk_live_51MzQ8LkT3vR9wPq2mYc7bH4xN", "j.smith@billing-example.org", "536-22-1234", "tXf3Qm8Lp2Vz7Rk9Wn4Yb6Hc1Jd5Ge0Sa3Uo8Ei2",
        "GB82WEST12345698765432", "212-09-8734", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        "pk_9Zq8m3Lx9Vp2Rt7Nw4Yk1Bc6Df0Gh5", "ya29.a0AfB_byC8mQ4Lx9Vp2Rt7Nw4Yk1Bc6Df0Gh5Jk8", "zhang.wei%40corp-mail.cn", "Bkp-2024-Pw",
    ] {
        assert!(!all.contains(secret), "{secret:?} survived masking");
    }
    for keep in [
        "4532015112830367", "2024051412345678", "REF-7731-2024", "9f2c4e1b7a3d5f60812c4b9e7d1a2f3c4b5a6e7d", "320106198803152135",
        "550e8400-e29b-41d4-a716-446655440000", "4bf92f3580dc4cc8a6b2e1f7c9d30a55", "1715674939003", "555-0142", "000-12-3456",
        "GB82WEST12345698765433", "182345678", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", "x-request-id",
        "a7c1e0f2", "3f1c2b3a-4d5e-4f70-8192-a3b4c5d6e7f8",
    ] {
        assert!(all.contains(keep), "look-alike {keep:?} was masked");
    }
}

#[test]
fn the_credential_in_the_audit_example_is_masked() {
    // `make demo` shows this record before and after: its key once read `AKIAEXAMPLEFAKE…`,
    // which mask rightly takes for a documentation placeholder, so the demo showed it unmasked.
    let mut p = pipeline(EventFormat::Json, AbiVersion::V1, None);
    let input = workspace_root().join("examples/k8s-audit/audit.log");
    let mut all = String::new();
    for r in records(&input) {
        let k = kept(p.run(r).fate, "audit event");
        all.push_str(&msgpack_to_json(&k.body));
        all.push('\n');
    }
    assert!(!all.contains("AKIAZ7QF3LWXB2MRK5TN"), "the ConfigMap's AWS key survived");
    assert!(all.contains("aws_access_key_id = [REDACTED:aws-access-key-id]"), "the ConfigMap's AWS key was not masked in place");
}

#[test]
fn json_msgpack_v1_v2_give_the_same_records() {
    let combos = [
        (EventFormat::Json, AbiVersion::V1),
        (EventFormat::Json, AbiVersion::V2),
        (EventFormat::Msgpack, AbiVersion::V1),
        (EventFormat::Msgpack, AbiVersion::V2),
    ];
    let mut outputs: Vec<Vec<String>> = Vec::new();
    for (format, abi) in combos {
        let mut p = pipeline(format, abi, None);
        let mut out = Vec::new();
        for input in examples() {
            for r in records(&input) {
                let k = kept(p.run(r).fate, &format!("{format:?} {abi:?}"));
                out.push(msgpack_to_json(&k.body));
            }
        }
        outputs.push(out);
    }
    for (i, o) in outputs.iter().enumerate().skip(1) {
        for (n, (a, b)) in outputs[0].iter().zip(o).enumerate() {
            assert_eq!(a, b, "record {n}: {:?} differs from json/v1", combos[i]);
        }
    }
}

/// A record that is not JSON (the host never sends one, but a buggy upstream stage might):
/// scanned as text and emitted, never passed through unscanned, never dropped.
#[test]
fn records_that_are_not_json_are_masked_as_text() {
    let spec = spec(EventFormat::Json, AbiVersion::V1, None, STACK);
    let mut f = WasmFilter::new(&spec, &GuestOutput::capturing()).unwrap_or_else(|e| panic!("{e}"));
    let raw = b"ERROR login failed password=hunter2 for bob@corp-mail.cn {oops";
    let r = f.process_raw(b"app", FlbTime { sec: 1, nsec: 0 }, raw, true);
    let Outcome::Kept(body) = r.outcome else { panic!("{:?}", r.outcome) };
    let json = msgpack_to_json(&body);
    assert!(json.contains("password=[REDACTED:secret-assignment]") && json.contains("[REDACTED:email]"), "{json}");
    assert!(json.contains("\"logward_error\":\"mask: "), "{json}");
    assert!(!json.contains("hunter2"), "{json}");
}

#[test]
fn a_bad_config_stops_fluent_bit_at_start_with_its_location() {
    let dir = temp_dir("mask-bad-config");
    std::fs::write(dir.join("mask.json"), "{\n  \"rules\": {\"no-such-rule\": {}}\n}\n").unwrap();
    let err = match Pipeline::start(&[spec(EventFormat::Json, AbiVersion::V1, Some(&dir), STACK)], &GuestOutput::capturing()) {
        Ok(_) => panic!("started with a bad mask.json"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("mask.json:2:") && err.contains("unknown rule"), "{err}");
}

#[test]
fn hash_mode_gives_stable_pseudonyms_with_the_key_from_the_config_dir() {
    let dir = golden_dir().join("hash");
    let mut p = pipeline(EventFormat::Json, AbiVersion::V1, Some(&dir));
    let mut out = String::new();
    for input in ["node-shop.docker.log", "go-billing.docker.log"] {
        for r in records(&workspace_root().join("examples/containers").join(input)) {
            out.push_str(&msgpack_to_json(&kept(p.run(r).fate, input).body));
            out.push('\n');
        }
    }
    assert!(out.contains("hmac:"), "{out}");
    golden("hash.jsonl", &out);
}

/// With Fluent Bit's default 8 KiB stack mask either refuses to start (the start-up stack probe
/// compiles the deepest rule) or processes every record: it never traps on one.
/// Fluent Bit's default Wasm_Stack_Size (8 KiB): mask starts and keeps every example record.
/// (Compiling a regex is mask's deepest call chain; it happens in `_initialize`, from a
/// shallow frame, so it fits.)
#[test]
fn default_stack_size_starts_and_never_drops_records() {
    let spec = spec(EventFormat::Json, AbiVersion::V1, None, 0);
    let mut p = Pipeline::start(&[spec], &GuestOutput::capturing())
        .unwrap_or_else(|e| panic!("mask must start with Fluent Bit's default 8 KiB stack: {e}"));
    for input in examples() {
        for r in records(&input) {
            let trip = p.run(r);
            assert!(matches!(trip.fate, Fate::Kept(_)), "{}: {:?}", input.display(), trip.fate);
        }
    }
}

/// `_initialize` runs in the interpreter when Fluent Bit starts. Prints the fuel (≈ wasm
/// instructions) and stack of start-up, all regexes compiled (default) and lazily compiled.
#[test]
fn start_up_cost() {
    let dir = temp_dir("mask-lazy-compile");
    std::fs::write(dir.join("mask.json"), r#"{"compile_at_start": false}"#).unwrap();
    let mut fuel = Vec::new();
    for (name, config) in [("compile_at_start (default)", None), ("lazy", Some(dir.as_path()))] {
        // Fuel without the stack model's instrumentation (as `logward bench` counts it), the
        // stack with it.
        let mut plain = spec(EventFormat::Json, AbiVersion::V1, config, STACK);
        plain.stack_model = false;
        let f = WasmFilter::new(&plain, &GuestOutput::capturing()).unwrap_or_else(|e| panic!("{e}"));
        let modelled = WasmFilter::new(&spec(EventFormat::Json, AbiVersion::V1, config, STACK), &GuestOutput::capturing())
            .unwrap_or_else(|e| panic!("{e}"));
        let (u, m) = (f.init_usage(), modelled.init_usage());
        println!("_initialize, {name}: {} fuel, Wasm_Stack_Size needed {} bytes", u.fuel, m.need_stack);
        if config.is_none() {
            assert!(m.need_stack <= 8192, "{name}: start-up no longer fits Fluent Bit's default stack");
        }
        fuel.push(u.fuel);
    }
    // ~0.4 s of WAMR at start for every rule; a regression past this shows in CI.
    assert!(fuel[0] < 250_000_000, "start-up got expensive: {} fuel", fuel[0]);
    assert!(fuel[1] < fuel[0], "lazy compilation defers work");
}

/// A short fuzz run for CI (the long run: `logward fuzz --plugin mask.wasm --iterations 1000000`).
/// Records Fluent Bit can deliver must all be kept; byte strings it never sends (mutated lines,
/// broken JSON) may be echoed or dropped by the host, but must never trap.
#[test]
fn fuzzed_records_never_trap_and_valid_ones_are_kept() {
    let limits = generate::GenLimits { max_len: 300, huge_strings: false, exotic: false };
    let mut rng = Rng::new(0x6d61_736b);
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for input in examples() {
        lines.extend(std::fs::read_to_string(&input).unwrap().lines().map(|l| l.as_bytes().to_vec()));
    }
    let mut p = pipeline(EventFormat::Json, AbiVersion::V1, None);
    for i in 0..1500 {
        let body = generate::random_record(&mut rng, limits);
        let trip = p.run(Record { tag: "fuzz".into(), time: FlbTime { sec: 1, nsec: 0 }, body: body.clone() });
        // Records whose Fluent Bit JSON text is not valid JSON are lost by Fluent Bit itself.
        if !json_round_trips(&body) {
            continue;
        }
        assert!(matches!(trip.fate, Fate::Kept(_)), "record {i} ({}): {:?}", msgpack_to_json(&body), trip.fate);
    }
    let spec = spec(EventFormat::Json, AbiVersion::V1, None, STACK);
    let mut f = WasmFilter::new(&spec, &GuestOutput::capturing()).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..1500 {
        let input = if i % 2 == 0 {
            let line = rng_pick(&mut rng, &lines);
            mutate::mutate_line(&mut rng, line, 4096)
        } else {
            logward_harness::fuzz::raw::raw_json_input(&mut rng, limits)
        };
        let r = f.process_raw(b"fuzz", FlbTime { sec: 1, nsec: 0 }, &input, true);
        if let Outcome::Dropped(reason @ (DropReason::Exception { .. } | DropReason::StackOverflow | DropReason::FuelExhausted)) = &r.outcome {
            panic!("input {i} ({:?}): {reason:?}", String::from_utf8_lossy(&input));
        }
    }
}

/// A hostile record with a 3 MB non-ASCII key: key matching must stay linear (it once collected
/// the key into a `Vec<char>` for each of ~50 globs: ~2,000 fuel per byte, and the fuzzer's 10 MB
/// record ran out of fuel, which in Fluent Bit is a stalled pipeline). The budget is
/// deterministic fuel, not time: ~3x what the record costs now (~510M).
#[test]
fn a_megabyte_key_costs_linear_fuel() {
    // A keyword in the key makes every key glob look at it.
    let key = format!("é{}_password_hint", "x".repeat(3 << 20));
    let body = Value::Map(vec![
        (Value::from(key.as_str()), Value::from("password=hunter2")),
        (Value::from("log"), Value::from("ok")),
    ]);
    for (format, abi) in [(EventFormat::Json, AbiVersion::V1), (EventFormat::Msgpack, AbiVersion::V2)] {
        let mut spec = spec(format, abi, None, STACK);
        spec.fuel_limit = 1_500_000_000;
        let mut p = Pipeline::start(&[spec], &GuestOutput::capturing()).unwrap_or_else(|e| panic!("{e}"));
        let r = Record { tag: "app".into(), time: FlbTime { sec: 1, nsec: 0 }, body: body.clone() };
        let trip = p.run(r);
        println!("{format:?}/{abi:?}: {} fuel", trip.steps[0].result.usage.fuel);
        let out = kept(trip.fate, &format!("{format:?}/{abi:?}"));
        let Value::Map(fields) = &out.body else { panic!("{format:?}/{abi:?}: not a map") };
        assert_eq!(fields[0].0.as_str(), Some(key.as_str()), "{format:?}/{abi:?}: the key must be kept");
        assert_eq!(fields[0].1.as_str(), Some("password=[REDACTED:secret-assignment]"), "{format:?}/{abi:?}");
    }
}

fn rng_pick<'a>(rng: &mut Rng, lines: &'a [Vec<u8>]) -> &'a [u8] {
    &lines[rng.index(lines.len())]
}

/// Every string in an output record except mask's own summary.
fn strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s.as_str().unwrap_or_default());
            out.push('\u{1}');
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Map(m) => m.iter().filter(|(k, _)| k.as_str() != Some("logward")).for_each(|(_, x)| strings(x, out)),
        _ => {}
    }
}

/// gitleaks' rule cases through the real module: each `text` as the `log` value of a JSON record
/// and as a raw (non-JSON) record. Prints the per-rule misses; asserts the recall goal and guards
/// the current false-case alteration rate against regressions.
#[test]
fn gitleaks_cases_through_the_module() {
    let path = workspace_root().join("../shared/eval/secrets/gitleaks-cases.jsonl");
    let Ok(data) = std::fs::read_to_string(&path) else {
        println!("SKIPPED: {} not found (evaluation data absent)", path.display());
        return;
    };
    let spec = spec(EventFormat::Json, AbiVersion::V1, None, STACK);
    let mut f = WasmFilter::new(&spec, &GuestOutput::capturing()).unwrap_or_else(|e| panic!("{e}"));
    let t = FlbTime { sec: 1, nsec: 0 };
    let (mut trues, mut masked_json, mut masked_raw, mut falses, mut altered_json, mut altered_raw) = (0, 0, 0, 0, 0, 0);
    let mut misses: Vec<String> = Vec::new();
    let mut altered: Vec<String> = Vec::new();
    // False cases whose text no gitleaks rule flags at all (the others hold another rule's secret).
    let (mut falses_clean, mut altered_clean) = (0, 0);
    for line in data.lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = case["text"].as_str().unwrap_or_default();
        let rule = case["rule_id"].as_str().unwrap_or_default();
        let secrets: Vec<&str> = case["secrets"].as_array().map(|a| a.iter().filter_map(|s| s.as_str()).collect()).unwrap_or_default();
        let json_record = serde_json::json!({ "log": text }).to_string();
        let mut outs = Vec::new();
        for (bytes, raw) in [(json_record.as_bytes(), false), (text.as_bytes(), true)] {
            let r = f.process_raw(b"eval", t, bytes, true);
            let Outcome::Kept(body) = r.outcome else { panic!("{rule}: {:?} for {text:?}", r.outcome) };
            let mut s = String::new();
            strings(&body, &mut s);
            let log = body.as_map().and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some("log"))).and_then(|(_, v)| v.as_str().map(str::to_string));
            outs.push((s, log, raw));
        }
        if case["expect"].as_bool() == Some(true) {
            trues += 1;
            let ok: Vec<bool> = outs.iter().map(|(s, _, _)| secrets.iter().all(|x| !s.contains(x))).collect();
            masked_json += usize::from(ok[0]);
            masked_raw += usize::from(ok[1]);
            if !ok[0] || !ok[1] {
                misses.push(format!("{rule}: {}", text.chars().take(100).collect::<String>()));
            }
        } else {
            falses += 1;
            // Altered: the log text differs (JSON mode), or the decoded output does (raw mode).
            let changed = outs[0].1.as_deref() != Some(text);
            altered_json += usize::from(changed);
            if case["any_rule_fires"].as_bool() == Some(false) {
                falses_clean += 1;
                altered_clean += usize::from(changed);
            }
            if changed {
                let by: Vec<&str> = outs[0].0.split("[REDACTED:").skip(1).filter_map(|s| s.split(']').next()).collect();
                altered.push(format!("{rule} (masked by {}): {}", by.join(","), text.chars().take(90).collect::<String>()));
            }
            let raw_same = match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) if v.is_object() => !outs[1].0.contains("REDACTED") && !outs[1].0.contains("*****"),
                _ => outs[1].1.as_deref() == Some(text),
            };
            altered_raw += usize::from(!raw_same);
        }
    }
    let pct = |n: usize, d: usize| 100.0 * n as f64 / d as f64;
    println!("gitleaks cases through mask.wasm: {trues} true, {falses} false");
    println!("  masked: json {masked_json} ({:.2}%), raw {masked_raw} ({:.2}%)", pct(masked_json, trues), pct(masked_raw, trues));
    println!("  false cases altered: json {altered_json} ({:.2}%), raw {altered_raw} ({:.2}%)", pct(altered_json, falses), pct(altered_raw, falses));
    println!(
        "  of them, texts no gitleaks rule flags: {altered_clean} of {falses_clean} altered ({:.2}%)",
        pct(altered_clean, falses_clean)
    );
    for a in &altered {
        println!("  altered {a}");
    }
    for m in &misses {
        println!("  miss {m}");
    }
    assert!(pct(masked_json, trues) >= 99.5 && pct(masked_raw, trues) >= 99.5, "recall below 99.5%");
    // Above the issue's 5% goal: most altered "false" cases are real-format keys (see README).
    assert!(pct(altered_json, falses) <= 20.0 && pct(altered_raw, falses) <= 20.0, "false-case alterations regressed");
}
