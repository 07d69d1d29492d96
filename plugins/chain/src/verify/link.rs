//! How records of one stream link up: gaps, duplicates, forks, reordering, restarts, and the
//! checkpoints that prove where a stream had got to.
//!
//! Records link by MAC (`prev` = the predecessor's `mac`), not by position, so streams may be
//! interleaved and split over files in any order. A legitimate stream is a path from the
//! genesis value, except where the plugin restarted: a record marked `restart: S` continues
//! from the persisted seq S, and whatever the previous run wrote after S is a superseded
//! branch (a crash window), not tampering.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::check::{Entry, Status};
use super::report::{Finding, Kind, Location, Report, StreamSummary};
use crate::checkpoint::Checkpoint;
use crate::field::Cover;
use crate::mac::{parse_digest, Digest, GENESIS};

/// A checked record and where it was read.
pub struct Placed {
    pub file: usize,
    pub line: u64,
    pub entry: Entry,
}

/// Checked records in input order, grouped by stream as they arrive. Each stream's chain is
/// followed on the way, so that a stream that is one unbroken chain (the usual case) needs no
/// linking pass at the end ([`Linker::unbroken`]).
#[derive(Default)]
pub struct Records {
    pub placed: Vec<Placed>,
    /// Each stream's records (indices into `placed`), by [`Entry::group`].
    groups: Vec<Vec<usize>>,
    chains: Vec<Chain>,
}

/// How far a stream's records, in input order, are one chain from seq 1: each valid, naming
/// its predecessor's MAC, numbered one more, without restart or eviction marks, epochs not
/// decreasing, content covered, after its predecessor in the same file.
#[derive(Clone, Copy, Default)]
struct Chain {
    broken: bool,
    /// The last record (index into `placed`).
    last: Option<usize>,
    first_epoch: u64,
    /// Records whose output-added members were left out.
    uncovered: u64,
}

impl Records {
    pub fn push(&mut self, p: Placed) {
        let (g, i) = (p.entry.group as usize, self.placed.len());
        if self.groups.len() <= g {
            self.groups.resize_with(g + 1, Vec::new);
            self.chains.resize(g + 1, Chain::default());
        }
        self.placed.push(p);
        if let (Some(ids), Some(chain)) = (self.groups.get_mut(g), self.chains.get_mut(g)) {
            ids.push(i);
            chain.follow(&self.placed, i);
        }
    }

    pub fn reserve(&mut self, n: usize) {
        self.placed.reserve(n);
    }
}

impl Chain {
    fn follow(&mut self, placed: &[Placed], i: usize) {
        let (Some(p), false) = (placed.get(i), self.broken) else { return };
        let e = &p.entry;
        let plain = e.status == Status::Valid && e.cover == Cover::Body && e.restart.is_none() && !e.evicted;
        let linked = match self.last.and_then(|l| placed.get(l)) {
            None => e.seq == 1 && e.prev == GENESIS,
            Some(last) => {
                let ordered = last.file != p.file || last.line < p.line;
                e.prev == last.entry.mac && last.entry.seq.checked_add(1) == Some(e.seq) && e.epoch >= last.entry.epoch && ordered
            }
        };
        if !(plain && linked) {
            self.broken = true;
            return;
        }
        if self.last.is_none() {
            self.first_epoch = e.epoch;
        }
        self.uncovered += u64::from(e.uncovered);
        self.last = Some(i);
    }
}

/// A checkpoint line and where it was read.
pub struct PlacedCheckpoint {
    pub at: Location,
    pub checkpoint: Checkpoint,
}

type GroupKey = (Option<String>, String);

/// MACs are uniformly random already: their first 8 bytes are a good hash (no SipHash needed).
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
}

type ByMac = HashMap<Digest, usize, BuildHasherDefault<DigestHasher>>;

fn mac_prefix(mac: &Digest) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&mac[..8]);
    u64::from_be_bytes(w)
}

