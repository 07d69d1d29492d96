//! Per-line format detection. With `--input-format auto` (the default) each line is checked,
//! in this order:
//!
//! 1. Fluent Bit `out_file` output, `TAG: [SEC.NSEC, {json}]`: tag and time come from the line.
//! 2. A JSON object (parsed as Fluent Bit parses JSON):
//!    - `{"date": <number>, ...}` (Fluent Bit `json_lines` output with `json_date_key date`):
//!      time from `date`, which is removed from the record;
//!    - Docker json-file (`log`, `stream` and a string `time`): the whole object is the record
//!      and `time` stays in it, as `in_tail` with the stock `docker` parser (`Time_Keep On`)
//!      leaves it; the record time is parsed from `time`;
//!    - Kubernetes audit events (`"kind": "Event"`, `apiVersion: audit.k8s.io/...`): the whole
//!      object; time from `requestReceivedTimestamp`;
//!    - any other object: the record as is.
//! 3. Anything else becomes `{"log": "<line>"}`, as `in_tail` without a parser does.
//!
//! Lines without their own time get a deterministic one (see [`TimeSource`]); `--time-key`
//! takes the time from a field of every record instead.

use rmpv::Value;

use crate::fluentbit::json_in::raw_utf8_string;
use crate::fluentbit::{FlbTime, parse_json_stream};
use crate::pipeline::Record;

/// Forces one interpretation for every line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// Detect per line (see the module docs).
    #[default]
    Auto,
    /// Every line is a JSON object record; other lines are errors.
    Json,
    /// Every line is Fluent Bit `out_file` output.
    OutFile,
    /// Every line becomes `{"log": "<line>"}`.
    Raw,
}

/// What a line was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// `TAG: [time, {record}]`
    OutFile,
    /// `{"date": ..., ...}`
    JsonLines,
    /// Docker json-file log line.
    Docker,
    /// Kubernetes audit event.
    KubernetesAudit,
    /// Any other JSON object.
    Json,
    /// Plain text.
    Raw,
}

/// Where record times come from when a line has none.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeSource {
    /// `base + index` seconds (index = 0-based record number): replays are reproducible.
    Sequential {
        /// Time of the first record.
        base: FlbTime,
    },
    /// The wall clock at read time.
    Now,
}

impl Default for TimeSource {
    fn default() -> Self {
        // 2023-11-14T22:13:20Z: a round, recognisable epoch.
        TimeSource::Sequential {
            base: FlbTime::new(1_700_000_000, 0),
        }
    }
}

impl TimeSource {
    /// The time for record number `index`.
    pub fn time_for(&self, index: u64) -> FlbTime {
        match self {
            TimeSource::Sequential { base } => FlbTime::new(base.sec + index as i64, base.nsec),
            TimeSource::Now => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                FlbTime::new(now.as_secs() as i64, now.subsec_nanos())
            }
        }
    }
}

fn field<'a>(map: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    map.iter()
        .rev()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// A field's value as a time: RFC 3339 / epoch strings, or numbers of epoch seconds.
pub fn value_as_time(value: &Value) -> Option<FlbTime> {
    match value {
        Value::String(s) => s.as_str().and_then(FlbTime::parse),
        Value::Integer(i) => i.as_f64().and_then(FlbTime::from_epoch_f64),
        Value::F32(f) => FlbTime::from_epoch_f64(f64::from(*f)),
        Value::F64(f) => FlbTime::from_epoch_f64(*f),
        _ => None,
    }
}

/// `TAG: [SEC.NSEC, {json}]`
fn parse_out_file(line: &[u8]) -> Option<(String, FlbTime, Value)> {
    let text = std::str::from_utf8(line).ok()?;
    let (tag, rest) = text.split_once(": [")?;
    if tag.is_empty() || tag.contains(char::is_whitespace) {
        return None;
    }
    let rest = rest.strip_suffix(']')?;
    let (time, json) = rest.split_once(", ")?;
    let (sec, nsec) = time.split_once('.')?;
    if nsec.len() != 9
        || !sec.bytes().all(|b| b.is_ascii_digit())
        || !nsec.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let body = parse_json_stream(json.as_bytes())
        .ok()?
        .into_iter()
        .next()?;
    if !matches!(body, Value::Map(_)) {
        return None;
    }
    Some((
        tag.to_string(),
        FlbTime::new(sec.parse().ok()?, nsec.parse().ok()?),
        body,
    ))
}

fn raw_record(line: &[u8]) -> Value {
    let text = match std::str::from_utf8(line) {
        Ok(s) => Value::from(s),
        Err(_) => Value::String(raw_utf8_string(line.to_vec())),
    };
    Value::Map(vec![(Value::from("log"), text)])
}

