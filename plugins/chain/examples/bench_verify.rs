//! Builds a chained log natively (the same code chain.wasm runs) and times the verifier on it.
//!
//! ```sh
//! cargo run --release -p logward-chain --features verify --example bench_verify -- 1000000 /tmp/chained.log
//! logward verify --key /tmp/chained.log.key /tmp/chained.log     # the CLI on the same file
//! ```
//!
//! Flags after the file: `--verify-only` (time the verifier on a log and `<log>.key` made by an
//! earlier run), `--threads N` (verifier threads; default one per core).

use std::io::Write as _;
use std::time::Instant;

use logward_chain::mac::SecretKey;
use logward_chain::verify::{self, Options};
use logward_chain::{keyfile, Chain};
use logward_sdk::{Abi, Call, ConfigSource, Format, Plugin, Record, Timestamp};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let out = args.next().unwrap_or_else(|| "/tmp/logward-chained.log".into());
    let (mut verify_only, mut threads) = (false, 0);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--verify-only" => verify_only = true,
            "--threads" => threads = args.next().and_then(|t| t.parse().ok()).expect("--threads N"),
            other => panic!("unknown flag {other}"),
        }
    }
    if verify_only {
        let key = verify::read_key(std::path::Path::new(&format!("{out}.key"))).expect("key");
        verify_timed(&out, key, threads);
        return;
    }
    let dir = std::env::temp_dir().join(format!("logward-bench-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key = SecretKey::from_bytes([0x33; 32]);
    std::fs::write(dir.join("chain.key"), keyfile::render(&key)).expect("key");
    std::fs::write(format!("{out}.key"), keyfile::render(&key)).expect("key copy");
    let config = r#"{"persist": {"records": 10000, "fsync": false}, "checkpoint": {"records": 10000, "seconds": 0}, "epoch": {"records": 100000, "seconds": 0}}"#;
    let src = ConfigSource::new(dir.join("chain.json").display().to_string(), config);
    let mut chain = Chain::init(Some(&src)).expect("chain");

    let tags = ["kube.var.log.containers.web", "kube.var.log.containers.db", "kube.var.log.containers.auth"];
    let started = Instant::now();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out).expect("output"));
    let mut bytes = 0usize;
    let mut buf = Vec::new();
    for i in 0..n {
        let tag = tags[i % tags.len()];
        // About 300 bytes: a typical container log line with Kubernetes metadata.
        let text = format!(
            r#"{{"log":"2024-05-01T12:00:00.{i:06}Z INFO request handled path=/api/v1/items/{i} status=200 duration_ms={}","stream":"stdout","kubernetes":{{"namespace_name":"prod","pod_name":"web-7d9f8b6c5-x2x4z","container_name":"web","labels":{{"app":"web","tier":"frontend"}}}}}}"#,
            i % 997
        );
        bytes += text.len();
        let mut rec = Record::new(text.as_bytes(), Format::Json);
        let call = Call { tag, time: Timestamp { sec: 1_700_000_000 + (i / 1000) as u32, nsec: (i % 1000) as u32 * 1000 }, format: Format::Json, abi: Abi::V1 };
        chain.process(&mut rec, &call).expect("chained");
        buf.clear();
        rec.write(&mut buf).expect("written");
        writeln!(file, "{tag}: [{}.{:09}, {}]", call.time.sec, call.time.nsec, String::from_utf8_lossy(&buf)).expect("write");
    }
    file.flush().expect("flush");
    let chain_secs = started.elapsed().as_secs_f64();
    eprintln!("chained {n} records (avg {} bytes in) natively in {chain_secs:.2}s: {:.0} records/s", bytes / n.max(1), n as f64 / chain_secs);

    verify_timed(&out, key, threads);
    let _ = std::fs::remove_dir_all(&dir);
}

fn verify_timed(out: &str, key: SecretKey, threads: usize) {
    let opts = Options { keys: vec![key], threads, ..Options::default() };
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |p| p.get()) } else { threads };
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let report = verify::verify_paths(&[out.into()], &[], &opts).expect("verify");
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    let per_cpu = cpu.map_or(String::new(), |c| format!(", {c:.2}s CPU: {:.0} records per CPU-second", report.records as f64 / c));
    eprintln!(
        "verified {} records in {secs:.2}s: {:.0} records/s ({threads} threads{per_cpu}); status {}",
        report.records,
        report.records as f64 / secs,
        report.status(false)
    );
}

/// User + system CPU time of this process so far (Linux: /proc/self/stat, in clock ticks of
/// 1/100 s), or `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}
