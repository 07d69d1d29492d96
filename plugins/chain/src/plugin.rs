//! The Fluent Bit filter: adds the chain field to every record, ratchets the key, persists the
//! heads and writes checkpoints.

use std::borrow::Cow;

use logward_sdk::{mark_error, Call, ConfigError, ConfigSource, FieldPath, Format, Plugin, PluginError, Record, Scalar, Verdict};
use zeroize::Zeroize;

use crate::canonical::Canonicalizer;
use crate::checkpoint::{self, Checkpoint};
use crate::config::{resolve, Settings};
use crate::field::{ChainField, Cover, Time};
use crate::keyfile;
use crate::mac::{Mode, Signer, GENESIS, RECORD_DOMAIN};
use crate::state::{self, Head, State, STATE_FILE, STATE_TEMP};

pub struct Chain {
    settings: Settings,
    field_path: FieldPath,
    state: State,
    signer: Signer,
    canon: Canonicalizer,
    /// The chain field of the record being processed; its buffers are reused.
    field: ChainField,
    body: Vec<u8>,
    /// The MAC's message: domain, header, newline, body.
    header: Vec<u8>,
    since_persist: u64,
    /// Set when the state must be written before the next record (epoch change, checkpoint).
    persist_now: bool,
    /// Eviction lines waiting for the next checkpoint write.
    evicted_lines: String,
    write_errors: u64,
    warned_eviction: bool,
}

impl Plugin for Chain {
    const NAME: &'static str = "chain";

    fn init(config: Option<&ConfigSource>) -> Result<Self, ConfigError> {
        let Some(source) = config else {
            return Err(ConfigError::new(
                "chain.json",
                1,
                1,
                "chain.json was not found in any Accessible_Paths directory; the chain plugin needs it \
                 (at least `{}`: key file chain.key and state in the same directory)",
            ));
        };
        Chain::open(Settings::from_source(source)?, source)
    }

    fn process(&mut self, record: &mut Record<'_>, call: &Call<'_>) -> Result<Verdict, PluginError> {
        let time = Time::new(u64::from(call.time.sec), call.time.nsec);
        self.advance_epoch(time);
        self.set_stream(record, call.tag);
        let field_name = self.settings.config.field.as_str();

        // The body without the chain field, canonically; a chain field the record already
        // had is kept as `upstream`.
        let field = &mut self.field;
        let body = &mut self.body;
        body.clear();
        field.upstream = None;
        let read = self.canon.load(record.bytes(), record.format()).map(|doc| {
            let (keys, existing) = doc.write_root_without(body, field_name);
            if let Some(id) = existing {
                field.upstream = Some(doc.value_bytes(id).to_vec());
            }
            keys
        });
        // Whether the record already has the field: the canonical pass found out; only a
        // record it could not read is asked again (indexing the top level costs ~2.6k fuel).
        let (problem, field_absent) = match read {
            Ok(keys) => {
                field.cover = Cover::Body;
                field.keys = keys;
                (None, field.upstream.is_none())
            }
            Err(e) => {
                body.clear();
                field.upstream = None;
                field.cover = Cover::None;
                field.keys = 0;
                (Some(e), record.member(field_name).map_or(false, |m| m.is_none()))
            }
        };

        let (prev, seq, restart, evicted) = match self.state.streams.get(field.stream.as_str()) {
            Some(h) => (h.mac, h.seq + 1, h.restart_pending.then_some(h.seq), false),
            None => (GENESIS, 1, self.state.restarted.then_some(0), self.state.maybe_evicted(&field.stream)),
        };
        field.prev = prev;
        field.seq = seq;
        field.restart = restart;
        field.evicted = evicted;
        field.epoch = self.state.epoch;
        field.time = time;
        let mut texts = field.header_texts();
        // The MAC's message in one buffer: domain ‖ header ‖ "\n" ‖ body.
        let message = &mut self.header;
        message.clear();
        message.extend_from_slice(RECORD_DOMAIN);
        let prev_at = field.write_header_with(message, &texts) - RECORD_DOMAIN.len();
        let header_end = message.len();
        message.push(b'\n');
        message.extend_from_slice(&self.body);
        field.mac = self.signer.record_mac_of(message);
        texts.set_mac(&field.mac);
        let header = message.get(RECORD_DOMAIN.len()..header_end).unwrap_or_default();

        // The field's bytes go straight into the record (in JSON: the header with `mac`
        // added), unless it replaces a field of the same name (or keeps one as `upstream`):
        // then through a value, as before.
        let mut encoded = Vec::new();
        let encoded_ok = match record.format() {
            Format::Json => field.encode_json_from_header(header, prev_at, &texts, &mut encoded).is_some() || {
                encoded.clear();
                field.encode(Format::Json, &texts, &mut encoded).is_some()
            },
            Format::Msgpack => field.encode(Format::Msgpack, &texts, &mut encoded).is_some(),
        };
        if field_absent && encoded_ok {
            record.append_encoded(field_name, encoded)?;
        } else {
            record.set(&self.field_path, field.to_value())?;
        }
        if let Some(e) = problem {
            mark_error(record, Self::NAME, &format!("{e}; the chain covers this record's position, not its content"));
        }
        self.commit(time);
        Ok(Verdict::Keep)
    }
}

