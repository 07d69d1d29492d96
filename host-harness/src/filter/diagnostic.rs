//! Log lines: what Fluent Bit would print for an event, plus logward's own notes.

use std::fmt;

/// Fluent Bit log levels (and logward's notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `[error]`
    Error,
    /// `[ warn]`
    Warn,
    /// `[ info]`
    Info,
    /// `[debug]`: Fluent Bit only prints these with `Log_Level debug`.
    Debug,
}

/// One log line.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Severity.
    pub level: Level,
    /// `Some("wasm.0")` for lines Fluent Bit prefixes with `[filter:wasm:wasm.0]`; `None` for
    /// lines from `flb_wasm.c`, which carry no plugin prefix.
    pub filter: Option<String>,
    /// The text, as Fluent Bit words it.
    pub message: String,
    /// True for logward's own remarks (not something Fluent Bit prints).
    pub from_logward: bool,
}

impl Diagnostic {
    /// A line Fluent Bit prints from the filter plugin.
    pub fn plugin(level: Level, filter: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            level,
            filter: Some(filter.to_string()),
            message: message.into(),
            from_logward: false,
        }
    }

    /// A line Fluent Bit prints from its wasm runtime glue (`flb_wasm.c`), without prefix.
    pub fn runtime(level: Level, message: impl Into<String>) -> Self {
        Diagnostic {
            level,
            filter: None,
            message: message.into(),
            from_logward: false,
        }
    }

    /// A remark by logward about this filter.
    pub fn logward(level: Level, filter: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            level,
            filter: Some(filter.to_string()),
            message: message.into(),
            from_logward: true,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from_logward {
            let filter = self.filter.as_deref().unwrap_or("-");
            return write!(f, "logward: [{filter}] {}", self.message);
        }
        let level = match self.level {
            Level::Error => "[error]",
            Level::Warn => "[ warn]",
            Level::Info => "[ info]",
            Level::Debug => "[debug]",
        };
        match &self.filter {
            Some(name) => write!(f, "{level} [filter:wasm:{name}] {}", self.message),
            None => write!(f, "{level} {}", self.message),
        }
    }
}
