//! `logward verify`: reads Fluent Bit outputs holding chained records and reports every break
//! with its stream and seq. Records are checked in parallel (parse, canonicalize, MAC), then
//! linked per stream ([`link`]).
//!
//! Exit status (what `logward verify` returns): 0 intact, 1 tampered (or warnings with
//! `strict`), 2 usage error or unreadable input.

pub mod check;
pub mod input;
pub mod keys;
pub mod link;
pub mod report;

use std::path::{Path, PathBuf};

use check::{Checker, Outcome, Streams};
use keys::KeyRing;
use link::{Linker, Placed, PlacedCheckpoint, Records};
pub use report::{Finding, Kind, Location, Report, Severity, StreamSummary};

use crate::checkpoint::Checkpoint;
use crate::mac::SecretKey;

/// What to verify against.
#[derive(Debug, Clone)]
pub struct Options {
    /// Initial keys (`--key`, one per chain key). Empty: plain SHA-256 chains.
    pub keys: Vec<SecretKey>,
    /// The chain field's name.
    pub field: String,
    /// Top-level fields outputs add (`json_date_key`, es `@timestamp`...): left out of the
    /// check when the record has more members than its chain field says it had.
    pub output_keys: Vec<String>,
    /// The input may start a stream after seq 1 (rotated-away files), and checkpoints may name
    /// streams that are not in the input.
    pub partial: bool,
    /// Lines without a chain field are not findings (mixed files).
    pub ignore_unchained: bool,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keys: Vec::new(),
            field: "_chain".into(),
            output_keys: default_output_keys(),
            partial: false,
            ignore_unchained: false,
            threads: 0,
        }
    }
}

/// Fields Fluent Bit outputs add by default: `date` (json_lines' `json_date_key`) and
/// `@timestamp` (es, opensearch).
pub fn default_output_keys() -> Vec<String> {
    vec!["date".into(), "@timestamp".into()]
}

/// A named input text.
pub struct Source<'a> {
    pub name: String,
    pub text: &'a [u8],
}

/// Lines of a text, numbered from `first` (`\n` separated; a final line without newline counts).
fn lines(text: &[u8], first: u64) -> impl Iterator<Item = (u64, &[u8])> {
    text.split(|&b| b == b'\n').enumerate().map(move |(i, l)| (first + i as u64, l)).filter(|(_, l)| !l.is_empty())
}

/// Bytes of lines a worker checks at a time (~100 records): small enough that workers finish
/// a batch together, large enough that taking one costs nothing.
const CHUNK: usize = 64 << 10;

/// `text` cut after line ends into pieces of about `size` bytes (one piece if it is small).
fn line_chunks(text: &[u8], size: usize) -> Vec<&[u8]> {
    let mut chunks = Vec::with_capacity(text.len() / size + 1);
    let mut rest = text;
    while rest.len() > size {
        let cut = rest.get(size..).and_then(|tail| memchr::memchr(b'\n', tail)).map_or(rest.len(), |p| size + p + 1);
        let (chunk, tail) = rest.split_at(cut);
        chunks.push(chunk);
        rest = tail;
    }
    if !rest.is_empty() || chunks.is_empty() {
        chunks.push(rest);
    }
    chunks
}

/// Checks the lines of one chunk of file `file`.
fn check_chunk(checker: &mut Checker<'_>, chunk: &[u8], file: usize, opts: &Options) -> Part {
    let mut part = Part::default();
    let mut rest = chunk;
    let mut n = 0u64;
    loop {
        let (l, more) = match memchr::memchr(b'\n', rest) {
            Some(p) => (rest.get(..p).unwrap_or_default(), rest.get(p + 1..)),
            None => (rest, None),
        };
        if !l.is_empty() {
            let (kind, why) = match checker.check_line(l) {
                Outcome::Blank => (None, String::new()),
                Outcome::Entry(entry) => {
                    part.records += 1;
                    part.placed.push(Placed { file, line: n, entry });
                    (None, String::new())
                }
                Outcome::Unchained if opts.ignore_unchained => {
                    part.records += 1;
                    (None, String::new())
                }
                Outcome::Unchained => (
                    Some(Kind::Unchained),
                    format!("no `{}` field: inserted, or not from a chained stream (--ignore-unchained)", opts.field),
                ),
                Outcome::Unparseable(why) => (Some(Kind::Unparseable), why),
                Outcome::MalformedChain(why) => (Some(Kind::MalformedChain), why),
            };
            if let Some(kind) = kind {
                part.records += 1;
                part.findings.push((n, Finding::new(kind, why)));
            }
        }
        let Some(next) = more else { break };
        part.newlines += 1;
        n += 1;
        rest = next;
    }
    part
}

