//! Streams records from input files (or stdin), line by line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::detect::{InputFormat, LineKind, TimeSource, apply_time_key, parse_line};
use crate::pipeline::Record;

/// How to read input.
#[derive(Debug, Clone)]
pub struct InputOptions {
    /// Files, in order; `-` is stdin.
    pub paths: Vec<PathBuf>,
    /// Line interpretation.
    pub format: InputFormat,
    /// Tag for lines that carry none.
    pub tag: String,
    /// Field to take every record's time from.
    pub time_key: Option<String>,
    /// Time for lines that carry none.
    pub time_source: TimeSource,
}

/// One record read, with its provenance.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    /// The record.
    pub record: Record,
    /// What the line looked like.
    pub kind: LineKind,
    /// `file:line` for messages.
    pub origin: String,
    /// Bytes of the input line.
    pub line_bytes: usize,
    /// `--time-key` was given but the field was missing or unparseable.
    pub time_key_missed: bool,
}

/// An iterator over the records of all input files. Empty lines are skipped (as `in_tail`
/// skips them).
pub struct RecordReader {
    options: InputOptions,
    next_file: usize,
    current: Option<(String, Box<dyn BufRead>)>,
    line_number: u64,
    index: u64,
    buffer: Vec<u8>,
}

impl RecordReader {
    /// A reader over `options.paths` (nothing is opened until the first record is read).
    pub fn new(options: InputOptions) -> Self {
        RecordReader {
            options,
            next_file: 0,
            current: None,
            line_number: 0,
            index: 0,
            buffer: Vec::new(),
        }
    }

    fn open_next(&mut self) -> Result<bool> {
        let Some(path) = self.options.paths.get(self.next_file).cloned() else {
            return Ok(false);
        };
        self.next_file += 1;
        self.line_number = 0;
        let (name, reader): (String, Box<dyn Read>) = if path.as_os_str() == "-" {
            ("<stdin>".into(), Box::new(std::io::stdin()))
        } else {
            let file = File::open(&path)
                .with_context(|| format!("cannot open input file {}", path.display()))?;
            (path.display().to_string(), Box::new(file))
        };
        self.current = Some((name, Box::new(BufReader::with_capacity(1 << 16, reader))));
        Ok(true)
    }
}

impl Iterator for RecordReader {
    type Item = Result<ReadRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.current.is_none() {
                match self.open_next() {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(e) => return Some(Err(e)),
                }
            }
            let (name, reader) = self.current.as_mut()?;
            self.buffer.clear();
            let read = match reader.read_until(b'\n', &mut self.buffer) {
                Ok(n) => n,
                Err(e) => {
                    return Some(Err(anyhow::Error::new(e).context(format!("reading {name}"))));
                }
            };
            if read == 0 {
                self.current = None;
                continue;
            }
            self.line_number += 1;
            let origin = format!("{name}:{}", self.line_number);
            let mut line: &[u8] = &self.buffer;
            if let Some(l) = line.strip_suffix(b"\n") {
                line = l;
            }
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            if line.is_empty() {
                continue;
            }
            let default_time = self.options.time_source.time_for(self.index);
            let parsed = parse_line(line, self.options.format, &self.options.tag, default_time);
            let (mut record, kind) = match parsed {
                Ok(p) => p,
                Err(why) => return Some(Err(anyhow::anyhow!("{origin}: {why}"))),
            };
            let time_key_missed = match &self.options.time_key {
                Some(key) => !apply_time_key(&mut record, key),
                None => false,
            };
            self.index += 1;
            return Some(Ok(ReadRecord {
                record,
                kind,
                origin,
                line_bytes: read,
                time_key_missed,
            }));
        }
    }
}