impl Chain {
    /// Loads or creates the state; any problem stops Fluent Bit at start.
    fn open(settings: Settings, source: &ConfigSource) -> Result<Chain, ConfigError> {
        let cfg = &settings.config;
        let field_path = FieldPath::parse(&cfg.field).map_err(|e| source.error_at("/field", e))?;
        std::fs::create_dir_all(&settings.state_dir).map_err(|e| {
            source.error_at("/state_dir", format!("cannot create {}: {e} (it must be inside Accessible_Paths)", settings.state_dir))
        })?;
        let state_path = resolve(&settings.state_dir, STATE_FILE);
        let key_text = std::fs::read_to_string(&settings.key_path).ok();
        let key_file = match (cfg.mode, key_text) {
            (Mode::HmacSha256, Some(mut text)) => {
                let key = keyfile::parse(&text);
                text.zeroize();
                Some(key.map_err(|e| source.error_at("/key_file", format!("{}: {e}", settings.key_path)))?)
            }
            _ => None,
        };

        let state = match std::fs::read_to_string(&state_path) {
            Ok(mut text) => {
                let parsed = State::from_text(&text);
                text.zeroize();
                let state = parsed.map_err(|e| {
                    source.error_at(
                        "/state_dir",
                        format!(
                            "state file {state_path} is damaged ({e}). It holds the chain heads and the current key; \
                             restore it, or move it aside to start new chains (verify will show the break)"
                        ),
                    )
                })?;
                if state.mode != cfg.mode {
                    return Err(source.error_at("/mode", format!("{state_path} was written in another mode; use a new state_dir to change mode")));
                }
                if let Some(k) = &key_file {
                    if state.kid.as_deref() != Some(k.key_id().as_str()) {
                        return Err(source.error_at(
                            "/key_file",
                            format!("{} (key id {}) is not the key of the chain in {state_path} (key id {})",
                                settings.key_path, k.key_id(), state.kid.as_deref().unwrap_or("none")),
                        ));
                    }
                    eprintln!(
                        "logward-chain: note: {} is still readable; the chain no longer needs it (the evolved key is in {state_path}). \
                         Keep it offline and remove it from this node: whoever reads it can forge every epoch.",
                        settings.key_path
                    );
                }
                if cfg.mode == Mode::HmacSha256 && state.key.is_none() {
                    return Err(source.error_at("/state_dir", format!("{state_path} holds no key")));
                }
                state
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if cfg.mode == Mode::HmacSha256 && key_file.is_none() {
                    return Err(source.error_at(
                        "/key_file",
                        format!("key file {} not found; create one with `logward keygen --out {}`", settings.key_path, cfg.key_file),
                    ));
                }
                let mut state = State::fresh(cfg.mode, key_file);
                // Files of an earlier run without its state: its chains may continue below.
                let earlier = [STATE_TEMP, cfg.checkpoint.file.as_str()]
                    .iter()
                    .any(|f| std::fs::metadata(resolve(&settings.state_dir, f)).is_ok());
                if earlier {
                    eprintln!("logward-chain: {state_path} is missing but an earlier run left files in {}; new chains are marked as restarts", settings.state_dir);
                    state.restarted = true;
                }
                state
            }
            Err(e) => return Err(source.error_at("/state_dir", format!("cannot read {state_path}: {e}"))),
        };
        let signer = Signer::for_key(state.key.as_ref());
        let field = ChainField { kid: state.kid.clone(), ..ChainField::default() };
        let mut chain = Chain {
            settings,
            field_path,
            state,
            signer,
            canon: Canonicalizer::new(),
            field,
            body: Vec::with_capacity(1024),
            header: Vec::with_capacity(1024),
            since_persist: 0,
            persist_now: false,
            evicted_lines: String::new(),
            write_errors: 0,
            warned_eviction: false,
        };
        // Written now so that a kill before the first periodic write still leaves a state
        // (and the key file can go offline right away).
        chain.persist().map_err(|e| source.error_at("/state_dir", format!("cannot write {state_path}: {e}")))?;
        Ok(chain)
    }

