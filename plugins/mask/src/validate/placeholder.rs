//! Values that only look like secrets: template references, placeholders from documentation,
//! and our own mask output (so masking twice changes nothing).

use crate::text::has;

/// Words that stand for a secret in documentation and sample configs.
const PLACEHOLDER_WORDS: &[&str] = &[
    "password", "passwd", "pass", "pwd", "secret", "token", "apikey", "api_key", "api-key",
    "username", "user", "test", "example", "sample", "dummy", "redacted", "masked", "hidden",
    "null", "nil", "none", "undefined", "true", "false", "empty", "string", "value", "xxx",
    "your_password", "yourpassword", "your-password", "mypassword", "your_token", "your_api_key",
    "<password>", "changeit_placeholder",
];

/// Starts of template syntax: `${VAR}`, `$VAR`, `{{ .Values.x }}`, `<token>`, `%VAR%`,
/// `[PASSWORD]`, `(...)`, `***`, `...`, plus our own `[REDACTED:` / `[HASH` markers.
fn template_like(v: &str) -> bool {
    let b = v.as_bytes();
    let first = b.first().copied().unwrap_or(b' ');
    let last = b.last().copied().unwrap_or(b' ');
    // `{SumoAccessKey}` is a template, `{ZqL5kVrX1n8tA2}` a braced secret.
    let braced_words = first == b'{' && (!v.bytes().any(|c| c.is_ascii_digit()) || v.contains(['(', ' ', ':', ',']));
    braced_words
        || matches!(first, b'$' | b'<' | b'[' | b'(' | b'%' | b'*' | b'#')
        || v.starts_with("{{")
        || has(v, "..")
        || (first == b'.' && v.starts_with("..."))
        || has(v, "${")
        || has(v, "{{")
        || (last == b'%' && v.contains('%'))
        || (last == b'>' && v.contains('<'))
}

/// The longest run of one repeated character.
fn longest_run(b: &[u8]) -> usize {
    let (mut best, mut cur, mut prev) = (0, 0, None);
    for &c in b {
        if Some(c) == prev {
            cur += 1;
        } else {
            cur = 1;
            prev = Some(c);
        }
        best = best.max(cur);
    }
    best
}

/// The longest run of consecutive ascending characters (`abcdef`, `345678`).
fn longest_ascending(b: &[u8]) -> usize {
    let (mut best, mut cur) = (0, 0);
    for (i, &c) in b.iter().enumerate() {
        cur = if i > 0 && b[i - 1].checked_add(1) == Some(c) { cur + 1 } else { 1 };
        best = best.max(cur);
    }
    best
}

/// True when `v` is obviously not a real secret: a template reference, a documentation
/// placeholder (`xxxxxxxx`, `<your-token>`, `***`), or text we produced ourselves.
pub fn is_placeholder(v: &str, mask_markers: &[&str]) -> bool {
    let t = v.trim_matches(|c: char| c == '"' || c == '\'' || c == '`');
    if t.is_empty() || template_like(t) {
        return true;
    }
    if mask_markers.iter().any(|m| !m.is_empty() && t.starts_with(m)) {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) {
        return true;
    }
    let b = t.as_bytes();
    // xxxxxxxx, XXXX-XXXX, 00000000, aaaaaaaa: a third or more is one repeated character,
    // or a run of 6 identical characters.
    let run = longest_run(b);
    if (run == b.len() && run >= 2) || (run >= 3 && run * 3 >= b.len()) {
        return true;
    }
    // `AIzaSyabcdefghijklmnopqrstuvwxyz1234567`: sixteen alphabet-order characters in a long
    // token do not come from a random generator. Short values are left alone
    // (`abc123456789` can be someone's real password), and so are shorter runs: fabricated
    // but real-format keys in tests (`…ghij-klmnopqrstuvwx…`) are masked, as a leak would be.
    if b.len() >= 24 && longest_ascending(b) >= 16 {
        return true;
    }
    // `xoxp-5723…-####################`, `sk-****`: someone already blanked the secret out.
    if b.len() > 4 && b[b.len() - 4..].iter().all(|&c| c == b'#' || c == b'*') {
        return true;
    }
    let x = b.iter().filter(|&&c| c == b'x' || c == b'X').count();
    x * 2 >= b.len() && b.len() >= 4 || has(&lower, "example") || has(&lower, "placeholder") || has(&lower, "redacted")
        || has(&lower, "your_") || has(&lower, "your-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for v in ["${DB_PASSWORD}", "$API_KEY", "{{ .Values.Password }}", "<Openverse API token>",
                  "%TestSourcePassword%", "[PASSWORD]", "**********", "...", "XXXXXXXXXXXX",
                  "xxxxxxxx-xxxx", "00000000000000000000", "password", "<SUMOLOGIC ACCESS KEY>",
                  "AKIAIOSFODNN7EXAMPLE", "[REDACTED:email]", "{SumoAccessKey}", "ops_eyJzaWduSW5B..[Redacted]",
                  "$(cat ./password.txt)", "{base64(email:password)}", "your_api_key_here",
                  "AIzaSyabcdefghijklmnopqrstuvwxyz1234567", "sk_live_abcdefghijklmnopqrstuvwx",
                  "xoxp-572370529330-573807301142-572331691188-####################", "ab12****"] {
            assert!(is_placeholder(v, &["[REDACTED"]), "{v}");
        }
    }

    #[test]
    fn real_looking_values_are_not() {
        for v in ["Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB", "hunter2", "P@ssw0rd$1", "s3cr3t-Pa55",
                  "16jysqugoa3ix0wg0u5ci46p", "dafa7817-e246-48f3-91a7-e87653d587b8", "hmac:3f2a",
                  "{ZqL5kVrX1n8tA2}", "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c", "p@ss",
                  "abc123456789", "qwerty123456789", "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
                  "sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde", "pa##word"] {
            assert!(!is_placeholder(v, &["[REDACTED"]), "{v}");
        }
        assert!(is_placeholder("hmac:3f2a9c", &["hmac:"]));
    }
}
