//! Several plugins in one call: each stage sees the previous output; errors follow each
//! stage's own policy; a drop ends the run.

mod common;

use common::*;
use logward_sdk::stage::{stage_of, Stage, Stages};
use logward_sdk::{Abi, Call, ConfigError, ConfigSource, FieldPath, Format, Plugin, PluginError, Record, Timestamp, Verdict};
use serde_json::{json, Value};

macro_rules! adder {
    ($name:ident, $field:literal) => {
        struct $name;
        impl Plugin for $name {
            const NAME: &'static str = stringify!($name);
            fn init(_: Option<&ConfigSource>) -> Result<Self, ConfigError> {
                Ok($name)
            }
            fn process(&mut self, rec: &mut Record<'_>, _: &Call<'_>) -> Result<Verdict, PluginError> {
                // Sees the previous stage's output: count the fields already there.
                let n = rec.root()?.members()?.map_or(0, |m| m.count());
                match rec.get(&FieldPath::parse("do").unwrap())?.and_then(|n| n.str().ok().flatten()) {
                    Some(s) if s.eq_str(concat!("drop-", $field)) => return Ok(Verdict::Drop),
                    Some(s) if s.eq_str(concat!("fail-", $field)) => return Err(PluginError("boom".into())),
                    _ => {}
                }
                rec.set(&FieldPath::parse($field).unwrap(), json!(n))?;
                Ok(Verdict::Keep)
            }
        }
    };
}
adder!(First, "first");
adder!(Second, "second");
adder!(Third, "third");

fn stages() -> Stages {
    let list: Vec<Box<dyn Stage>> =
        [stage_of::<First>(), stage_of::<Second>(), stage_of::<Third>()].iter().map(|(_, init)| init(None).unwrap()).collect();
    Stages::new(list)
}

fn run(stages: &mut Stages, v: &Value, format: Format) -> (Verdict, Value) {
    let bytes = match format {
        Format::Json => fluent_bit_json(v).into_bytes(),
        Format::Msgpack => to_msgpack(v),
    };
    let mut rec = Record::new(&bytes, format);
    let call = Call { tag: "t", time: Timestamp::default(), format, abi: Abi::V1 };
    let verdict = stages.run(&mut rec, &call);
    let mut out = Vec::new();
    rec.write(&mut out).unwrap();
    let decoded = match format {
        Format::Json => serde_json::from_slice(&out).unwrap(),
        Format::Msgpack => from_msgpack(&out),
    };
    (verdict, decoded)
}

#[test]
fn each_stage_sees_the_previous_output() {
    let mut s = stages();
    assert_eq!(s.names(), ["First", "Second", "Third"]);
    for format in [Format::Json, Format::Msgpack] {
        // Run twice: the reused buffers must not leak state between records.
        for _ in 0..2 {
            let (v, out) = run(&mut s, &json!({"a": 1}), format);
            assert_eq!(v, Verdict::Keep);
            assert_eq!(out, json!({"a": 1, "first": 1, "second": 2, "third": 3}));
        }
    }
}

#[test]
fn a_failing_stage_uses_its_policy_and_the_rest_continue() {
    let mut s = stages();
    let (v, out) = run(&mut s, &json!({"do": "fail-second"}), Format::Json);
    assert_eq!(v, Verdict::Keep);
    assert_eq!(out, json!({"do": "fail-second", "first": 1, "logward_error": "Second: boom", "third": 3}));
}

#[test]
fn a_drop_ends_the_run() {
    let mut s = stages();
    let (v, _) = run(&mut s, &json!({"do": "drop-second"}), Format::Json);
    assert_eq!(v, Verdict::Drop);
}