/// What a worker made of one chunk of lines.
#[derive(Default)]
struct Part {
    /// Line numbers counted from 0 at the part's start.
    placed: Vec<Placed>,
    /// Lines that are not chained records: (line from 0, finding).
    findings: Vec<(u64, Finding)>,
    records: u64,
    /// Line ends in the part.
    newlines: u64,
}

/// Checks records batch by batch on all cores ([`Workers`]), keeping only what linking needs
/// per record ([`Merged`]).
struct Verifier<'o> {
    workers: Workers<'o>,
    merged: Merged,
}

/// The checking side, shared by the worker threads.
struct Workers<'o> {
    opts: &'o Options,
    ring: KeyRing,
    streams: Streams,
    threads: usize,
}

/// What the checked batches left, in input order.
#[derive(Default)]
struct Merged {
    names: Vec<String>,
    records: Records,
    report: Report,
}

/// A checked batch of lines of file `file`, the first numbered `first_line`.
struct Checked {
    file: usize,
    first_line: u64,
    parts: Vec<Part>,
}

impl Checked {
    /// Line ends in the batch.
    fn newlines(&self) -> u64 {
        self.parts.iter().map(|p| p.newlines).sum()
    }
}

impl<'o> Verifier<'o> {
    fn new(opts: &'o Options) -> Self {
        let threads = match opts.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
        .clamp(1, 64);
        let workers = Workers { opts, ring: KeyRing::new(&opts.keys), streams: Streams::default(), threads };
        Verifier { workers, merged: Merged::default() }
    }

    fn add_file(&mut self, name: String) -> usize {
        self.merged.names.push(name);
        self.merged.report.files += 1;
        self.merged.names.len() - 1
    }

    /// Checks whole lines of file `file`, the first numbered `first_line`; returns the number
    /// of line ends in `text`.
    fn feed(&mut self, file: usize, text: &[u8], first_line: u64) -> u64 {
        let checked = self.workers.check(file, text, first_line);
        let newlines = checked.newlines();
        self.merged.merge(checked);
        newlines
    }
    fn finish(mut self, checkpoints: &[Source<'_>]) -> Report {
        let mut report = std::mem::take(&mut self.merged.report);
        let mut cks = Vec::new();
        for s in checkpoints {
            for (line, text) in lines(s.text, 1) {
                let at = Location { file: s.name.clone(), line };
                if text.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match serde_json::from_slice::<Checkpoint>(text) {
                    Ok(checkpoint) => cks.push(PlacedCheckpoint { at, checkpoint }),
                    Err(e) => report.findings.push(Finding::new(Kind::Unparseable, format!("not a checkpoint line: {e}")).at(Some(at))),
                }
            }
        }
        report.checkpoints = cks.len() as u64;
        let streams = self.workers.streams.names();
        let merged = &self.merged;
        Linker { records: &merged.records, files: &merged.names, streams: &streams, partial: self.workers.opts.partial }.run(&cks, &mut report);
        report.sort();
        report
    }
}

impl Workers<'_> {
    /// Checks whole lines of file `file` on all cores, the first numbered `first_line`.
    fn check(&self, file: usize, text: &[u8], first_line: u64) -> Checked {
        let chunks = line_chunks(text, CHUNK);
        let opts = self.opts;
        let checker = || Checker::new(&self.ring, &opts.field, &opts.output_keys, &self.streams);
        let parts: Vec<Part> = if chunks.len() == 1 || self.threads == 1 {
            let mut checker = checker();
            chunks.iter().map(|c| check_chunk(&mut checker, c, file, opts)).collect()
        } else {
            // Workers take the next chunk until none is left, so they finish together
            // whatever else (the reader, the merger) shares the cores.
            let next = std::sync::atomic::AtomicUsize::new(0);
            let done: Vec<Vec<(usize, Part)>> = std::thread::scope(|scope| {
                let work = || {
                    let mut checker = checker();
                    let mut parts = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(chunk) = chunks.get(i) else { break };
                        parts.push((i, check_chunk(&mut checker, chunk, file, opts)));
                    }
                    parts
                };
                let workers: Vec<_> = (0..self.threads.min(chunks.len())).map(|_| scope.spawn(work)).collect();
                // A worker's panic is the verifier's: never a batch silently left out.
                workers.into_iter().map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
            });
            let mut parts: Vec<(usize, Part)> = done.into_iter().flatten().collect();
            parts.sort_unstable_by_key(|&(i, _)| i);
            parts.into_iter().map(|(_, p)| p).collect()
        };
        Checked { file, first_line, parts }
    }
}

impl Merged {
    /// Appends a checked batch (batches in input order).
    fn merge(&mut self, batch: Checked) {
        let name = self.names.get(batch.file).cloned().unwrap_or_default();
        let mut line = batch.first_line;
        self.records.reserve(batch.parts.iter().map(|p| p.placed.len()).sum());
        for part in batch.parts {
            self.report.records += part.records;
            for mut p in part.placed {
                p.line += line;
                self.records.push(p);
            }
            for (n, f) in part.findings {
                self.report.findings.push(f.at(Some(Location { file: name.clone(), line: line + n })));
            }
            line += part.newlines;
        }
    }
}

