//! Key names and field paths, with globs: which values are secret because of where they sit
//! (`password`, `*_token`, `kubernetes.annotations.*`), and which paths are scanned or
//! allowlisted. All matching is case-insensitive and iterative.

/// A glob over one key: `*` matches any run of characters, `?` one character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    /// Lower-case pattern characters.
    pattern: Vec<char>,
    /// The same, UTF-8 encoded.
    bytes: Vec<u8>,
    /// Whether the pattern has a `?`, the only thing that needs the text as characters.
    any_one: bool,
    /// Most key globs are a literal with at most a leading and a trailing `*`: those compare
    /// the literal once instead of running the backtracking matcher (`*_token` against a
    /// 30-byte annotation name costs ~600 instructions the general way).
    shape: Shape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `password`
    Exact,
    /// `x-auth*`
    Prefix,
    /// `*_token`
    Suffix,
    /// `*secret*`
    Contains,
    General,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let lower = lowercase(pattern);
        let bytes = lower.as_bytes();
        let lead = bytes.first() == Some(&b'*');
        let trail = bytes.len() > 1 && bytes.last() == Some(&b'*');
        let inner = &bytes[usize::from(lead)..bytes.len() - usize::from(trail)];
        let shape = if inner.contains(&b'*') || inner.contains(&b'?') || inner.is_empty() {
            Shape::General
        } else {
            match (lead, trail) {
                (false, false) => Shape::Exact,
                (false, true) => Shape::Prefix,
                (true, false) => Shape::Suffix,
                (true, true) => Shape::Contains,
            }
        };
        Glob { pattern: lower.chars().collect(), any_one: lower.contains('?'), shape, bytes: lower.into_bytes() }
    }

    /// The pattern's literal part, for the simple shapes.
    fn literal(&self) -> &[u8] {
        let b = self.bytes.as_slice();
        match self.shape {
            Shape::Exact => b,
            Shape::Prefix => &b[..b.len() - 1],
            Shape::Suffix => &b[1..],
            Shape::Contains => &b[1..b.len() - 1],
            Shape::General => b,
        }
    }

    /// The longest run of literal characters, for the keyword pre-pass.
    pub fn longest_literal(&self) -> String {
        self.pattern
            .split(|&c| c == '*' || c == '?')
            .max_by_key(|run| run.len())
            .map(|run| run.iter().collect())
            .unwrap_or_default()
    }

    /// `text` must already be lower-case. Linear in the key's length, allocation-free unless
    /// the pattern has a `?` and the key is not ASCII (keys can be megabytes long in hostile
    /// records, and there are dozens of globs per key).
    pub fn matches(&self, text: &str) -> bool {
        let t = text.as_bytes();
        // UTF-8 is self-synchronizing: a literal found in the bytes is found in the characters.
        match self.shape {
            Shape::Exact => return t == self.literal(),
            Shape::Prefix => return t.starts_with(self.literal()),
            Shape::Suffix => return t.ends_with(self.literal()),
            Shape::Contains => return crate::text::find_bytes(t, self.literal()).is_some(),
            Shape::General => {}
        }
        // Most globs are rejected by their first or last byte (`password`, `*_token`).
        let fixed = |p: Option<&u8>, t: Option<&u8>| match p {
            Some(b'*') | Some(b'?') | None => true,
            Some(c) => t == Some(c),
        };
        if !fixed(self.bytes.first(), t.first()) || !fixed(self.bytes.last(), t.last()) {
            return false;
        }
        if !self.any_one || text.is_ascii() {
            // Without `?`, bytes are as good as characters: UTF-8 is self-synchronizing, so a
            // literal can only match at a character boundary, and `*` spans any bytes.
            wildcard(&self.bytes, t, |p, t| *p == b'?' || p == t, |p| *p == b'*')
        } else {
            wildcard(&self.pattern, &text.chars().collect::<Vec<_>>(), |p, t| *p == '?' || p == t, |p| *p == '*')
        }
    }
}

