//! The host contract, in safe Rust: what to do with each call Fluent Bit makes, and what to hand
//! back. The raw-pointer glue in [`glue`] only converts pointers to slices and back; every
//! decision lives here so it is unit-tested natively.

#[doc(hidden)]
pub mod glue;
mod nul_free;
#[cfg(target_family = "wasm")]
pub(crate) mod wasi;

use serde_json::{json, Value};

use crate::config::{self, ConfigError};
use crate::plugin::{mark_error, Abi, Call, Plugin, Timestamp, Verdict, ERROR_FIELD};
use crate::record::Record;
use crate::{detect_format, value, Format};

/// The record argument of a call.
pub enum Input<'a> {
    /// The host could not copy the record into guest memory and passed pointer 0.
    Missing { len: usize },
    /// The record; `nul_follows` is true when the byte after it is a NUL the host put there
    /// (JSON mode), which lets an unchanged record be returned without a copy.
    Bytes { record: &'a [u8], nul_follows: bool },
}

/// What the export returns, before it becomes a pointer.
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    /// Drop the record (v1: an empty string; v2: 0).
    Drop,
    /// Return the input unchanged, pointing at the host's own copy.
    Input,
    /// Return the instance's output buffer (v1: NUL-terminated; v2: the buffer without it).
    Buffer,
}

/// One plugin instance: the plugin plus the buffer its answers live in until the next call.
pub struct Instance<P: Plugin> {
    plugin: Option<P>,
    init_error: Option<ConfigError>,
    ctors_done: bool,
    out: Vec<u8>,
    /// Format of the last record seen: the only hint left when the host passes pointer 0.
    last_format: Format,
    warned_msgpack_nul: bool,
}

impl<P: Plugin> Default for Instance<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Plugin> Instance<P> {
    pub fn new() -> Self {
        Instance {
            plugin: None,
            init_error: None,
            ctors_done: false,
            out: Vec::new(),
            last_format: Format::Json,
            warned_msgpack_nul: false,
        }
    }

    /// The output buffer (valid until the next call), NUL-terminated.
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// The output without its NUL terminator.
    pub fn output_body(&self) -> &[u8] {
        self.out.strip_suffix(&[0]).unwrap_or(&self.out)
    }

    /// Loads `<NAME>.json` from the search directories and builds the plugin.
    pub fn initialize(&mut self) -> Result<(), ConfigError> {
        let name = format!("{}.json", P::NAME);
        let source = config::load(&name)?;
        self.initialize_with(source.as_ref())
    }

