//! Encoding owned values (what plugins insert or replace) into either record format.
//!
//! Plugins build values with `serde_json::json!`; the SDK writes them as JSON text or msgpack to
//! match the record. Both writers are iterative.

use serde_json::Value;

use crate::json::write_str;
use crate::Format;

/// Appends `value` encoded in `format`.
pub fn encode(out: &mut Vec<u8>, value: &Value, format: Format) {
    match format {
        Format::Json => write_json(out, value),
        Format::Msgpack => crate::msgpack::write_value(out, value),
    }
}

/// Writes compact JSON without recursion.
pub fn write_json(out: &mut Vec<u8>, value: &Value) {
    // Scalars (most inserted values) need no work stack.
    if write_json_scalar(out, value) {
        return;
    }
    enum Item<'v> {
        Val(&'v Value),
        Key(&'v str, bool),
        Comma,
        Byte(u8),
    }
    let mut stack = vec![Item::Val(value)];
    while let Some(item) = stack.pop() {
        let v = match item {
            Item::Byte(b) => {
                out.push(b);
                continue;
            }
            Item::Comma => {
                out.push(b',');
                continue;
            }
            Item::Key(k, first) => {
                if !first {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                continue;
            }
            Item::Val(v) => v,
        };
        match v {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(n) => {
                use std::io::Write as _;
                let _ = write!(out, "{n}");
            }
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                out.push(b'[');
                stack.push(Item::Byte(b']'));
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push(Item::Val(item));
                    if i > 0 {
                        stack.push(Item::Comma);
                    }
                }
            }
            Value::Object(map) => {
                out.push(b'{');
                stack.push(Item::Byte(b'}'));
                for (i, (k, v)) in map.iter().enumerate().rev() {
                    stack.push(Item::Val(v));
                    stack.push(Item::Key(k, i == 0));
                }
            }
        }
    }
}

fn write_json_scalar(out: &mut Vec<u8>, value: &Value) -> bool {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            use std::io::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_str(out, s),
        Value::Array(_) | Value::Object(_) => return false,
    }
    true
}

/// Shortest text that reads back as the same f64 (JSON has no NaN/Infinity: those become null).
pub fn format_f64(f: f64) -> String {
    if f.is_finite() {
        format!("{f}")
    } else {
        "null".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_writer_matches_serde() {
        let v = json!({"a": [1, -2, 3.5, {"b": null}], "c": "x\"y", "d": {}, "e": [], "f": true});
        let mut out = Vec::new();
        write_json(&mut out, &v);
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), v);
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn deep_values_do_not_recurse() {
        let mut v = json!(1);
        for _ in 0..10_000 {
            v = Value::Array(vec![v]);
        }
        let mut out = Vec::new();
        write_json(&mut out, &v);
        assert_eq!(out.len(), 1 + 2 * 10_000);
        let mut mp = Vec::new();
        crate::msgpack::write_value(&mut mp, &v);
        assert_eq!(mp.len(), 1 + 10_000);
        // serde_json's Drop recurses; unwind the nesting by hand.
        while let Value::Array(mut a) = v {
            v = a.pop().unwrap_or(Value::Null);
        }
    }
}
