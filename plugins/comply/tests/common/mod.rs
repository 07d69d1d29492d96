//! Helpers: run records through the plugin natively, in JSON and in msgpack, and read results.
#![allow(dead_code)]

use logward_comply::Comply;
use logward_sdk::{Abi, Call, ConfigSource, Format, Plugin, Record, Timestamp, Verdict};
use serde_json::Value;

pub fn plugin(config: Option<&str>) -> Comply {
    let src = config.map(|c| ConfigSource::new("comply.json", c));
    match Comply::init(src.as_ref()) {
        Ok(p) => p,
        Err(e) => panic!("config rejected: {e}"),
    }
}

pub fn to_msgpack(v: &Value) -> Vec<u8> {
    fn conv(v: &Value) -> rmpv::Value {
        match v {
            Value::Null => rmpv::Value::Nil,
            Value::Bool(b) => rmpv::Value::Boolean(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => rmpv::Value::from(i),
                (_, Some(u)) => rmpv::Value::from(u),
                _ => rmpv::Value::F64(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => rmpv::Value::from(s.as_str()),
            Value::Array(a) => rmpv::Value::Array(a.iter().map(conv).collect()),
            Value::Object(m) => rmpv::Value::Map(m.iter().map(|(k, v)| (rmpv::Value::from(k.as_str()), conv(v))).collect()),
        }
    }
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &conv(v)).unwrap();
    out
}

fn from_msgpack(bytes: &[u8]) -> Value {
    let json = logward_sdk::convert::msgpack_to_json(bytes).unwrap();
    serde_json::from_str(&json).unwrap()
}

fn process(p: &mut Comply, bytes: &[u8], format: Format) -> Option<Vec<u8>> {
    let mut rec = Record::new(bytes, format);
    let call = Call { tag: "t", time: Timestamp::default(), format, abi: Abi::V2 };
    let verdict = p.process(&mut rec, &call).unwrap_or_else(|e| panic!("process failed: {e}"));
    assert_eq!(verdict, Verdict::Keep, "comply never drops");
    if !rec.is_modified() {
        return None;
    }
    let mut out = Vec::new();
    rec.write(&mut out).unwrap();
    Some(out)
}

/// The record after the plugin, or `None` if it was left untouched. Runs the JSON text and its
/// msgpack encoding and asserts both give the same result.
pub fn run(p: &mut Comply, json: &str) -> Option<Value> {
    let input: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("test record is not JSON: {e}\n{json}"));
    let compact = serde_json::to_string(&input).unwrap();
    let from_json = process(p, compact.as_bytes(), Format::Json).map(|b| serde_json::from_slice::<Value>(&b).unwrap());
    let from_mp = process(p, &to_msgpack(&input), Format::Msgpack).map(|b| from_msgpack(&b));
    assert_eq!(from_json, from_mp, "JSON and msgpack results differ for {json}");
    from_json
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Ids of the rules that matched (empty if the record was untouched).
pub fn rules_of(out: &Option<Value>) -> Vec<String> {
    strings(out.as_ref().and_then(|v| v.pointer("/compliance/rules")))
}

pub fn tags_of(out: &Option<Value>) -> Vec<String> {
    strings(out.as_ref().and_then(|v| v.pointer("/compliance/tags")))
}

/// Wraps a line the way Fluent Bit's tail input delivers it.
pub fn line(text: &str) -> String {
    serde_json::json!({ "log": text, "stream": "stdout" }).to_string()
}
