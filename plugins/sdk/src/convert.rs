//! Whole-record conversion, for the rare paths that need it (fallbacks, tests).

use crate::error::Result;
use crate::json::write_str;
use crate::scalar::{Num, Scalar};
use crate::tokens::{Token, Tokens};
use crate::value::format_f64;
use crate::Format;

/// Renders a msgpack value as compact JSON text. Iterative; strings that are not UTF-8 are
/// decoded lossily; NaN and infinities become `null`.
pub fn msgpack_to_json(src: &[u8]) -> Result<String> {
    let mut out: Vec<u8> = Vec::with_capacity(src.len() * 2);
    // One flag per open container: does the next item need a comma before it?
    let mut needs_comma: Vec<bool> = Vec::new();
    let mut after_key = false;
    for t in Tokens::new(src, Format::Msgpack) {
        let t = t?;
        let closing = matches!(t.token, Token::ObjectEnd(_) | Token::ArrayEnd { .. });
        if let (false, false, Some(c)) = (closing, after_key, needs_comma.last_mut()) {
            if *c {
                out.push(b',');
            }
            *c = true;
        }
        after_key = false;
        match t.token {
            Token::ObjectStart => {
                out.push(b'{');
                needs_comma.push(false);
            }
            Token::ArrayStart => {
                out.push(b'[');
                needs_comma.push(false);
            }
            Token::ObjectEnd(_) => {
                needs_comma.pop();
                out.push(b'}');
            }
            Token::ArrayEnd { .. } => {
                needs_comma.pop();
                out.push(b']');
            }
            Token::Key(k) => {
                write_str(&mut out, &k.text());
                out.push(b':');
                after_key = true;
            }
            Token::Scalar(s) => write_scalar(&mut out, &s),
        }
    }
    Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn write_scalar(out: &mut Vec<u8>, s: &Scalar<'_>) {
    match s {
        Scalar::Null => out.extend_from_slice(b"null"),
        Scalar::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Scalar::Num(Num::Float(f)) => out.extend_from_slice(format_f64(*f).as_bytes()),
        Scalar::Num(n) => out.extend_from_slice(n.to_text().as_bytes()),
        Scalar::Str(s) => write_str(out, &s.text()),
    }
}

/// Builds a `serde_json::Value` from one JSON or msgpack value without recursion (nesting is
/// kept on a heap stack): for nested configuration (rule conditions) that `serde_json` would
/// parse recursively, one interpreter frame per level, which WAMR's 8 KiB default stack does
/// not hold for long. Numbers keep their JSON spelling where `serde_json` can represent it;
/// NaN and infinities become `null`; later duplicate keys win, as in `serde_json`.
pub fn to_value(src: &[u8], format: Format) -> Result<serde_json::Value> {
    use serde_json::{Map, Value};
    enum Open {
        Object(Map<String, Value>, Option<String>),
        Array(Vec<Value>),
    }
    let mut stack: Vec<Open> = Vec::new();
    for t in Tokens::new(src, format) {
        let value = match t?.token {
            Token::ObjectStart => {
                stack.push(Open::Object(Map::new(), None));
                continue;
            }
            Token::ArrayStart => {
                stack.push(Open::Array(Vec::new()));
                continue;
            }
            Token::Key(k) => {
                if let Some(Open::Object(_, key)) = stack.last_mut() {
                    *key = Some(k.text().into_owned());
                }
                continue;
            }
            Token::ObjectEnd(_) | Token::ArrayEnd { .. } => match stack.pop() {
                Some(Open::Object(map, _)) => Value::Object(map),
                Some(Open::Array(items)) => Value::Array(items),
                None => continue,
            },
            Token::Scalar(s) => scalar_value(&s),
        };
        match stack.last_mut() {
            None => return Ok(value),
            Some(Open::Object(map, key)) => {
                map.insert(key.take().unwrap_or_default(), value);
            }
            Some(Open::Array(items)) => items.push(value),
        }
    }
    Err(crate::error::Error::end(src.len()))
}

fn scalar_value(s: &Scalar<'_>) -> serde_json::Value {
    use serde_json::{Number, Value};
    match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Num(Num::Int(i)) => Value::from(*i),
        Scalar::Num(Num::UInt(u)) => Value::from(*u),
        Scalar::Num(Num::Float(f)) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Scalar::Num(n) => {
            let text = n.to_text();
            text.parse::<Number>().map(Value::Number).unwrap_or_else(|_| n.as_f64().and_then(Number::from_f64).map_or(Value::Null, Value::Number))
        }
        Scalar::Str(s) => Value::String(s.text().into_owned()),
    }
}