/// Verifies records (in `sources`, in order) against `checkpoints`.
pub fn verify(sources: &[Source<'_>], checkpoints: &[Source<'_>], opts: &Options) -> Report {
    let mut v = Verifier::new(opts);
    for s in sources {
        let file = v.add_file(s.name.clone());
        v.feed(file, s.text, 1);
    }
    v.finish(checkpoints)
}

/// An input that could not be read (exit status 2).
#[derive(Debug)]
pub struct InputError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for InputError {}

/// Bytes read from a file at a time: files are checked batch by batch (reading the next batch
/// while the workers check this one), so memory holds two batches and one small entry per
/// record, not the files.
const BATCH: usize = 16 << 20;

/// Bytes read before the workers start.
const FIRST_BATCH: usize = 1 << 20;

/// Reads up to `batch` more bytes into `buf` (after what it holds). Returns false at the end.
fn fill_batch(file: &mut std::fs::File, buf: &mut Vec<u8>, batch: usize) -> std::io::Result<bool> {
    use std::io::Read as _;
    let n = file.take(batch as u64).read_to_end(buf)?;
    Ok(n == batch)
}

/// Reads the files and verifies them.
pub fn verify_paths(paths: &[PathBuf], checkpoints: &[PathBuf], opts: &Options) -> Result<Report, InputError> {
    verify_paths_in_batches(paths, checkpoints, opts, BATCH)
}

fn verify_paths_in_batches(paths: &[PathBuf], checkpoints: &[PathBuf], opts: &Options, batch: usize) -> Result<Report, InputError> {
    fn err(p: &Path) -> impl Fn(std::io::Error) -> InputError + '_ {
        move |error| InputError { path: p.to_path_buf(), error }
    }
    let ck_texts = checkpoints.iter().map(|p| std::fs::read(p).map_err(err(p))).collect::<Result<Vec<_>, _>>()?;
    let mut v = Verifier::new(opts);
    let (mut cur, mut next) = (Vec::new(), Vec::new());
    // The previous batch, merged while the workers check the next one.
    let mut pending: Option<Checked> = None;
    for p in paths {
        let file_index = v.add_file(p.display().to_string());
        let mut file = std::fs::File::open(p).map_err(err(p))?;
        let mut line = 1u64;
        cur.clear();
        // A small first batch: the workers start while the reader reads the next one.
        let mut more = fill_batch(&mut file, &mut cur, batch.min(FIRST_BATCH)).map_err(err(p))?;
        loop {
            // Check the complete lines of `cur`; carry a partial last line into `next`.
            let cut = if more { memchr::memrchr(b'\n', &cur).map_or(0, |i| i + 1) } else { cur.len() };
            next.clear();
            next.extend_from_slice(cur.get(cut..).unwrap_or_default());
            cur.truncate(cut);
            let read_more = more;
            let mut read = Ok(false);
            let Verifier { workers, merged } = &mut v;
            let checked = std::thread::scope(|scope| {
                // Read the next batch and merge the previous one while the workers check this.
                let reader = read_more.then(|| scope.spawn(|| fill_batch(&mut file, &mut next, batch)));
                let merger = pending.take().map(|done| scope.spawn(move || merged.merge(done)));
                let checked = workers.check(file_index, &cur, line);
                if let Some(m) = merger {
                    m.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                }
                if let Some(r) = reader {
                    read = r.join().unwrap_or(Ok(false));
                }
                checked
            });
            line += checked.newlines();
            pending = Some(checked);
            if !read_more {
                break;
            }
            more = read.map_err(err(p))?;
            std::mem::swap(&mut cur, &mut next);
        }
    }
    if let Some(done) = pending {
        v.merged.merge(done);
    }
    let name = |p: &Path| p.display().to_string();
    let ck_sources: Vec<Source<'_>> = checkpoints.iter().zip(&ck_texts).map(|(p, t)| Source { name: name(p), text: t }).collect();
    Ok(v.finish(&ck_sources))
}

/// Reads a key file for `--key`.
pub fn read_key(path: &Path) -> Result<SecretKey, String> {
    let mut text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let key = crate::keyfile::parse(&text).map_err(|e| format!("{}: {e}", path.display()));
    zeroize::Zeroize::zeroize(&mut text);
    key
}

/// A new random key (`logward keygen`), from the operating system's generator.
pub fn generate_key() -> Result<SecretKey, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the operating system: {e}"))?;
    let key = SecretKey::from_bytes(bytes);
    zeroize::Zeroize::zeroize(&mut bytes);
    Ok(key)
}

#[cfg(test)]
mod tests;
