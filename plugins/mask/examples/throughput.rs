//! Native throughput of the whole plugin (SDK included) on the records of a file, each run
//! `repeat` times: an upper bound for wasmtime, a sanity check for the fuel numbers.
//!
//!     cargo run --release -p logward-mask --example throughput -- records.jsonl [repeat]

use std::time::Instant;

use logward_mask::Mask;
use logward_sdk::abi::{Input, Instance};
use logward_sdk::{Abi, Timestamp};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: throughput FILE [REPEAT]");
        std::process::exit(2);
    };
    let repeat: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(10);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let records: Vec<&[u8]> = data.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    let mut inst = Instance::<Mask>::new();
    inst.initialize_with(None).expect("defaults");
    let run = |inst: &mut Instance<Mask>| {
        for r in &records {
            let _ = inst.handle("kube.app", Timestamp::default(), Input::Bytes { record: r, nul_follows: false }, Abi::V2);
        }
    };
    run(&mut inst); // lazy regex compiles
    let bytes: usize = records.iter().map(|r| r.len()).sum::<usize>() * repeat;
    let t = Instant::now();
    for _ in 0..repeat {
        run(&mut inst);
    }
    let s = t.elapsed().as_secs_f64();
    println!("{} records x {repeat}: {:.1} MB/s, {:.2} us/record", records.len(), bytes as f64 / s / 1e6, s * 1e6 / (records.len() * repeat) as f64);
}