/// Lower-cases a key for matching. ASCII runs take the byte path: `str::to_lowercase` goes
/// character by character after the first non-ASCII one (~95 fuel per byte in the interpreter,
/// and hostile keys can be megabytes long). Characters are lowered one by one (no final-sigma
/// rule), the same for patterns and keys.
pub fn lowercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(ascii);
        let from = out.len();
        out.push_str(run);
        out[from..].make_ascii_lowercase();
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_lowercase());
        }
        rest = chars.as_str();
    }
    out
}

/// Classic greedy wildcard matching with one backtrack point: linear in practice, no recursion.
fn wildcard<P, T>(pattern: &[P], text: &[T], eq: impl Fn(&P, &T) -> bool, is_star: impl Fn(&P) -> bool) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(pc) if is_star(pc) => {
                star = Some((p, t));
                p += 1;
            }
            Some(pc) if eq(pc, &text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(is_star)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// `**`: any number of keys.
    Deep,
    One(Glob),
}

/// A glob over a field path: `kubernetes.annotations.*`, `**.password`,
/// `labels["app.kubernetes.io/name"]`. A path matches its own value and everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGlob {
    segs: Vec<Seg>,
    text: String,
}

impl PathGlob {
    pub fn parse(text: &str) -> Result<PathGlob, String> {
        let body = text.strip_prefix('$').unwrap_or(text);
        let mut parts: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut chars = body.chars().peekable();
        let mut closed_bracket = false;
        while let Some(c) = chars.next() {
            match c {
                '.' => {
                    if cur.is_empty() && !closed_bracket {
                        return Err(format!("path `{text}` has an empty part"));
                    }
                    if !closed_bracket {
                        parts.push(std::mem::take(&mut cur));
                    }
                    closed_bracket = false;
                }
                '[' => {
                    if !cur.is_empty() {
                        parts.push(std::mem::take(&mut cur));
                    }
                    let mut inner = String::new();
                    let mut done = false;
                    for c in chars.by_ref() {
                        if c == ']' {
                            done = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !done {
                        return Err(format!("path `{text}`: `[` without `]`"));
                    }
                    let inner = inner.trim();
                    let unquoted = inner
                        .strip_prefix('"')
                        .and_then(|s| s.strip_suffix('"'))
                        .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                        .unwrap_or(inner);
                    if unquoted.is_empty() {
                        return Err(format!("path `{text}` has an empty `[]`"));
                    }
                    parts.push(unquoted.to_string());
                    closed_bracket = true;
                }
                c => {
                    if closed_bracket {
                        return Err(format!("path `{text}`: expected `.` or `[` after `]`"));
                    }
                    cur.push(c);
                }
            }
        }
        if !cur.is_empty() {
            parts.push(cur);
        } else if !closed_bracket {
            return Err(format!("path `{text}` is empty or ends with `.`"));
        }
        let segs = parts
            .iter()
            .map(|p| if p == "**" { Seg::Deep } else { Seg::One(Glob::new(p)) })
            .collect();
        Ok(PathGlob { segs, text: text.to_string() })
    }

    /// True for `**` (everything).
    pub fn is_everything(&self) -> bool {
        matches!(self.segs.as_slice(), [Seg::Deep])
    }

    /// Literal parts, for the keyword pre-pass (the longest per segment).
    pub fn literals(&self) -> Vec<String> {
        self.segs
            .iter()
            .filter_map(|s| match s {
                Seg::One(g) => Some(g.longest_literal()),
                Seg::Deep => None,
            })
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Whether `path` (lower-case keys from the root) or one of its ancestors matches.
    pub fn matches(&self, path: &[String]) -> bool {
        // Subtree semantics: the pattern followed by an implicit `**`.
        let mut pattern: Vec<&Seg> = self.segs.iter().collect();
        pattern.push(&Seg::Deep);
        wildcard(
            &pattern,
            path,
            |p, key| match p {
                Seg::One(g) => g.matches(key),
                Seg::Deep => false,
            },
            |p| matches!(p, Seg::Deep),
        )
    }
}

/// The keys whose values are secret wherever they appear.
#[derive(Debug, Default, Clone)]
pub struct KeyMatcher {
    /// Single-key globs: match the last key at any depth.
    names: Vec<Glob>,
    /// Path globs (contain a `.` or `[`): match the whole path.
    paths: Vec<PathGlob>,
}

/// The default sensitive key names (case-insensitive globs).
pub const DEFAULT_NAMES: &[&str] = &[
    "password", "*password", "*passwd", "pwd", "*_pwd", "pass", "*_pass", "passphrase", "*passphrase",
    "secret", "*secret", "*_secret_key", "*secretkey", "*secret_key",
    "token", "*_token", "*-token", "*accesstoken", "*refreshtoken", "*authtoken", "*sessiontoken", "*idtoken",
    "api_key", "apikey", "api-key", "*_api_key", "*-api-key", "*apikey",
    "access_key", "accesskey", "*_access_key", "*accesskey",
    "private_key", "privatekey", "*_private_key", "*privatekey",
    "client_secret", "clientsecret",
    "authorization", "proxy-authorization", "x-auth-token", "x-api-key",
    "cookie", "set-cookie",
    "credential", "credentials", "*_credentials", "*_credential",
    "connection_string", "connectionstring", "dsn",
];

impl KeyMatcher {
    pub fn new(patterns: &[String]) -> Result<KeyMatcher, (usize, String)> {
        let mut m = KeyMatcher::default();
        for (i, p) in patterns.iter().enumerate() {
            if p.is_empty() {
                return Err((i, "empty key pattern".into()));
            }
            if p.contains('.') || p.contains('[') {
                m.paths.push(PathGlob::parse(p).map_err(|e| (i, e))?);
            } else {
                let g = Glob::new(p);
                if g.longest_literal().len() < 2 {
                    return Err((i, format!("key pattern `{p}` needs at least two literal characters (it would mask every value)")));
                }
                m.names.push(g);
            }
        }
        Ok(m)
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.paths.is_empty()
    }

    pub fn has_paths(&self) -> bool {
        !self.paths.is_empty()
    }

    /// Literals the pre-pass looks for: a record without any cannot have a sensitive key.
    pub fn literals(&self) -> Vec<String> {
        let mut v: Vec<String> = self.names.iter().map(Glob::longest_literal).collect();
        for p in &self.paths {
            // One literal per path suffices: all of them must be present for a match, so the
            // longest one is the most selective.
            if let Some(l) = p.literals().into_iter().max_by_key(String::len) {
                v.push(l);
            }
        }
        v.retain(|l| !l.is_empty());
        v.sort();
        v.dedup();
        v
    }

    /// `key` lower-case; `path` the lower-case keys from the root up to and including `key`.
    pub fn is_sensitive(&self, key: &str, path: &[String]) -> bool {
        self.names.iter().any(|g| g.matches(key)) || self.paths.iter().any(|p| p.matches(path))
    }

    pub fn name_matches(&self, key: &str) -> bool {
        self.names.iter().any(|g| g.matches(key))
    }
}

/// A set of path globs (scan include/exclude, allowlisted paths).
#[derive(Debug, Default, Clone)]
pub struct PathSet {
    globs: Vec<PathGlob>,
}

impl PathSet {
    pub fn new(patterns: &[String]) -> Result<PathSet, (usize, String)> {
        let globs = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| PathGlob::parse(p).map_err(|e| (i, e)))
            .collect::<Result<_, _>>()?;
        Ok(PathSet { globs })
    }

    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    pub fn is_everything(&self) -> bool {
        self.globs.iter().any(PathGlob::is_everything)
    }

    pub fn matches(&self, path: &[String]) -> bool {
        self.globs.iter().any(|g| g.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn key_globs() {
        let g = Glob::new("*_TOKEN");
        assert!(g.matches("access_token"));
        assert!(!g.matches("token_type"));
        assert!(Glob::new("pass?ord").matches("password"));
        assert!(Glob::new("*pass*").matches("passenger"));
        assert_eq!(Glob::new("*_api_key").longest_literal(), "_api_key");
        // Non-ASCII keys take the char path: `?` is one character, not one byte.
        assert!(Glob::new("密?").matches("密码"));
        assert!(Glob::new("*码").matches("密码"));
        assert!(!Glob::new("密?").matches("密码本"));
        assert!(Glob::new("*码*").matches("密码本"));
        assert!(!Glob::new("*码").matches("密码本"));
        assert!(Glob::new("?码*").matches("密码本"));
        assert!(!Glob::new("?码").matches("x密码"));
    }

    #[test]
    fn simple_shapes_are_recognised() {
        for (p, shape) in [("password", Shape::Exact), ("x-auth*", Shape::Prefix), ("*_token", Shape::Suffix),
                           ("*secret*", Shape::Contains), ("*", Shape::General), ("**", Shape::General),
                           ("a*b", Shape::General), ("*a?", Shape::General), ("*码", Shape::Suffix)] {
            assert_eq!(Glob::new(p).shape, shape, "{p}");
        }
    }

    proptest::proptest! {
        /// The literal shortcuts answer exactly what the general matcher answers.
        #[test]
        fn shapes_agree_with_the_general_matcher(p in "[*]?[ab_码]{1,4}[*]?", t in "[ab_码]{0,8}") {
            let g = Glob::new(&p);
            let general = wildcard(&g.bytes, t.as_bytes(), |p, t| p == t, |p| *p == b'*');
            proptest::prop_assert_eq!(g.matches(&t), general, "{} on {}", p, t);
        }
    }

    #[test]
    fn lowercase_matches_std_outside_final_sigma() {
        for s in ["", "Password", "ÉCOLE_Token", "密码Pwd", "x\u{1F600}Y", "İstanbul", "ǅ"] {
            assert_eq!(lowercase(s), s.chars().flat_map(char::to_lowercase).collect::<String>(), "{s}");
        }
        assert_eq!(lowercase("DB_PASSWORD"), "db_password");
    }

    #[test]
    fn default_names_catch_secrets_but_not_counters() {
        let m = KeyMatcher::new(&DEFAULT_NAMES.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        for k in ["password", "db_password", "userpassword", "x-api-key", "access_token", "client_secret",
                  "set-cookie", "aws_secret_access_key", "mysql_pwd", "smtp_pass", "github-token"] {
            assert!(m.name_matches(k), "{k}");
        }
        for k in ["max_tokens", "token_type", "tokens_used", "passenger", "password_policy", "compass",
                  "secret_name", "api_key_id", "cookie_consent_version"] {
            assert!(!m.name_matches(k), "{k}");
        }
    }

    #[test]
    fn path_globs_have_subtree_semantics() {
        let g = PathGlob::parse("kubernetes.annotations.*").unwrap();
        assert!(g.matches(&p(&["kubernetes", "annotations", "x"])));
        assert!(g.matches(&p(&["kubernetes", "annotations", "x", "y"])));
        assert!(!g.matches(&p(&["kubernetes", "annotations"])));
        assert!(!g.matches(&p(&["kubernetes", "labels", "x"])));
        let g = PathGlob::parse("**.password").unwrap();
        assert!(g.matches(&p(&["a", "b", "password"])));
        assert!(g.matches(&p(&["password"])));
        let g = PathGlob::parse(r#"labels["app.kubernetes.io/name"]"#).unwrap();
        assert!(g.matches(&p(&["labels", "app.kubernetes.io/name"])));
        let g = PathGlob::parse("$kubernetes['labels'].app").unwrap();
        assert!(g.matches(&p(&["kubernetes", "labels", "app"])));
        assert!(PathGlob::parse("a..b").is_err());
        assert!(PathGlob::parse("a[b").is_err());
        assert!(PathGlob::parse("").is_err());
    }

    #[test]
    fn patterns_without_literals_are_rejected() {
        assert!(KeyMatcher::new(&["*".to_string()]).is_err());
        assert!(KeyMatcher::new(&["k".to_string()]).is_err());
        assert!(KeyMatcher::new(&["pw".to_string()]).is_ok());
    }
}
