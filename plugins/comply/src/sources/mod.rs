//! Free-text sources: auditd, nginx (combined), MySQL (general and slow log) and syslog lines,
//! as they usually arrive (`{"log": "<line>"}`), seen as named fields.
//!
//! A line is classified from its first bytes, undecoded (cheap enough for every record); only a
//! candidate is decoded and scanned, once, by a small hand-written scanner (no regex). The
//! fields become a tiny JSON document `{"@auditd": {...}}` that the rules' field set is looked
//! up in too, so a rule addresses them as `@auditd.key`, `@nginx.status`, ... next to record
//! fields.

pub mod auditd;
pub mod mysql;
pub mod nginx;
pub mod syslog;

use std::borrow::Cow;

use logward_sdk::json::write_str;

/// A source a line can come from. Its name, with `@`, is the root of its fields in rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Auditd,
    Nginx,
    Mysql,
    Syslog,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Auditd, Source::Nginx, Source::Mysql, Source::Syslog];

    /// The root key of this source's fields in rule paths.
    pub fn key(self) -> &'static str {
        match self {
            Source::Auditd => "@auditd",
            Source::Nginx => "@nginx",
            Source::Mysql => "@mysql",
            Source::Syslog => "@syslog",
        }
    }

    pub fn from_key(key: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.key() == key)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Which sources are worth parsing (some rule or the normalizer reads them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceSet(u8);

impl SourceSet {
    pub fn insert(&mut self, s: Source) {
        self.0 |= s.bit();
    }
    pub fn contains(self, s: Source) -> bool {
        self.0 & s.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Most fields one view keeps (bounds the work a hostile line can cause).
pub const MAX_FIELDS: usize = 128;

/// A line seen as named fields, in the order found (a name may repeat).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View<'t> {
    pub source: Source,
    pub fields: Vec<(&'t str, Cow<'t, str>)>,
}

impl<'t> View<'t> {
    pub fn new(source: Source) -> Self {
        View { source, fields: Vec::new() }
    }

    /// Adds a field unless the view is full.
    pub fn push(&mut self, name: &'t str, value: impl Into<Cow<'t, str>>) {
        if self.fields.len() < MAX_FIELDS {
            self.fields.push((name, value.into()));
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_ref())
    }

    /// Writes `{"@source":{"name":"value",...}}`, the document rules are evaluated against.
    pub fn write_doc(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(b'{');
        write_str(out, self.source.key());
        out.extend_from_slice(b":{");
        for (i, (name, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, name);
            out.push(b':');
            write_str(out, value);
        }
        out.extend_from_slice(b"}}");
    }
}

/// The source a line probably comes from, judged from its undecoded bytes (`raw` is a JSON
/// string body with escapes, or msgpack bytes): a cheap test run on every line. The parser of
/// the source it names confirms.
pub fn classify(raw: &[u8], wanted: SourceSet) -> Option<Source> {
    let first = *raw.first()?;
    let want = |s: Source| wanted.contains(s).then_some(s);
    match first {
        b't' | b'n' if raw.starts_with(b"type=") || raw.starts_with(b"node=") => want(Source::Auditd),
        b'#' => want(Source::Mysql),
        b'<' => want(Source::Syslog),
        b'\t' => want(Source::Mysql),
        b'\\' if raw.starts_with(b"\\t") => want(Source::Mysql),
        b'J' | b'F' | b'M' | b'A' | b'S' | b'O' | b'N' | b'D' => want(Source::Syslog),
        b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' | b':' => classify_first_token(raw, wanted),
        _ => None,
    }
}

/// Lines starting with an address or a date: nginx (`203.0.113.9 - ...`), MySQL general log
/// (`2023-11-14T22:13:20.123456Z\t...`, `231114 22:13:20\t...`), or syslog (`2023-11-14T... host`).
fn classify_first_token(raw: &[u8], wanted: SourceSet) -> Option<Source> {
    let head = &raw[..raw.len().min(64)];
    let end = head.iter().position(|&b| b == b' ' || b == b'\t' || b == b'\\').unwrap_or(head.len());
    let token = &head[..end];
    let after = head.get(end).copied();
    let is_addr = !token.is_empty()
        && token.iter().all(|b| b.is_ascii_hexdigit() || *b == b'.' || *b == b':')
        && token.iter().any(|&b| b == b'.' || b == b':');
    if is_addr && after == Some(b' ') && wanted.contains(Source::Nginx) {
        return Some(Source::Nginx);
    }
    let tab_follows = matches!(after, Some(b'\t')) || head[end..].starts_with(b"\\t");
    let date_like = token.first().is_some_and(u8::is_ascii_digit);
    if date_like && (tab_follows || token.len() == 6) && wanted.contains(Source::Mysql) {
        return Some(Source::Mysql);
    }
    if date_like && after == Some(b' ') && token.len() >= 10 && token.get(4) == Some(&b'-') && wanted.contains(Source::Syslog) {
        return Some(Source::Syslog);
    }
    None
}

/// Parses `line` as `source`; `None` if it is not such a line after all.
pub fn parse(source: Source, line: &str) -> Option<View<'_>> {
    match source {
        Source::Auditd => auditd::parse(line),
        Source::Nginx => nginx::parse(line),
        Source::Mysql => mysql::parse(line),
        Source::Syslog => syslog::parse(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> SourceSet {
        let mut s = SourceSet::default();
        for src in Source::ALL {
            s.insert(src);
        }
        s
    }

    #[test]
    fn classifies_by_first_bytes() {
        let c = |raw: &str| classify(raw.as_bytes(), all());
        assert_eq!(c("type=SYSCALL msg=audit(1.2:3): x=1"), Some(Source::Auditd));
        assert_eq!(c("node=h1 type=USER_LOGIN msg=audit(1.2:3): x=1"), Some(Source::Auditd));
        assert_eq!(c("203.0.113.9 - - [14/Nov/2023:22:13:20 +0000] \\\"GET / HTTP/1.1\\\" 200 1"), Some(Source::Nginx));
        assert_eq!(c("2001:db8::7 - - [14/Nov/2023:22:13:20 +0000] x"), Some(Source::Nginx));
        assert_eq!(c("2023-11-14T22:13:20.123456Z\\t   12 Query\\tSELECT 1"), Some(Source::Mysql));
        assert_eq!(c("2023-11-14T22:13:20.123456Z\t   12 Query\tSELECT 1"), Some(Source::Mysql));
        assert_eq!(c("231114 22:13:20\\t   12 Connect\\tapp@h on db"), Some(Source::Mysql));
        assert_eq!(c("\\t\\t   12 Quit\\t"), Some(Source::Mysql));
        assert_eq!(c("# User@Host: app[app] @ h [10.0.0.1]"), Some(Source::Mysql));
        assert_eq!(c("Nov 14 22:13:20 web-1 sshd[811]: Accepted publickey"), Some(Source::Syslog));
        assert_eq!(c("2023-11-14T22:13:20.5+00:00 web-1 sshd[811]: x"), Some(Source::Syslog));
        assert_eq!(c("<38>Nov 14 22:13:20 web-1 sshd[811]: x"), Some(Source::Syslog));
        assert_eq!(c("INFO starting server"), None);
        assert_eq!(c("level=info msg=started"), None);
        assert_eq!(c("12345 items"), None);
        assert_eq!(c(""), None);
        let mut only_auditd = SourceSet::default();
        only_auditd.insert(Source::Auditd);
        assert_eq!(classify(b"Nov 14 22:13:20 h sshd[1]: x", only_auditd), None);
    }

    #[test]
    fn view_document_is_escaped_json() {
        let mut v = View::new(Source::Nginx);
        v.push("request", "GET /a\"b HTTP/1.1");
        v.push("status", "200");
        let mut out = Vec::new();
        v.write_doc(&mut out);
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc, serde_json::json!({"@nginx": {"request": "GET /a\"b HTTP/1.1", "status": "200"}}));
    }
}
