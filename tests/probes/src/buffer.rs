//! The reused static output buffer: the only correct way to hand a result to Fluent Bit
//! (it copies the string after the call and never frees guest memory).

use core::cell::UnsafeCell;

pub struct OutBuf(UnsafeCell<Vec<u8>>);

// SAFETY: wasm32-wasip1 modules are single-threaded and Fluent Bit calls one record at a time.
unsafe impl Sync for OutBuf {}

pub static OUT: OutBuf = OutBuf(UnsafeCell::new(Vec::new()));

/// Replaces the buffer's content with `bytes` followed by a NUL; returns its address.
pub fn publish(bytes: &[u8]) -> *const u8 {
    // SAFETY: see `Sync` above; no other reference to the buffer is alive.
    let buf = unsafe { &mut *OUT.0.get() };
    buf.clear();
    buf.extend_from_slice(bytes);
    buf.push(0);
    buf.as_ptr()
}

/// Like [`publish`] but returns the v2 packing `(len << 32) | ptr` (the NUL is not counted).
pub fn publish_v2(bytes: &[u8]) -> u64 {
    let ptr = publish(bytes) as u32;
    (u64::from(bytes.len() as u32) << 32) | u64::from(ptr)
}

/// The record (or tag) bytes, or `None` when the host passed pointer 0.
pub unsafe fn input<'a>(ptr: *const u8, len: u32) -> Option<&'a [u8]> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: the host copied `len` bytes to `ptr` before the call.
        Some(unsafe { core::slice::from_raw_parts(ptr, len as usize) })
    }
}
