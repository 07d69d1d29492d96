//! Sigma-style wildcards: `*` any run, `?` one character, `\*` `\?` `\\` literal.
//! Matching is iterative with single-star backtracking: O(len(text) × len(pattern)) at worst,
//! never exponential.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Char(char),
    Any,
    Star,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pieces: Vec<Piece>,
    ignore_case: bool,
}

impl Glob {
    /// `None` when the pattern has no wildcard (use plain equality instead).
    pub fn parse(pattern: &str, ignore_case: bool) -> Option<Glob> {
        let mut pieces = Vec::new();
        let mut wild = false;
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n @ ('*' | '?' | '\\')) => pieces.push(Piece::Char(n)),
                    Some(n) => {
                        pieces.push(Piece::Char('\\'));
                        pieces.push(Piece::Char(n));
                    }
                    None => pieces.push(Piece::Char('\\')),
                },
                '*' => {
                    wild = true;
                    if pieces.last() != Some(&Piece::Star) {
                        pieces.push(Piece::Star);
                    }
                }
                '?' => {
                    wild = true;
                    pieces.push(Piece::Any);
                }
                c => pieces.push(Piece::Char(c)),
            }
        }
        wild.then_some(Glob { pieces, ignore_case })
    }

    /// The pattern with wildcard escapes removed (for patterns without wildcards).
    pub fn unescape(pattern: &str) -> String {
        let mut out = String::with_capacity(pattern.len());
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(n @ ('*' | '?' | '\\')) => out.push(n),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    pub fn matches(&self, text: &str) -> bool {
        let t: Vec<char> = text.chars().collect();
        let p = &self.pieces;
        let (mut ti, mut pi) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        let eq = |a: char, b: char| {
            a == b || (self.ignore_case && a.to_lowercase().eq(b.to_lowercase()))
        };
        while ti < t.len() {
            match p.get(pi) {
                Some(Piece::Star) => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                Some(Piece::Any) => {
                    pi += 1;
                    ti += 1;
                }
                Some(Piece::Char(c)) if eq(*c, t[ti]) => {
                    pi += 1;
                    ti += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        pi = sp + 1;
                        ti = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi.min(p.len())..].iter().all(|x| *x == Piece::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::parse(p, true).expect("wildcard pattern").matches(t)
    }

    #[test]
    fn wildcards() {
        assert!(m("*admin*", "cluster-admin-binding"));
        assert!(m("system:*", "SYSTEM:serviceaccount:kube-system:x"));
        assert!(m("*.sock", "/var/run/docker.sock"));
        assert!(!m("*.sock", "/var/run/docker.sock2"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "a__b__b__c"));
        assert!(!m("a*b*c", "a__b__b__"));
    }

    #[test]
    fn escapes_are_literal() {
        assert!(Glob::parse(r"a\*b", true).is_none());
        assert_eq!(Glob::unescape(r"a\*b\?c\\d\x"), r"a*b?c\d\x");
        assert!(m(r"*\**", "x*y"));
        assert!(!m(r"*\**", "xy"));
    }

    #[test]
    fn pathological_pattern_is_not_exponential() {
        let text = "a".repeat(2_000);
        let pattern = format!("{}b", "*a".repeat(30));
        assert!(!Glob::parse(&pattern, false).unwrap().matches(&text));
    }
}
