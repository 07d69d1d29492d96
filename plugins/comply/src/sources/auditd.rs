//! Linux audit (auditd) records, as written to `/var/log/audit/audit.log`:
//!
//! ```text
//! type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=257 success=yes ... auid=1000 uid=0 ... comm="cat" exe="/usr/bin/cat" key="identity"
//! type=USER_LOGIN msg=audit(1700000000.456:789): pid=811 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=203.0.113.7 terminal=sshd res=failed'
//! ```
//!
//! Fields: every `name=value` pair (quotes removed; the inner `msg='...'` of user-space records
//! flattened into the same list; the ENRICHED format's upper-case names after `\x1d` kept as
//! they are), plus `timestamp` (`1700000000.123`) and `serial` (`456`) from `msg=audit(...)`.
//! Values auditd hex-encodes (`comm`, `exe`, `key`, `proctitle`, ...: unquoted hex) are decoded;
//! a `key` holding several keys (joined by `\x01`) gives one `key` field each; `key=(null)` none.
//! In `CONFIG_CHANGE` records the key names the audit rule being added or removed, not the
//! event: it is reported as `rule_key`, so rules on `key` see only events.

use std::borrow::Cow;

use super::{Source, View};

/// Fields auditd writes hex-encoded (unquoted) when their value has special characters.
const ENCODED: &[&str] = &["acct", "cmd", "comm", "cwd", "data", "exe", "key", "name", "ocomm", "path", "proctitle"];

fn is_sep(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | 0x1d)
}

pub fn parse(line: &str) -> Option<View<'_>> {
    let b = line.as_bytes();
    let mut view = View::new(Source::Auditd);
    let mut i = 0;
    let mut saw_type = false;
    let mut saw_msg = false;
    while i < b.len() {
        // Separators, and the quote that closes an inner `msg='...'`.
        if is_sep(b[i]) || b[i] == b'\'' {
            i += 1;
            continue;
        }
        let name_start = i;
        while i < b.len() && b[i] != b'=' && !is_sep(b[i]) {
            i += 1;
        }
        let name = &line[name_start..i];
        if b.get(i) != Some(&b'=') {
            continue; // a bare word: not a field
        }
        i += 1;
        match b.get(i) {
            Some(b'"') => {
                let start = i + 1;
                let end = memchr::memchr(b'"', &b[start..]).map_or(b.len(), |p| start + p);
                view.push(name, &line[start..end]);
                i = end + 1;
            }
            // User-space records nest their own fields in msg='...': read on inside it.
            Some(b'\'') => i += 1,
            _ => {
                let start = i;
                while i < b.len() && !is_sep(b[i]) && b[i] != b'\'' {
                    i += 1;
                }
                let value = &line[start..i];
                if name == "msg" && value.starts_with("audit(") {
                    saw_msg = read_event_id(value, &mut view);
                } else if name == "key" && value == "(null)" {
                } else if ENCODED.contains(&name) {
                    push_decoded(&mut view, name, value);
                } else {
                    view.push(name, value);
                }
            }
        }
        saw_type |= name == "type";
    }
    if view.get("type") == Some("CONFIG_CHANGE") {
        for field in view.fields.iter_mut().filter(|(n, _)| *n == "key") {
            field.0 = "rule_key";
        }
    }
    (saw_type && saw_msg).then_some(view)
}

/// `audit(1700000000.123:456):` → `timestamp` and `serial`.
fn read_event_id<'t>(value: &'t str, view: &mut View<'t>) -> bool {
    let inner = value.trim_start_matches("audit(");
    let inner = inner.trim_end_matches(':').trim_end_matches(')');
    let Some((time, serial)) = inner.split_once(':') else { return false };
    let valid = |s: &str, dot: bool| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit() || (dot && c == b'.'));
    if !valid(time, true) || !valid(serial, false) {
        return false;
    }
    view.push("timestamp", time);
    view.push("serial", serial);
    true
}

fn push_decoded<'t>(view: &mut View<'t>, name: &'t str, value: &'t str) {
    let decoded = decode_hex(value);
    match decoded {
        Some(text) if name == "key" => {
            for k in text.split('\u{1}').filter(|k| !k.is_empty()) {
                view.push(name, k.to_string());
            }
        }
        Some(text) => view.push(name, text),
        None => view.push(name, Cow::Borrowed(value)),
    }
}

