//! JSON text → msgpack values as Fluent Bit 5.1.1 parses it: `flb_pack_json` uses the yyjson
//! backend (`pack_json_to_msgpack_yyjson` in `src/flb_pack.c`, yyjson 0.12.0, flags
//! `STOP_WHEN_DONE | INSITU | ALLOW_INVALID_UNICODE | REPLACE_INVALID_UNICODE`).
//!
//! This parses what a JSON-mode filter returns and the JSON lines logward replays. What matters:
//! - the input is a STREAM of values: each is packed; trailing text that does not parse is
//!   ignored once one value was read (`{"a":1}garbage` is fine, `{"a":1}{"b":2}` packs TWO
//!   objects, which corrupts the chunk);
//! - duplicate keys are all kept (msgpack maps may repeat keys);
//! - integers that fit u64 (or i64 when negative) stay integers, larger ones become doubles;
//!   `-0` is the integer 0; `0.0` is a double; `1e400` is an error, as are `NaN`/`Infinity`;
//! - raw invalid UTF-8 and raw control characters inside strings are kept byte for byte;
//!   malformed `\u` escapes and unpaired surrogates become U+FFFD;
//! - there is no nesting limit (yyjson is iterative; so is this parser).

use rmpv::Value;

/// Why a JSON text could not be packed (`flb_pack_json` returned -1).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonParseError {
    /// Byte offset in the input where yyjson stopped.
    pub offset: usize,
    /// yyjson's message for the failure.
    pub message: &'static str,
}

impl std::fmt::Display for JsonParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonParseError {}

