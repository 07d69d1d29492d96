//! The trait a plugin implements. Everything in it is plain, safe Rust that runs natively in
//! unit tests exactly as it runs inside Fluent Bit.

use std::fmt;

use serde_json::Value;

use crate::config::{ConfigError, ConfigSource};
use crate::path::FieldPath;
use crate::record::Record;
use crate::Format;

/// Which Fluent Bit wasm ABI made the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abi {
    /// Returns a NUL-terminated string (every Fluent Bit since 2.0).
    V1,
    /// Returns `(len << 32) | ptr` (newer upstream, `ABI_Version 2`).
    V2,
}

/// The record's timestamp as Fluent Bit passed it (seconds are the low 32 bits of `tv_sec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp {
    pub sec: u32,
    pub nsec: u32,
}

impl Timestamp {
    pub fn as_f64(&self) -> f64 {
        f64::from(self.sec) + f64::from(self.nsec) / 1e9
    }
}

/// What Fluent Bit told us about the record besides its body.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub tag: &'a str,
    pub time: Timestamp,
    pub format: Format,
    pub abi: Abi,
}

/// What happens to the record after `process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Emit the record with the plugin's edits (or unchanged).
    Keep,
    /// Remove the record from the stream. Only for plugins configured to drop.
    Drop,
}

/// A record-level failure. The message must not contain record content (it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError(pub String);

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PluginError {}

impl From<crate::Error> for PluginError {
    fn from(e: crate::Error) -> Self {
        PluginError(e.to_string())
    }
}

/// The field the default failure policy writes.
pub const ERROR_FIELD: &str = "logward_error";

/// A logward plugin: built once per Fluent Bit filter instance, then called once per record.
pub trait Plugin: Sized + 'static {
    /// Short name: config file `<NAME>.json`, messages prefixed `logward-<NAME>:`.
    const NAME: &'static str;

    /// When true, the SDK never emits record content this plugin did not process (used by
    /// mask: a record it could not scan must not leave with secrets in it).
    const FAIL_CLOSED: bool = false;

    /// Builds the plugin from its configuration (`None`: no config file; use defaults).
    /// An error here stops Fluent Bit at start with the file, line, column and message.
    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError>;

    /// Heavy one-time work after `init` (compiling regexes, building tables), still inside
    /// `_initialize` so a failure stops Fluent Bit at start. The driver calls it from a shallow
    /// frame, after `init` has returned: WAMR's 8 KiB default stack is shared by the whole call
    /// chain, and config parsing has large frames that should not sit under a deep compile.
    fn start(&mut self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// Inspects and edits one record.
    fn process(&mut self, record: &mut Record<'_>, call: &Call<'_>) -> Result<Verdict, PluginError>;

    /// The failure policy, run when `process` returned an error (its edits are discarded first).
    /// Default: pass the record on, with `logward_error` naming the plugin and the problem.
    fn on_error(&mut self, record: &mut Record<'_>, call: &Call<'_>, error: &PluginError) -> Verdict {
        let _ = call;
        mark_error(record, Self::NAME, &error.0);
        Verdict::Keep
    }
}

/// Sets `logward_error` on a record if it is an object; leaves it untouched otherwise.
pub fn mark_error(record: &mut Record<'_>, plugin: &str, message: &str) {
    if let Ok(path) = FieldPath::parse(ERROR_FIELD) {
        let _ = record.set(&path, Value::String(format!("{plugin}: {message}")));
    }
}