/// auditd's hex encoding of untrusted strings; `None` if `value` is not hex. NULs (argv
/// separators in `proctitle`) become spaces.
fn decode_hex(value: &str) -> Option<String> {
    let b = value.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(2) || !b.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c.wrapping_sub(b'A').wrapping_add(10),
    };
    let bytes: Vec<u8> = b
        .chunks_exact(2)
        .map(|p| (nibble(p[0]) << 4) | nibble(p[1]))
        .map(|c| if c == 0 { b' ' } else { c })
        .collect();
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(v: &'a View<'_>, k: &str) -> Option<&'a str> {
        v.get(k)
    }

    #[test]
    fn syscall_record() {
        let line = r#"type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=257 success=yes exit=3 auid=1000 uid=0 euid=0 tty=pts0 ses=3 comm="cat" exe="/usr/bin/cat" subj=unconfined key="identity""#;
        let v = parse(line).unwrap();
        assert_eq!(get(&v, "type"), Some("SYSCALL"));
        assert_eq!(get(&v, "timestamp"), Some("1700000000.123"));
        assert_eq!(get(&v, "serial"), Some("456"));
        assert_eq!(get(&v, "auid"), Some("1000"));
        assert_eq!(get(&v, "exe"), Some("/usr/bin/cat"));
        assert_eq!(get(&v, "key"), Some("identity"));
        assert_eq!(get(&v, "msg"), None);
    }

    #[test]
    fn user_record_with_inner_message() {
        let line = "type=USER_LOGIN msg=audit(1700000000.456:789): pid=811 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.7 terminal=sshd res=failed'";
        let v = parse(line).unwrap();
        assert_eq!(get(&v, "op"), Some("login"));
        assert_eq!(get(&v, "acct"), Some("root"));
        assert_eq!(get(&v, "addr"), Some("203.0.113.7"));
        assert_eq!(get(&v, "res"), Some("failed"));
        assert_eq!(get(&v, "terminal"), Some("sshd"));
    }

    #[test]
    fn enriched_names_node_and_hex_values() {
        // comm "my prog", key "audit-logs" + "\x01" + "access", proctitle "cat /etc/shadow"
        let line = "node=web-1 type=SYSCALL msg=audit(1700000001.000:7): comm=6D792070726F67 key=61756469742D6C6F677301616363657373 proctitle=636174002F6574632F736861646F77 key2=(null)\u{1d}AUID=\"alice\" UID=\"root\"";
        let v = parse(line).unwrap();
        assert_eq!(get(&v, "node"), Some("web-1"));
        assert_eq!(get(&v, "comm"), Some("my prog"));
        let keys: Vec<&str> = v.fields.iter().filter(|(n, _)| *n == "key").map(|(_, v)| v.as_ref()).collect();
        assert_eq!(keys, vec!["audit-logs", "access"]);
        assert_eq!(get(&v, "proctitle"), Some("cat /etc/shadow"));
        assert_eq!(get(&v, "AUID"), Some("alice"));
        assert_eq!(get(&v, "UID"), Some("root"));
    }

    #[test]
    fn config_change_key_names_the_rule() {
        let v = parse("type=CONFIG_CHANGE msg=audit(1700000420.001:380): auid=1000 ses=7 op=remove_rule key=\"audit-logs\" list=4 res=1").unwrap();
        assert_eq!(get(&v, "key"), None);
        assert_eq!(get(&v, "rule_key"), Some("audit-logs"));
    }

    #[test]
    fn null_key_is_absent() {
        let v = parse("type=SYSCALL msg=audit(1.5:2): syscall=59 key=(null)").unwrap();
        assert_eq!(get(&v, "key"), None);
    }

    #[test]
    fn not_auditd() {
        assert!(parse("type=bogus without an event id").is_none());
        assert!(parse("type=SYSCALL msg=audit(abc:1): x=1").is_none());
        assert!(parse("").is_none());
        // Hostile shapes end without panicking.
        for s in ["type=\"", "type='", "msg=audit(", "=", "type==", "type=SYSCALL msg=audit(1:2): a=\"unterminated", "\u{1d}\u{1d}='"] {
            let _ = parse(s);
        }
    }
}
