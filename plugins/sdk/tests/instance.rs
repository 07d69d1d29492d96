//! The ABI driver: what each kind of call returns, for both ABIs and both formats.

mod common;

use common::*;
use logward_sdk::abi::{Input, Instance, Output};
use logward_sdk::{
    Abi, Call, ConfigError, ConfigSource, FieldPath, Plugin, PluginError, Record, Timestamp, Verdict,
};
use serde_json::{json, Value};

/// Test plugin: behaviour chosen by the record's `do` field.
struct Probe;

impl Plugin for Probe {
    const NAME: &'static str = "probe";
    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        match config {
            Some(c) if c.text().contains("fail") => Err(c.error_at("/fail", "told to fail")),
            _ => Ok(Probe),
        }
    }
    fn process(&mut self, rec: &mut Record<'_>, _call: &Call<'_>) -> Result<Verdict, PluginError> {
        let action = rec
            .get(&FieldPath::parse("do").unwrap())?
            .and_then(|n| n.str().ok().flatten())
            .map(|s| s.text().into_owned())
            .unwrap_or_default();
        match action.as_str() {
            "drop" => Ok(Verdict::Drop),
            "error" => {
                rec.set(&FieldPath::parse("half").unwrap(), json!(1)).unwrap();
                Err(PluginError("could not do it".into()))
            }
            "zero" => {
                rec.set(&FieldPath::parse("n").unwrap(), json!(0)).unwrap();
                Ok(Verdict::Keep)
            }
            "add" => {
                rec.set(&FieldPath::parse("added").unwrap(), json!("yes")).unwrap();
                Ok(Verdict::Keep)
            }
            _ => Ok(Verdict::Keep),
        }
    }
}

struct Closed;
impl Plugin for Closed {
    const NAME: &'static str = "closed";
    const FAIL_CLOSED: bool = true;
    fn init(_: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        Err(ConfigError::new("closed.json", 1, 1, "bad"))
    }
    fn process(&mut self, _: &mut Record<'_>, _: &Call<'_>) -> Result<Verdict, PluginError> {
        Ok(Verdict::Keep)
    }
}

const T: Timestamp = Timestamp { sec: 1, nsec: 2 };

fn ready() -> Instance<Probe> {
    let mut i = Instance::new();
    i.initialize_with(None).unwrap();
    i
}

fn json_call(inst: &mut Instance<Probe>, v: &Value, abi: Abi) -> (Output, Vec<u8>) {
    let text = fluent_bit_json(v);
    let out = inst.handle("app", T, Input::Bytes { record: text.as_bytes(), nul_follows: true }, abi);
    (out, inst.output().to_vec())
}

fn mp_call(inst: &mut Instance<Probe>, v: &Value, abi: Abi) -> (Output, Vec<u8>) {
    let bytes = to_msgpack(v);
    let out = inst.handle("app", T, Input::Bytes { record: &bytes, nul_follows: false }, abi);
    (out, inst.output().to_vec())
}

fn c_string(buf: &[u8]) -> &[u8] {
    assert_eq!(buf.last(), Some(&0), "v1 output must be NUL-terminated");
    &buf[..buf.len() - 1]
}

#[test]
fn unchanged_json_returns_the_hosts_copy() {
    let mut inst = ready();
    assert_eq!(json_call(&mut inst, &json!({"a": 1}), Abi::V1).0, Output::Input);
    assert_eq!(json_call(&mut inst, &json!({"a": 1}), Abi::V2).0, Output::Input);
}

#[test]
fn unchanged_json_without_host_nul_is_copied() {
    let mut inst = ready();
    let out = inst.handle("t", T, Input::Bytes { record: b"{\"a\":1}", nul_follows: false }, Abi::V1);
    assert_eq!(out, Output::Buffer);
    assert_eq!(c_string(inst.output()), b"{\"a\":1}");
}

#[test]
fn unchanged_msgpack_v1_is_copied_with_nul_and_v2_is_zero_copy() {
    let mut inst = ready();
    let v = json!({"a": "b"});
    let (out, buf) = mp_call(&mut inst, &v, Abi::V1);
    assert_eq!(out, Output::Buffer);
    assert_eq!(from_msgpack(c_string(&buf)), v);
    assert_eq!(mp_call(&mut inst, &v, Abi::V2).0, Output::Input);
}

