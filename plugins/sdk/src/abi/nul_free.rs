//! A msgpack encoding with no 0x00 byte, for the one case that needs it: a record whose msgpack
//! contains 0x00 returned under ABI v1, where Fluent Bit reads the answer as a C string.
//!
//! The record is carried as its JSON text (which never contains 0x00) split into strings whose
//! headers contain no zero byte either: fixstr, str8 (32..=255 bytes) or str16 with both length
//! bytes non-zero. Up to 15 chunks of < 64 KiB fit in a fixarray; a larger record is cut and the
//! error says so.

use crate::msgpack::write_str;

/// Field holding the record's JSON text (an array of string chunks to concatenate).
pub const RECORD_FIELD: &str = "logward_record_json";
const MAX_CHUNKS: usize = 15;
const MAX_CHUNK: usize = 0xffff;

/// Writes `{"logward_error": ..., "logward_record_json": [chunks...]}` with no 0x00 byte.
pub(crate) fn write_wrapped(out: &mut Vec<u8>, plugin: &str, json_text: &str) {
    let chunks = split(json_text);
    let complete = chunks.iter().map(|c| c.len()).sum::<usize>() == json_text.len();
    let mut error = format!(
        "{plugin}: msgpack output held 0x00 bytes, which Fluent Bit's ABI v1 cannot return; \
         the record is in `{RECORD_FIELD}` as JSON text. Use Event_Format json or ABI_Version 2."
    );
    if !complete {
        error.push_str(" The record was longer than 983025 bytes and is cut.");
    }
    out.push(0x82);
    write_str(out, crate::plugin::ERROR_FIELD);
    write_str(out, &error);
    write_str(out, RECORD_FIELD);
    out.push(0x90 | chunks.len() as u8);
    for c in chunks {
        write_str(out, c);
    }
}

/// Splits at char boundaries into at most 15 chunks whose msgpack headers are zero-free.
fn split(text: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut rest = text;
    while !rest.is_empty() && chunks.len() < MAX_CHUNKS {
        let mut n = rest.len().min(MAX_CHUNK);
        while !rest.is_char_boundary(n) {
            n -= 1;
        }
        if n >= 256 && n.is_multiple_of(256) {
            // str16's low length byte would be 0: give one char back.
            n -= 1;
            while !rest.is_char_boundary(n) {
                n -= 1;
            }
        }
        let (head, tail) = rest.split_at(n);
        chunks.push(head);
        rest = tail;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        write_wrapped(&mut out, "mask", text);
        out
    }

    #[test]
    fn no_zero_byte_for_any_length() {
        for len in [0, 1, 31, 32, 255, 256, 511, 512, 65535, 65536, 131072, 200_003] {
            let text: String = "a".repeat(len);
            let out = wrapped(&text);
            assert!(!out.contains(&0), "len {len}");
            let json = crate::convert::msgpack_to_json(&out).unwrap();
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            let joined: String = v[RECORD_FIELD]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            assert_eq!(joined, text, "len {len}");
        }
    }

    #[test]
    fn multibyte_text_splits_on_char_boundaries() {
        let text = "身".repeat(40_000);
        let out = wrapped(&text);
        assert!(!out.contains(&0));
    }
}
