//! msgpack → JSON text as Fluent Bit 5.1.1 produces it (`msgpack2json` behind
//! `flb_msgpack_to_json_str(..., json_escape_unicode = true)` in `src/flb_pack.c`).
//!
//! This is the exact text a JSON-mode wasm filter receives, and what `out_file` writes. Its
//! sharp edges are kept: duplicate string keys keep only the LAST occurrence; integral floats
//! print as `1.0`; NaN/inf print unquoted (`nan`, `inf`: not valid JSON); bin is printed like a
//! string; ext bodies print as `"\xNN..."` with bytes >= 0x80 sign-extended (`\xffffff80`).

use rmpv::Value;

use super::cfloat::format_fluent_bit_float;
use super::escape::write_str_escaped;

/// Renders `value` as Fluent Bit's JSON text.
pub fn msgpack_to_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value);
    out
}

/// Appends the JSON text of `value` to `out`.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Integer(n) => {
            let text = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => u.to_string(),
                (None, Some(i)) => i.to_string(),
                (None, None) => "0".to_string(),
            };
            out.extend_from_slice(text.as_bytes());
        }
        Value::F32(f) => out.extend_from_slice(format_fluent_bit_float(f64::from(*f)).as_bytes()),
        Value::F64(f) => out.extend_from_slice(format_fluent_bit_float(*f).as_bytes()),
        Value::String(s) => write_quoted(out, s.as_bytes()),
        Value::Binary(b) => write_quoted(out, b),
        Value::Ext(_, data) => {
            out.push(b'"');
            for &byte in data {
                // `snprintf("\\x%02x", (char) byte)`: char is signed, so high bytes sign-extend.
                let text = if byte >= 0x80 {
                    format!("\\xffffff{byte:02x}")
                } else {
                    format!("\\x{byte:02x}")
                };
                out.extend_from_slice(text.as_bytes());
            }
            out.push(b'"');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            out.push(b'{');
            let mut written = 0usize;
            for (i, (key, val)) in entries.iter().enumerate() {
                if string_key_repeats_later(key, &entries[i + 1..]) {
                    continue;
                }
                if written > 0 {
                    out.push(b',');
                }
                write_value(out, key);
                out.push(b':');
                write_value(out, val);
                written += 1;
            }
            out.push(b'}');
        }
    }
}

/// Whether the JSON text Fluent Bit renders for `body` parses back as one object. It does not
/// when the record holds NaN/inf (printed bare), ext values (`"\xNN"` escapes), or non-string
/// keys: a JSON-mode filter that returns the text it was given then has its output rejected.
pub fn json_round_trips(body: &Value) -> bool {
    matches!(
        super::parse_json_stream(&msgpack_to_json(body)).as_deref(),
        Ok([Value::Map(_)])
    )
}

fn write_quoted(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    write_str_escaped(out, bytes);
    out.push(b'"');
}

/// `key_exists_in_map`: only string keys are de-duplicated, and a key is skipped when the same
/// string appears again later in the map.
fn string_key_repeats_later(key: &Value, rest: &[(Value, Value)]) -> bool {
    let Value::String(key) = key else {
        return false;
    };
    rest.iter()
        .any(|(other, _)| matches!(other, Value::String(o) if o.as_bytes() == key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: &Value) -> String {
        String::from_utf8_lossy(&msgpack_to_json(v)).into_owned()
    }

    fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect(),
        )
    }

    #[test]
    fn scalars() {
        let v = map(vec![
            ("n", Value::Nil),
            ("t", Value::Boolean(true)),
            ("u", Value::from(u64::MAX)),
            ("i", Value::from(-5i64)),
            ("f", Value::F64(2.0)),
            ("g", Value::F64(0.5)),
            ("h", Value::F32(0.1)),
        ]);
        assert_eq!(
            json(&v),
            r#"{"n":null,"t":true,"u":18446744073709551615,"i":-5,"f":2.0,"g":0.5,"h":0.1000000014901161}"#
        );
    }

    #[test]
    fn duplicate_string_keys_keep_the_last() {
        let v = map(vec![
            ("a", Value::from(1)),
            ("b", Value::from(2)),
            ("a", Value::from(3)),
        ]);
        assert_eq!(json(&v), r#"{"b":2,"a":3}"#);
    }

    #[test]
    fn binary_ext_and_non_string_keys() {
        let v = Value::Map(vec![
            (Value::from(1), Value::Binary(b"hi\n".to_vec())),
            (Value::from("e"), Value::Ext(5, vec![0x01, 0x80])),
        ]);
        assert_eq!(json(&v), r#"{1:"hi\n","e":"\x01\xffffff80"}"#);
    }

    #[test]
    fn non_finite_floats_are_unquoted() {
        let v = Value::Array(vec![Value::F64(f64::NAN), Value::F64(f64::INFINITY)]);
        assert_eq!(json(&v), "[nan,inf]");
    }

    #[test]
    fn unicode_is_escaped() {
        assert_eq!(
            json(&map(vec![("msg", Value::from("héllo"))])),
            r#"{"msg":"h\u00e9llo"}"#
        );
    }
}