/// Interprets one line (without its newline). Returns the record (with `default_tag` and
/// `default_time` unless the line carries its own) and what the line was.
pub fn parse_line(
    line: &[u8],
    format: InputFormat,
    default_tag: &str,
    default_time: FlbTime,
) -> Result<(Record, LineKind), String> {
    let make = |body: Value, time: FlbTime, kind: LineKind| {
        (
            Record {
                tag: default_tag.to_string(),
                time,
                body,
            },
            kind,
        )
    };
    if format == InputFormat::Raw {
        return Ok(make(raw_record(line), default_time, LineKind::Raw));
    }
    if matches!(format, InputFormat::Auto | InputFormat::OutFile) {
        if let Some((tag, time, body)) = parse_out_file(line) {
            return Ok((Record { tag, time, body }, LineKind::OutFile));
        }
        if format == InputFormat::OutFile {
            return Err("not a Fluent Bit out_file line (TAG: [SEC.NSEC, {...}])".into());
        }
    }
    let first = line.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{')
        && let Ok(values) = parse_json_stream(line)
        && let Some(Value::Map(entries)) = values.into_iter().next()
    {
        let (body, time, kind) = classify_object(entries, default_time);
        return Ok(make(body, time, kind));
    }
    if format == InputFormat::Json {
        return Err("not a JSON object".into());
    }
    Ok(make(raw_record(line), default_time, LineKind::Raw))
}

/// Recognises json_lines, Docker and Kubernetes audit objects (see the module docs).
fn classify_object(
    mut entries: Vec<(Value, Value)>,
    default_time: FlbTime,
) -> (Value, FlbTime, LineKind) {
    if let Some((Value::String(k), v)) = entries.first()
        && k.as_str() == Some("date")
        && matches!(v, Value::F64(_) | Value::F32(_) | Value::Integer(_))
    {
        let time = value_as_time(v).unwrap_or(default_time);
        entries.remove(0);
        return (Value::Map(entries), time, LineKind::JsonLines);
    }
    let is_docker = field(&entries, "log").is_some()
        && field(&entries, "stream").is_some()
        && matches!(field(&entries, "time"), Some(Value::String(_)));
    if is_docker {
        let time = field(&entries, "time")
            .and_then(value_as_time)
            .unwrap_or(default_time);
        return (Value::Map(entries), time, LineKind::Docker);
    }
    let is_audit = field(&entries, "kind").and_then(Value::as_str) == Some("Event")
        && field(&entries, "apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("audit.k8s.io/"));
    if is_audit {
        let time = field(&entries, "requestReceivedTimestamp")
            .and_then(value_as_time)
            .unwrap_or(default_time);
        return (Value::Map(entries), time, LineKind::KubernetesAudit);
    }
    (Value::Map(entries), default_time, LineKind::Json)
}

/// Applies `--time-key`: the record's time from `key` when present and parseable.
pub fn apply_time_key(record: &mut Record, key: &str) -> bool {
    let Value::Map(entries) = &record.body else {
        return false;
    };
    match field(entries, key).and_then(value_as_time) {
        Some(t) => {
            record.time = t;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: FlbTime = FlbTime { sec: 100, nsec: 0 };

    fn parse(line: &str) -> (Record, LineKind) {
        parse_line(line.as_bytes(), InputFormat::Auto, "app.logs", T0).unwrap()
    }

    #[test]
    fn out_file_lines_carry_tag_and_time() {
        let (r, kind) = parse(r#"kube.var.log: [1700000000.123456789, {"log":"hi"}]"#);
        assert_eq!(kind, LineKind::OutFile);
        assert_eq!(r.tag, "kube.var.log");
        assert_eq!(r.time, FlbTime::new(1_700_000_000, 123_456_789));
    }

    #[test]
    fn json_lines_date_is_removed() {
        let (r, kind) = parse(r#"{"date":1700000000.5,"msg":"x"}"#);
        assert_eq!(kind, LineKind::JsonLines);
        assert_eq!(r.time, FlbTime::new(1_700_000_000, 500_000_000));
        assert_eq!(
            r.body,
            Value::Map(vec![(Value::from("msg"), Value::from("x"))])
        );
    }

    #[test]
    fn docker_keeps_time_field() {
        let (r, kind) =
            parse(r#"{"log":"hello\n","stream":"stdout","time":"2023-11-14T22:13:20.25Z"}"#);
        assert_eq!(kind, LineKind::Docker);
        assert_eq!(r.time, FlbTime::new(1_700_000_000, 250_000_000));
        assert_eq!(r.body.as_map().unwrap().len(), 3);
    }

    #[test]
    fn audit_and_plain_json_and_raw() {
        let (r, kind) = parse(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","requestReceivedTimestamp":"2023-11-14T22:13:20.000000Z"}"#,
        );
        assert_eq!(kind, LineKind::KubernetesAudit);
        assert_eq!(r.time.sec, 1_700_000_000);
        assert_eq!(parse(r#"{"a":1}"#).1, LineKind::Json);
        let (r, kind) = parse("plain text");
        assert_eq!(kind, LineKind::Raw);
        assert_eq!(
            r.body,
            Value::Map(vec![(Value::from("log"), Value::from("plain text"))])
        );
        assert_eq!(parse("[1,2]").1, LineKind::Raw);
        assert_eq!(parse("{broken").1, LineKind::Raw);
    }

    #[test]
    fn time_key_overrides() {
        let (mut r, _) = parse(r#"{"ts":"1970-01-01T00:00:10Z"}"#);
        assert!(apply_time_key(&mut r, "ts"));
        assert_eq!(r.time, FlbTime::new(10, 0));
        assert!(!apply_time_key(&mut r, "missing"));
    }
}
