//! Printing Fluent Bit's log lines on stderr without drowning the terminal: each line names
//! the input record it belongs to, and after `--max-messages` lines the rest are only counted.

use logward_harness::filter::{Diagnostic, Level};

/// A rate-limited printer for per-record diagnostics.
pub struct MessagePrinter {
    max: usize,
    printed: usize,
    suppressed: usize,
    show_debug: bool,
}

impl MessagePrinter {
    /// Prints at most `max` lines; debug-level lines only with `show_debug`.
    pub fn new(max: usize, show_debug: bool) -> Self {
        MessagePrinter {
            max,
            printed: 0,
            suppressed: 0,
            show_debug,
        }
    }

    /// The lines of one record that would be shown.
    pub fn render(&mut self, origin: &str, diagnostics: &[Diagnostic]) -> Vec<String> {
        let mut lines = Vec::new();
        for d in diagnostics {
            if d.level == Level::Debug && !self.show_debug {
                continue;
            }
            if self.printed >= self.max {
                self.suppressed += 1;
                continue;
            }
            self.printed += 1;
            lines.push(format!("{origin}: {d}"));
        }
        lines
    }

    /// How many lines were not shown.
    pub fn suppressed(&self) -> usize {
        self.suppressed
    }
}
