//! Checkpoint lines: `{"stream","seq","mac","epoch","time"}` appended to a file in the state
//! directory, one per stream that advanced since the last checkpoint. Ship the file elsewhere
//! (a separate Fluent Bit `tail` input to another output): against it `logward verify
//! --checkpoints` proves that records up to each checkpointed seq existed, so a truncated tail
//! is detected. An evicted stream's head is written with `"evicted": true`.

use std::io::Write as _;

use serde::{Deserialize, Serialize};

use crate::mac::{hex, Digest};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub stream: String,
    pub seq: u64,
    pub mac: String,
    pub epoch: u64,
    /// Record time of that seq's record when it is the record that triggered the checkpoint,
    /// else the latest record time the plugin had seen (informational; not verified).
    pub time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub evicted: bool,
}

impl Checkpoint {
    pub fn new(stream: &str, seq: u64, mac: &Digest, epoch: u64, time: String, kid: Option<&str>) -> Self {
        Checkpoint { stream: stream.into(), seq, mac: hex(mac), epoch, time, kid: kid.map(str::to_string), evicted: false }
    }

    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// Appends lines to `path`; first renames the file to `<path>.1` if it has grown past
/// `max_bytes`.
pub fn append(path: &str, lines: &str, max_bytes: u64, fsync: bool) -> std::io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() >= max_bytes
    {
        std::fs::rename(path, format!("{path}.1"))?;
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(lines.as_bytes())?;
    if fsync {
        f.sync_data()?;
    }
    Ok(())
}
