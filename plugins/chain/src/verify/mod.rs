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

use check::{Checker, Outcome};
use keys::KeyRing;
use link::{Linker, Placed, PlacedCheckpoint};
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

/// Lines of one file, with 1-based numbers (`\n` separated; a final line without newline counts).
fn lines(text: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    text.split(|&b| b == b'\n').enumerate().map(|(i, l)| (i as u64 + 1, l)).filter(|(_, l)| !l.is_empty())
}

/// Verifies records (in `sources`, in order) against `checkpoints`.
pub fn verify(sources: &[Source<'_>], checkpoints: &[Source<'_>], opts: &Options) -> Report {
    let mut report = Report { files: sources.len() as u64, ..Report::default() };
    let work: Vec<(usize, u64, &[u8])> =
        sources.iter().enumerate().flat_map(|(f, s)| lines(s.text).map(move |(n, l)| (f, n, l))).collect();
    let ring = KeyRing::new(&opts.keys);
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, 64);
    let chunk = work.len().div_ceil(threads).max(1);
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(chunk)
            .map(|part| {
                let ring = &ring;
                scope.spawn(move || {
                    let mut checker = Checker::new(ring, &opts.field, &opts.output_keys);
                    part.iter().map(|(_, _, line)| checker.check_line(line)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });

    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let mut placed = Vec::with_capacity(outcomes.len());
    for ((file, line, _), outcome) in work.iter().zip(outcomes) {
        let at = || Some(Location { file: names.get(*file).cloned().unwrap_or_default(), line: *line });
        match outcome {
            Outcome::Blank => continue,
            Outcome::Entry(entry) => placed.push(Placed { file: *file, line: *line, entry: *entry }),
            Outcome::Unchained if opts.ignore_unchained => {}
            Outcome::Unchained => report.findings.push(
                Finding::new(Kind::Unchained, format!("no `{}` field: inserted, or not from a chained stream (--ignore-unchained)", opts.field)).at(at()),
            ),
            Outcome::Unparseable(why) => report.findings.push(Finding::new(Kind::Unparseable, why).at(at())),
            Outcome::MalformedChain(why) => report.findings.push(Finding::new(Kind::MalformedChain, why).at(at())),
        }
        report.records += 1;
    }

    let mut cks = Vec::new();
    for s in checkpoints {
        for (line, text) in lines(s.text) {
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
    Linker { placed: &placed, files: &names, partial: opts.partial }.run(&cks, &mut report);
    report.sort();
    report
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

/// Reads the files and verifies them.
pub fn verify_paths(paths: &[PathBuf], checkpoints: &[PathBuf], opts: &Options) -> Result<Report, InputError> {
    let read = |p: &PathBuf| std::fs::read(p).map_err(|error| InputError { path: p.clone(), error });
    let texts = paths.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let ck_texts = checkpoints.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let name = |p: &Path| p.display().to_string();
    let sources: Vec<Source<'_>> = paths.iter().zip(&texts).map(|(p, t)| Source { name: name(p), text: t }).collect();
    let ck_sources: Vec<Source<'_>> = checkpoints.iter().zip(&ck_texts).map(|(p, t)| Source { name: name(p), text: t }).collect();
    Ok(verify(&sources, &ck_sources, opts))
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