    /// Sets the field's stream (the configured field's value, scalars only, else the tag) and,
    /// with a stream field, its tag. Reuses the field's buffers.
    fn set_stream(&mut self, record: &Record<'_>, tag: &str) {
        let Some(path) = &self.settings.stream_field else {
            state::write_stream_name(&mut self.field.stream, tag);
            return;
        };
        let value = record.get(path).ok().flatten().and_then(|n| n.scalar().ok().flatten());
        let raw: Cow<'_, str> = match value {
            Some(Scalar::Null) | None => Cow::Borrowed(tag),
            Some(s) => s.text(),
        };
        state::write_stream_name(&mut self.field.stream, &raw);
        match &mut self.field.tag {
            Some(t) => {
                t.clear();
                t.push_str(tag);
            }
            none => *none = Some(tag.to_string()),
        }
    }

    /// Ratchets the key when the epoch is over (by record count or record time). Advances by
    /// one epoch at most per record, so a far-future timestamp costs one step, not millions.
    fn advance_epoch(&mut self, time: Time) {
        let st = &mut self.state;
        if time > st.clock {
            st.clock = time;
        }
        if st.epoch_started.is_zero() {
            st.epoch_started = time;
        }
        let cfg = &self.settings.config.epoch;
        let by_records = cfg.records > 0 && st.epoch_records >= cfg.records;
        let by_time = cfg.seconds > 0 && !time.is_zero() && time.sec >= st.epoch_started.sec.saturating_add(cfg.seconds);
        if !(by_records || by_time) {
            return;
        }
        // Replacing the key drops (and erases) the old one and its HMAC pad states.
        if let Some(old) = st.key.take() {
            st.key = Some(old.ratchet());
        }
        self.signer = Signer::for_key(st.key.as_ref());
        st.epoch += 1;
        st.epoch_records = 0;
        st.epoch_started = time;
        self.persist_now = true;
    }

    /// Advances the stream's head to the record just chained (`self.field`).
    fn commit(&mut self, time: Time) {
        let field = &self.field;
        let st = &mut self.state;
        st.records += 1;
        st.epoch_records += 1;
        st.since_checkpoint += 1;
        self.since_persist += 1;
        let used = st.records;
        if let Some(h) = st.streams.get_mut(field.stream.as_str()) {
            h.seq = field.seq;
            h.mac = field.mac;
            h.epoch = field.epoch;
            h.used = used;
            h.restart_pending = false;
        } else {
            if let Some((name, old)) = st.make_room(self.settings.config.max_streams) {
                if !self.warned_eviction {
                    self.warned_eviction = true;
                    eprintln!(
                        "logward-chain: more than {} streams: evicting the least recently used (their next record starts a new chain marked `evicted`); raise max_streams",
                        self.settings.config.max_streams
                    );
                }
                let mut line = Checkpoint::new(&name, old.seq, &old.mac, old.epoch, String::new(), st.kid.as_deref());
                line.time = st.clock.render();
                line.evicted = true;
                self.evicted_lines.push_str(&line.to_line());
            }
            st.forget_evicted(&field.stream);
            let head = Head { seq: field.seq, mac: field.mac, epoch: field.epoch, used, checkpointed: 0, restart_pending: false };
            st.streams.insert(field.stream.clone(), head);
        }
        self.maybe_checkpoint(time);
        let cfg = &self.settings.config.persist;
        if (cfg.strict || self.persist_now || self.since_persist >= cfg.records)
            && let Err(e) = self.persist()
        {
            self.report_write_error("state", &e);
        }
    }

    fn maybe_checkpoint(&mut self, time: Time) {
        let cfg = &self.settings.config.checkpoint;
        if !cfg.enabled {
            return;
        }
        let last = &self.field;
        let st = &mut self.state;
        let by_records = cfg.records > 0 && st.since_checkpoint >= cfg.records;
        let by_time = cfg.seconds > 0 && !time.is_zero() && time.sec >= st.checkpoint_time.sec.saturating_add(cfg.seconds);
        if !(by_records || by_time || !self.evicted_lines.is_empty()) {
            return;
        }
        let mut lines = std::mem::take(&mut self.evicted_lines);
        for (name, h) in st.streams.iter_mut().filter(|(_, h)| h.seq > h.checkpointed) {
            // Only the record just chained has its time at hand; others use the clock.
            let when = if *name == last.stream { last.time.render() } else { st.clock.render() };
            lines.push_str(&Checkpoint::new(name, h.seq, &h.mac, h.epoch, when, st.kid.as_deref()).to_line());
            h.checkpointed = h.seq;
        }
        st.since_checkpoint = 0;
        if !time.is_zero() {
            st.checkpoint_time = time;
        }
        let path = resolve(&self.settings.state_dir, &cfg.file);
        if let Err(e) = checkpoint::append(&path, &lines, cfg.max_bytes, self.settings.config.persist.fsync) {
            self.report_write_error("checkpoint", &e);
        }
        // A checkpoint must never name a seq the state has not persisted, or a crash would
        // make the restarted chain contradict it.
        self.persist_now = true;
    }

    fn persist(&mut self) -> std::io::Result<()> {
        let mut text = self.state.to_text();
        let result = state::write_atomically(&self.settings.state_dir, STATE_FILE, STATE_TEMP, text.as_bytes(), self.settings.config.persist.fsync);
        text.zeroize();
        if result.is_ok() {
            self.since_persist = 0;
            self.persist_now = false;
        }
        result
    }

    fn report_write_error(&mut self, what: &str, e: &std::io::Error) {
        self.write_errors += 1;
        if self.write_errors == 1 || self.write_errors.is_power_of_two() {
            eprintln!(
                "logward-chain: cannot write the {what} file in {} ({e}); records are still chained, but a restart now \
                 starts further back (error #{})",
                self.settings.state_dir, self.write_errors
            );
        }
    }
}
