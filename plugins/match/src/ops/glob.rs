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
        // Positions are byte offsets on char boundaries: no per-call allocation.
        let p = &self.pieces;
        let char_at = |i: usize| text.get(i..).and_then(|t| t.chars().next());
        let (mut ti, mut pi) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while let Some(c) = char_at(ti) {
            match p.get(pi) {
                Some(Piece::Star) => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                Some(Piece::Any) => {
                    pi += 1;
                    ti += c.len_utf8();
                    continue;
                }
                Some(Piece::Char(pc)) if self.same(*pc, c) => {
                    pi += 1;
                    ti += c.len_utf8();
                    continue;
                }
                _ => {}
            }
            // Mismatch: let the last star absorb one more character, or fail.
            let Some((sp, st)) = star else { return false };
            let Some(absorbed) = char_at(st) else { return false };
            let next = st + absorbed.len_utf8();
            pi = sp + 1;
            ti = next;
            star = Some((sp, next));
        }
        p[pi.min(p.len())..].iter().all(|x| *x == Piece::Star)
    }

    fn same(&self, a: char, b: char) -> bool {
        a == b
            || (self.ignore_case
                && if a.is_ascii() && b.is_ascii() {
                    a.eq_ignore_ascii_case(&b)
                } else {
                    a.to_lowercase().eq(b.to_lowercase())
                })
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
    fn multibyte_text_and_case_folding() {
        assert!(m("身份*号", "身份证号"));
        assert!(m("?份证号", "身份证号"));
        assert!(!m("身?号", "身份证号"));
        assert!(m("*ÄB*", "xxäbyy"));
        assert!(!Glob::parse("*AB*", false).unwrap().matches("xxabyy"));
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
