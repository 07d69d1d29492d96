//! Records Fluent Bit can carry (msgpack maps nested at most 31 levels), full of the values
//! plugins get wrong: non-ASCII and invalid UTF-8, control characters, lone surrogates (as
//! bytes), empty and duplicate keys, integers at the edges of u64/i64, NaN/inf and float32,
//! bin, ext and nil — and, rarely, a multi-megabyte string.

use rmpv::Value;

use super::rng::Rng;
use crate::fluentbit::body_check::MAX_BODY_DEPTH;
use crate::fluentbit::json_in::raw_utf8_string;

/// Limits for generated records.
#[derive(Debug, Clone, Copy)]
pub struct GenLimits {
    /// Longest ordinary string, in bytes.
    pub max_len: usize,
    /// Allow (rarely) a 5 MB string.
    pub huge_strings: bool,
    /// Allow values Fluent Bit's JSON text cannot carry (NaN/inf, ext, non-string keys).
    /// [`random_record`] decides this per record, so most records stay representable.
    pub exotic: bool,
}

const INTERESTING_STRINGS: &[&[u8]] = &[
    b"",
    b" ",
    b"password=hunter2",
    b"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
    b"AKIAIOSFODNN7EXAMPLE",
    b"4111 1111 1111 1111",
    "caf\u{e9} \u{65e5}\u{672c} \u{1F600}".as_bytes(),
    b"\x00\x01\x1f\x7f",
    b"quote\" backslash\\ slash/",
    b"\xed\xa0\x80",
    b"\xff\xfe\xfd",
    b"\xc0\x80",
    b"\xe6\x97",
    b"line1\nline2\r\n\ttab",
    b"{\"nested\":\"json in a string\"}",
    b"\\ud800",
];

fn string_value(bytes: Vec<u8>) -> Value {
    match String::from_utf8(bytes) {
        Ok(s) => Value::from(s),
        Err(e) => Value::String(raw_utf8_string(e.into_bytes())),
    }
}

fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    match rng.below(4) {
        0 => (0..len).map(|_| rng.byte()).collect(),
        1 => (0..len).map(|_| b' ' + (rng.byte() % 95)).collect(),
        2 => {
            let mut s = String::new();
            while s.len() < len {
                s.push(*rng.pick(&[
                    'a',
                    'é',
                    '日',
                    '😀',
                    '\u{7f}',
                    '\n',
                    '"',
                    '\\',
                    '\u{ffff}',
                    '\u{10ffff}',
                ]));
            }
            s.into_bytes()
        }
        _ => rng.pick(INTERESTING_STRINGS).to_vec(),
    }
}

/// A random string value of at most `max_len` bytes.
pub fn random_string(rng: &mut Rng, limits: GenLimits) -> Value {
    if limits.huge_strings && rng.one_in(2000) {
        return Value::from("x".repeat(5 * 1024 * 1024));
    }
    if rng.one_in(3) {
        return string_value(rng.pick(INTERESTING_STRINGS).to_vec());
    }
    let len = match rng.below(10) {
        0..=6 => rng.index(16.min(limits.max_len + 1)),
        7 | 8 => rng.index(256.min(limits.max_len + 1)),
        _ => rng.index(limits.max_len + 1),
    };
    string_value(random_bytes(rng, len))
}

fn random_scalar(rng: &mut Rng, limits: GenLimits) -> Value {
    match rng.below(24) {
        0 => Value::Nil,
        1 => Value::Boolean(rng.one_in(2)),
        2 => Value::from(*rng.pick(&[
            0u64,
            1,
            127,
            128,
            255,
            256,
            65535,
            1 << 32,
            i64::MAX as u64,
            u64::MAX,
        ])),
        3 => Value::from(*rng.pick(&[-1i64, -32, -33, -128, -129, -32768, i64::MIN])),
        4 => Value::from(rng.next_u64() as i64),
        5 => Value::F64(*rng.pick(&[
            0.0,
            -0.0,
            0.1,
            1.0,
            1e15,
            1e20,
            -2.5e-300,
            f64::MAX,
            f64::MIN_POSITIVE,
        ])),
        6 if limits.exotic && rng.one_in(4) => {
            Value::F64(*rng.pick(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]))
        }
        6 => {
            let v = f64::from_bits(rng.next_u64());
            Value::F64(if v.is_finite() { v } else { 0.5 })
        }
        7 => Value::F32(*rng.pick(&[0.1f32, 1.5, -0.0, 3.4e38])),
        8 => {
            let len = rng.index(32);
            Value::Binary(random_bytes(rng, len))
        }
        9 if limits.exotic => {
            let ty = rng.byte() as i8;
            let len = *rng.pick(&[0usize, 1, 2, 4, 8, 16, 3, 40]);
            Value::Ext(ty, random_bytes(rng, len))
        }
        _ => random_string(rng, limits),
    }
}

fn random_key(rng: &mut Rng, limits: GenLimits) -> Value {
    match rng.below(40) {
        0 => Value::from(""),
        1..=8 => Value::from(*rng.pick(&[
            "log",
            "message",
            "time",
            "date",
            "level",
            "password",
            "kubernetes",
        ])),
        9 if limits.exotic => Value::from(rng.below(100)),
        _ => random_string(
            rng,
            GenLimits {
                max_len: limits.max_len.min(24),
                huge_strings: false,
                exotic: limits.exotic,
            },
        ),
    }
}

/// A random value whose containers nest at most `depth_left` levels.
pub fn random_value(rng: &mut Rng, limits: GenLimits, depth_left: usize) -> Value {
    if depth_left == 0 || rng.below(10) < 6 {
        return random_scalar(rng, limits);
    }
    if rng.one_in(2) {
        let n = rng.index(6);
        Value::Array(
            (0..n)
                .map(|_| random_value(rng, limits, depth_left - 1))
                .collect(),
        )
    } else {
        random_map(rng, limits, depth_left)
    }
}

fn random_map(rng: &mut Rng, limits: GenLimits, depth_left: usize) -> Value {
    let n = rng.index(8);
    let mut entries: Vec<(Value, Value)> = (0..n)
        .map(|_| {
            (
                random_key(rng, limits),
                random_value(rng, limits, depth_left - 1),
            )
        })
        .collect();
    if n > 0 && rng.one_in(6) {
        let dup = entries[rng.index(n)].0.clone();
        entries.push((dup, random_value(rng, limits, depth_left - 1)));
    }
    Value::Map(entries)
}

/// A record body: a map, sometimes nested right up to msgpack-c's decoding limit.
pub fn random_record(rng: &mut Rng, limits: GenLimits) -> Value {
    let limits = GenLimits {
        exotic: rng.one_in(8),
        ..limits
    };
    if rng.one_in(50) {
        let depth = rng.index(MAX_BODY_DEPTH) + 1;
        return deep_record(depth);
    }
    let depth = 1 + rng.index(6);
    random_map(rng, limits, depth)
}

/// `{"d":{"d":...{}}}` with `depth` maps.
pub fn deep_record(depth: usize) -> Value {
    let mut v = Value::Map(Vec::new());
    for _ in 1..depth.max(1) {
        v = Value::Map(vec![(Value::from("d"), v)]);
    }
    v
}
