//! Secrets that have no format of their own, found by the name next to them:
//! `password=…`, `DB_PASSWORD: "…"`, `"api_token" => "…"`, `<jfrogToken>…</jfrogToken>`,
//! `--password …`, `<add key="Password" value="…"/>`, `System.setProperty("X_TOKEN", "…")`,
//! and the data of a Kubernetes `Secret` manifest printed as YAML.
//!
//! Two strengths: password-like names (`password`, `passwd`, `pwd`, `secret`, …) mask any
//! non-placeholder value; token-like names (`token`, `api_key`, `credentials`, …) mask values
//! that look random (length, character mix, entropy), so `token_type: bearer` survives.

use std::ops::Range;

use crate::rule::{Boundary, Pattern, RuleSpec};
use crate::text::has;
use crate::validate::{is_placeholder, shannon};

/// Keywords that start the scan (each occurrence is looked at in its surroundings).
const KEYWORDS: &[&str] = &[
    "pass", "pwd", "secret", "token", "api_key", "apikey", "api-key", "api.key", "access_key", "accesskey", "access-key",
    "private_key", "privatekey", "private-key", "credential", "creds", "auth",
];

/// Words that, anywhere in a name, mean "not a secret".
const HARMLESS_NAME_PARTS: &[&str] = &["public", "publishable", "csrf", "xsrf", "authenticity", "author", "bypass", "passenger", "compass", "passive", "passport", "passthrough"];

/// Name endings that describe a secret rather than hold it (`token_type`, `secretName`,
/// `password_policy`, `credentialsId`, `api_key_url`).
const DESCRIPTIVE_SUFFIXES: &[&str] = &[
    "id", "ids", "name", "names", "url", "uri", "urls", "path", "file", "filename", "dir", "length", "len",
    "size", "type", "types", "count", "enabled", "enable", "required", "policy", "expiry", "expires",
    "expiration", "expiresat", "expires_at", "ttl", "timeout", "version", "format", "field", "label", "hint",
    "prompt", "header", "method", "scheme", "scope", "scopes", "mode", "min", "max", "rotation", "location",
    "provider", "endpoint", "algorithm", "alg", "ref", "env", "var", "store", "manager", "class", "kind",
    "prefix", "suffix", "strength", "complexity", "changed", "changedat", "updated", "created", "reset",
    "source", "sources", "server", "service", "host", "hosts", "port", "user", "username", "email", "login",
    "lifetime", "age", "index", "key_id", "keyid", "template", "ok", "valid", "status", "state", "error",
    "errors", "missing", "set", "usage", "limit", "limits", "parameter", "param", "params", "option",
    "options", "config", "settings", "list", "hash_algorithm", "encoding", "generator", "secrets",
];

/// Values that are words, not secrets, under any name.
const HARMLESS_VALUES: &[&str] = &[
    "incorrect", "invalid", "required", "missing", "expired", "changed", "reset", "wrong", "mismatch",
    "ok", "yes", "no", "on", "off", "enabled", "disabled", "set", "unset", "updated", "accepted",
    "rejected", "denied", "provided", "present", "absent", "unknown", "default", "auto", "bearer",
    "basic", "none", "hidden", "sha256", "md5", "bcrypt", "plain", "plaintext", "file", "env",
];

/// How strong the evidence from the name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    /// A password-like name: any real value is a secret.
    Password,
    /// A token-like name: only random-looking values are.
    Token,
}

fn ends_with_word(name: &str, word: &str) -> bool {
    name.ends_with(word) && name.len() > word.len()
}

/// Parts of a name that hold a token, key or credential.
const TOKEN_NAME_PARTS: &[&str] = &[
    "token", "secret", "apikey", "api_key", "api-key", "api.key", "accesskey", "access_key", "access-key",
    "privatekey", "private_key", "private-key", "credential", "creds", "authkey", "auth_key",
];

