//! The plugin's persistent state: stream heads, the current epoch and its key, counters. Kept
//! in `chain.state` (JSON) in the state directory, replaced atomically (write a temp file,
//! fsync, rename). Fluent Bit never tells a wasm filter that it is stopping, so every stop is
//! treated as a kill: what was not written is re-done after the restart and marked.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write as _;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::field::Time;
use crate::mac::{hex, parse_digest, Digest, Mode, SecretKey};

pub const STATE_FILE: &str = "chain.state";
pub const STATE_TEMP: &str = "chain.state.tmp";
pub const STATE_FORMAT: &str = "logward-chain-state/1";

/// Longest stream name kept as is; longer names become `sha256:<hex>` so the state stays
/// bounded whatever a record's stream field holds.
pub const MAX_STREAM_NAME: usize = 256;

/// The chain head of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub mac: Digest,
    pub epoch: u64,
    /// Global record count at its last record (least recently used is evicted first).
    pub used: u64,
    /// Seq covered by the last checkpoint line.
    pub checkpointed: u64,
    /// Loaded from a previous run: its next record carries `restart`.
    pub restart_pending: bool,
}

/// Everything the plugin must remember across restarts.
#[derive(Debug)]
pub struct State {
    pub mode: Mode,
    pub kid: Option<String>,
    /// The current epoch's key (HMAC mode). Earlier keys are gone.
    pub key: Option<SecretKey>,
    pub epoch: u64,
    pub epoch_started: Time,
    pub epoch_records: u64,
    /// Latest record time seen.
    pub clock: Time,
    /// Records processed in total (all runs).
    pub records: u64,
    pub since_checkpoint: u64,
    pub checkpoint_time: Time,
    pub streams: BTreeMap<String, Head>,
    /// Streams evicted from the table, oldest first (at most `max_streams` names).
    pub evicted: VecDeque<String>,
    /// More streams were evicted than the list holds: every new stream is marked.
    pub evicted_overflow: bool,
    pub evictions: u64,
    /// This run continues an earlier one: streams it has no head for may have existed then.
    pub restarted: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    format: String,
    mode: Mode,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    key: Option<String>,
    epoch: u64,
    epoch_started: String,
    epoch_records: u64,
    clock: String,
    records: u64,
    since_checkpoint: u64,
    checkpoint_time: String,
    evictions: u64,
    evicted: Vec<String>,
    evicted_overflow: bool,
    streams: Vec<StreamFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamFile {
    stream: String,
    seq: u64,
    mac: String,
    epoch: u64,
    used: u64,
    checkpointed: u64,
}

impl State {
    /// A first start: epoch 0 with the initial key (or none in SHA-256 mode).
    pub fn fresh(mode: Mode, key: Option<SecretKey>) -> State {
        State {
            mode,
            kid: key.as_ref().map(SecretKey::key_id),
            key,
            epoch: 0,
            epoch_started: Time::default(),
            epoch_records: 0,
            clock: Time::default(),
            records: 0,
            since_checkpoint: 0,
            checkpoint_time: Time::default(),
            streams: BTreeMap::new(),
            evicted: VecDeque::new(),
            evicted_overflow: false,
            evictions: 0,
            restarted: false,
        }
    }

