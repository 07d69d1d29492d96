//! One detection rule: what gates it (keywords or a candidate class), how it finds candidates
//! (a regex, compiled once per instance on the first record that needs it, or a hand-written
//! scanner), which part of a match is the secret, and the checks a candidate must pass.

use std::cell::OnceCell;
use std::ops::Range;

use regex::bytes::{Captures, Regex, RegexBuilder};

use crate::validate::{self, Validator};

/// Which family a rule belongs to; groups are switched on/off and given actions as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Credentials: keys, tokens, passwords, private keys.
    Secrets,
    /// Personal data: cards, ID numbers, phone numbers, e-mail, IBAN, SSN.
    Pii,
    /// IP addresses (off by default).
    Network,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Secrets, Group::Pii, Group::Network];

    pub fn name(self) -> &'static str {
        match self {
            Group::Secrets => "secrets",
            Group::Pii => "pii",
            Group::Network => "network",
        }
    }

    pub fn parse(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == name)
    }
}

/// Candidate classes found by the byte pre-pass, for rules that have no keyword.
pub mod class {
    /// A run of 9+ digits (separated by single spaces/dashes): cards, ID and phone numbers, SSN.
    pub const DIGITS: u8 = 1;
    /// Two upper-case letters and two digits at a word start: IBAN.
    pub const IBAN: u8 = 2;
    /// Four dot-separated digit groups: IPv4.
    pub const IPV4: u8 = 4;
    /// `::` or seven colons between hex digits: IPv6.
    pub const IPV6: u8 = 8;
}

/// Which part of a regex match is the secret.
#[derive(Clone, Copy)]
pub enum Extract {
    /// The whole match.
    Whole,
    /// One capture group.
    Group(usize),
    /// The first capture group that took part in the match (alternative spellings).
    FirstGroup,
    /// Rule-specific logic: pushes zero or more spans (text offsets) for one match.
    Custom(fn(&str, &Captures<'_>, &mut Vec<Range<usize>>)),
}

/// A scanner over the whole text: pushes candidate spans.
pub type ScanFn = fn(&str, &mut Vec<Range<usize>>);
/// A scanner starting from the rule's keyword occurrences (sorted spans).
pub type AnchoredFn = fn(&str, &[Range<usize>], &mut Vec<Range<usize>>);

/// How candidates are found.
#[derive(Clone, Copy)]
pub enum Pattern {
    Regex(&'static str),
    /// A hand-written scanner over the whole text, for formats a regex handles badly
    /// (multi-line PEM blocks, YAML documents).
    Scan(ScanFn),
    /// A hand-written scanner that starts from the rule's keyword occurrences (the spans are
    /// given, sorted): no regex to compile, nothing scanned twice.
    Anchored(AnchoredFn),
}

/// What may sit right before and after a secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Whatever the regex says.
    Regex,
    /// Not inside a longer token: no base64/identifier character (`A-Za-z0-9+/_-`, nor `.`
    /// followed by one) directly around the match. Keeps `EZAK…` inside a base64 blob or
    /// `video.ico-7a38….png` from masking.
    Token,
}

/// A partial action a rule asks for when the config does not override it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefaultPartial {
    pub keep_first: usize,
    pub keep_last: usize,
}

/// A built-in rule, as written in `rules/*.rs`.
#[derive(Clone, Copy)]
pub struct RuleSpec {
    pub id: &'static str,
    pub description: &'static str,
    pub group: Group,
    /// Case-insensitive literals; the rule runs only on text containing one of them.
    pub keywords: &'static [&'static str],
    /// Candidate classes (see [`class`]) that also run the rule.
    pub classes: u8,
    pub pattern: Pattern,
    pub extract: Extract,
    /// Minimum Shannon entropy (bits/byte) of the secret.
    pub entropy: Option<f64>,
    /// Minimum length of the secret in bytes.
    pub min_len: usize,
    pub validator: Option<Validator>,
    pub boundary: Boundary,
    /// Reject documentation placeholders (`xxxx`, `${VAR}`, `<token>`).
    pub reject_placeholders: bool,
    /// Case-insensitive substrings that make a candidate harmless.
    pub stopwords: &'static [&'static str],
    pub enabled: bool,
    pub default_partial: Option<DefaultPartial>,
}

impl RuleSpec {
    /// A provider token with a distinctive prefix: whole match, token boundaries, placeholders
    /// rejected.
    pub const fn token(id: &'static str, description: &'static str, keywords: &'static [&'static str], regex: &'static str) -> Self {
        RuleSpec {
            id,
            description,
            group: Group::Secrets,
            keywords,
            classes: 0,
            pattern: Pattern::Regex(regex),
            extract: Extract::Whole,
            entropy: None,
            min_len: 0,
            validator: None,
            boundary: Boundary::Token,
            reject_placeholders: true,
            stopwords: &[],
            enabled: true,
            default_partial: None,
        }
    }
}