/// Classifies a (lower-case) name, or `None` when it does not name a secret.
fn classify(name: &str) -> Option<Strength> {
    let name = name.trim_matches(|c: char| c == '.' || c == '-' || c == '_' || c == '$');
    if HARMLESS_NAME_PARTS.iter().any(|p| has(name, p)) {
        return None;
    }
    let bare = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_' || c == '-');
    if DESCRIPTIVE_SUFFIXES.iter().any(|s| ends_with_word(bare, s)) {
        return None;
    }
    // `secretKey`/`secret_id` may name a key rather than hold one (ExternalSecret's
    // `secretKey: api-key`): those need a random-looking value like tokens do.
    let named_secret = has(bare, "secret") && !["secretkey", "secret_key", "secret-key", "secretid", "secret_id", "secret-id", "secretref", "secretname"].iter().any(|s| has(bare, s));
    let password = has(bare, "passw")
        || has(bare, "passphrase")
        || bare.ends_with("pass")
        || bare.ends_with("pwd")
        || has(bare, "pwd_")
        || named_secret;
    if password {
        return Some(Strength::Password);
    }
    let token = TOKEN_NAME_PARTS.iter().any(|p| has(bare, p)) || bare.ends_with("auth");
    token.then_some(Strength::Token)
}

fn looks_like_path_or_url(v: &str) -> bool {
    v.starts_with('/') || v.starts_with("./") || v.starts_with("~/") || v.starts_with("../") || has(v, "://")
        || (v.len() > 2 && v.as_bytes()[1] == b':' && matches!(v.as_bytes()[2], b'\\' | b'/'))
}

/// `sm02915.int.contoso.com`, `apigee.corpint.com`: lower-case labels ending in a TLD.
fn looks_like_hostname(v: &str) -> bool {
    let labels: Vec<&str> = v.split('.').collect();
    labels.len() >= 2
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && labels.last().is_some_and(|t| (2..=6).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_lowercase()))
}

/// `jjwt-jackson-0.11.2`, `v1.4.0-rc1`: package coordinates and versions.
fn looks_like_version(v: &str) -> bool {
    let core = v.trim_end_matches(|c: char| c.is_ascii_alphanumeric() && !c.is_ascii_digit() || c == '-');
    let tail: String = core.chars().rev().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    tail.matches('.').count() >= 1 && tail.len() >= 3 && tail.bytes().any(|b| b.is_ascii_digit())
}

/// Does a value under a token-like name look random enough to be a credential?
fn random_enough(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 10 || looks_like_version(v) {
        return false;
    }
    let lower = b.iter().any(u8::is_ascii_lowercase);
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let digit = b.iter().any(u8::is_ascii_digit);
    // identifiers and constants: `rapidstring`, `ACCESS_TOKEN`, `my-bot-token`
    let word_like = !(digit || lower && upper);
    if word_like && b.len() < 32 {
        return false;
    }
    // `CamelCaseWordsOnly` with no digits: a class or enum name
    if !digit && b.iter().all(u8::is_ascii_alphabetic) && b.len() < 24 {
        return false;
    }
    shannon(b) >= if b.len() >= 20 { 3.0 } else { 2.6 }
}

fn value_is_secret(value: &str, strength: Strength) -> bool {
    let v = value.trim();
    if v.is_empty() || is_placeholder(v, &[]) || looks_like_path_or_url(v) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if HARMLESS_VALUES.contains(&lower.as_str()) {
        return false;
    }
    // Terraform/HCL references and code: `var.db_password`, `X25519.secret_length`.
    if ["var.", "local.", "module.", "data.", "each.", "self.", "this.", "os.environ", "process.env", "env."].iter().any(|p| lower.starts_with(p)) {
        return false;
    }
    match strength {
        Strength::Password => v.chars().count() >= 3 && !looks_like_hostname(v),
        Strength::Token => random_enough(v) && !looks_like_hostname(v),
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'$')
}

