//! Syslog lines, as in `/var/log/auth.log` / `/var/log/secure` (the authentication logs):
//!
//! ```text
//! Nov 14 22:13:20 web-1 sshd[811]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2
//! 2023-11-14T22:13:20.123456+00:00 web-1 sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow
//! <38>1 2023-11-14T22:13:20.123Z web-1 sshd 811 - - Accepted publickey for deploy from 10.0.0.8 port 50522 ssh2
//! ```
//!
//! RFC 3164 (optionally with `<PRI>`), its high-precision variant with an RFC 3339 time, and
//! RFC 5424. Fields, named like Fluent Bit's `syslog-*` parsers': `time`, `host`, `ident`,
//! `pid`, `message`. Records those parsers (or the systemd input: `SYSLOG_IDENTIFIER`,
//! `MESSAGE`) already split are read from their fields instead (see [`crate::Comply`]).

use super::{Source, View};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

pub fn parse(line: &str) -> Option<View<'_>> {
    let mut rest = line;
    if let Some(after) = rest.strip_prefix('<') {
        let (pri, after) = after.split_once('>')?;
        if pri.is_empty() || pri.len() > 3 || !pri.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if let Some(v5424) = after.strip_prefix("1 ") {
            return parse_5424(v5424);
        }
        rest = after;
    }
    let (time, after_time) = split_time(rest)?;
    let (host, after_host) = after_time.split_once(' ')?;
    if host.is_empty() {
        return None;
    }
    let tag_len = after_host.find([':', '[', ' ']).unwrap_or(after_host.len());
    let ident = &after_host[..tag_len];
    if ident.is_empty() || !ident.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut after_ident = &after_host[tag_len..];
    let mut pid = None;
    if let Some(p) = after_ident.strip_prefix('[') {
        let (digits, rest) = p.split_once(']')?;
        pid = Some(digits);
        after_ident = rest;
    }
    let message = after_ident.strip_prefix(':')?.trim_start_matches(' ');

    let mut v = View::new(Source::Syslog);
    v.push("time", time);
    v.push("host", host);
    v.push("ident", ident);
    if let Some(pid) = pid {
        v.push("pid", pid);
    }
    v.push("message", message);
    Some(v)
}

/// `Nov 14 22:13:20 ` (day padded with a space when single-digit) or an RFC 3339 time + space.
fn split_time(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    if b.first().is_some_and(u8::is_ascii_digit) {
        let (time, rest) = s.split_once(' ')?;
        let tb = time.as_bytes();
        let ok = tb.len() >= 19 && tb[4] == b'-' && tb[7] == b'-' && tb[10] == b'T' && tb[13] == b':';
        return ok.then_some((time, rest));
    }
    // "Mmm dd hh:mm:ss" is 15 bytes.
    let time = s.get(..15)?;
    let tb = time.as_bytes();
    let month_ok = MONTHS.iter().any(|m| time.starts_with(m));
    let ok = month_ok
        && tb[3] == b' '
        && (tb[4] == b' ' || tb[4].is_ascii_digit())
        && tb[5].is_ascii_digit()
        && tb[6] == b' '
        && tb[9] == b':'
        && tb[12] == b':';
    let rest = s.get(15..)?.strip_prefix(' ')?;
    ok.then_some((time, rest))
}

/// After `<PRI>1 `: `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
fn parse_5424(s: &str) -> Option<View<'_>> {
    let mut parts = s.splitn(6, ' ');
    let time = parts.next()?;
    let host = parts.next()?;
    let app = parts.next()?;
    let procid = parts.next()?;
    let _msgid = parts.next()?;
    let rest = parts.next().unwrap_or("");
    let message = skip_structured_data(rest);
    let mut v = View::new(Source::Syslog);
    for (name, value) in [("time", time), ("host", host), ("ident", app), ("pid", procid)] {
        if value != "-" && !value.is_empty() {
            v.push(name, value);
        }
    }
    v.push("message", message.strip_prefix('\u{feff}').unwrap_or(message));
    Some(v)
}

/// Skips `-` or `[id k="v"]...` (with `\]` escapes) and the space after it.
fn skip_structured_data(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix('-') {
        return rest.strip_prefix(' ').unwrap_or(rest);
    }
    let b = s.as_bytes();
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        i += 1;
        while i < b.len() && b[i] != b']' {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        i += 1;
    }
    let rest = s.get(i.min(s.len())..).unwrap_or("");
    rest.strip_prefix(' ').unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsd_line_with_pid() {
        let v = parse("Nov 14 22:13:20 web-1 sshd[811]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2").unwrap();
        assert_eq!(v.get("time"), Some("Nov 14 22:13:20"));
        assert_eq!(v.get("host"), Some("web-1"));
        assert_eq!(v.get("ident"), Some("sshd"));
        assert_eq!(v.get("pid"), Some("811"));
        assert_eq!(v.get("message"), Some("Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2"));
        let v = parse("<86>Nov  4 02:00:01 db-1 CRON[99]: pam_unix(cron:session): session opened for user root").unwrap();
        assert_eq!(v.get("time"), Some("Nov  4 02:00:01"));
        assert_eq!(v.get("ident"), Some("CRON"));
    }

    #[test]
    fn iso_line_without_pid() {
        let v = parse("2023-11-14T22:13:20.123456+00:00 web-1 sudo: alice : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/id").unwrap();
        assert_eq!(v.get("ident"), Some("sudo"));
        assert_eq!(v.get("pid"), None);
        assert_eq!(v.get("message"), Some("alice : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/id"));
    }

    #[test]
    fn rfc5424() {
        let v = parse("<38>1 2023-11-14T22:13:20.123Z web-1 sshd 811 - [meta x=\"a\\]b\"] Accepted publickey for deploy").unwrap();
        assert_eq!(v.get("ident"), Some("sshd"));
        assert_eq!(v.get("pid"), Some("811"));
        assert_eq!(v.get("message"), Some("Accepted publickey for deploy"));
        let v = parse("<38>1 2023-11-14T22:13:20Z h app - - - hello").unwrap();
        assert_eq!((v.get("pid"), v.get("message")), (None, Some("hello")));
    }

    #[test]
    fn not_syslog() {
        for s in ["November rain", "Nov 14 22:13:20", "Nov 14 22:13:20 host", "2023-11-14 12:00 x y: z", "<x>Nov", "<1>", "Mon Nov 14 x: y", "<38>1 ", "<38>1 a b c d e [unterminated"] {
            let parsed = parse(s);
            assert!(parsed.is_none() || s.starts_with("<38>1"), "{s}: {parsed:?}");
        }
    }
}