/// A rule ready to run: built-in or custom, with its config applied.
pub struct Rule {
    pub id: String,
    pub group: Group,
    pub keywords: Vec<String>,
    pub classes: u8,
    pub enabled: bool,
    matcher: Matcher,
    pub extract: Extract,
    pub entropy: Option<f64>,
    pub min_len: usize,
    pub validator: Option<Validator>,
    pub boundary: Boundary,
    pub reject_placeholders: bool,
    /// Lower-case.
    pub stopwords: Vec<String>,
    /// Per-rule allowlist: a candidate matching any of these is kept.
    pub allow: Vec<Regex>,
}

enum Matcher {
    Regex { source: String, unicode: bool, compiled: OnceCell<Option<Regex>> },
    Scan(ScanFn),
    Anchored(AnchoredFn),
}

/// Bounds per regex: compiled program size and lazy-DFA cache (each rule keeps its own cache,
/// so this caps the memory a hostile record can make a rule use).
const REGEX_SIZE_LIMIT: usize = 4 << 20;
const REGEX_DFA_LIMIT: usize = 1 << 20;

/// Compiles a rule regex the way every rule is compiled. Built-in rules are ASCII-only
/// (`unicode = false`: smaller, faster to compile in the interpreter); custom rules keep
/// Unicode classes.
pub fn compile(source: &str, unicode: bool) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .unicode(unicode)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_LIMIT)
        .build()
}

impl Rule {
    pub fn from_spec(spec: &RuleSpec) -> Rule {
        let matcher = match spec.pattern {
            Pattern::Regex(src) => Matcher::Regex { source: src.to_string(), unicode: false, compiled: OnceCell::new() },
            Pattern::Scan(f) => Matcher::Scan(f),
            Pattern::Anchored(f) => Matcher::Anchored(f),
        };
        Rule {
            id: spec.id.to_string(),
            group: spec.group,
            keywords: spec.keywords.iter().map(|k| k.to_string()).collect(),
            classes: spec.classes,
            enabled: spec.enabled,
            matcher,
            extract: spec.extract,
            entropy: spec.entropy,
            min_len: spec.min_len,
            validator: spec.validator,
            boundary: spec.boundary,
            reject_placeholders: spec.reject_placeholders,
            stopwords: spec.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
            allow: Vec::new(),
        }
    }

    /// A custom rule whose regex was already compiled (at `_initialize`, to report errors).
    pub fn custom(id: String, group: Group, keywords: Vec<String>, regex: Regex, extract: Extract) -> Rule {
        let source = regex.as_str().to_string();
        let compiled = OnceCell::new();
        let _ = compiled.set(Some(regex));
        Rule {
            id,
            group,
            keywords,
            classes: 0,
            enabled: true,
            matcher: Matcher::Regex { source, unicode: true, compiled },
            extract,
            entropy: None,
            min_len: 0,
            validator: None,
            boundary: Boundary::Regex,
            reject_placeholders: false,
            stopwords: Vec::new(),
            allow: Vec::new(),
        }
    }

    /// The compiled regex, compiling it on first use. `None` only if a built-in pattern fails
    /// to compile, which the unit tests rule out.
    fn regex(&self) -> Option<&Regex> {
        match &self.matcher {
            Matcher::Regex { source, unicode, compiled } => compiled.get_or_init(|| compile(source, *unicode).ok()).as_ref(),
            Matcher::Scan(_) | Matcher::Anchored(_) => None,
        }
    }

    /// Compiles the regex now (tests, or eager compilation).
    pub fn ensure_compiled(&self) -> Result<(), String> {
        match &self.matcher {
            Matcher::Regex { source, unicode, .. } => match self.regex() {
                Some(_) => Ok(()),
                None => Err(compile(source, *unicode).err().map_or_else(String::new, |e| e.to_string())),
            },
            Matcher::Scan(_) | Matcher::Anchored(_) => Ok(()),
        }
    }

    /// The regex text (regex rules only).
    pub fn source(&self) -> Option<&str> {
        match &self.matcher {
            Matcher::Regex { source, .. } => Some(source),
            _ => None,
        }
    }

    /// Whether candidates start from the rule's keyword occurrences.
    pub fn is_anchored(&self) -> bool {
        matches!(self.matcher, Matcher::Anchored(_))
    }

    /// Whether candidates come from a regex.
    pub fn is_regex(&self) -> bool {
        matches!(self.matcher, Matcher::Regex { .. })
    }

