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
