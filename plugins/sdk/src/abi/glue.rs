//! Raw pointers in, raw pointers out: the only place that touches guest memory directly.
//! Called by the exports that [`export_plugin!`](crate::export_plugin) generates.

use std::cell::RefCell;
use std::thread::LocalKey;

use super::{Input, Instance, Output};
use crate::plugin::{Abi, Plugin, Timestamp};

type Slot<P> = LocalKey<RefCell<Instance<P>>>;

/// `_initialize`: run constructors, load and validate the config. On error, print
/// `logward-<plugin>: file:line:col: problem` and trap, so Fluent Bit refuses to start.
pub fn initialize<P: Plugin>(slot: &'static Slot<P>) {
    let result = slot.with(|cell| {
        let mut inst = cell.try_borrow_mut().ok()?;
        if !inst.mark_ctors_done() {
            call_ctors();
        }
        Some(inst.initialize())
    });
    if let Some(Err(e)) = result {
        eprintln!("logward-{}: {e}", P::NAME);
        trap();
    }
}

/// An empty C string: how a v1 filter drops a record. (NULL does not drop: Fluent Bit copies
/// the string at guest address 0, whatever is there.)
static EMPTY: [u8; 1] = [0];

/// ABI v1: returns a NUL-terminated string that stays valid until the next call; "" drops.
///
/// # Safety
/// Called by the host with pointers it allocated in this module's memory: `tag` valid for
/// `tag_len + 1` bytes, `record` valid for `record_len` bytes (plus a NUL in JSON mode) or 0.
pub unsafe fn filter_v1<P: Plugin>(
    slot: &'static Slot<P>,
    tag: *const u8,
    tag_len: usize,
    sec: u32,
    nsec: u32,
    record: *const u8,
    record_len: usize,
) -> *const u8 {
    // SAFETY: forwarded from the caller's contract.
    let (out, input_ptr) = unsafe { call(slot, tag, tag_len, sec, nsec, record, record_len, Abi::V1) };
    match out {
        Some((Output::Buffer, buf, _)) => buf,
        Some((Output::Input, _, _)) => input_ptr,
        Some((Output::Drop, _, _)) | None => EMPTY.as_ptr(),
    }
}

/// ABI v2: returns `(len << 32) | ptr`, 0 to drop. No NUL needed; may point at the input.
///
/// # Safety
/// As [`filter_v1`].
pub unsafe fn filter_v2<P: Plugin>(
    slot: &'static Slot<P>,
    tag: *const u8,
    tag_len: usize,
    sec: u32,
    nsec: u32,
    record: *const u8,
    record_len: usize,
) -> u64 {
    // SAFETY: forwarded from the caller's contract.
    let (out, input_ptr) = unsafe { call(slot, tag, tag_len, sec, nsec, record, record_len, Abi::V2) };
    let pack = |ptr: *const u8, len: usize| ((len as u64) << 32) | (ptr as usize as u64 & 0xffff_ffff);
    match out {
        Some((Output::Buffer, buf, len)) => pack(buf, len),
        Some((Output::Input, _, _)) => pack(input_ptr, record_len),
        Some((Output::Drop, _, _)) | None => 0,
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn call<P: Plugin>(
    slot: &'static Slot<P>,
    tag: *const u8,
    tag_len: usize,
    sec: u32,
    nsec: u32,
    record: *const u8,
    record_len: usize,
    abi: Abi,
) -> (Option<(Output, *const u8, usize)>, *const u8) {
    // SAFETY: the host guarantees `tag_len` readable bytes at `tag` when it is non-null.
    let tag_bytes: &[u8] = if tag.is_null() { &[] } else { unsafe { std::slice::from_raw_parts(tag, tag_len) } };
    // Tags are ASCII in practice; the lossy decoder costs ~150 instructions even then.
    let tag = match std::str::from_utf8(tag_bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(tag_bytes),
    };
    let input = if record.is_null() {
        if record_len == 0 { Input::Bytes { record: &[], nul_follows: false } } else { Input::Missing { len: record_len } }
    } else {
        // SAFETY: the host copied `record_len` bytes here.
        let bytes = unsafe { std::slice::from_raw_parts(record, record_len) };
        // In JSON mode (text starting with '{') the host copies one more byte: the NUL.
        let nul_follows = bytes.first() == Some(&b'{')
            // SAFETY: JSON-mode records are copied with record_len + 1 bytes.
            && unsafe { *record.add(record_len) } == 0;
        Input::Bytes { record: bytes, nul_follows }
    };
    let time = Timestamp { sec, nsec };
    let out = slot.with(|cell| {
        let mut inst = cell.try_borrow_mut().ok()?;
        let out = inst.handle(&tag, time, input, abi);
        // The buffer ends in a NUL (v1 needs it); the length excludes it.
        Some((out, inst.output().as_ptr(), inst.output_body().len()))
    });
    (out, record)
}

fn call_ctors() {
    #[cfg(target_family = "wasm")]
    {
        unsafe extern "C" {
            fn __wasm_call_ctors();
        }
        // SAFETY: the linker-generated constructor runner; called once, before anything else,
        // exactly as wasi-libc's reactor `_initialize` does.
        unsafe { __wasm_call_ctors() }
    }
}

fn trap() -> ! {
    #[cfg(target_family = "wasm")]
    {
        core::arch::wasm32::unreachable()
    }
    #[cfg(not(target_family = "wasm"))]
    {
        std::process::abort()
    }
}