/// Sorted (parent, child) links.
struct Children<'e>(&'e [(usize, usize)]);

impl Children<'_> {
    fn of(&self, parent: usize) -> &[(usize, usize)] {
        let lo = self.0.partition_point(|&(p, _)| p < parent);
        let hi = self.0.partition_point(|&(p, _)| p <= parent);
        self.0.get(lo..hi).unwrap_or_default()
    }
}

/// Node id of the genesis pseudo-record.
const GENESIS_NODE: usize = usize::MAX;

pub struct Linker<'a> {
    pub records: &'a Records,
    pub files: &'a [String],
    /// (key id, stream) of each [`Entry::group`](super::check::Entry::group).
    pub streams: &'a [(Option<String>, String)],
    pub partial: bool,
}

impl Linker<'_> {
    fn loc(&self, i: usize) -> Option<Location> {
        let p = self.records.placed.get(i)?;
        Some(Location { file: self.files.get(p.file).cloned().unwrap_or_default(), line: p.line })
    }

    fn field(&self, i: usize) -> &super::check::Entry {
        &self.records.placed[i].entry
    }

    pub fn run(&self, checkpoints: &[PlacedCheckpoint], report: &mut Report) {
        let groups = &self.records.groups;
        let mut ck_groups: BTreeMap<GroupKey, Vec<&PlacedCheckpoint>> = BTreeMap::new();
        for c in checkpoints {
            ck_groups.entry((c.checkpoint.kid.clone(), c.checkpoint.stream.clone())).or_default().push(c);
        }
        // Streams in (key id, stream) order.
        let mut order: Vec<usize> = (0..self.streams.len().min(groups.len())).filter(|&g| !groups[g].is_empty()).collect();
        order.sort_by(|&a, &b| self.streams[a].cmp(&self.streams[b]));
        for g in order {
            let key = &self.streams[g];
            let cks = ck_groups.remove(key).unwrap_or_default();
            self.stream(g, &key.1, key.0.as_deref(), &cks, report);
        }
        for ((_, stream), cks) in ck_groups {
            let last = cks.iter().map(|c| c.checkpoint.seq).max().unwrap_or(0);
            let at = cks.iter().max_by_key(|c| c.checkpoint.seq).map(|c| c.at.clone());
            let f = if self.partial {
                Finding::new(Kind::AbsentStream, format!("checkpoints name this stream up to seq {last}, but the input has none of its records"))
            } else {
                Finding::new(Kind::Truncated, format!("checkpoints prove records up to seq {last}, but the input has none of this stream's records"))
                    .seq(1, last)
            };
            report.findings.push(f.stream(&stream).at(at));
        }
    }

    /// Links the stream of group `g`.
    fn stream(&self, g: usize, stream: &str, kid: Option<&str>, cks: &[&PlacedCheckpoint], report: &mut Report) {
        match self.unbroken(g, stream, kid, cks) {
            Some((summary, uncovered)) => {
                report.output_fields_ignored += uncovered;
                report.streams.push(summary);
            }
            None => {
                let idxs = self.records.groups.get(g).map_or(&[][..], Vec::as_slice);
                self.any_stream(stream, kid, idxs, cks, report);
            }
        }
    }

    /// Links a stream whatever state it is in, reporting every break.
    fn any_stream(&self, stream: &str, kid: Option<&str>, idxs: &[usize], cks: &[&PlacedCheckpoint], report: &mut Report) {
        let start = report.findings.len();
        let push = |report: &mut Report, f: Finding| report.findings.push(f.stream(stream));

        // Records on their own. A valid record whose MAC an earlier valid record already has is
        // a duplicate: found by sorting (MAC prefix, position), not by hashing every MAC.
        let mac_of = |i: usize| &self.records.placed[i].entry.mac;
        let mut keyed: Vec<(u64, u32)> = idxs
            .iter()
            .enumerate()
            .filter(|&(_, &i)| self.records.placed[i].entry.status == Status::Valid)
            .map(|(pos, &i)| (mac_prefix(mac_of(i)), pos as u32))
            .collect();
        keyed.sort_unstable();
        let mut first_of: Vec<u32> = Vec::new(); // position of the first record with the same MAC
        for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
            if first_of.is_empty() {
                first_of = vec![u32::MAX; idxs.len()];
            }
            for (k, &(_, pos)) in run.iter().enumerate() {
                let mac = mac_of(idxs[pos as usize]);
                if let Some(&(_, first)) = run[..k].iter().find(|&&(_, p)| mac_of(idxs[p as usize]) == mac) {
                    first_of[pos as usize] = first;
                }
            }
        }
        let mut valid: Vec<usize> = Vec::with_capacity(keyed.len());
        let mut bad: Vec<usize> = Vec::new();
        for (pos, &i) in idxs.iter().enumerate() {
            let e = &self.records.placed[i].entry;
            let seq = e.seq;
            let f = match e.status {
                Status::Valid => {
                    if e.uncovered {
                        report.output_fields_ignored += 1;
                    }
                    if let Some(&first) = first_of.get(pos).filter(|&&f| f != u32::MAX) {
                        let first = idxs[first as usize];
                        let where_first = self.loc(first).map(|l| format!("{}:{}", l.file, l.line)).unwrap_or_default();
                        push(report, Finding::new(Kind::Duplicate, format!("the same record as at {where_first} (replayed or duplicated)")).seq(seq, seq).at(self.loc(i)));
                        continue;
                    }
                    valid.push(i);
                    if e.cover == Cover::None {
                        push(report, Finding::new(Kind::Uncovered, "the plugin could not read this record (e.g. NaN in JSON mode): its place in the chain is verified, its content is not").seq(seq, seq).at(self.loc(i)));
                    }
                    continue;
                }
                Status::BadMac => {
                    bad.push(i);
                    Finding::new(Kind::Modified, "content or chain field does not match the MAC")
                }
                Status::UnknownKey => Finding::new(Kind::UnknownKey, format!("made with key id {} — pass that key with --key", kid.unwrap_or("?"))),
                Status::Unkeyed => Finding::new(Kind::Unkeyed, "a plain SHA-256 record where keyed (HMAC) records were expected"),
                Status::EpochOutOfRange => Finding::new(Kind::EpochOutOfRange, format!("epoch {} is beyond what the verifier derives", e.epoch)),
            };
            push(report, f.seq(seq, seq).at(self.loc(i)));
        }
        // MAC → record: valid records, then modified ones (they still hold their place:
        // successors that name their MAC link to them). Built only if a link is not simply
        // to the previous valid record of the stream.
        let mut by_mac: Option<ByMac> = None;
        let build = || {
            let mut m = ByMac::with_capacity_and_hasher(valid.len() + bad.len(), Default::default());
            for &i in &valid {
                m.insert(*mac_of(i), i);
            }
            for &i in &bad {
                m.entry(*mac_of(i)).or_insert(i);
            }
            m
        };

        // Parents.
        // (parent, child) links; sorted below so each parent's children are adjacent.
        let mut edges: Vec<(usize, usize)> = Vec::with_capacity(valid.len());
        let mut orphans: BTreeSet<usize> = BTreeSet::new();
        for (k, &i) in valid.iter().enumerate() {
            let f = self.field(i);
            if f.prev == GENESIS {
                if f.seq != 1 {
                    push(report, Finding::new(Kind::Inconsistent, format!("prev is the genesis value but seq is {}", f.seq)).seq(f.seq, f.seq).at(self.loc(i)));
                } else if f.restart.is_some_and(|r| r != 0) {
                    push(report, Finding::new(Kind::Inconsistent, "restart names a seq, but the record starts the chain").seq(1, 1).at(self.loc(i)));
                } else {
                    edges.push((GENESIS_NODE, i));
                }
                continue;
            }
            // Valid MACs are unique: the previous valid record, if it has the MAC named, is
            // the one the index would give.
            let adjacent = k.checked_sub(1).and_then(|k| valid.get(k)).copied().filter(|&p| *mac_of(p) == f.prev);
            let parent = adjacent.or_else(|| by_mac.get_or_insert_with(build).get(&f.prev).copied());
            let Some(p) = parent else {
                orphans.insert(i);
                continue;
            };
            let pf = self.field(p);
            if pf.seq.checked_add(1) != Some(f.seq) {
                push(report, Finding::new(Kind::Inconsistent, format!("follows seq {} but is numbered {}", pf.seq, f.seq)).seq(f.seq, f.seq).at(self.loc(i)));
                continue;
            }
            if f.restart.is_some_and(|r| r != pf.seq) {
                push(report, Finding::new(Kind::Inconsistent, "restart does not name the record it follows").seq(f.seq, f.seq).at(self.loc(i)));
                continue;
            }
            if f.epoch < pf.epoch {
                push(report, Finding::new(Kind::EpochRegression, format!("epoch {} after epoch {}", f.epoch, pf.epoch)).seq(f.seq, f.seq).at(self.loc(i)));
            }
            let (a, b) = (&self.records.placed[p], &self.records.placed[i]);
            if a.file == b.file && a.line > b.line {
                push(report, Finding::new(Kind::Reordered, format!("appears before its predecessor (seq {}, line {})", pf.seq, a.line)).seq(f.seq, f.seq).at(self.loc(i)));
            }
            edges.push((p, i));
        }
        edges.sort_unstable();
        let children = Children(&edges);

        // Forks: a restart (or eviction) may branch; anything else is a second history.
        let marked = |parent: usize, i: usize| {
            let f = self.field(i);
            f.restart.is_some() || (parent == GENESIS_NODE && f.evicted)
        };
        let mut restarts = 0u64;
        for group in edges.chunk_by(|a, b| a.0 == b.0) {
            let parent = group[0].0;
            if let [(_, only)] = group
                && !marked(parent, *only)
            {
                continue;
            }
            let kids: Vec<usize> = group.iter().map(|&(_, k)| k).collect();
            let unmarked: Vec<usize> = kids.iter().copied().filter(|&k| !marked(parent, k)).collect();
            for &extra in unmarked.iter().skip(1) {
                let s = self.field(extra).seq;
                push(report, Finding::new(Kind::Forked, "a second record claims the same predecessor, without a restart mark").seq(s, s).at(self.loc(extra)));
            }
            for &m in kids.iter().filter(|&&k| marked(parent, k)) {
                let f = self.field(m);
                if f.restart.is_none() {
                    push(report, Finding::new(Kind::Evicted, "the stream starts again at seq 1: it was evicted from the plugin's stream table (raise max_streams)").seq(1, 1).at(self.loc(m)));
                    continue;
                }
                restarts += 1;
                let persisted = f.seq - 1;
                let superseded = unmarked.first().map_or(0, |&u| self.branch_len(u, &children, &marked));
                if persisted == 0 && superseded == 0 {
                    continue; // a stream first seen after a restart, with no earlier branch
                }
                let f = if superseded > 0 {
                    Finding::new(Kind::CrashWindow, format!("the plugin restarted from its persisted seq {persisted}; {superseded} record(s) the previous run wrote after it are superseded, not tampered"))
                        .seq(persisted + 1, persisted + superseded)
                } else {
                    Finding::new(Kind::CrashWindow, format!("the plugin restarted from its persisted seq {persisted}; nothing it wrote after that seq is in the input"))
                };
                push(report, f.at(self.loc(m)));
            }
        }

        // Records whose predecessor is not in the input.
        let mut gaps: Vec<(u64, u64)> = Vec::new();
        let mut losses: Vec<(u64, u64)> = Vec::new();
        let mut seen: BTreeSet<u64> = BTreeSet::new();
        let held = |i: usize| matches!(self.records.placed[i].entry.status, Status::Valid | Status::BadMac);
        // Seqs the input holds (for checkpoints). Gaps need them record by record, in order.
        let mut held_seqs: Vec<u64> = Vec::new();
        if orphans.is_empty() && !cks.is_empty() {
            held_seqs = idxs.iter().filter(|&&i| held(i)).map(|&i| self.field(i).seq).collect();
            held_seqs.sort_unstable();
        }
        let sweep = if orphans.is_empty() { &[][..] } else { idxs };
        for &i in sweep {
            let f = self.field(i);
            if orphans.contains(&i) {
                let hi = f.seq.saturating_sub(1);
                let prior = seen.range(..f.seq).next_back().copied();
                let lo = prior.map_or(1, |p| p + 1);
                let at = self.loc(i);
                if lo > hi {
                    push(report, Finding::new(Kind::Inconsistent, format!("prev does not match the record numbered {hi} (it was replaced)")).seq(f.seq, f.seq).at(at));
                } else if prior.is_none() && self.partial {
                    push(report, Finding::new(Kind::PartialHead, format!("the input starts this stream at seq {}", f.seq)).seq(1, hi).at(at));
                } else if f.restart == Some(hi) {
                    losses.push((lo, hi));
                    push(report, Finding::new(Kind::CrashLoss, format!("{} record(s) written before a restart are missing: lost when Fluent Bit was killed with them buffered, or deleted", hi - lo + 1)).seq(lo, hi).at(at));
                } else {
                    gaps.push((lo, hi));
                    push(report, Finding::new(Kind::Deleted, format!("{} record(s) missing before this one", hi - lo + 1)).seq(lo, hi).at(at));
                }
            }
            // Modified records still hold their seq (a gap is counted from them).
            if held(i) {
                seen.insert(f.seq);
            }
        }
        let was_seen = |seq: u64| if orphans.is_empty() { held_seqs.binary_search(&seq).is_ok() } else { seen.contains(&seq) };

        // Checkpoints.
        let last_seq = valid.iter().map(|&i| self.field(i).seq).max().unwrap_or(0);
        let first_seq = valid.iter().map(|&i| self.field(i).seq).min().unwrap_or(0);
        let mut beyond: Option<&PlacedCheckpoint> = None;
        for c in cks {
            let ck = &c.checkpoint;
            let Some(mac) = parse_digest(&ck.mac) else {
                push(report, Finding::new(Kind::Unparseable, "checkpoint `mac` is not 64 hex digits").at(Some(c.at.clone())));
                continue;
            };
            let held_mac = match &by_mac {
                Some(m) => m.contains_key(&mac),
                None if bad.len() > 64 => by_mac.get_or_insert_with(build).contains_key(&mac),
                None => {
                    let p = mac_prefix(&mac);
                    let from = keyed.partition_point(|&(k, _)| k < p);
                    keyed.get(from..).unwrap_or_default().iter().take_while(|&&(k, _)| k == p).any(|&(_, pos)| *mac_of(idxs[pos as usize]) == mac)
                        || bad.iter().any(|&i| *mac_of(i) == mac)
                }
            };
            if held_mac {
                continue;
            }
            let within = |ranges: &[(u64, u64)]| ranges.iter().any(|&(a, b)| a <= ck.seq && ck.seq <= b);
            if ck.seq > last_seq {
                if beyond.is_none_or(|b| b.checkpoint.seq < ck.seq) {
                    beyond = Some(c);
                }
            } else if within(&losses) || within(&gaps) || (self.partial && ck.seq < first_seq) {
                // Already reported (or outside the part of the stream given).
            } else {
                let msg = if was_seen(ck.seq) {
                    "the checkpointed record has a different MAC in the logs: the chain was rewritten"
                } else {
                    "the checkpointed record is not in the logs"
                };
                push(report, Finding::new(Kind::CheckpointMismatch, msg).seq(ck.seq, ck.seq).at(Some(c.at.clone())));
            }
        }
        if let Some(c) = beyond {
            let s = c.checkpoint.seq;
            push(report, Finding::new(Kind::Truncated, format!("checkpoints prove records up to seq {s}; the logs end at seq {last_seq}")).seq(last_seq + 1, s).at(Some(c.at.clone())));
        }

        let epochs = valid.iter().map(|&i| self.field(i).epoch);
        let tampered = report.findings.get(start..).is_some_and(|f| f.iter().any(|f| f.severity == super::report::Severity::Tamper));
        report.streams.push(StreamSummary {
            stream: stream.to_string(),
            kid: kid.map(str::to_string),
            records: valid.len() as u64,
            first_seq,
            last_seq,
            epochs: (epochs.clone().min().unwrap_or(0), epochs.max().unwrap_or(0)),
            restarts,
            tampered,
        });
    }

    /// The common case without a pass over the records: the stream is one chain from seq 1
    /// (followed as records arrived, see [`Records`]), and every checkpoint names a record of
    /// it by seq and MAC. Then there is nothing to report, and
    /// [`any_stream`](Self::any_stream) would find exactly that: seqs are distinct, so no two
    /// records are the same (valid MACs are unique, as the adjacency test there relies on too),
    /// no record is left without a parent and none has two children. Returns the summary and
    /// the number of records whose output-added members were left out; `None`: anything else.
    fn unbroken(&self, g: usize, stream: &str, kid: Option<&str>, cks: &[&PlacedCheckpoint]) -> Option<(StreamSummary, u64)> {
        let chain = self.records.chains.get(g).filter(|c| !c.broken)?;
        let idxs = self.records.groups.get(g)?;
        let last = self.field(chain.last?);
        // Record `seq` is at position seq - 1.
        let held = |c: &PlacedCheckpoint| {
            let at = usize::try_from(c.checkpoint.seq.checked_sub(1)?).ok()?;
            let mac = parse_digest(&c.checkpoint.mac)?;
            (self.field(*idxs.get(at)?).mac == mac).then_some(())
        };
        if !cks.iter().all(|c| held(c).is_some()) {
            return None;
        }
        let summary = StreamSummary {
            stream: stream.to_string(),
            kid: kid.map(str::to_string),
            records: idxs.len() as u64,
            first_seq: 1,
            last_seq: last.seq,
            epochs: (chain.first_epoch, last.epoch),
            restarts: 0,
            tampered: false,
        };
        Some((summary, chain.uncovered))
    }

    /// Length of the branch starting at `start`, following unmarked children.
    fn branch_len(&self, start: usize, children: &Children<'_>, marked: &dyn Fn(usize, usize) -> bool) -> u64 {
        let mut n = 1;
        let mut cur = start;
        while let Some(next) = children.of(cur).iter().map(|&(_, c)| c).find(|&c| !marked(cur, c)) {
            n += 1;
            cur = next;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::mac::Sha256;

    fn mac_of(seq: u64, branch: u8) -> Digest {
        Sha256::digest(&[&seq.to_be_bytes(), &[branch]])
    }

    /// A chain of `n` records in one stream, two files, every record valid.
    fn chain(n: u64) -> Vec<Placed> {
        (1..=n)
            .map(|seq| Placed {
                file: usize::from(seq > n / 2),
                line: seq,
                entry: Entry {
                    group: 0,
                    seq,
                    epoch: seq / 4,
                    restart: None,
                    prev: if seq == 1 { GENESIS } else { mac_of(seq - 1, 0) },
                    mac: mac_of(seq, 0),
                    evicted: false,
                    cover: Cover::Body,
                    status: Status::Valid,
                    uncovered: seq % 5 == 0,
                },
            })
            .collect()
    }

    /// One kind of damage at record `at` (see the match below).
    fn damage(placed: &mut Vec<Placed>, kind: u8, at: usize) {
        let at = at % placed.len().max(1);
        let Some(p) = placed.get_mut(at) else { return };
        match kind {
            0 => {}
            1 => drop(placed.remove(at)),
            2 => {
                let copy = Placed { file: p.file, line: p.line, entry: p.entry.clone() };
                placed.insert(at, copy);
            }
            3 => {
                let next = (at + 1).min(placed.len() - 1);
                placed.swap(at, next);
            }
            4 => p.entry.status = Status::BadMac,
            5 => p.entry.seq += 1,
            6 => p.entry.epoch = p.entry.epoch.wrapping_sub(1),
            7 => p.entry.restart = Some(p.entry.seq.saturating_sub(1)),
            8 => p.entry.evicted = true,
            9 => p.entry.cover = Cover::None,
            10 => p.entry.prev = mac_of(p.entry.seq, 1),
            11 => p.line = 0,
            _ => p.entry.status = Status::UnknownKey,
        }
    }

    fn checkpoint(seq: u64, mac: &Digest) -> PlacedCheckpoint {
        let checkpoint = Checkpoint { stream: "s".into(), seq, mac: crate::mac::hex(mac), epoch: 0, time: "1.000000000".into(), kid: None, evicted: false };
        PlacedCheckpoint { at: Location { file: "ck".into(), line: seq }, checkpoint }
    }

    proptest! {
        /// Where the one-pass shortcut answers, the general path finds nothing and sums up the
        /// stream the same way.
        #[test]
        fn unbroken_streams_are_what_the_general_path_finds(
            n in 1u64..40,
            damages in prop::collection::vec((0u8..13, any::<usize>()), 0..3),
            cks in prop::collection::vec((0u64..45, any::<bool>()), 0..3),
        ) {
            let mut placed = chain(n);
            for (kind, at) in damages {
                damage(&mut placed, kind, at);
            }
            let cks: Vec<PlacedCheckpoint> = cks.iter().map(|&(seq, right)| checkpoint(seq, &mac_of(seq, u8::from(!right)))).collect();
            let ck_refs: Vec<&PlacedCheckpoint> = cks.iter().collect();
            let files = ["a".to_string(), "b".to_string()];
            let streams = [(None, "s".to_string())];
            let idxs: Vec<usize> = (0..placed.len()).collect();
            let records = records(placed);
            for partial in [false, true] {
                let linker = Linker { records: &records, files: &files, streams: &streams, partial };
                let mut general = Report::default();
                linker.any_stream("s", None, &idxs, &ck_refs, &mut general);
                if let Some((summary, uncovered)) = linker.unbroken(0, "s", None, &ck_refs) {
                    prop_assert_eq!(&general.findings, &Vec::new());
                    prop_assert_eq!(&general.streams, &vec![summary]);
                    prop_assert_eq!(uncovered, general.output_fields_ignored);
                }
                let mut via_stream = Report::default();
                linker.stream(0, "s", None, &ck_refs, &mut via_stream);
                prop_assert_eq!(via_stream.output_fields_ignored, general.output_fields_ignored);
            }
        }
    }

    fn records(placed: Vec<Placed>) -> Records {
        let mut records = Records::default();
        for p in placed {
            records.push(p);
        }
        records
    }

    #[test]
    fn intact_chains_take_the_shortcut() {
        let records = records(chain(20));
        let (files, streams) = (["a".to_string(), "b".to_string()], [(None, "s".to_string())]);
        let cks = [checkpoint(7, &mac_of(7, 0)), checkpoint(20, &mac_of(20, 0))];
        let linker = Linker { records: &records, files: &files, streams: &streams, partial: false };
        let (summary, uncovered) = linker.unbroken(0, "s", None, &cks.iter().collect::<Vec<_>>()).expect("unbroken");
        assert_eq!((summary.records, summary.first_seq, summary.last_seq, summary.epochs, uncovered), (20, 1, 20, (0, 5), 4));
    }
}
