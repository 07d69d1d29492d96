//! Builds a chained log natively (the same code chain.wasm runs) and times the verifier on it.
//!
//! ```sh
//! cargo run --release -p logward-chain --features verify --example bench_verify -- 1000000 /tmp/chained.log
//! logward verify --key /tmp/chained.log.key /tmp/chained.log     # the CLI on the same file
//! ```

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
    // `--verify-only`: time the verifier on a log (and `<log>.key`) made by an earlier run.
    if args.next().as_deref() == Some("--verify-only") {
        let key = verify::read_key(std::path::Path::new(&format!("{out}.key"))).expect("key");
        verify_timed(&out, key);
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

    verify_timed(&out, key);
    let _ = std::fs::remove_dir_all(&dir);
}

fn verify_timed(out: &str, key: SecretKey) {
    let opts = Options { keys: vec![key], ..Options::default() };
    let started = Instant::now();
    let report = verify::verify_paths(&[out.into()], &[], &opts).expect("verify");
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "verified {} records in {secs:.2}s: {:.0} records/s ({} threads); status {}",
        report.records,
        report.records as f64 / secs,
        std::thread::available_parallelism().map_or(1, |p| p.get()),
        report.status(false)
    );
}
