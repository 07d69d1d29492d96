//! JSON text → `serde_json::Value` without recursion.
//!
//! serde_json builds values recursively, a few hundred bytes of WAMR stack per nesting level;
//! Fluent Bit runs `_initialize` on an 8 KiB stack. Conditions are read with the SDK's token
//! reader, which keeps nesting on the heap.

use logward_sdk::{Format, Num, Scalar, Token, Tokens};
use serde_json::{Map, Number, Value};

enum Open {
    Array(Vec<Value>),
    /// The object so far and the key waiting for its value.
    Object(Map<String, Value>, Option<String>),
}

/// Parses one JSON value (the whole text).
pub fn parse(text: &str) -> Result<Value, String> {
    let mut stack: Vec<Open> = Vec::new();
    let mut done: Option<Value> = None;
    for t in Tokens::new(text.as_bytes(), Format::Json) {
        let t = t.map_err(|e| e.to_string())?;
        let value = match t.token {
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
            Token::ObjectEnd(_) => match stack.pop() {
                Some(Open::Object(map, _)) => Value::Object(map),
                _ => return Err("unbalanced object".into()),
            },
            Token::ArrayEnd { .. } => match stack.pop() {
                Some(Open::Array(items)) => Value::Array(items),
                _ => return Err("unbalanced array".into()),
            },
            Token::Scalar(s) => scalar(s)?,
        };
        match stack.last_mut() {
            Some(Open::Array(items)) => items.push(value),
            Some(Open::Object(map, key)) => {
                let k = key.take().ok_or("a value without a key")?;
                map.insert(k, value);
            }
            None => done = Some(value),
        }
    }
    done.ok_or_else(|| "no JSON value".to_string())
}

fn scalar(s: Scalar<'_>) -> Result<Value, String> {
    Ok(match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Str(s) => Value::String(s.text().into_owned()),
        Scalar::Num(n) => Value::Number(number(n)?),
    })
}

fn number(n: Num<'_>) -> Result<Number, String> {
    let text = n.to_text();
    text.parse::<Number>().map_err(|e| format!("number `{text}`: {e}"))
}

/// Drops a value without recursion (serde_json's own drop recurses per nesting level).
pub fn drop_flat(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_as_serde_json() {
        for text in [
            r#"{"all":[{"field":"verb","glob":["get","list"],"ignore_case":true},{"not":{"any":[{"field":"a","gte":-1.5e3}]}}]}"#,
            r#"[1,2.5,"x\"y\u00e9",null,true,false,{},[]]"#,
            r#""plain""#,
        ] {
            let ours = parse(text).unwrap();
            assert_eq!(ours, serde_json::from_str::<Value>(text).unwrap(), "{text}");
            drop_flat(ours);
        }
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let depth = 5_000;
        let text = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let v = parse(&text).unwrap();
        drop_flat(v);
        let v = json!({"a": [1]});
        assert_eq!(parse(&v.to_string()).unwrap(), v);
    }

    #[test]
    fn errors() {
        assert!(parse("{\"a\":").is_err());
        assert!(parse("").is_err());
        assert!(parse("[1,]").is_err());
    }
}
