//! `chain.json`: every setting, its default, and the checks that stop Fluent Bit at start
//! when one is wrong. The reference with examples is in README.md.

use logward_sdk::{ConfigError, ConfigSource, FieldPath};
use serde::Deserialize;

use crate::mac::Mode;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `hmac-sha256` (default: forward-secure, needs a key file) or `sha256` (no key:
    /// integrity against accidents only).
    #[serde(default = "default_mode")]
    pub mode: Mode,
    /// Initial key, relative to the directory of chain.json. Read only when there is no state
    /// yet (first start); afterwards the evolved key lives in the state file.
    #[serde(default = "default_key_file")]
    pub key_file: String,
    /// Directory for the state and checkpoint files, relative to the directory of chain.json
    /// unless absolute. Must be inside one of the filter's `Accessible_Paths`.
    #[serde(default = "default_state_dir")]
    pub state_dir: String,
    /// Name of the top-level field added to every record.
    #[serde(default = "default_field")]
    pub field: String,
    /// Record field whose value names the stream (e.g. `kubernetes.namespace_name`). Default:
    /// the tag. Records without the field use their tag.
    #[serde(default)]
    pub stream_field: Option<String>,
    #[serde(default)]
    pub epoch: EpochConfig,
    #[serde(default)]
    pub persist: PersistConfig,
    #[serde(default)]
    pub checkpoint: CheckpointConfig,
    /// Streams kept in memory and in the state file; the least recently used is evicted.
    #[serde(default = "default_max_streams")]
    pub max_streams: usize,
}

/// When the key ratchets (whichever comes first; 0 turns a trigger off).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochConfig {
    #[serde(default = "default_epoch_records")]
    pub records: u64,
    /// Measured in record time.
    #[serde(default = "default_epoch_seconds")]
    pub seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersistConfig {
    /// Write the state file after this many records (also at every epoch and checkpoint).
    #[serde(default = "default_persist_records")]
    pub records: u64,
    /// Write the state file after every record: no crash window, one write per record.
    #[serde(default)]
    pub strict: bool,
    /// fsync the state (and checkpoint) file before renaming it into place.
    #[serde(default = "yes")]
    pub fsync: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "default_checkpoint_records")]
    pub records: u64,
    /// Measured in record time.
    #[serde(default = "default_checkpoint_seconds")]
    pub seconds: u64,
    /// File name inside `state_dir`.
    #[serde(default = "default_checkpoint_file")]
    pub file: String,
    /// When the file grows past this, it is renamed to `<file>.1` (replacing the previous one).
    #[serde(default = "default_checkpoint_max_bytes")]
    pub max_bytes: u64,
}

fn default_mode() -> Mode {
    Mode::HmacSha256
}
fn default_key_file() -> String {
    "chain.key".into()
}
fn default_state_dir() -> String {
    ".".into()
}
fn default_field() -> String {
    "_chain".into()
}
fn default_max_streams() -> usize {
    1024
}
fn default_epoch_records() -> u64 {
    100_000
}
fn default_epoch_seconds() -> u64 {
    900
}
fn default_persist_records() -> u64 {
    1000
}
fn default_checkpoint_records() -> u64 {
    1000
}
fn default_checkpoint_seconds() -> u64 {
    60
}
fn default_checkpoint_file() -> String {
    "chain.checkpoints".into()
}
fn default_checkpoint_max_bytes() -> u64 {
    64 << 20
}
fn yes() -> bool {
    true
}

impl Default for EpochConfig {
    fn default() -> Self {
        EpochConfig { records: default_epoch_records(), seconds: default_epoch_seconds() }
    }
}

impl Default for PersistConfig {
    fn default() -> Self {
        PersistConfig { records: default_persist_records(), strict: false, fsync: true }
    }
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig {
            enabled: true,
            records: default_checkpoint_records(),
            seconds: default_checkpoint_seconds(),
            file: default_checkpoint_file(),
            max_bytes: default_checkpoint_max_bytes(),
        }
    }
}

/// A validated configuration with paths resolved for the guest.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub stream_field: Option<FieldPath>,
    pub key_path: String,
    pub state_dir: String,
}

/// Joins `name` to `dir` unless it is absolute.
pub fn resolve(dir: &str, name: &str) -> String {
    if name.starts_with('/') { name.to_string() } else { logward_sdk::config::join(dir, name) }
}

impl Settings {
    pub fn from_source(source: &ConfigSource) -> Result<Settings, ConfigError> {
        let config: Config = source.parse()?;
        let single_name = |text: &str| FieldPath::parse(text).is_ok_and(|p| p.segments().len() == 1);
        if config.field.is_empty() || !single_name(&config.field) {
            return Err(source.error_at("/field", "must be one top-level field name (no dots or brackets)"));
        }
        let stream_field = match &config.stream_field {
            None => None,
            Some(text) => Some(FieldPath::parse(text).map_err(|e| source.error_at("/stream_field", e))?),
        };
        if config.max_streams == 0 {
            return Err(source.error_at("/max_streams", "must be at least 1"));
        }
        if config.persist.records == 0 && !config.persist.strict {
            return Err(source.error_at("/persist/records", "must be at least 1 (or set \"strict\": true)"));
        }
        let ck = &config.checkpoint;
        if ck.enabled && ck.records == 0 && ck.seconds == 0 {
            return Err(source.error_at("/checkpoint", "set records or seconds (or \"enabled\": false)"));
        }
        if ck.enabled && (ck.file.is_empty() || ck.file.contains('/')) {
            return Err(source.error_at("/checkpoint/file", "must be a plain file name (it lives in state_dir)"));
        }
        let dir = source.dir();
        Ok(Settings {
            key_path: resolve(dir, &config.key_file),
            state_dir: resolve(dir, &config.state_dir),
            stream_field,
            config,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_paths() {
        let src = ConfigSource::new("/etc/fb/chain.json", "{}");
        let s = Settings::from_source(&src).unwrap();
        assert_eq!(s.key_path, "/etc/fb/chain.key");
        assert_eq!(s.state_dir, "/etc/fb/.");
        assert_eq!(s.config.field, "_chain");
        assert_eq!(s.config.mode, Mode::HmacSha256);
        let src = ConfigSource::new("chain.json", r#"{"state_dir": "/var/lib/chain", "mode": "sha256"}"#);
        let s = Settings::from_source(&src).unwrap();
        assert_eq!(s.state_dir, "/var/lib/chain");
        assert_eq!(s.config.mode, Mode::Sha256);
    }

    #[test]
    fn errors_are_located() {
        for (text, line) in [
            ("{\n\"field\": \"a.b\"}", 2),
            ("{\n\"epoch\": {\"record\": 5}}", 2),
            ("{\"max_streams\":\n 0}", 2),
            ("{\n\"mode\": \"md5\"}", 2),
            ("{\"checkpoint\":\n {\"records\": 0, \"seconds\": 0}}", 2),
        ] {
            let e = Settings::from_source(&ConfigSource::new("chain.json", text)).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e}");
        }
    }
}