/// A position in the text with the few moves the scanner needs.
struct Cursor<'t> {
    b: &'t [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b.get(self.at..self.at + s.len()).is_some_and(|w| w.eq_ignore_ascii_case(s))
    }

    fn eat(&mut self, s: &[u8]) -> bool {
        let ok = self.starts_with(s);
        if ok {
            self.at += s.len();
        }
        ok
    }

    /// Skips up to `max` bytes accepted by `f`; returns how many.
    fn skip(&mut self, max: usize, f: impl Fn(u8) -> bool) -> usize {
        let start = self.at;
        while self.at - start < max && self.peek().is_some_and(&f) {
            self.at += 1;
        }
        self.at - start
    }
}

/// Operators between a name and its value, longest first.
const OPERATORS: &[&[u8]] = &[b":::=", b"::=", b":=", b"?=", b".=", b"+=", b"=>", b"->", b"=", b":", b","];

/// Bytes that end an unquoted value.
fn ends_bare(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b',' | b';' | b'&' | b'<' | b'>' | b'(' | b')' | b'{' | b'}' | b'[' | b']' | b'\\')
}

/// The value at the cursor: quoted (`"…"` with escapes, `\"…\"` inside JSON text, `'…'`,
/// `` `…` ``; an unterminated quote runs to the end of the line) or bare.
fn value_at(c: &mut Cursor<'_>) -> Option<Range<usize>> {
    let b = c.b;
    let escaped_quote = c.starts_with(b"\\\"");
    if escaped_quote || matches!(c.peek(), Some(b'"' | b'\'' | b'`')) {
        let q = if escaped_quote { b'"' } else { c.peek()? };
        c.at += if escaped_quote { 2 } else { 1 };
        let start = c.at;
        while let Some(x) = c.peek() {
            if x == b'\r' || x == b'\n' {
                break;
            }
            if escaped_quote && x == b'\\' && b.get(c.at + 1) == Some(&q) {
                break;
            }
            if !escaped_quote && x == b'\\' && q == b'"' {
                c.at += 2;
                continue;
            }
            if !escaped_quote && x == q {
                break;
            }
            c.at += 1;
        }
        let end = c.at.min(b.len());
        return (end > start && end - start <= 256).then_some(start..end);
    }
    let start = c.at;
    c.skip(256, |x| !ends_bare(x));
    (c.at > start).then_some(start..c.at)
}

/// `<nameToken>\n   value\n</nameToken>`
fn xml_element(b: &[u8], name: &Range<usize>) -> Option<Range<usize>> {
    if name.start == 0 || b[name.start - 1] != b'<' || b.get(name.end) != Some(&b'>') {
        return None;
    }
    let mut c = Cursor { b, at: name.end + 1 };
    c.skip(40, |x| x.is_ascii_whitespace());
    let start = c.at;
    c.skip(256, |x| !x.is_ascii_whitespace() && x != b'<');
    let end = c.at;
    c.skip(40, |x| x.is_ascii_whitespace());
    (end > start && c.starts_with(b"</")).then_some(start..end)
}

/// `<add key="Password" value="…"/>`
fn xml_attribute(b: &[u8], name: &Range<usize>) -> Option<Range<usize>> {
    let before = b.get(..name.start)?;
    let trimmed = before.strip_suffix(b"\"")?;
    let lhs = trimmed.trim_ascii_end().strip_suffix(b"=")?.trim_ascii_end();
    if !(lhs.len() >= 3 && lhs[lhs.len() - 3..].eq_ignore_ascii_case(b"key")) {
        return None;
    }
    let mut c = Cursor { b, at: name.end };
    if !c.eat(b"\"") || c.skip(8, |x| x == b' ' || x == b'\t') == 0 || !c.eat(b"value") {
        return None;
    }
    c.skip(8, |x| x == b' ' || x == b'\t');
    if !c.eat(b"=") {
        return None;
    }
    c.skip(8, |x| x == b' ' || x == b'\t');
    (c.peek() == Some(b'"')).then(|| value_at(&mut c)).flatten()
}

