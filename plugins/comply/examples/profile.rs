//! Runs one record through comply many times, for profilers (`valgrind --tool=callgrind`):
//! `cargo run --release -p logward-comply --example profile -- RECORD.json [comply.json] [N]`.
use logward_comply::Comply;
use logward_sdk::{Abi, Call, ConfigSource, Format, Plugin, Record, Timestamp};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let record = std::fs::read(&args[1]).expect("record file");
    let record = record.trim_ascii_end();
    let config = args.get(2).filter(|p| !p.is_empty()).map(|p| ConfigSource::read(p).unwrap_or_else(|e| panic!("{e}")));
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let mut p = Comply::init(config.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    let call = Call { tag: "t", time: Timestamp::default(), format: Format::Json, abi: Abi::V1 };
    let mut out = Vec::new();
    for _ in 0..n {
        let mut rec = Record::new(record, Format::Json);
        p.process(&mut rec, &call).unwrap();
        if rec.is_modified() {
            out.clear();
            rec.write(&mut out).unwrap();
        }
    }
    println!("{} bytes out", out.len());
}
