//! Byte strings passed straight to the export (`fuzz` raw mode): what Fluent Bit never sends,
//! but what a plugin must survive without trapping — broken JSON, absurd nesting, non-standard
//! number spellings, invalid UTF-8, and broken msgpack.

use rmpv::Value;

use super::generate::{GenLimits, random_record, random_value};
use super::rng::Rng;
use crate::fluentbit::msgpack_to_json;

const JSON_SNIPPETS: &[&[u8]] = &[
    b"",
    b"   ",
    b"{}",
    b"[]",
    b"null",
    b"\"just a string\"",
    b"{\"v\":NaN}",
    b"{\"v\":nan}",
    b"{\"v\":-Infinity}",
    b"{\"v\":Infinity}",
    b"{\"v\":1e999}",
    b"{\"v\":-1e999}",
    b"{\"v\":123456789012345678901234567890}",
    b"{\"v\":-123456789012345678901234567890}",
    b"{\"v\":0.000000000000000000000000000000000000000001}",
    b"{\"a\":1,\"a\":2,\"a\":{\"a\":3}}",
    b"{\"v\":\"\\ud800\"}",
    b"{\"v\":\"\\udc00\\ud800\"}",
    b"{\"v\":\"\\u0000\"}",
    b"{\"v\":\"a\x01b\x1fc\"}",
    b"{\"v\":\"\xff\xfe\"}",
    b"{\"v\":\"\xed\xa0\x80\"}",
    b"{\"\":\"\"}",
    b"{\"log\":\"unterminated",
    b"{\"log\":",
    b"{\"log\":1,}",
    b"{'single':'quotes'}",
    b"{\"v\":01}",
    b"{\"v\":.5}",
    b"{\"v\":+1}",
    b"{\"v\":tru}",
    b"\xef\xbb\xbf{\"bom\":1}",
    b"{\"a\":1}{\"b\":2}",
    b"{\"a\":1} trailing",
];

/// `depth` nested arrays or objects as JSON text.
pub fn deep_json(depth: usize, objects: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(depth * 8);
    for _ in 0..depth {
        out.extend_from_slice(if objects { b"{\"a\":" } else { b"[" });
    }
    out.extend_from_slice(b"0");
    for _ in 0..depth {
        out.push(if objects { b'}' } else { b']' });
    }
    out
}

fn corrupt(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    match rng.below(4) {
        0 if !bytes.is_empty() => {
            let at = rng.index(bytes.len());
            bytes.truncate(at);
        }
        1 if !bytes.is_empty() => {
            let at = rng.index(bytes.len());
            bytes[at] = rng.byte();
        }
        2 => {
            let at = rng.index(bytes.len() + 1);
            bytes.insert(
                at,
                *rng.pick(&[0x00, 0xff, b'"', b'\\', b'{', b'}', b'[', 0x80, 0xc1]),
            );
        }
        _ => {}
    }
    bytes
}

/// A raw input for a JSON-mode export.
pub fn raw_json_input(rng: &mut Rng, limits: GenLimits) -> Vec<u8> {
    match rng.below(10) {
        0 | 1 => rng.pick(JSON_SNIPPETS).to_vec(),
        2 => {
            let depth = *rng.pick(&[32, 100, 1000, 5000]);
            deep_json(depth, rng.one_in(2))
        }
        3 => {
            let len = rng.index(limits.max_len.min(512) + 1);
            (0..len).map(|_| rng.byte()).collect()
        }
        4 => msgpack_to_json(&random_value(rng, limits, 4)),
        _ => {
            let text = msgpack_to_json(&random_record(rng, limits));
            corrupt(rng, text)
        }
    }
}

/// A raw input for a msgpack-mode export.
pub fn raw_msgpack_input(rng: &mut Rng, limits: GenLimits) -> Vec<u8> {
    let encode = |v: &Value| {
        let mut out = Vec::new();
        let _ = rmpv::encode::write_value(&mut out, v);
        out
    };
    match rng.below(8) {
        0 => encode(&random_value(rng, limits, 3)),
        1 => {
            let len = rng.index(64);
            (0..len).map(|_| rng.byte()).collect()
        }
        2 => {
            let mut v = vec![0x91; *rng.pick(&[32usize, 100, 1000])];
            v.push(0x80);
            v
        }
        _ => {
            let bytes = encode(&random_record(rng, limits));
            corrupt(rng, bytes)
        }
    }
}
