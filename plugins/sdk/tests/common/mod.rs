//! Shared generators and converters for the SDK's property tests.
#![allow(dead_code)]

use proptest::prelude::*;
use serde_json::{Map, Value};

/// Arbitrary JSON values (bounded size), keys drawn from a small alphabet so paths collide.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[a-z\u{e9}\u{8eab}\u{1f600}\"\\\\\n\t ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

pub fn key() -> impl Strategy<Value = String> {
    prop_oneof!["[a-d]", "[a-d]{2}", Just("log".to_string()), Just("k.v".to_string()), Just("é".to_string())]
}

pub fn json_object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), json_value()), 0..8)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>()))
}

/// JSON text the way Fluent Bit writes it: compact, non-ASCII escaped as \uXXXX.
pub fn fluent_bit_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{:04x}", unit));
            }
        }
    }
    out
}

/// msgpack via rmpv (an independent encoder).
pub fn to_msgpack(v: &Value) -> Vec<u8> {
    let mp = json_to_rmpv(v);
    let mut out = Vec::new();
    rmpv::encode::write_value(&mut out, &mp).unwrap();
    out
}

fn json_to_rmpv(v: &Value) -> rmpv::Value {
    match v {
        Value::Null => rmpv::Value::Nil,
        Value::Bool(b) => rmpv::Value::Boolean(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                rmpv::Value::from(u)
            } else if let Some(i) = n.as_i64() {
                rmpv::Value::from(i)
            } else {
                rmpv::Value::F64(n.as_f64().unwrap())
            }
        }
        Value::String(s) => rmpv::Value::from(s.as_str()),
        Value::Array(a) => rmpv::Value::Array(a.iter().map(json_to_rmpv).collect()),
        Value::Object(m) => rmpv::Value::Map(
            m.iter().map(|(k, v)| (rmpv::Value::from(k.as_str()), json_to_rmpv(v))).collect(),
        ),
    }
}

/// Decodes msgpack with rmpv and converts to JSON.
pub fn from_msgpack(bytes: &[u8]) -> Value {
    let mut cur = bytes;
    let v = rmpv::decode::read_value(&mut cur).expect("valid msgpack");
    assert!(cur.is_empty(), "trailing bytes after msgpack value");
    rmpv_to_json(&v)
}

fn rmpv_to_json(v: &rmpv::Value) -> Value {
    match v {
        rmpv::Value::Nil => Value::Null,
        rmpv::Value::Boolean(b) => Value::Bool(*b),
        rmpv::Value::Integer(i) => {
            if let Some(u) = i.as_u64() { Value::from(u) } else { Value::from(i.as_i64().unwrap()) }
        }
        rmpv::Value::F32(f) => Value::from(f64::from(*f)),
        rmpv::Value::F64(f) => Value::from(*f),
        rmpv::Value::String(s) => Value::String(s.as_str().unwrap_or_default().to_string()),
        rmpv::Value::Binary(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        rmpv::Value::Array(a) => Value::Array(a.iter().map(rmpv_to_json).collect()),
        rmpv::Value::Map(m) => Value::Object(
            m.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), rmpv_to_json(v))).collect(),
        ),
        rmpv::Value::Ext(_, d) => Value::String(String::from_utf8_lossy(d).into_owned()),
    }
}

/// Rebuilds a value from the SDK's token stream (tests the reader against serde/rmpv).
pub fn value_from_tokens(src: &[u8], format: logward_sdk::Format) -> Result<Value, logward_sdk::Error> {
    use logward_sdk::{Num, Scalar, Token, Tokens};
    enum Open {
        Obj(Map<String, Value>, Option<String>),
        Arr(Vec<Value>),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut result = None;
    let place = |stack: &mut Vec<Open>, result: &mut Option<Value>, v: Value| match stack.last_mut() {
        Some(Open::Obj(m, k)) => {
            let key = k.take().expect("value without key");
            m.entry(key).or_insert(v);
        }
        Some(Open::Arr(a)) => a.push(v),
        None => *result = Some(v),
    };
    for t in Tokens::new(src, format) {
        match t?.token {
            Token::ObjectStart => stack.push(Open::Obj(Map::new(), None)),
            Token::ArrayStart => stack.push(Open::Arr(Vec::new())),
            Token::Key(k) => {
                if let Some(Open::Obj(_, slot)) = stack.last_mut() {
                    *slot = Some(k.text().into_owned());
                }
            }
            Token::ObjectEnd(_) | Token::ArrayEnd { .. } => {
                let v = match stack.pop() {
                    Some(Open::Obj(m, _)) => Value::Object(m),
                    Some(Open::Arr(a)) => Value::Array(a),
                    None => panic!("unbalanced"),
                };
                place(&mut stack, &mut result, v);
            }
            Token::Scalar(s) => {
                let v = match s {
                    Scalar::Null => Value::Null,
                    Scalar::Bool(b) => Value::Bool(b),
                    Scalar::Num(Num::Text(t)) => serde_json::from_slice(t).unwrap(),
                    Scalar::Num(Num::Int(i)) => Value::from(i),
                    Scalar::Num(Num::UInt(u)) => Value::from(u),
                    Scalar::Num(Num::Float(f)) => Value::from(f),
                    Scalar::Str(s) => Value::String(s.text().into_owned()),
                };
                place(&mut stack, &mut result, v);
            }
        }
    }
    Ok(result.expect("no value"))
}
