//! `convert::to_value`: the same `serde_json::Value` serde_json builds, without recursion.

use logward_sdk::convert::to_value;
use logward_sdk::Format;
use serde_json::{json, Value};

fn msgpack(v: &Value) -> Vec<u8> {
    fn conv(v: &Value) -> rmpv::Value {
        match v {
            Value::Null => rmpv::Value::Nil,
            Value::Bool(b) => rmpv::Value::Boolean(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => rmpv::Value::from(i),
                (_, Some(u)) => rmpv::Value::from(u),
                _ => rmpv::Value::F64(n.as_f64().unwrap()),
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

#[test]
fn agrees_with_serde_json() {
    let docs = [
        r#"{"all":[{"field":"verb","equals":["get","list"]},{"not":{"field":"a.b","exists":false}}],"n":[1,-2,3.5,1e3,18446744073709551615,-9223372036854775808],"e":{},"a":[],"s":"caf\u00e9 \"q\" \\ \n","t":true,"f":false,"z":null}"#,
        r#"[1,[2,[3,[4]]],{"k":{"k":{"k":"v"}}}]"#,
        r#"{"dup":1,"dup":2}"#,
        r#""just a string""#,
        "  42 ",
    ];
    for d in docs {
        let expected: Value = serde_json::from_str(d).unwrap();
        assert_eq!(to_value(d.as_bytes(), Format::Json).unwrap(), expected, "{d}");
    }
}

#[test]
fn reads_msgpack() {
    let v = json!({"a": [1, -2, 3.5, "x", null, true], "b": {"c": {}}, "u": 18446744073709551615u64});
    assert_eq!(to_value(&msgpack(&v), Format::Msgpack).unwrap(), v);
}

#[test]
fn deep_nesting_needs_no_call_stack() {
    // serde_json stops at 128 levels (its recursion limit); this builds 5000 on the heap.
    let depth = 5000;
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let mut v = to_value(text.as_bytes(), Format::Json).unwrap();
    let mut levels = 1;
    while let Value::Array(mut items) = v {
        match items.pop() {
            Some(inner) => {
                levels += 1;
                v = inner;
            }
            None => break,
        }
    }
    assert_eq!(levels, depth);
}

#[test]
fn malformed_input_is_an_error() {
    for bad in ["{\"a\":", "[1,2", "{\"a\" 1}", ""] {
        assert!(to_value(bad.as_bytes(), Format::Json).is_err(), "{bad}");
    }
}
