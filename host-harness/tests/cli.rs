//! The `logward` command line end to end: output, summaries and exit statuses, with the probe
//! modules from `make probes`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn probe() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap();
    let path = root.join("target/probes/wasm32-wasip1/release/logward_probes.wasm");
    assert!(
        path.exists(),
        "probe module {} is missing: run `make probes` first",
        path.display()
    );
    path.display().to_string()
}

fn logward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_logward"))
        .args(args)
        .output()
        .expect("run logward")
}

fn input(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("logward-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn replay_writes_records_and_a_summary() {
    let file = input(
        "replay.log",
        "{\"msg\":\"é\"}\nplain line\n\nk8s.x: [1700000000.000000001, {\"a\":1}]\n",
    );
    let out = logward(&[
        "replay",
        "--plugin",
        &format!("{}:echo", probe()),
        "-i",
        &file,
        "--output-format",
        "out-file",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "app.logs: [1700000000.000000000, {\"msg\":\"\\u00e9\"}]\n\
         app.logs: [1700000001.000000000, {\"log\":\"plain line\"}]\n\
         k8s.x: [1700000000.000000001, {\"a\":1}]\n"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("3 in, 3 out, 0 dropped, 0 corrupted, 0 errors"),
        "{stderr}"
    );
}

#[test]
fn fail_on_drop_turns_a_trap_into_exit_status_one() {
    let file = input("trap.log", "{\"n\":1}\n{\"trap\":true}\n{\"n\":3}\n");
    let out = logward(&[
        "replay",
        "--plugin",
        &format!("{}:counter", probe()),
        "-i",
        &file,
        "--fail-on-drop",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"count\":1}\n{\"count\":3}\n"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("[error] Got exception running wasm code: Exception: unreachable"),
        "{stderr}"
    );
    assert!(stderr.contains("wasm.0: exception"), "{stderr}");
}

#[test]
fn setup_failures_exit_with_status_three() {
    let file = input("any.log", "{}\n");
    let out = logward(&["replay", "--plugin", "/nonexistent/x.wasm", "-i", &file]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cannot access wasm program at /nonexistent/x.wasm")
    );
    let out = logward(&[
        "replay",
        "--plugin",
        &probe(),
        "--accessible-paths",
        "/nonexistent/dir",
        "-i",
        &file,
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("error while pre-opening directory /nonexistent/dir")
    );
}

#[test]
fn fuzz_passes_a_sound_filter_and_fails_a_trapping_one() {
    let ok = logward(&[
        "fuzz",
        "--plugin",
        &format!("{}:echo", probe()),
        "--iterations",
        "300",
        "--seed",
        "1",
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = logward(&[
        "fuzz",
        "--plugin",
        &format!("{}:trap", probe()),
        "--iterations",
        "10",
        "--seed",
        "1",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("FAILURE") && stderr.contains("--seed 1"),
        "{stderr}"
    );
}

#[test]
fn bench_reports_json() {
    let file = input("bench.log", &"{\"msg\":\"hello\"}\n".repeat(50));
    let out = logward(&[
        "bench",
        "--plugin",
        &format!("{}:echo", probe()),
        "-i",
        &file,
        "--json",
        "--no-baseline",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("bench --json prints JSON");
    assert_eq!(report["records"], 50);
    assert_eq!(report["filters"][0]["kept"], 50);
    assert!(
        report["filters"][0]["fuel_per_record"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}
