//! nginx access lines in the default `combined` format (Apache's combined format is the same):
//!
//! ```text
//! 203.0.113.9 - alice [14/Nov/2023:22:13:20 +0000] "GET /admin/users?page=2 HTTP/1.1" 403 153 "-" "curl/8.4.0"
//! ```
//!
//! Fields, named after nginx's variables: `remote_addr`, `remote_user`, `time_local`,
//! `request`, `request_method`, `request_uri`, `server_protocol`, `status`, `body_bytes_sent`,
//! `http_referer`, `http_user_agent`. A `-` (nginx's "empty") leaves the field out. Anything
//! after the user agent (custom additions to the format) is ignored.

use super::{Source, View};

pub fn parse(line: &str) -> Option<View<'_>> {
    let mut s = Scanner { line, pos: 0 };
    let remote_addr = s.word()?;
    if !remote_addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':') {
        return None;
    }
    let _ident = s.word()?;
    let remote_user = s.word()?;
    let time_local = s.delimited(b'[', b']')?;
    let request = s.delimited(b'"', b'"')?;
    let status = s.word()?;
    if status.len() != 3 || !status.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let body_bytes_sent = s.word()?;
    let referer = s.delimited(b'"', b'"');
    let user_agent = s.delimited(b'"', b'"');

    let mut v = View::new(Source::Nginx);
    v.push("remote_addr", remote_addr);
    push_present(&mut v, "remote_user", Some(remote_user));
    v.push("time_local", time_local);
    v.push("request", request);
    let mut parts = request.splitn(3, ' ');
    if let (Some(method), Some(uri)) = (parts.next(), parts.next())
        && !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
    {
        v.push("request_method", method);
        v.push("request_uri", uri);
        push_present(&mut v, "server_protocol", parts.next());
    }
    v.push("status", status);
    v.push("body_bytes_sent", body_bytes_sent);
    push_present(&mut v, "http_referer", referer);
    push_present(&mut v, "http_user_agent", user_agent);
    Some(v)
}

fn push_present<'t>(v: &mut View<'t>, name: &'t str, value: Option<&'t str>) {
    if let Some(value) = value.filter(|x| !x.is_empty() && *x != "-") {
        v.push(name, value);
    }
}

struct Scanner<'t> {
    line: &'t str,
    pos: usize,
}

impl<'t> Scanner<'t> {
    fn skip_spaces(&mut self) {
        let b = self.line.as_bytes();
        while self.pos < b.len() && b[self.pos] == b' ' {
            self.pos += 1;
        }
    }

    /// The next space-delimited word.
    fn word(&mut self) -> Option<&'t str> {
        self.skip_spaces();
        let b = self.line.as_bytes();
        let start = self.pos;
        while self.pos < b.len() && b[self.pos] != b' ' {
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.line[start..self.pos])
    }

    /// The text between `open` and the next `close` (nginx writes `"` inside values as `\x22`).
    fn delimited(&mut self, open: u8, close: u8) -> Option<&'t str> {
        self.skip_spaces();
        let b = self.line.as_bytes();
        if b.get(self.pos) != Some(&open) {
            return None;
        }
        let start = self.pos + 1;
        let end = start + memchr::memchr(close, b.get(start..)?)?;
        self.pos = end + 1;
        Some(&self.line[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_line() {
        let v = parse(r#"203.0.113.9 - alice [14/Nov/2023:22:13:20 +0000] "GET /admin/users?page=2 HTTP/1.1" 403 153 "-" "curl/8.4.0""#).unwrap();
        assert_eq!(v.get("remote_addr"), Some("203.0.113.9"));
        assert_eq!(v.get("remote_user"), Some("alice"));
        assert_eq!(v.get("time_local"), Some("14/Nov/2023:22:13:20 +0000"));
        assert_eq!(v.get("request_method"), Some("GET"));
        assert_eq!(v.get("request_uri"), Some("/admin/users?page=2"));
        assert_eq!(v.get("server_protocol"), Some("HTTP/1.1"));
        assert_eq!(v.get("status"), Some("403"));
        assert_eq!(v.get("body_bytes_sent"), Some("153"));
        assert_eq!(v.get("http_referer"), None);
        assert_eq!(v.get("http_user_agent"), Some("curl/8.4.0"));
    }

    #[test]
    fn ipv6_no_user_and_garbage_request() {
        let v = parse(r#"2001:db8::7 - - [14/Nov/2023:22:13:21 +0000] "\x16\x03\x01" 400 157 "-" "-""#).unwrap();
        assert_eq!(v.get("remote_user"), None);
        assert_eq!(v.get("request"), Some(r"\x16\x03\x01"));
        assert_eq!(v.get("request_method"), None);
        assert_eq!(v.get("status"), Some("400"));
    }

    #[test]
    fn not_nginx() {
        assert!(parse("203.0.113.9 connected").is_none());
        assert!(parse(r#"203.0.113.9 - - [x] "GET / HTTP/1.1" OK 1"#).is_none());
        assert!(parse(r#"host.example - - [x] "GET / HTTP/1.1" 200 1"#).is_none());
        for s in ["1.2.3.4 - - [", "1.2.3.4 - - [x] \"", "1.2.3.4", ""] {
            assert!(parse(s).is_none(), "{s}");
        }
    }
}
