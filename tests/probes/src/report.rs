//! `report`: returns, as JSON, exactly what the guest received, so tests can check the host's
//! side of the call (pointers, lengths, NUL terminators, escaping, time, tag).

use crate::buffer::{input, publish};
use crate::json;

/// Returns `{"tag":..,"tag_ptr":..,"tag_len":..,"tag_nul":..,"sec":..,"nsec":..,"rec_ptr":..,
/// "rec_len":..,"rec_nul":..,"high_bytes":..,"rec_head":..}`. `*_nul` is the byte right after
/// the given length (-1 when the pointer is 0); `high_bytes` counts bytes >= 0x80 in the record.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn report(
    tag: *const u8,
    tag_len: u32,
    sec: u32,
    nsec: u32,
    rec: *const u8,
    len: u32,
) -> *const u8 {
    let text = unsafe { build_report(tag, tag_len, sec, nsec, rec, len) };
    publish(text.as_bytes())
}

/// msgpack mode: the same report as the string value of `{"report": "<json>"}`, padded with
/// spaces so that no byte of the msgpack (length bytes included) is 0x00.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn report_msgpack(
    tag: *const u8,
    tag_len: u32,
    sec: u32,
    nsec: u32,
    rec: *const u8,
    len: u32,
) -> *const u8 {
    let mut text = unsafe { build_report(tag, tag_len, sec, nsec, rec, len) };
    while text.len() < 256 || text.len() % 256 == 0 {
        text.push(' ');
    }
    let mut out = vec![0x81, 0xa6];
    out.extend_from_slice(b"report");
    out.push(0xda);
    out.extend_from_slice(&(text.len() as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    publish(&out)
}

unsafe fn build_report(
    tag: *const u8,
    tag_len: u32,
    sec: u32,
    nsec: u32,
    rec: *const u8,
    len: u32,
) -> String {
    let after = |ptr: *const u8, len: u32| -> i32 {
        if ptr.is_null() {
            -1
        } else {
            // SAFETY: the host copied len (+1 in JSON mode) bytes; reading one past is the probe's point.
            i32::from(unsafe { *ptr.add(len as usize) })
        }
    };
    let tag_bytes = unsafe { input(tag, tag_len) };
    let record = unsafe { input(rec, len) };
    let high = record.map_or(0, |r| r.iter().filter(|&&b| b >= 0x80).count());
    let mut out = String::from("{\"tag\":");
    json::push_str(&mut out, tag_bytes.unwrap_or(b""));
    out.push_str(&format!(
        ",\"tag_ptr\":{},\"tag_len\":{tag_len},\"tag_nul\":{},\"sec\":{sec},\"nsec\":{nsec},\"rec_ptr\":{},\"rec_len\":{len},\"rec_nul\":{},\"high_bytes\":{high},\"rec_head\":",
        tag as u32,
        after(tag, tag_len),
        rec as u32,
        after(rec, len)
    ));
    let head = record.map_or(&b""[..], |r| &r[..r.len().min(200)]);
    json::push_str(&mut out, head);
    out.push('}');
    out
}