    /// Builds the plugin from an explicit config (tests, tools).
    pub fn initialize_with(&mut self, source: Option<&config::ConfigSource>) -> Result<(), ConfigError> {
        match P::init(source).and_then(|p| Self::started(p)) {
            Ok(p) => {
                self.plugin = Some(p);
                self.init_error = None;
                Ok(())
            }
            Err(e) => {
                self.init_error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Runs [`Plugin::start`] outside `init`'s frame.
    #[inline(never)]
    fn started(mut p: P) -> Result<P, ConfigError> {
        p.start()?;
        Ok(p)
    }

    /// Handles one call. The caller turns the result into the ABI's return value.
    pub fn handle(&mut self, tag: &str, time: Timestamp, input: Input<'_>, abi: Abi) -> Output {
        self.out.clear();
        let (record, nul_follows) = match input {
            Input::Missing { len } => {
                let msg = format!(
                    "the host passed no record ({len} bytes could not be copied into wasm memory)"
                );
                self.write_error_only(&msg);
                return self.finish(Output::Buffer, abi);
            }
            Input::Bytes { record, nul_follows } => (record, nul_follows),
        };
        let format = detect_format(record);
        self.last_format = format;
        let call = Call { tag, time, format, abi };

        if self.plugin.is_none() && self.init_error.is_none() {
            // A host that never called `_initialize`: initialize on first use.
            let _ = self.initialize();
        }
        let mut rec = Record::new(record, format);
        let verdict = match self.plugin.as_mut() {
            Some(plugin) => match plugin.process(&mut rec, &call) {
                Ok(v) => v,
                Err(e) => {
                    rec.discard_edits();
                    plugin.on_error(&mut rec, &call, &e)
                }
            },
            None => {
                let why = self.init_error.as_ref().map_or_else(|| "not initialized".to_string(), |e| e.to_string());
                if P::FAIL_CLOSED {
                    self.write_error_only(&format!("plugin unavailable ({why}); record withheld"));
                    return self.finish(Output::Buffer, abi);
                }
                mark_error(&mut rec, P::NAME, &format!("plugin unavailable ({why})"));
                Verdict::Keep
            }
        };
        if verdict == Verdict::Drop {
            return Output::Drop;
        }
        if !rec.is_modified() {
            return self.finish_input(record, abi, nul_follows);
        }
        if let Err(e) = rec.write(&mut self.out) {
            self.out.clear();
            if P::FAIL_CLOSED {
                self.write_error_only(&format!("could not write the record: {e}; record withheld"));
            } else {
                let mut rec = Record::new(record, format);
                mark_error(&mut rec, P::NAME, &e.to_string());
                if rec.write(&mut self.out).is_err() || !rec.is_modified() {
                    self.out.clear();
                    return self.finish_input(record, abi, nul_follows);
                }
            }
        }
        self.finish(Output::Buffer, abi)
    }

    /// Writes a record holding only `logward_error`, in the last known format.
    fn write_error_only(&mut self, message: &str) {
        self.out.clear();
        let v = json!({ ERROR_FIELD: format!("{}: {message}", P::NAME) });
        value::encode(&mut self.out, &v, self.last_format);
    }

    /// The input goes back unchanged: without a copy when the ABI allows it.
    fn finish_input(&mut self, record: &[u8], abi: Abi, nul_follows: bool) -> Output {
        let zero_copy = match abi {
            Abi::V2 => true,
            // v1 reads a C string: the host's copy must end in its NUL and hold no other.
            Abi::V1 => nul_follows && self.last_format == Format::Json,
        };
        if zero_copy {
            return Output::Input;
        }
        self.out.clear();
        self.out.extend_from_slice(record);
        self.finish(Output::Buffer, abi)
    }

    /// Makes the output buffer fit the ABI: v1 reads a C string, and msgpack under v1 must not
    /// contain 0x00 (the host would cut the record there and corrupt the chunk). The buffer is
    /// NUL-terminated under v2 too (the length excludes it), so a v2 export configured on a v1
    /// host still returns a proper C string.
    fn finish(&mut self, out: Output, abi: Abi) -> Output {
        if abi == Abi::V1 && self.last_format == Format::Msgpack && self.out.contains(&0) {
            self.wrap_msgpack_with_nul();
        }
        self.out.push(0);
        out
    }

    fn wrap_msgpack_with_nul(&mut self) {
        if !self.warned_msgpack_nul {
            self.warned_msgpack_nul = true;
            eprintln!(
                "logward-{}: a record's msgpack contains 0x00 bytes (integer 0, many floats, maps \
                 of 16+ keys...), which Fluent Bit's ABI v1 cuts off; such records are passed as \
                 JSON text in `{}` instead. Fix: set `Event_Format json` (recommended) or \
                 `ABI_Version 2` on this filter. (said once)",
                P::NAME,
                nul_free::RECORD_FIELD
            );
        }
        let json_text = msgpack_to_json_text(&self.out);
        self.out.clear();
        nul_free::write_wrapped(&mut self.out, P::NAME, &json_text);
    }
}

/// Renders a msgpack record as JSON text (for the v1 0x00 fallback). Lossless for anything
/// JSON can hold; bytes that are not UTF-8 are replaced.
fn msgpack_to_json_text(src: &[u8]) -> String {
    match crate::convert::msgpack_to_json(src) {
        Ok(v) => v,
        Err(e) => serde_json::to_string(&Value::String(format!("unreadable msgpack record: {e}")))
            .unwrap_or_default(),
    }
}

/// Runs `__wasm_call_ctors` once (what wasi-libc's reactor `_initialize` does), then loads the
/// config. Exposed for the glue.
impl<P: Plugin> Instance<P> {
    pub(crate) fn mark_ctors_done(&mut self) -> bool {
        std::mem::replace(&mut self.ctors_done, true)
    }
}
