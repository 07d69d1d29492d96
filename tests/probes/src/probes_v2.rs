//! ABI v2 probes: each returns `(len << 32) | ptr`, 0 to drop.

use crate::buffer::{input, publish_v2};

/// Copies the record into the static buffer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn v2_echo(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    len: u32,
) -> u64 {
    match unsafe { input(rec, len) } {
        Some(bytes) => publish_v2(bytes),
        None => 0,
    }
}

/// Returns 0: drop the record.
#[unsafe(no_mangle)]
pub extern "C" fn v2_zero(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> u64 {
    0
}

/// Returns a slice of the host's own input copy (valid: the host copies it before freeing).
/// JSON mode: the first `"keep":{...}` object inside the record, else the whole record.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn v2_slice(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    len: u32,
) -> u64 {
    let Some(record) = (unsafe { input(rec, len) }) else {
        return 0;
    };
    let needle = b"\"keep\":";
    let (start, end) = match record.windows(needle.len()).position(|w| w == needle) {
        Some(at) => {
            let start = at + needle.len();
            let end = record[start..]
                .iter()
                .position(|&b| b == b'}')
                .map_or(record.len(), |p| start + p + 1);
            (start, end)
        }
        None => (0, record.len()),
    };
    let ptr = rec as u32 + start as u32;
    (((end - start) as u64) << 32) | u64::from(ptr)
}

/// msgpack mode: `{"a": 0}`, whose 0x00 byte is fine under v2 (the length is explicit).
#[unsafe(no_mangle)]
pub extern "C" fn v2_msgpack_with_nul(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> u64 {
    publish_v2(&[0x81, 0xa1, b'a', 0x00])
}
