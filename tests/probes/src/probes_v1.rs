//! ABI v1 probes: each returns a pointer to a NUL-terminated string (or something that is not).

use core::cell::Cell;

use crate::buffer::{input, publish};
use crate::json;

/// Copies the record into the static buffer (NUL-terminated): the correct way to return.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn echo(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    len: u32,
) -> *const u8 {
    match unsafe { input(rec, len) } {
        Some(bytes) => publish(bytes),
        None => publish(br#"{"error":"record pointer is 0"}"#),
    }
}

/// Returns the host's own copy of the record. Valid: Fluent Bit copies the result before it
/// frees its input copies.
#[unsafe(no_mangle)]
pub extern "C" fn return_input(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    _len: u32,
) -> *const u8 {
    rec
}

struct Keep(Cell<Vec<String>>);
// SAFETY: single-threaded module.
unsafe impl Sync for Keep {}
static KEEP: Keep = Keep(Cell::new(Vec::new()));

/// Returns a pointer into a `String` that has been dropped: the classic mistake. A second
/// allocation is kept alive after it so the freed block goes to a free list (whose links
/// overwrite its first bytes) instead of merging back into the top chunk.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dangling(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    len: u32,
) -> *const u8 {
    let text = match unsafe { input(rec, len) } {
        Some(bytes) => String::from_utf8_lossy(bytes).into_owned() + "\0",
        None => String::from("{}\0"),
    };
    let ptr = text.as_ptr();
    let guard = String::from("keeps the freed block away from the top chunk");
    let mut kept = KEEP.0.take();
    kept.push(guard);
    KEEP.0.set(kept);
    drop(core::hint::black_box(text));
    ptr
}

/// Returns NULL.
#[unsafe(no_mangle)]
pub extern "C" fn null(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    core::ptr::null()
}

/// Returns "".
#[unsafe(no_mangle)]
pub extern "C" fn empty(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(b"")
}

/// Returns text that is not JSON.
#[unsafe(no_mangle)]
pub extern "C" fn invalid_json(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(b"{not json")
}

/// Returns a JSON array (valid JSON, not an object).
#[unsafe(no_mangle)]
pub extern "C" fn json_array(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(b"[1,2,3]")
}

/// Returns two JSON objects back to back.
#[unsafe(no_mangle)]
pub extern "C" fn two_objects(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(br#"{"a":1}{"b":2}"#)
}

/// Returns an object followed by text that is not JSON (Fluent Bit ignores the tail).
#[unsafe(no_mangle)]
pub extern "C" fn trailing_garbage(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(br#"{"a":1} trailing words"#)
}

/// Returns a pointer far outside linear memory.
#[unsafe(no_mangle)]
pub extern "C" fn out_of_range(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    0xFFFF_FFF0usize as *const u8
}

/// Executes `unreachable`.
#[unsafe(no_mangle)]
pub extern "C" fn trap(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    core::arch::wasm32::unreachable()
}

struct Counter(Cell<u32>);
// SAFETY: single-threaded module.
unsafe impl Sync for Counter {}
static COUNT: Counter = Counter(Cell::new(0));

/// Counts calls; traps (after counting) when the record contains `"trap":true`, and returns a
/// pointer outside memory when it contains `"bad_ptr":true`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn counter(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    len: u32,
) -> *const u8 {
    let n = COUNT.0.get() + 1;
    COUNT.0.set(n);
    let record = unsafe { input(rec, len) }.unwrap_or(b"");
    if json::field(record, "trap").is_some_and(|v| v.starts_with(b"true")) {
        core::arch::wasm32::unreachable();
    }
    if json::field(record, "bad_ptr").is_some_and(|v| v.starts_with(b"true")) {
        return 0xFFFF_FFF0usize as *const u8;
    }
    publish(format!(r#"{{"count":{n}}}"#).as_bytes())
}

#[inline(never)]
fn descend(depth: u32, scratch: &mut [u32; 16]) -> u32 {
    if depth == 0 {
        return scratch[0];
    }
    let mut mine = [depth; 16];
    mine[1] = scratch[2].wrapping_add(depth);
    let below = descend(depth - 1, core::hint::black_box(&mut mine));
    below.wrapping_add(mine[3])
}

/// Recurses `"depth":N` levels deep (N from the record), then returns `{"depth":N}`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn recurse(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    len: u32,
) -> *const u8 {
    let record = unsafe { input(rec, len) }.unwrap_or(b"");
    let depth = json::u32_field(record, "depth").unwrap_or(0);
    let mut scratch = [0u32; 16];
    let sum = descend(depth, &mut scratch);
    publish(format!(r#"{{"depth":{depth},"sum":{sum}}}"#).as_bytes())
}

/// msgpack mode: returns `{"a": 0}` — its last byte is 0x00, so a C-string read loses it.
#[unsafe(no_mangle)]
pub extern "C" fn msgpack_with_nul(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(&[0x81, 0xa1, b'a', 0x00])
}

/// msgpack mode: returns `{"a": 1}` (no 0x00 anywhere).
#[unsafe(no_mangle)]
pub extern "C" fn msgpack_without_nul(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(&[0x81, 0xa1, b'a', 0x01])
}

/// Reads the file named by the record's `"path"` field and returns `{"content": ...}` or
/// `{"error": ...}`: shows which preopened directories the guest can reach, under which names.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn read_file(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    rec: *const u8,
    len: u32,
) -> *const u8 {
    let record = unsafe { input(rec, len) }.unwrap_or(b"");
    let path = json::string_field(record, "path")
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default();
    let mut out = String::from("{");
    match std::fs::read(&path) {
        Ok(content) => {
            out.push_str("\"content\":");
            json::push_str(&mut out, &content);
        }
        Err(e) => {
            out.push_str("\"error\":");
            json::push_str(&mut out, e.to_string().as_bytes());
        }
    }
    out.push('}');
    publish(out.as_bytes())
}

/// Exports nothing useful: returns no value at all (WAMR then hands back the first argument).
#[unsafe(no_mangle)]
pub extern "C" fn returns_nothing(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) {
}