    /// The state file's text. Contains the current key: the caller erases it after writing.
    pub fn to_text(&self) -> String {
        let file = StateFile {
            format: STATE_FORMAT.into(),
            mode: self.mode,
            kid: self.kid.clone(),
            key: self.key.as_ref().map(|k| hex(k.expose())),
            epoch: self.epoch,
            epoch_started: self.epoch_started.render(),
            epoch_records: self.epoch_records,
            clock: self.clock.render(),
            records: self.records,
            since_checkpoint: self.since_checkpoint,
            checkpoint_time: self.checkpoint_time.render(),
            evictions: self.evictions,
            evicted: self.evicted.iter().cloned().collect(),
            evicted_overflow: self.evicted_overflow,
            streams: self
                .streams
                .iter()
                .map(|(name, h)| StreamFile {
                    stream: name.clone(),
                    seq: h.seq,
                    mac: hex(&h.mac),
                    epoch: h.epoch,
                    used: h.used,
                    checkpointed: h.checkpointed,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        if let Some(mut k) = file.key {
            k.zeroize();
        }
        text
    }

    /// Reads a state file's text (the caller erases the text afterwards).
    pub fn from_text(text: &str) -> Result<State, String> {
        let mut file: StateFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.format != STATE_FORMAT {
            return Err(format!("unknown state format {:?} (expected {STATE_FORMAT:?})", file.format));
        }
        let key = match file.key.take() {
            Some(mut k) => {
                let parsed = parse_digest(&k).map(SecretKey::from_bytes);
                k.zeroize();
                Some(parsed.ok_or("`key` is not 64 hex digits")?)
            }
            None => None,
        };
        let time = |t: &str, what: &str| Time::parse(t).ok_or_else(|| format!("`{what}` is not sec.nsec"));
        let mut streams = BTreeMap::new();
        for s in file.streams {
            let mac = parse_digest(&s.mac).ok_or_else(|| format!("stream {:?}: `mac` is not 64 hex digits", s.stream))?;
            let head = Head { seq: s.seq, mac, epoch: s.epoch, used: s.used, checkpointed: s.checkpointed, restart_pending: true };
            streams.insert(s.stream, head);
        }
        Ok(State {
            mode: file.mode,
            kid: file.kid,
            key,
            epoch: file.epoch,
            epoch_started: time(&file.epoch_started, "epoch_started")?,
            epoch_records: file.epoch_records,
            clock: time(&file.clock, "clock")?,
            records: file.records,
            since_checkpoint: file.since_checkpoint,
            checkpoint_time: time(&file.checkpoint_time, "checkpoint_time")?,
            streams,
            evicted: file.evicted.into(),
            evicted_overflow: file.evicted_overflow,
            evictions: file.evictions,
            restarted: true,
        })
    }

    /// Whether a stream seen for the first time may have been evicted before.
    pub fn maybe_evicted(&self, stream: &str) -> bool {
        self.evicted_overflow || self.evicted.iter().any(|s| s == stream)
    }

    /// Makes room for one more stream if the table is full: evicts the least recently used
    /// head and returns it, remembering its name so it is marked if it comes back.
    pub fn make_room(&mut self, max_streams: usize) -> Option<(String, Head)> {
        if self.streams.len() < max_streams {
            return None;
        }
        let victim = self.streams.iter().min_by_key(|(_, h)| h.used).map(|(name, _)| name.clone())?;
        let head = self.streams.remove(&victim)?;
        self.evictions += 1;
        if self.evicted.len() >= max_streams {
            self.evicted.pop_front();
            self.evicted_overflow = true;
        }
        self.evicted.push_back(victim.clone());
        Some((victim, head))
    }

    /// A stream comes back: it no longer needs its eviction mark.
    pub fn forget_evicted(&mut self, stream: &str) {
        self.evicted.retain(|s| s != stream);
    }
}

/// Writes `text` to `dir/name` atomically: a temp file, optionally fsynced, renamed over it.
pub fn write_atomically(dir: &str, name: &str, temp: &str, text: &[u8], fsync: bool) -> std::io::Result<()> {
    let temp_path = crate::config::resolve(dir, temp);
    let path = crate::config::resolve(dir, name);
    let mut f = std::fs::File::create(&temp_path)?;
    f.write_all(text)?;
    if fsync {
        f.sync_all()?;
    }
    drop(f);
    std::fs::rename(&temp_path, &path)
}

/// A stream name as the chain records it: long names are replaced by their hash.
pub fn stream_name(raw: &str) -> String {
    let mut out = String::new();
    write_stream_name(&mut out, raw);
    out
}

/// [`stream_name`] into a reused buffer.
pub fn write_stream_name(out: &mut String, raw: &str) {
    out.clear();
    if raw.len() <= MAX_STREAM_NAME {
        out.push_str(raw);
    } else {
        out.push_str("sha256:");
        out.push_str(&hex(&crate::mac::Sha256::digest(&[raw.as_bytes()])));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(seq: u64, used: u64) -> Head {
        Head { seq, mac: [seq as u8; 32], epoch: 1, used, checkpointed: 0, restart_pending: false }
    }

    #[test]
    fn round_trips_and_marks_a_restart() {
        let mut s = State::fresh(Mode::HmacSha256, Some(SecretKey::from_bytes([9; 32])));
        s.epoch = 4;
        s.clock = Time::new(1_700_000_000, 1);
        s.streams.insert("a".into(), head(10, 3));
        s.evicted.push_back("gone".into());
        let text = s.to_text();
        let back = State::from_text(&text).unwrap();
        assert!(back.restarted);
        assert_eq!(back.key, s.key);
        assert_eq!(back.kid, s.kid);
        assert_eq!(back.epoch, 4);
        assert_eq!(back.clock, s.clock);
        let h = &back.streams["a"];
        assert_eq!((h.seq, h.mac, h.restart_pending), (10, [10; 32], true));
        assert!(back.maybe_evicted("gone") && !back.maybe_evicted("a"));
    }

    #[test]
    fn rejects_damaged_files() {
        assert!(State::from_text("").is_err());
        assert!(State::from_text("{\"format\":\"other\"}").is_err());
        let mut s = State::fresh(Mode::Sha256, None).to_text();
        s = s.replace("logward-chain-state/1", "logward-chain-state/9");
        assert!(State::from_text(&s).unwrap_err().contains("unknown state format"));
    }

    #[test]
    fn eviction_is_lru_and_bounded() {
        let mut s = State::fresh(Mode::Sha256, None);
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            s.streams.insert(name.to_string(), head(1, 10 - i as u64));
        }
        let (victim, _) = s.make_room(3).unwrap();
        assert_eq!(victim, "c");
        assert!(s.make_room(3).is_none());
        s.streams.insert("d".into(), head(1, 1));
        assert_eq!(s.make_room(3).unwrap().0, "d");
        s.streams.insert("e".into(), head(1, 2));
        // The evicted list holds at most max_streams names, then marks everything.
        assert_eq!(s.make_room(3).unwrap().0, "e");
        s.streams.insert("f".into(), head(1, 0));
        assert_eq!(s.make_room(3).unwrap().0, "f");
        assert!(s.evicted_overflow);
        assert!(s.maybe_evicted("never-seen"));
    }

    #[test]
    fn long_stream_names_are_hashed() {
        assert_eq!(stream_name("short"), "short");
        let long = "x".repeat(MAX_STREAM_NAME + 1);
        assert!(stream_name(&long).starts_with("sha256:"));
        assert_eq!(stream_name(&long).len(), 7 + 64);
    }
}
