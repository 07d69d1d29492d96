//! Which records a `[FILTER]` sees: `Match` (wildcards) and `Match_Regex`, as
//! `router_match` in `src/flb_router.c` evaluates them against the record's tag.
//!
//! - `Match`: `*` matches any run of characters (including none); everything else is literal;
//!   there is no `?`, no character class and no escaping.
//! - `Match_Regex`: Oniguruma's `onig_match` at position 0: the pattern must match a NON-EMPTY
//!   PREFIX of the tag (it is not anchored at the end). Rust's `regex` crate stands in for
//!   Oniguruma; common syntax is the same.
//! - If both are set, either one matching is enough (the regex is tried first).

use anyhow::Context;
use regex::Regex;

/// A filter's tag selector.
#[derive(Debug, Clone)]
pub struct TagMatcher {
    wildcard: Option<String>,
    regex: Option<Regex>,
}

impl TagMatcher {
    /// A selector from `Match` and `Match_Regex` values (either may be absent).
    pub fn new(wildcard: Option<&str>, regex: Option<&str>) -> anyhow::Result<Self> {
        let regex = match regex {
            Some(pattern) => Some(
                Regex::new(&format!("^(?:{pattern})"))
                    .with_context(|| format!("invalid Match_Regex pattern {pattern:?}"))?,
            ),
            None => None,
        };
        Ok(TagMatcher {
            wildcard: wildcard.map(str::to_string),
            regex,
        })
    }

    /// A selector that matches every tag (`Match *`).
    pub fn all() -> Self {
        TagMatcher {
            wildcard: Some("*".into()),
            regex: None,
        }
    }

    /// Whether Fluent Bit would run this filter for a record with `tag`.
    pub fn matches(&self, tag: &str) -> bool {
        if let Some(re) = &self.regex
            && re
                .find(tag)
                .is_some_and(|m| m.start() == 0 && !m.is_empty())
        {
            return true;
        }
        match &self.wildcard {
            Some(pattern) => wildcard_match(tag.as_bytes(), pattern.as_bytes()),
            None => false,
        }
    }
}

/// `router_match` without the regex: `*` is the only special character.
pub fn wildcard_match(tag: &[u8], pattern: &[u8]) -> bool {
    let (mut t, mut p) = (0usize, 0usize);
    while p < pattern.len() {
        if pattern[p] == b'*' {
            while p < pattern.len() && pattern[p] == b'*' {
                p += 1;
            }
            if p == pattern.len() {
                return true;
            }
            // Try every later position where the next literal character occurs.
            let next = pattern[p];
            let mut search = t;
            while search < tag.len() {
                match tag[search..].iter().position(|&c| c == next) {
                    Some(offset) => {
                        let at = search + offset;
                        if wildcard_match(&tag[at..], &pattern[p..]) {
                            return true;
                        }
                        search = at + 1;
                    }
                    None => break,
                }
            }
            return false;
        } else if t >= tag.len() || tag[t] != pattern[p] {
            return false;
        }
        t += 1;
        p += 1;
    }
    t == tag.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match(b"app.logs", b"*"));
        assert!(wildcard_match(b"app.logs", b"app.*"));
        assert!(wildcard_match(b"app.", b"app.*"));
        assert!(!wildcard_match(b"app", b"app.*"));
        assert!(wildcard_match(b"kube.var.log.x", b"kube.*.x"));
        assert!(wildcard_match(b"a.b.c", b"*.c"));
        assert!(!wildcard_match(b"a.b.cd", b"*.c"));
        assert!(wildcard_match(b"app.logs", b"app.logs"));
        assert!(!wildcard_match(b"app.logs", b"app.log"));
        assert!(!wildcard_match(b"app.log", b"app.logs"));
        assert!(wildcard_match(b"", b"*"));
        assert!(wildcard_match(b"abcabc", b"*c*c"));
    }

    #[test]
    fn regex_matches_a_non_empty_prefix() {
        let m = TagMatcher::new(None, Some("app")).unwrap();
        assert!(m.matches("application"));
        assert!(!m.matches("my.app"));
        let empty = TagMatcher::new(None, Some("x*")).unwrap();
        assert!(!empty.matches("abc"));
        assert!(empty.matches("xyz"));
    }

    #[test]
    fn either_selector_is_enough() {
        let m = TagMatcher::new(Some("k8s.*"), Some("^audit")).unwrap();
        assert!(m.matches("k8s.pod"));
        assert!(m.matches("audit.log"));
        assert!(!m.matches("other"));
    }
}
