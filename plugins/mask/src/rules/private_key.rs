//! PEM and OpenSSH private key blocks (`-----BEGIN … PRIVATE KEY-----` … `-----END …`),
//! multi-line or with `\n` escapes, and blocks whose lines arrive as separate records (see
//! `pem.rs` for the cross-record part).

use std::ops::Range;

use crate::rule::{Boundary, Group, Pattern, RuleSpec};

pub const ID: &str = "private-key";

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END";
const DASHES: &str = "-----";

/// Fewer base64 characters than this between the markers is a documentation stub.
const MIN_BODY: usize = 32;

pub const RULES: &[RuleSpec] = &[RuleSpec {
    group: Group::Secrets,
    pattern: Pattern::Scan(scan),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    ..RuleSpec::token(ID, "PEM/OpenSSH/PGP private key block", &["-----begin"], "")
}];

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// The private-key headers in `text`: (start of `-----BEGIN`, end of its closing dashes).
fn headers(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(p) = text.get(from..)?.find(BEGIN) {
            let start = from + p;
            let label_start = start + BEGIN.len();
            let label_len = text.get(label_start..)?.find(DASHES)?;
            from = label_start + label_len + DASHES.len();
            let label = &text[label_start..label_start + label_len];
            if label.len() <= 40 && label.contains("PRIVATE KEY") {
                return Some((start, from));
            }
        }
        None
    })
}

/// Where the `-----END …-----` marker starting at or after `from` ends.
fn end_marker(text: &str, from: usize) -> Option<(usize, usize)> {
    let e = from + text.get(from..)?.find(END)?;
    let close = e + END.len() + text.get(e + END.len()..)?.find(DASHES)? + DASHES.len();
    Some((e, close))
}

/// Complete blocks with a real body, and a block left open at the end of the text.
pub fn scan(text: &str, out: &mut Vec<Range<usize>>) {
    let mut covered = 0;
    for (start, header_end) in headers(text) {
        if start < covered {
            continue;
        }
        match end_marker(text, header_end) {
            Some((e, close)) => {
                let body = text.as_bytes().get(header_end..e).unwrap_or_default();
                if body.iter().filter(|&&b| is_base64(b)).count() >= MIN_BODY {
                    out.push(start..close);
                }
                covered = close;
            }
            None => {
                out.push(start..text.len());
                covered = text.len();
            }
        }
    }
}

/// True when the last private-key block in `text` has no END marker: the rest of the key
/// will arrive in the next records of the same stream.
pub fn leaves_open(text: &str) -> bool {
    headers(text).last().is_some_and(|(_, header_end)| end_marker(text, header_end).is_none())
}

/// What to mask in a record that follows an open block: `Some((span, closed))` when the value
/// is a line of the key body (or its header fields), or holds the END marker.
pub fn continuation(text: &str) -> Option<(Range<usize>, bool)> {
    if let Some((_, close)) = end_marker(text, 0) {
        return Some((0..close, true));
    }
    let trimmed = text.trim_end();
    let lead = trimmed.len() - trimmed.trim_start().len();
    let line = &trimmed[lead..];
    let b = line.as_bytes();
    let body_line = (16..=100).contains(&b.len())
        && b.iter().all(|&c| is_base64(c))
        // 64 lower-case hex characters are a container id, not a key line.
        && b.iter().any(|&c| !(c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    let header_field = ["Proc-Type:", "DEK-Info:", "Comment:"].iter().any(|h| line.starts_with(h));
    (body_line || header_field).then_some((lead..trimmed.len(), false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::check;

    const BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDAC4AWkdwKYSd8\nKs14IReLcYgADhoXk56ZzXI=";

    #[test]
    fn blocks_are_found_whole() {
        let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{BODY}\n-----END RSA PRIVATE KEY-----");
        let escaped = pem.replace('\n', "\\n");
        let ssh = format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{BODY}\n-----END OPENSSH PRIVATE KEY-----");
        check(ID, &[
            (&format!("key: {pem}\nnext"), &pem),
            (&format!("{{\"private_key\": \"{escaped}\"}}"), &escaped),
            (&ssh, &ssh),
        ], &[
            "-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----",
            "-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----",
            &format!("-----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----"),
            &format!("-----BEGIN PUBLIC KEY-----\n{BODY}\n-----END PUBLIC KEY-----"),
        ]);
    }

    #[test]
    fn an_open_block_is_masked_to_the_end_and_reported() {
        let text = "loading -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrY";
        check(ID, &[(text, &text[8..])], &[]);
        assert!(leaves_open(text));
        assert!(!leaves_open("-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----"));
    }

    #[test]
    fn continuation_lines() {
        assert_eq!(continuation("MIIEpAIBAAKCAQEAn6/O8li+SX4m98LLYt/PKSzEmQ++ZBD7Loh9P13f4yQ92EF3\n"), Some((0..64, false)));
        assert_eq!(continuation("  Proc-Type: 4,ENCRYPTED"), Some((2..24, false)));
        assert_eq!(continuation("-----END RSA PRIVATE KEY-----\n"), Some((0..29, true)));
        assert_eq!(continuation("stdout"), None);
        assert_eq!(continuation("2024-05-01T10:00:00Z"), None);
        assert_eq!(continuation("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), None);
        assert_eq!(continuation("INFO server started"), None);
    }
}
