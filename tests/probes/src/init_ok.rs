//! The normal build's `_initialize`: counts how often the host runs it, so a test can check
//! it runs exactly once, at instantiation, before any record.

use core::cell::Cell;

use crate::buffer::publish;

struct Calls(Cell<u32>);
// SAFETY: single-threaded module.
unsafe impl Sync for Calls {}
static CALLS: Calls = Calls(Cell::new(0));

#[unsafe(no_mangle)]
pub extern "C" fn _initialize() {
    CALLS.0.set(CALLS.0.get() + 1);
}

/// Returns `{"init_calls":N}`.
#[unsafe(no_mangle)]
pub extern "C" fn init_calls(
    _tag: *const u8,
    _tag_len: u32,
    _sec: u32,
    _nsec: u32,
    _rec: *const u8,
    _len: u32,
) -> *const u8 {
    publish(format!(r#"{{"init_calls":{}}}"#, CALLS.0.get()).as_bytes())
}