/// `name = value` in its many spellings (see the module docs), or `--name value`.
fn operator_value(b: &[u8], name: &Range<usize>) -> Option<Range<usize>> {
    let mut c = Cursor { b, at: name.end };
    // The closing quote/bracket of the name: `"name"`, `\"name\"`, `['name']`.
    c.eat(b"\\");
    c.skip(2, |x| matches!(x, b'"' | b'\'' | b'`' | b']'));
    let spaces = c.skip(8, |x| x == b' ' || x == b'\t');
    // A type between name and `=`: `var token string = "…"`.
    let save = c.at;
    if spaces > 0 && c.peek().is_some_and(|x| x.is_ascii_alphabetic()) {
        c.skip(16, |x| x.is_ascii_alphanumeric() || x == b'_');
        c.skip(4, |x| x == b' ' || x == b'\t');
        if !(c.eat(b":=") || (c.starts_with(b"=") && !c.starts_with(b"==") && c.eat(b"="))) {
            c.at = save;
        }
    }
    let operator = c.at > save || OPERATORS.iter().any(|op| c.eat(op));
    if !operator {
        // `--password value`: the value after whitespace.
        let flag = b.get(name.start..name.start + 2) == Some(b"--");
        c.at = save;
        if !(flag && spaces > 0 && c.peek().is_some_and(|x| x != b'-' && !ends_bare(x))) {
            return None;
        }
        return value_at(&mut c);
    }
    c.skip(8, |x| x == b' ' || x == b'\t');
    value_at(&mut c)
}

/// Finds `name <op> value` around each keyword occurrence and keeps the values that a name of
/// that strength makes secret.
fn assignments(text: &str, anchors: &[Range<usize>], out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let mut last: Option<Range<usize>> = None;
    for a in anchors {
        let mut s = a.start.min(b.len());
        while s > 0 && is_name_byte(b[s - 1]) {
            s -= 1;
        }
        let mut e = a.end.min(b.len());
        while e < b.len() && is_name_byte(b[e]) && b[e] != b'$' {
            e += 1;
        }
        let name = s..e;
        // Several keywords in one name (`secret_token`) make one candidate.
        if last.as_ref() == Some(&name) {
            continue;
        }
        last = Some(name.clone());
        // `type=secret,id=x`: the "name" is itself a value.
        if s > 0 && matches!(b[s - 1], b'=' | b':') {
            continue;
        }
        let Some(strength) = classify(&text[name.clone()].to_ascii_lowercase()) else {
            continue;
        };
        let Some(value) = xml_element(b, &name).or_else(|| xml_attribute(b, &name)).or_else(|| operator_value(b, &name)) else {
            continue;
        };
        // SOPS-encrypted values (`ENC[AES256_GCM,…]`) are ciphertext, not secrets.
        if b.get(value.end) == Some(&b'[') {
            continue;
        }
        let Some(v) = text.get(value.clone()) else {
            continue;
        };
        if value_is_secret(v, strength) {
            let lead = v.len() - v.trim_start().len();
            out.push(value.start + lead..value.start + lead + v.trim().len());
        }
    }
}

/// Values under `data:`/`stringData:` in each YAML document (`---`-separated) with
/// `kind: Secret`.
fn k8s_secret_yaml(text: &str, out: &mut Vec<Range<usize>>) {
    let mut start = 0;
    for (i, _) in text.match_indices("\n---") {
        k8s_secret_document(text, start..i, out);
        start = i + 1;
    }
    k8s_secret_document(text, start..text.len(), out);
}

