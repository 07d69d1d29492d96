//! Failures that stop a filter from starting — in Fluent Bit, the whole process refuses to
//! start. Carries the log lines Fluent Bit would print, the guest's own output, and a hint.

use std::fmt;

/// A filter instance could not be created.
#[derive(Debug, Clone)]
pub struct SetupError {
    /// What Fluent Bit 5.1.1 would log, in order (without timestamps).
    pub fluent_bit_log: Vec<String>,
    /// What the guest wrote to stdout/stderr before failing (may be empty).
    pub guest_output: String,
    /// Whether that output was already shown live on stderr.
    pub guest_output_shown: bool,
    /// logward's explanation or advice, if any.
    pub hint: Option<String>,
}

impl SetupError {
    /// An error with one Fluent Bit log line.
    pub fn new(line: impl Into<String>) -> Self {
        SetupError {
            fluent_bit_log: vec![line.into()],
            guest_output: String::new(),
            guest_output_shown: false,
            hint: None,
        }
    }

    /// Adds a later log line.
    pub fn then(mut self, line: impl Into<String>) -> Self {
        self.fluent_bit_log.push(line.into());
        self
    }

    /// Adds advice.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, line) in self.fluent_bit_log.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{line}")?;
        }
        let output = self.guest_output.trim_end();
        if !output.is_empty() {
            if self.guest_output_shown {
                write!(f, "\n(the guest's own output is shown above)")?;
            } else {
                write!(f, "\nguest output:\n{output}")?;
            }
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SetupError {}
