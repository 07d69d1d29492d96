//! Text comparisons with optional case folding. Folding allocates only for non-ASCII text.

use std::borrow::Cow;

/// A needle prepared for comparison: lowercased once at compile time when case is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    text: String,
    ignore_case: bool,
}

pub fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

impl Needle {
    pub fn new(text: &str, ignore_case: bool) -> Needle {
        let text = if ignore_case { fold(text).into_owned() } else { text.to_string() };
        Needle { text, ignore_case }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn ignore_case(&self) -> bool {
        self.ignore_case
    }

    /// Equality with a haystack already folded if this needle ignores case.
    pub fn equals_prepared(&self, hay: &str) -> bool {
        hay == self.text
    }

    /// Containment in a haystack already folded if this needle ignores case.
    pub fn contained_in_prepared(&self, hay: &str) -> bool {
        memchr::memmem::find(hay.as_bytes(), self.text.as_bytes()).is_some()
    }

    /// `hay` folded if this needle ignores case.
    pub fn prepare<'h>(&self, hay: &'h str) -> Cow<'h, str> {
        if self.ignore_case { fold(hay) } else { Cow::Borrowed(hay) }
    }

    pub fn equals(&self, hay: &str) -> bool {
        if self.ignore_case {
            hay.len() == self.text.len() && hay.eq_ignore_ascii_case(&self.text) || *fold(hay) == *self.text
        } else {
            hay == self.text
        }
    }

    pub fn contained_in(&self, hay: &str) -> bool {
        memchr::memmem::find(self.prepare(hay).as_bytes(), self.text.as_bytes()).is_some()
    }

    pub fn starts(&self, hay: &str) -> bool {
        self.prepare(hay).starts_with(self.text.as_str())
    }

    pub fn ends(&self, hay: &str) -> bool {
        self.prepare(hay).ends_with(self.text.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_folding() {
        let n = Needle::new("Secrets", true);
        assert!(n.equals("SECRETS"));
        assert!(n.equals("secrets"));
        assert!(!n.equals("secret"));
        assert!(n.contained_in("get SECRETS now"));
        assert!(Needle::new("ÄB", true).equals("äb"));
        let exact = Needle::new("Secrets", false);
        assert!(!exact.equals("secrets"));
        assert!(exact.starts("Secrets/x"));
        assert!(exact.ends("my-Secrets"));
    }
}