    /// Candidate spans in `text` (before the checks in [`Rule::accept`]); `anchors` are the
    /// rule's keyword occurrences in `text` (used by anchored rules only). A regex runs over
    /// the whole text, or only inside `windows` when given (sorted, disjoint): in a huge value
    /// the work stays proportional to the rule's hits, not to hits × length.
    pub fn candidates(&self, text: &str, anchors: &[Range<usize>], windows: &[Range<usize>], out: &mut Vec<Range<usize>>) {
        match &self.matcher {
            Matcher::Scan(f) => f(text, out),
            Matcher::Anchored(f) => f(text, anchors, out),
            Matcher::Regex { .. } => {
                let Some(re) = self.regex() else {
                    return;
                };
                let bytes = text.as_bytes();
                if windows.is_empty() {
                    self.search(re, text, bytes, 0, out);
                } else {
                    for w in windows {
                        // The haystack ends at the window; it starts at the text's start so
                        // `\b` before the window sees the real preceding byte.
                        let hay = bytes.get(..w.end).unwrap_or(bytes);
                        self.search(re, text, hay, w.start, out);
                    }
                }
            }
        }
    }

    /// The rule's matches in `hay` (a prefix of `text`) starting at or after `from`.
    fn search(&self, re: &Regex, text: &str, hay: &[u8], from: usize, out: &mut Vec<Range<usize>>) {
        let mut pos = from;
        while pos <= hay.len() {
            let next = match self.extract {
                Extract::Whole => {
                    let Some(m) = re.find_at(hay, pos) else { break };
                    out.push(m.range());
                    m.range()
                }
                _ => {
                    let Some(caps) = re.captures_at(hay, pos) else { break };
                    let Some(whole) = caps.get(0) else { break };
                    match self.extract {
                        Extract::Group(g) => out.extend(caps.get(g).map(|m| m.range())),
                        Extract::FirstGroup => out.extend(caps.iter().skip(1).flatten().next().map(|m| m.range())),
                        Extract::Custom(f) => f(text, &caps, out),
                        Extract::Whole => {}
                    }
                    whole.range()
                }
            };
            pos = if next.end > next.start { next.end } else { next.end + 1 };
        }
    }

    /// The checks a candidate must pass to become a finding (besides the global allowlist).
    pub fn accept(&self, text: &str, span: &Range<usize>, markers: &[&str]) -> bool {
        let Some(secret) = text.get(span.clone()) else {
            return false;
        };
        if secret.len() < self.min_len.max(1) {
            return false;
        }
        if self.boundary == Boundary::Token && !token_boundary(text.as_bytes(), span) {
            return false;
        }
        if self.reject_placeholders && validate::is_placeholder(secret, markers) {
            return false;
        }
        if let Some(min) = self.entropy
            && validate::shannon(secret.as_bytes()) < min {
                return false;
            }
        if let Some(v) = self.validator
            && !v(secret) {
                return false;
            }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if self.stopwords.iter().any(|s| lower.contains(s.as_str())) {
                return false;
            }
        }
        !self.allow.iter().any(|re| re.is_match(secret.as_bytes()))
    }
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-' | b'~')
}

/// See [`Boundary::Token`].
pub fn token_boundary(text: &[u8], span: &Range<usize>) -> bool {
    let before = span.start.checked_sub(1).and_then(|i| text.get(i)).copied();
    let after = text.get(span.end).copied();
    let after2 = text.get(span.end + 1).copied();
    let before_ok = !before.is_some_and(|b| is_token_char(b) || b == b'.');
    let after_ok = match after {
        None => true,
        Some(b'.') => !after2.is_some_and(|b| b.is_ascii_alphanumeric()),
        Some(b) => !is_token_char(b),
    };
    before_ok && after_ok
}

/// Widens a byte span to UTF-8 character boundaries (byte-level regexes may stop mid-char).
pub fn snap(text: &str, span: Range<usize>) -> Range<usize> {
    let mut s = span.start.min(text.len());
    let mut e = span.end.min(text.len()).max(s);
    while s > 0 && !text.is_char_boundary(s) {
        s -= 1;
    }
    while e < text.len() && !text.is_char_boundary(e) {
        e += 1;
    }
    s..e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_boundaries() {
        let t = b"x ghp_abc y";
        assert!(token_boundary(t, &(2..9)));
        assert!(!token_boundary(b"+EZAKabc/", &(1..8)));
        assert!(!token_boundary(b"box.ico-7a38.png", &(4..12)));
        assert!(token_boundary(b"key ico-7a38.", &(4..12)));
        assert!(token_boundary(b"=ico-7a38", &(1..9)));
    }

    #[test]
    fn snapping_keeps_characters_whole() {
        let t = "a身b";
        assert_eq!(snap(t, 2..3), 1..4);
        assert_eq!(snap(t, 0..9), 0..5);
    }
}