/// Parses a stream of JSON values. `Ok(vec![])` means the text was only whitespace.
pub fn parse_json_stream(text: &[u8]) -> Result<Vec<Value>, JsonParseError> {
    let mut values = Vec::new();
    let mut pos = 0;
    loop {
        while pos < text.len() && matches!(text[pos], b' ' | b'\t' | b'\n' | b'\r') {
            pos += 1;
        }
        if pos >= text.len() {
            break;
        }
        match (Parser { text, pos }).parse_document() {
            Ok((value, end)) => {
                values.push(value);
                pos = end;
            }
            Err(err) if values.is_empty() => return Err(err),
            Err(_) => break,
        }
    }
    Ok(values)
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

mod strings;
pub use strings::raw_utf8_string;

enum Frame {
    Array(Vec<Value>),
    Object(Vec<(Value, Value)>, Option<Value>),
}

pub(super) fn err(offset: usize, message: &'static str) -> JsonParseError {
    JsonParseError { offset, message }
}

impl Parser<'_> {
    pub(super) fn peek(&self) -> u8 {
        self.text.get(self.pos).copied().unwrap_or(0)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), b' ' | b'\t' | b'\n' | b'\r') && self.pos < self.text.len() {
            self.pos += 1;
        }
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// One root value; returns it with the offset just past it.
    fn parse_document(mut self) -> Result<(Value, usize), JsonParseError> {
        self.skip_ws();
        if self.at_end() {
            return Err(err(self.pos, "input data is empty"));
        }
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // Parse a value (or open a container).
            self.skip_ws();
            let mut value = match self.peek() {
                b'{' => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == b'}' && !self.at_end() {
                        self.pos += 1;
                        Value::Map(Vec::new())
                    } else {
                        let key = self.parse_key()?;
                        stack.push(Frame::Object(Vec::new(), Some(key)));
                        continue;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == b']' && !self.at_end() {
                        self.pos += 1;
                        Value::Array(Vec::new())
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        continue;
                    }
                }
                _ => self.parse_scalar()?,
            };
            // Attach the finished value to its parent; close containers as far as possible.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok((value, self.pos));
                };
                self.skip_ws();
                let next = self.peek();
                let ended = self.at_end();
                match frame {
                    Frame::Array(items) => {
                        items.push(value);
                        if next == b',' && !ended {
                            self.pos += 1;
                            break;
                        } else if next == b']' && !ended {
                            self.pos += 1;
                            let Some(Frame::Array(items)) = stack.pop() else {
                                unreachable!()
                            };
                            value = Value::Array(items);
                        } else {
                            return Err(err(self.pos, "unexpected character, expected ',' or ']'"));
                        }
                    }
                    Frame::Object(entries, key) => {
                        let k = key.take().unwrap_or(Value::Nil);
                        entries.push((k, value));
                        if next == b',' && !ended {
                            self.pos += 1;
                            self.skip_ws();
                            let new_key = self.parse_key()?;
                            if let Some(Frame::Object(_, key)) = stack.last_mut() {
                                *key = Some(new_key);
                            }
                            break;
                        } else if next == b'}' && !ended {
                            self.pos += 1;
                            let Some(Frame::Object(entries, _)) = stack.pop() else {
                                unreachable!()
                            };
                            value = Value::Map(entries);
                        } else {
                            return Err(err(self.pos, "unexpected character, expected ',' or '}'"));
                        }
                    }
                }
            }
        }
    }

    /// A key string followed by `:`.
    fn parse_key(&mut self) -> Result<Value, JsonParseError> {
        if self.peek() != b'"' || self.at_end() {
            return Err(err(
                self.pos,
                "unexpected character, expected a string for object key",
            ));
        }
        let key = self.parse_string()?;
        self.skip_ws();
        if self.peek() != b':' || self.at_end() {
            return Err(err(
                self.pos,
                "unexpected character, expected ':' after object key",
            ));
        }
        self.pos += 1;
        Ok(key)
    }

    fn parse_scalar(&mut self) -> Result<Value, JsonParseError> {
        let start = self.pos;
        match self.peek() {
            b'"' if !self.at_end() => self.parse_string(),
            b't' => self.literal(b"true", Value::Boolean(true)),
            b'f' => self.literal(b"false", Value::Boolean(false)),
            b'n' => self.literal(b"null", Value::Nil),
            b'-' | b'0'..=b'9' => self.parse_number(),
            _ if self.at_end() => Err(err(start, "unexpected end of data")),
            _ => Err(err(start, "unexpected character")),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, JsonParseError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(err(self.pos, "invalid literal"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_ascii_digit() && !self.at_end() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn parse_number(&mut self) -> Result<Value, JsonParseError> {
        let start = self.pos;
        let negative = self.peek() == b'-';
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_digits = self.digits();
        if int_digits == 0 {
            return Err(err(self.pos, "no digit after sign"));
        }
        if int_digits > 1 && self.text[int_start] == b'0' {
            return Err(err(int_start, "number with leading zero is not allowed"));
        }
        let mut is_real = false;
        if self.peek() == b'.' && !self.at_end() {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(err(self.pos, "no digit after decimal point"));
            }
            is_real = true;
        }
        if matches!(self.peek(), b'e' | b'E') && !self.at_end() {
            self.pos += 1;
            if matches!(self.peek(), b'+' | b'-') {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(err(self.pos, "no digit after exponent sign"));
            }
            is_real = true;
        }
        let text = std::str::from_utf8(&self.text[start..self.pos]).unwrap_or("0");
        if !is_real {
            let magnitude = &self.text[int_start..int_start + int_digits];
            if let Some(m) = parse_u64(magnitude) {
                if !negative {
                    return Ok(Value::from(m));
                }
                if m <= 1u64 << 63 {
                    return Ok(if m == 0 {
                        Value::from(0u64)
                    } else {
                        Value::from((m as i64).wrapping_neg())
                    });
                }
            }
        }
        let parsed: f64 = text
            .parse()
            .map_err(|_| err(start, "failed to parse the number"))?;
        if parsed.is_infinite() {
            return Err(err(start, "number is infinity when parsed as double"));
        }
        Ok(Value::F64(parsed))
    }
}

fn parse_u64(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Value {
        let mut values = parse_json_stream(text.as_bytes()).expect("parses");
        assert_eq!(values.len(), 1, "{text}");
        values.remove(0)
    }

    #[test]
    fn numbers_follow_yyjson() {
        assert_eq!(one("18446744073709551615"), Value::from(u64::MAX));
        assert_eq!(
            one("18446744073709551616"),
            Value::F64(18446744073709551616.0)
        );
        assert_eq!(one("-9223372036854775808"), Value::from(i64::MIN));
        assert_eq!(
            one("-9223372036854775809"),
            Value::F64(-9223372036854775809.0)
        );
        assert_eq!(one("-0"), Value::from(0u64));
        assert_eq!(one("0.0"), Value::F64(0.0));
        assert_eq!(one("1.5e3"), Value::F64(1500.0));
        assert!(parse_json_stream(b"1e400").is_err());
        assert!(parse_json_stream(b"01").is_err());
        assert!(parse_json_stream(b"NaN").is_err());
        assert!(parse_json_stream(b"Infinity").is_err());
    }

    #[test]
    fn duplicates_and_order_are_kept() {
        let v = one(r#"{"a":1,"b":[true,null,{}],"a":2}"#);
        let Value::Map(entries) = v else { panic!() };
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[2].1, Value::from(2));
    }

    #[test]
    fn streams_and_trailing_text() {
        assert_eq!(parse_json_stream(br#"{"a":1}garbage"#).unwrap().len(), 1);
        assert_eq!(parse_json_stream(br#"{"a":1} {"b":2}"#).unwrap().len(), 2);
        assert_eq!(parse_json_stream(b"   ").unwrap().len(), 0);
        assert!(parse_json_stream(br#"{"a":}"#).is_err());
        assert!(parse_json_stream(br#"{"a":1,}"#).is_err());
        assert!(parse_json_stream(br#"[1,2"#).is_err());
    }

    #[test]
    fn strings_keep_raw_bytes_and_replace_bad_escapes() {
        let v = one("\"a\u{1}\"");
        assert_eq!(v.as_str(), Some("a\u{1}"));
        let v = parse_json_stream(b"\"\xff\"").unwrap().remove(0);
        let Value::String(s) = v else { panic!() };
        assert_eq!(s.as_bytes(), b"\xff");
        assert_eq!(one(r#""\ud800""#).as_str(), Some("\u{FFFD}"));
        assert_eq!(one(r#""\ud800\u0041""#).as_str(), Some("\u{FFFD}"));
        assert_eq!(one(r#""\udc00x""#).as_str(), Some("\u{FFFD}x"));
        assert_eq!(one(r#""\ud83d\ude00""#).as_str(), Some("😀"));
        assert_eq!(one(r#""\u12G4""#).as_str(), Some("\\u124"));
        assert_eq!(one(r#""\u0000""#).as_str(), Some("\u{0}"));
        assert!(parse_json_stream(br#""\x""#).is_err());
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let depth = 5_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(parse_json_stream(text.as_bytes()).unwrap().len(), 1);
    }
}
