//! Credentials in HTTP shapes: `Authorization` headers (any scheme), bare `Bearer` tokens,
//! `Basic` credentials, cookies, passwords in URL userinfo (`postgres://user:pass@host`) and
//! `curl -u user:pass`.

use std::ops::Range;

use regex::bytes::Captures;

use crate::rule::{Boundary, Extract, RuleSpec};

/// Cookie attributes: not secret.
const COOKIE_ATTRIBUTES: &[&str] = &["path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority", "partitioned", "version", "comment"];

/// Masks each cookie value in `name=value; name2=value2` (group 1), leaving names and
/// attributes.
fn cookie_values(text: &str, caps: &Captures<'_>, out: &mut Vec<Range<usize>>) {
    let Some(m) = caps.get(1) else {
        return;
    };
    let mut pos = m.start();
    for part in text.get(m.range()).unwrap_or_default().split(';') {
        let part_start = pos;
        pos += part.len() + 1;
        let Some(eq) = part.find('=') else {
            continue;
        };
        let name = part[..eq].trim();
        if COOKIE_ATTRIBUTES.iter().any(|a| name.eq_ignore_ascii_case(a)) {
            continue;
        }
        let value = &part[eq + 1..];
        let trimmed = value.trim();
        if trimmed.is_empty() {
            continue;
        }
        let lead = value.len() - value.trim_start().len();
        let start = part_start + eq + 1 + lead;
        out.push(start..start + trimmed.len());
    }
}

/// `user:password` in curl's `-u` argument, quoted any way (`"u":"p"`, `u:'p'`). The password
/// is the secret; with an empty password the whole argument is.
fn curl_user(text: &str, caps: &Captures<'_>, out: &mut Vec<Range<usize>>) {
    let Some(m) = caps.get(1) else {
        return;
    };
    let arg = &text[m.range()];
    if arg.contains(['<', '>']) {
        return;
    }
    let is_quote = |c: char| c == '"' || c == '\'';
    let Some(colon) = arg.find(':') else {
        return;
    };
    let user = arg[..colon].trim_matches(is_quote);
    let pass_raw = &arg[colon + 1..];
    let pass = pass_raw.trim_matches(is_quote);
    if pass.is_empty() {
        if !user.is_empty() {
            let start = m.start() + arg.find(user).unwrap_or(0);
            out.push(start..start + user.len());
        }
        return;
    }
    let start = m.start() + colon + 1 + (pass_raw.len() - pass_raw.trim_start_matches(is_quote).len());
    out.push(start..start + pass.len());
}