fn k8s_secret_document(full: &str, doc: Range<usize>, out: &mut Vec<Range<usize>>) {
    let base = doc.start;
    let Some(text) = full.get(doc) else {
        return;
    };
    let lower = text.to_ascii_lowercase();
    let is_secret = lower.lines().any(|l| {
        let l = l.trim();
        l.strip_prefix("kind:").is_some_and(|k| k.trim().trim_matches(|c| c == '"' || c == '\'') == "secret")
    });
    if !is_secret {
        return;
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut in_data: Option<usize> = None;
    // Inside a multi-line (`|`/`>`) value: the indent of its key.
    let mut block_of: Option<usize> = None;
    let mut pos = 0;
    for line in text.split('\n') {
        let start = pos;
        pos += line.len() + 1;
        let trimmed = line.trim();
        let ind = indent(line);
        if let Some(k) = block_of {
            if !trimmed.is_empty() && ind > k {
                out.push(base + start + ind..base + start + ind + trimmed.len());
                continue;
            }
            block_of = None;
        }
        if let Some(d) = in_data {
            if !trimmed.is_empty() && ind <= d {
                in_data = None;
            } else if let Some(colon) = trimmed.find(':') {
                let value = trimmed[colon + 1..].trim().trim_matches(|c| c == '"' || c == '\'');
                if matches!(value, "|" | ">" | "|-" | ">-") {
                    block_of = Some(ind);
                } else if value.len() >= 10 && !is_placeholder(value, &[]) && !trimmed.starts_with('#') {
                    let vstart = base + start + ind + colon + 1 + trimmed[colon + 1..].find(value).unwrap_or(0);
                    out.push(vstart..vstart + value.len());
                }
                continue;
            }
        }
        if matches!(trimmed, "data:" | "stringData:" | "stringdata:") {
            in_data = Some(ind);
        }
    }
}

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        pattern: Pattern::Anchored(assignments),
        boundary: Boundary::Regex,
        // Checked in `assignments`, which knows how strong the name is.
        reject_placeholders: false,
        ..RuleSpec::token("secret-assignment", "A value assigned to a password-, secret-, token- or key-like name in text", KEYWORDS, "")
    },
    RuleSpec {
        pattern: Pattern::Scan(k8s_secret_yaml),
        boundary: Boundary::Regex,
        ..RuleSpec::token("kubernetes-secret-yaml", "data/stringData values of a Kubernetes Secret printed as YAML", &["kind:"], "")
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::{check, secrets};

    const ID: &str = "secret-assignment";

    #[test]
    fn assignments_in_many_languages() {
        let v = "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB";
        for text in [
            format!("genericToken := `{v}`"),
            format!("generic_TOKEN :::= \"{v}\""),
            format!("$genericToken .= \"{v}\""),
            format!("  \"genericToken\" => \"{v}\""),
            format!("System.setProperty(\"GENERIC_TOKEN\", \"{v}\")"),
            format!("<genericToken>\n    {v}\n</genericToken>"),
            format!("{{\"config.ini\": \"GENERIC_TOKEN={v}\\nBACKUP_ENABLED=true\"}}"),
            format!("var genericToken string = \"{v}\""),
            format!("export API_KEY={v}"),
            format!("run --api-token {v} --verbose"),
            format!("GET /cb?code=1&access_token={v}&state=x"),
            format!(r#"{{\"access_token\":\"{v}\"}}"#),
            format!("utils.GetEnvOrDefault(\"api_token\", \"{v}\")"),
        ] {
            assert_eq!(secrets(ID, &text), [v], "{text}: {:?}", text);
        }
    }

    #[test]
    fn passwords_need_less_evidence() {
        check(ID, &[
            ("login ok user=bob password=hunter2 ip=10.0.0.1", "hunter2"),
            ("DB_PASSWORD: 'correct horse battery staple'", "correct horse battery staple"),
            ("spring.datasource.password=Tr0ub4dor&3", "Tr0ub4dor"),
            ("mysql --user=root --password s3cr3t", "s3cr3t"),
            ("<add key=\"ClearTextPassword\" value=\"33f!!lloppa\" />", "33f!!lloppa"),
            ("client_secret: 6da89121079f83b2eb6acccf8219ea982c3d79bc", "6da89121079f83b2eb6acccf8219ea982c3d79bc"),
            ("passwd = 1m_zBhvKQ=7DTDTvzZyLpExIhJC4cj", "1m_zBhvKQ=7DTDTvzZyLpExIhJC4cj"),
            ("MINIO_SECRET_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYq8m3Lx9Vp2Rt", "wJalrXUtnFEMIK7MDENGbPxRfiCYq8m3Lx9Vp2Rt"),
            ("jwtToken = \"eybE2caRDOxQbuiycNM.ey61Y\\0H_vPI5jc2mav.\"", "eybE2caRDOxQbuiycNM.ey61Y\\0H_vPI5jc2mav."),
        ], &[
            "password: incorrect",
            "password=${DB_PASSWORD}",
            "PuttyPassword=0",
            "administrator_login_password = var.db_password",
            "password = \"${aws_db_instance.default.password}\"",
            "password_policy=strict",
            "GITHUB_API_KEY=\nDYNATRACE_API_KEY=",
            "snowflake.password=\njdbc.snowflake.url=",
            "PWD=/home/app",
            "password combination.\n\nR5: Regulatory--21",
        ]);
    }

    #[test]
    fn token_names_need_random_values() {
        check(ID, &[
            ("dropbox_token: vwfhezf8ko90h5i", "vwfhezf8ko90h5i"),
            ("\"credentials\" : \"0afae57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506\"", "0afae57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506"),
            ("creds = 4OXDYX2K7KtDxxtph0yp57Qj2K5Kju", "4OXDYX2K7KtDxxtph0yp57Qj2K5Kju"),
            ("\"user_auth\": \"am9obmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc=\"", "am9obmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc="),
            ("asana_token: \"0172201436491171\"", "0172201436491171"),
        ], &[
            "token_type: bearer",
            "\"token\": \"expired\"",
            "max_tokens=4096",
            "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'",
            "LLM_SECRET_NAME = \"NEXUS-GPT4-API-KEY\"",
            "secret_length = X25519.secret_length",
            "csrf-token=Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfpuyOuxmiW9rhROG/Whikle15syazJOkrjJa3U2AbhIvUw==",
            "publicToken = \"9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit\"",
            "access_token_url='https://github.com/login/oauth/access_token',",
            "X-MS-Exchange-Organization-AuthSource: sm02915.int.contoso.com",
            "Authentication-Results: 5h.ca.iphmx.com",
            "dev.credentials.url=dev-lb1.api.f4ke.com:5215",
            "environment {\n\tCREDENTIALS_ID = \"K8S_CRED\"\n}",
            "#RUN --mount=type=secret,id=jfrog_secret \\",
            "notes = \"Maven - io.jsonwebtoken:jjwt-jackson-0.11.2\"",
            "  keyVaultToStoreSecrets: cmp2-qat-1208358310",
            "    - secretKey: api-key\n      remoteRef:",
            "  db-password: ENC[AES256_GCM,data:O+5l4g==,iv:c/dS4BCBMbnKsXYuzBuCuVQt8RV9bOv5HgdpL+iwmns=,type:str]",
            "rapidstring:marm64-uwp=fail",
            "api_token = ACCESS_TOKEN_PLACEHOLDER",
            "<input type=\"hidden\" name=\"authenticity_token\" value=\"7SWa-Fo1_hsC6oovfBsJFLGPUl2EhkSWPbJhWANwgaJWBDl1vxd9\" />",
            "token = [REDACTED:github-token]",
        ]);
    }

    #[test]
    fn kubernetes_secret_manifests() {
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-user-pass\ntype: Opaque\ndata:\n  password: UyFCXCpkJHpEc2I9\n  username: YWRtaW4=\n  .dockercfg: >\n    eyJhdXRocyI6eyJodHRwczovL2V4YW1wbGUvdjEvIjp7ImF1dGgiOiJvcGVuc2VzYW1lIn19fQo=\nimmutable: true\n";
        let found = secrets("kubernetes-secret-yaml", yaml);
        assert_eq!(found, ["UyFCXCpkJHpEc2I9", "eyJhdXRocyI6eyJodHRwczovL2V4YW1wbGUvdjEvIjp7ImF1dGgiOiJvcGVuc2VzYW1lIn19fQo="]);
        check("kubernetes-secret-yaml", &[], &[
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  password: UyFCXCpkJHpEc2I9\n",
            "apiVersion: v1\nkind: Secret\ndata:\n  htpasswd: {{ htpasswd }}\n",
            "apiVersion: v1\nkind: secret\ndata:\n\textra: YmFyCg==\n",
            " kind: Secret\n target:\n   name: mysecret\n\n---\n\nkind: ConfigMap\n data:\n       key: secret/mysecret\n",
        ]);
    }
}
