//! Minimal msgpack encoding for the values plugins insert.

use serde_json::Value;

pub fn write_map_header(out: &mut Vec<u8>, n: u32) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n <= u32::from(u16::MAX) {
        out.push(0xde);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdf);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

pub fn write_array_header(out: &mut Vec<u8>, n: u32) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= u32::from(u16::MAX) {
        out.push(0xdc);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdd);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= usize::from(u8::MAX) {
        out.push(0xd9);
        out.push(n as u8);
    } else if n <= usize::from(u16::MAX) {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        write_uint(out, v as u64);
    } else if v >= -32 {
        out.push(v as i8 as u8);
    } else if v >= i64::from(i8::MIN) {
        out.push(0xd0);
        out.push(v as i8 as u8);
    } else if v >= i64::from(i16::MIN) {
        out.push(0xd1);
        out.extend_from_slice(&(v as i16).to_be_bytes());
    } else if v >= i64::from(i32::MIN) {
        out.push(0xd2);
        out.extend_from_slice(&(v as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

fn write_uint(out: &mut Vec<u8>, v: u64) {
    if v < 128 {
        out.push(v as u8);
    } else if v <= u64::from(u8::MAX) {
        out.push(0xcc);
        out.push(v as u8);
    } else if v <= u64::from(u16::MAX) {
        out.push(0xcd);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v <= u64::from(u32::MAX) {
        out.push(0xce);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Encodes a JSON value as msgpack (integers in their smallest form, other numbers as f64).
/// Iterative, so a deep value cannot overflow the interpreter's stack.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    enum Item<'v> {
        Key(&'v str),
        Val(&'v Value),
    }
    let mut stack = vec![Item::Val(value)];
    while let Some(item) = stack.pop() {
        let v = match item {
            Item::Key(k) => {
                write_str(out, k);
                continue;
            }
            Item::Val(v) => v,
        };
        match v {
            Value::Null => out.push(0xc0),
            Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    write_uint(out, u);
                } else if let Some(i) = n.as_i64() {
                    write_int(out, i);
                } else {
                    out.push(0xcb);
                    out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_be_bytes());
                }
            }
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                write_array_header(out, items.len() as u32);
                stack.extend(items.iter().rev().map(Item::Val));
            }
            Value::Object(map) => {
                write_map_header(out, map.len() as u32);
                for (k, v) in map.iter().rev() {
                    stack.push(Item::Val(v));
                    stack.push(Item::Key(k));
                }
            }
        }
    }
}