/// `Basic` credentials are base64 of `user:password`.
fn decodes_to_credentials(s: &str) -> bool {
    let decoded = base64_decode(s.trim_end_matches('='));
    decoded.len() >= 3 && decoded.contains(&b':') && decoded.iter().all(|&b| (0x20..0x7f).contains(&b))
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return Vec::new(),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        min_len: 4,
        ..RuleSpec::token(
            "http-authorization",
            "Credentials in an Authorization / Proxy-Authorization header (any scheme)",
            &["authorization"],
            r#"(?i)\b(?:proxy-)?authorization\b\\?["']?[ \t]*[:=][ \t]*\\?["']?(?:[A-Za-z][A-Za-z0-9._-]{1,30}[ \t]+)?([^\s"',;\\]+)"#,
        )
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        min_len: 16,
        ..RuleSpec::token("bearer-token", "A bearer token anywhere in text", &["bearer"], r"(?i)\bbearer[ \t]+([A-Za-z0-9._~+/=-]{16,})")
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        validator: Some(decodes_to_credentials),
        ..RuleSpec::token("basic-credentials", "HTTP Basic credentials (base64 of user:password)", &["basic"], r"(?i)\bbasic[ \t]+([A-Za-z0-9+/]{4,}={0,2})")
    },
    RuleSpec {
        extract: Extract::Custom(cookie_values),
        boundary: Boundary::Regex,
        ..RuleSpec::token("cookie", "Cookie and Set-Cookie header values", &["cookie"], r#"(?i)\b(?:set-)?cookie\b\\?["']?[ \t]*[:=][ \t]*\\?["']?([^\r\n"'\\]+)"#)
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        ..RuleSpec::token(
            "url-userinfo",
            "Password in a URL's userinfo (scheme://user:password@host)",
            &["://"],
            r#"\b[A-Za-z][A-Za-z0-9+.-]{1,30}://[^:@/\s"'<>]*:([^/\s"'<>]+)@[A-Za-z0-9._\[\]-]"#,
        )
    },
    RuleSpec {
        extract: Extract::Custom(curl_user),
        boundary: Boundary::Regex,
        ..RuleSpec::token("curl-user", "Password in curl -u / --user user:password", &["-u ", "-u=", "--user"], r#"(?:^|\s)(?:-u|--user)[ =]+(\S+)"#)
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn authorization_headers() {
        check("http-authorization", &[
            ("curl --header  'Authorization:  5eb4223e-5008-46e5-be67-c7b8f2732305'", "5eb4223e-5008-46e5-be67-c7b8f2732305"),
            ("curl -H 'Authorization: Basic YnJvd3Nlcjo=' \\", "YnJvd3Nlcjo="),
            ("GET /x Authorization: Bearer cfcabd11c7ed9a41b1a3e063c32d5114 200", "cfcabd11c7ed9a41b1a3e063c32d5114"),
            (r#"{\"authorization\":\"Token 9f8e7d6c5b4a\"}"#, "9f8e7d6c5b4a"),
        ], &[
            "-H \"Authorization: Bearer XXXXXXXXXXXX\"",
            "--header \"Authorization: Basic ...\"",
            "-H \"Authorization: Bearer <Openverse API token>\"",
            "-H \"Authorization: Token **********\"",
            "-H \"Authorization: basic {base64(email:password[\\n])}\"",
            "-H \"Authorization: Bearer $API_KEY\"",
            "-H \"Authorization: Bearer $(gcloud auth print-access-token)\"",
            "authorization failed for user bob",
        ]);
    }

    #[test]
    fn bearer_and_basic() {
        check("bearer-token", &[("sending Bearer q8m3Lx9Vp2Rt7Nw4Yk1Bc6Df upstream", "q8m3Lx9Vp2Rt7Nw4Yk1Bc6Df")], &["\"token_type\":\"bearer\"", "bearer short"]);
        check("basic-credentials", &[("auth Basic dXNlcjpwYXNzd29yZA== ok", "dXNlcjpwYXNzd29yZA==")], &["basic setup complete", "Basic aGVsbG8gd29ybGQ="]);
    }

    #[test]
    fn cookies() {
        check("cookie", &[
            ("Cookie: session=8f3a9c1b7e4d; theme=dark", "8f3a9c1b7e4d"),
            ("Set-Cookie: sid=q8m3Lx9Vp2Rt; Path=/; HttpOnly", "q8m3Lx9Vp2Rt"),
        ], &["cookie consent shown", "Set-Cookie: Path=/"]);
        assert_eq!(crate::rules::testing::secrets("cookie", "Set-Cookie: sid=abc123; Path=/; Max-Age=3600"), ["abc123"]);
    }

    #[test]
    fn url_userinfo() {
        check("url-userinfo", &[
            ("connecting to postgres://app:s3cr3t-Pa55@db.internal:5432/orders", "s3cr3t-Pa55"),
            ("redis://:hunter2@cache:6379/0", "hunter2"),
            ("amqp://guest:p@ss@rabbit/vhost", "p@ss"),
            ("https://cafebabe:deadbeef@gems.contribsys.com/", "deadbeef"),
        ], &[
            "https://example.com/a:b@c",
            "postgres://user:${DB_PASSWORD}@db/x",
            "mysql://root:<password>@localhost",
            "https://user@host.com/path",
            "https://mycompany.webhook.office.com/webhookb2/146d5upq@zxkx9d8a/IncomingWebhook/a/b",
        ]);
    }

    #[test]
    fn curl_user() {
        check("curl-user", &[
            ("curl --cacert ca.crt -u elastic:P@ssw0rd$1 https://localhost:9200", "P@ssw0rd$1"),
            ("  -u developer:yqDVtkqPECriaLRi", "yqDVtkqPECriaLRi"),
            ("curl -u \":d2LkV78zLx!t\" https://localhost:9200", "d2LkV78zLx!t"),
            ("curl -u \"d2LkV78zLx!t:\" https://localhost:9200", "d2LkV78zLx!t"),
            ("curl --user kevin:'pRf7vG2h1L8nQkW9' -iX PATCH", "pRf7vG2h1L8nQkW9"),
            ("curl --user \"{acd3c08b-74e8}\":\"{ZqL5kVrX1n8tA2}\" --header x", "{ZqL5kVrX1n8tA2}"),
        ], &[
            "curl -i -u 'test:test'",
            "curl -u \"${_username}:${_password}\"",
            "curl --user neo4j:[PASSWORD] http://[IP]:7474/db/data/",
            "curl -u username:token",
            "curl --user \"xxx:yyy\"",
            "curl --user \"src@gmail.com\" --upload-file out.txt",
            "curl -u <user:password> https://test.com/endpoint",
        ]);
    }
}
