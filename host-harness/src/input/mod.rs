//! The lines `logward replay` reads, turned into records (tag, time, body) the way the
//! matching Fluent Bit input would have produced them.

pub mod detect;
pub mod reader;

pub use detect::{InputFormat, LineKind, TimeSource, parse_line};
pub use reader::{InputOptions, RecordReader};