#[test]
fn edits_are_spliced_in_both_formats_and_abis() {
    let mut inst = ready();
    let v = json!({"do": "add", "msg": "身份"});
    let mut expected = v.clone();
    expected["added"] = json!("yes");
    let (out, buf) = json_call(&mut inst, &v, Abi::V1);
    assert_eq!(out, Output::Buffer);
    assert_eq!(serde_json::from_slice::<Value>(c_string(&buf)).unwrap(), expected);
    let (_, buf) = json_call(&mut inst, &v, Abi::V2);
    assert_eq!(serde_json::from_slice::<Value>(c_string(&buf)).unwrap(), expected);
    let (_, buf) = mp_call(&mut inst, &v, Abi::V2);
    assert_eq!(from_msgpack(c_string(&buf)), expected);
}

#[test]
fn drop_verdict_drops() {
    let mut inst = ready();
    assert_eq!(json_call(&mut inst, &json!({"do": "drop"}), Abi::V1).0, Output::Drop);
}

#[test]
fn errors_pass_the_record_with_logward_error_and_without_partial_edits() {
    let mut inst = ready();
    let (_, buf) = json_call(&mut inst, &json!({"do": "error", "k": 1}), Abi::V1);
    let v: Value = serde_json::from_slice(c_string(&buf)).unwrap();
    assert_eq!(v["logward_error"], json!("probe: could not do it"));
    assert!(v.get("half").is_none(), "edits made before the error are discarded");
    assert_eq!(v["k"], json!(1));
}

#[test]
fn missing_record_becomes_an_error_record_in_the_last_format() {
    let mut inst = ready();
    let out = inst.handle("t", T, Input::Missing { len: 70_000 }, Abi::V1);
    assert_eq!(out, Output::Buffer);
    let v: Value = serde_json::from_slice(c_string(inst.output())).unwrap();
    assert!(v["logward_error"].as_str().unwrap().contains("70000 bytes"), "{v}");
    mp_call(&mut inst, &json!({"a": 1}), Abi::V1);
    inst.handle("t", T, Input::Missing { len: 5 }, Abi::V1);
    let v = from_msgpack(c_string(inst.output()));
    assert!(v["logward_error"].is_string());
}

#[test]
fn msgpack_v1_output_with_zero_bytes_is_wrapped_zero_free() {
    let mut inst = ready();
    let v = json!({"do": "zero", "msg": "x"});
    let (_, buf) = mp_call(&mut inst, &v, Abi::V1);
    let body = c_string(&buf);
    assert!(!body.contains(&0), "no 0x00 before the terminator");
    let w = from_msgpack(body);
    let text: String = w["logward_record_json"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let mut expected = v.clone();
    expected["n"] = json!(0);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
    // Under v2 the same record is returned as real msgpack (binary-safe: the length is passed).
    let (_, buf) = mp_call(&mut inst, &v, Abi::V2);
    assert_eq!(from_msgpack(&buf[..buf.len() - 1]), expected);
}

#[test]
fn input_with_zero_bytes_under_msgpack_v1_is_wrapped_too() {
    let mut inst = ready();
    let v = json!({"count": 0});
    let (out, buf) = mp_call(&mut inst, &v, Abi::V1);
    assert_eq!(out, Output::Buffer);
    assert!(!c_string(&buf).contains(&0));
}

#[test]
fn init_error_is_located() {
    let mut inst: Instance<Probe> = Instance::new();
    let src = ConfigSource::new("./probe.json", "{\n  \"fail\": true\n}");
    let e = inst.initialize_with(Some(&src)).unwrap_err();
    assert_eq!(e.to_string(), "./probe.json:2:11: told to fail");
}

#[test]
fn fail_closed_plugin_without_init_withholds_the_record() {
    let mut inst: Instance<Closed> = Instance::new();
    let _ = inst.initialize_with(None);
    let text = br#"{"password":"hunter2"}"#;
    inst.handle("t", T, Input::Bytes { record: text, nul_follows: true }, Abi::V1);
    let out = std::str::from_utf8(c_string(inst.output())).unwrap();
    assert!(!out.contains("hunter2"), "{out}");
    assert!(out.contains("record withheld"), "{out}");
}

#[test]
fn garbage_records_never_panic() {
    let mut inst = ready();
    for bad in [&b""[..], b"x", b"{", b"\xde\xff", b"[1,2]", b"{\"do\":\"add\"", b"\x81\xa2do\xa3add", b"\x81"] {
        for abi in [Abi::V1, Abi::V2] {
            let _ = inst.handle("t", T, Input::Bytes { record: bad, nul_follows: false }, abi);
        }
    }
}
