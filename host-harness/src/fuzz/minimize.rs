//! Shrinking a failing input to a small reproducer: remove what can be removed while the
//! failure persists (bounded number of attempts).

use rmpv::Value;

/// Most attempts spent on one shrink.
const MAX_ATTEMPTS: usize = 400;

/// Shrinks bytes by deleting chunks of decreasing size.
pub fn shrink_bytes(input: &[u8], mut still_fails: impl FnMut(&[u8]) -> bool) -> Vec<u8> {
    let mut best = input.to_vec();
    let mut attempts = 0;
    let mut chunk = best.len().div_ceil(2).max(1);
    while chunk >= 1 && attempts < MAX_ATTEMPTS {
        let mut at = 0;
        let mut shrunk = false;
        while at < best.len() && attempts < MAX_ATTEMPTS {
            let end = (at + chunk).min(best.len());
            let mut candidate = best[..at].to_vec();
            candidate.extend_from_slice(&best[end..]);
            attempts += 1;
            if still_fails(&candidate) {
                best = candidate;
                shrunk = true;
            } else {
                at += chunk;
            }
        }
        if !shrunk {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    best
}

/// All one-step simplifications of `value`.
fn candidates(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match value {
        Value::Map(entries) => {
            for i in 0..entries.len() {
                let mut e = entries.clone();
                e.remove(i);
                out.push(Value::Map(e));
            }
            for (i, (k, v)) in entries.iter().enumerate() {
                for smaller in candidates(v) {
                    let mut e = entries.clone();
                    e[i] = (k.clone(), smaller);
                    out.push(Value::Map(e));
                }
            }
        }
        Value::Array(items) => {
            for i in 0..items.len() {
                let mut e = items.clone();
                e.remove(i);
                out.push(Value::Array(e));
            }
            for (i, v) in items.iter().enumerate() {
                for smaller in candidates(v) {
                    let mut e = items.clone();
                    e[i] = smaller;
                    out.push(Value::Array(e));
                }
            }
        }
        Value::String(s) if s.as_bytes().len() > 1 => {
            let bytes = s.as_bytes();
            let half = bytes[..bytes.len() / 2].to_vec();
            out.push(Value::String(crate::fluentbit::json_in::raw_utf8_string(
                half,
            )));
        }
        Value::Binary(b) if b.len() > 1 => out.push(Value::Binary(b[..b.len() / 2].to_vec())),
        Value::Nil => {}
        _ => out.push(Value::Nil),
    }
    out
}

/// Shrinks a record body while it keeps failing (the top level stays a map).
pub fn shrink_value(input: &Value, mut still_fails: impl FnMut(&Value) -> bool) -> Value {
    let mut best = input.clone();
    let mut attempts = 0;
    'outer: while attempts < MAX_ATTEMPTS {
        for candidate in candidates(&best) {
            if !matches!(candidate, Value::Map(_)) {
                continue;
            }
            attempts += 1;
            if still_fails(&candidate) {
                best = candidate;
                continue 'outer;
            }
            if attempts >= MAX_ATTEMPTS {
                break 'outer;
            }
        }
        break;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinks_bytes_to_the_trigger() {
        let input = b"aaaaaaaaXbbbbbbbb";
        let out = shrink_bytes(input, |c| c.contains(&b'X'));
        assert_eq!(out, b"X");
    }

    #[test]
    fn shrinks_values() {
        let v = Value::Map(vec![
            (Value::from("keep"), Value::from("boom")),
            (
                Value::from("drop"),
                Value::Array(vec![Value::from(1), Value::from(2)]),
            ),
        ]);
        let out = shrink_value(&v, |c| {
            crate::fluentbit::msgpack_to_json(c)
                .windows(4)
                .any(|w| w == b"boom")
        });
        assert_eq!(
            out,
            Value::Map(vec![(Value::from("keep"), Value::from("boom"))])
        );
    }
}
