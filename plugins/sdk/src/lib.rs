//! # logward-sdk
//!
//! The guest SDK for logward plugins: Rust code compiled to `wasm32-wasip1` that runs inside
//! stock Fluent Bit as a `wasm` filter. This crate owns every raw pointer and every detail of
//! Fluent Bit's wasm contract, so plugin crates are plain, safe Rust that unit-tests natively.
//!
//! A plugin implements [`Plugin`] and hands itself over with one macro call in its module crate:
//!
//! ```ignore
//! logward_sdk::export_plugin!(logward_mask::Mask);
//! ```
//!
//! which exports, identically in every plugin:
//! - `filter` — ABI v1 (every Fluent Bit ≥ 2.0): returns a NUL-terminated string that lives
//!   until the next call;
//! - `filter_v2` — ABI v2 (`ABI_Version 2`): returns `(len << 32) | ptr`;
//! - `_initialize` — loads `<plugin>.json` from the `Accessible_Paths` directories, validates it,
//!   and on error prints `logward-<plugin>: file:line:column: problem` and traps, so Fluent Bit
//!   refuses to start;
//! - `malloc`/`free` come from libc via the workspace's linker flags, so Fluent Bit copies
//!   records with our allocator instead of its 8 KiB app heap.
//!
//! Records are read in place ([`Record`], [`Node`], [`Tokens`], [`FieldSet`]) and edited by
//! splicing ([`Record::replace`], [`Record::set`]): a plugin that changes nothing returns the
//! host's own copy. JSON and msgpack records have the same API. See `FLUENT-BIT-WASM.md` in the
//! repository for the contract and README.md for the limits users meet.

pub mod abi;
pub mod config;
pub mod convert;
mod error;
pub mod json;
pub mod msgpack;
mod node;
mod path;
mod plugin;
mod record;
mod scalar;
pub mod stage;
mod tokens;
pub mod value;

pub use config::{ConfigError, ConfigSource};
pub use error::{Error, ErrorKind, Result};
pub use node::{Elements, Members, Node, Shape};
pub use path::{FieldPath, FieldSet, Fields, Segment};
pub use plugin::{mark_error, Abi, Call, Plugin, PluginError, Timestamp, Verdict, ERROR_FIELD};
pub use record::Record;
pub use scalar::{Num, Scalar, Str};
pub use tokens::{ObjectLoc, Spanned, Token, Tokens};

/// Re-exported so plugins build inserted values with the same `serde_json` as the SDK.
pub use serde_json;

/// Deepest nesting the token reader accepts; deeper records are reported as errors (and handled
/// by the plugin's failure policy) instead of exhausting memory.
pub const MAX_DEPTH: usize = 10_000;

/// How Fluent Bit passed the record (`Event_Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON text; Fluent Bit escapes non-ASCII as `\uXXXX`.
    Json,
    /// msgpack bytes of the record map.
    Msgpack,
}

/// Tells the two formats apart by the first byte: a JSON object starts with `{` (0x7b, which in
/// msgpack is a positive integer and never a record), a msgpack record with a map marker.
pub fn detect_format(record: &[u8]) -> Format {
    match record.first() {
        Some(0x80..=0x8f | 0xde | 0xdf) => Format::Msgpack,
        _ => Format::Json,
    }
}

/// Gives a plugin type its Fluent Bit exports: `filter` (ABI v1), `filter_v2` (ABI v2) and
/// `_initialize`. Use it once, in the plugin's module crate. Expands to nothing when not
/// compiling for wasm, so the workspace still builds and tests natively.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[cfg(target_family = "wasm")]
        const _: () = {
            ::std::thread_local! {
                static INSTANCE: ::core::cell::RefCell<$crate::abi::Instance<$plugin>> =
                    ::core::cell::RefCell::new($crate::abi::Instance::new());
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn _initialize() {
                $crate::abi::glue::initialize(&INSTANCE)
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn filter(
                tag: *const u8,
                tag_len: usize,
                time_sec: u32,
                time_nsec: u32,
                record: *const u8,
                record_len: usize,
            ) -> *const u8 {
                // SAFETY: only the host calls this export, with pointers into our memory.
                unsafe {
                    $crate::abi::glue::filter_v1(&INSTANCE, tag, tag_len, time_sec, time_nsec, record, record_len)
                }
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn filter_v2(
                tag: *const u8,
                tag_len: usize,
                time_sec: u32,
                time_nsec: u32,
                record: *const u8,
                record_len: usize,
            ) -> u64 {
                // SAFETY: only the host calls this export, with pointers into our memory.
                unsafe {
                    $crate::abi::glue::filter_v2(&INSTANCE, tag, tag_len, time_sec, time_nsec, record, record_len)
                }
            }
        };
    };
}
