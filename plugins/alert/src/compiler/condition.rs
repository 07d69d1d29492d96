//! Sigma's `condition` expressions: search identifiers combined with `and`, `or`, `not`,
//! parentheses, `1 of PATTERN`, `all of PATTERN` (`*` wildcards; `them` = every identifier not
//! starting with `_`). Precedence, highest first: `x of`, `not`, `and`, `or`.

use serde_json::{json, Value};

use super::detection::{all, any};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    One,
    All,
    Of,
    Word(String),
}

/// Error: character column within the expression (1-based) and message.
pub type ExprError = (usize, String);

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = match c {
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            '|' => {
                let msg = "aggregations after `|` (count() by …) are not supported; write a Sigma correlation rule";
                return Err((start + 1, msg.to_string()));
            }
            c if c.is_alphanumeric() || matches!(c, '_' | '*' | '-' | '.' | '?') => {
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '*' | '-' | '.' | '?')) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.to_ascii_lowercase().as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "of" => Tok::Of,
                    "all" => Tok::All,
                    "1" | "any" => Tok::One,
                    _ => Tok::Word(word),
                }
            }
            other => return Err((start + 1, format!("unexpected `{other}` in condition"))),
        };
        out.push((start + 1, tok));
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    /// Search identifiers in definition order, with their compiled conditions.
    idents: &'a [(String, Value)],
    end: usize,
}

/// Compiles a condition expression over `idents`.
pub fn parse(expr: &str, idents: &[(String, Value)]) -> Result<Value, ExprError> {
    let toks = lex(expr)?;
    let mut p = Parser { toks, pos: 0, idents, end: expr.chars().count() + 1 };
    let v = p.or()?;
    if let Some((col, t)) = p.toks.get(p.pos) {
        return Err((*col, format!("unexpected {} after a complete condition", describe(t))));
    }
    Ok(v)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("`{w}`"),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::And => "`and`".into(),
        Tok::Or => "`or`".into(),
        Tok::Not => "`not`".into(),
        Tok::One => "`1`".into(),
        Tok::All => "`all`".into(),
        Tok::Of => "`of`".into(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(c, _)| *c)
    }

    fn or(&mut self) -> Result<Value, ExprError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(flatten("any", items))
    }

    fn and(&mut self) -> Result<Value, ExprError> {
        let mut items = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(flatten("all", items))
    }

    fn not(&mut self) -> Result<Value, ExprError> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            let inner = self.not()?;
            return Ok(match inner {
                Value::Object(mut o) if o.len() == 1 && o.contains_key("not") => o.remove("not").unwrap_or(Value::Null),
                other => json!({ "not": other }),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Value, ExprError> {
        let col = self.col();
        match self.toks.get(self.pos).map(|(_, t)| t.clone()) {
            Some(Tok::LParen) => {
                self.pos += 1;
                let v = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err((self.col(), "missing `)`".into()));
                }
                self.pos += 1;
                Ok(v)
            }
            Some(q @ (Tok::One | Tok::All)) => {
                self.pos += 1;
                if self.peek() != Some(&Tok::Of) {
                    return Err((self.col(), format!("expected `of` after {}", describe(&q))));
                }
                self.pos += 1;
                let pcol = self.col();
                let Some(Tok::Word(pattern)) = self.peek().cloned() else {
                    return Err((pcol, "expected an identifier pattern or `them` after `of`".into()));
                };
                self.pos += 1;
                let matched: Vec<Value> = self
                    .idents
                    .iter()
                    .filter(|(name, _)| {
                        if pattern == "them" { !name.starts_with('_') } else { wildcard_match(&pattern, name) }
                    })
                    .map(|(_, v)| v.clone())
                    .collect();
                if matched.is_empty() {
                    return Err((pcol, format!("no search identifier matches `{pattern}`")));
                }
                Ok(if q == Tok::One { flatten("any", matched) } else { flatten("all", matched) })
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                if w.contains('*') || w.contains('?') {
                    return Err((col, format!("`{w}` is a pattern; write `1 of {w}` or `all of {w}`")));
                }
                self.idents
                    .iter()
                    .find(|(name, _)| *name == w)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| (col, format!("`{w}` is not a search identifier of this detection")))
            }
            Some(t) => Err((col, format!("unexpected {}", describe(&t)))),
            None => Err((col, "the condition ends too early".into())),
        }
    }
}

/// `all`/`any` of items, absorbing nested lists of the same kind (keeps conditions shallow).
fn flatten(kind: &str, items: Vec<Value>) -> Value {
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::Object(mut o) if o.len() == 1 && o.get(kind).is_some_and(Value::is_array) => {
                if let Some(Value::Array(inner)) = o.remove(kind) {
                    out.extend(inner);
                }
            }
            other => out.push(other),
        }
    }
    if kind == "all" { all(out) } else { any(out) }
}

fn wildcard_match(pattern: &str, name: &str) -> bool {
    logward_match::ops::glob::Glob::parse(pattern, false).map_or(pattern == name, |g| g.matches(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents() -> Vec<(String, Value)> {
        ["sel", "sel_a", "sel_b", "filter", "_helper"].iter().map(|n| (n.to_string(), json!({"field": n, "exists": true}))).collect()
    }

    fn c(expr: &str) -> Value {
        parse(expr, &idents()).unwrap_or_else(|e| panic!("{expr}: {e:?}"))
    }

    fn f(n: &str) -> Value {
        json!({"field": n, "exists": true})
    }

    #[test]
    fn precedence_and_parentheses() {
        assert_eq!(c("sel"), f("sel"));
        assert_eq!(c("sel and not filter"), json!({"all": [f("sel"), {"not": f("filter")}]}));
        assert_eq!(c("sel or sel_a and sel_b"), json!({"any": [f("sel"), {"all": [f("sel_a"), f("sel_b")]}]}));
        assert_eq!(c("(sel or sel_a) and sel_b"), json!({"all": [{"any": [f("sel"), f("sel_a")]}, f("sel_b")]}));
        assert_eq!(c("sel and sel_a and (sel_b and filter)"), json!({"all": [f("sel"), f("sel_a"), f("sel_b"), f("filter")]}));
        assert_eq!(c("not not sel"), f("sel"));
        assert_eq!(c("sel_a AND NOT filter"), c("sel_a and not filter"), "operators ignore case");
    }

    #[test]
    fn quantifiers() {
        assert_eq!(c("1 of sel_*"), json!({"any": [f("sel_a"), f("sel_b")]}));
        assert_eq!(c("all of sel_*"), json!({"all": [f("sel_a"), f("sel_b")]}));
        assert_eq!(c("all of them"), json!({"all": [f("sel"), f("sel_a"), f("sel_b"), f("filter")]}));
        assert_eq!(c("1 of sel* and not 1 of filter"), json!({"all": [{"any": [f("sel"), f("sel_a"), f("sel_b")]}, {"not": f("filter")}]}));
        assert_eq!(c("any of _h*"), f("_helper"));
    }

    #[test]
    fn errors_have_columns() {
        let e = |s: &str| parse(s, &idents()).unwrap_err();
        assert_eq!(e("sel and nope").0, 9);
        assert_eq!(e("sel and").0, 8);
        assert!(e("sel | count() by x > 5").1.contains("correlation"));
        assert!(e("(sel").1.contains(")"));
        assert!(e("1 of nothing*").1.contains("no search identifier"));
        assert!(e("sel_*").1.contains("1 of"));
        assert!(e("sel sel_a").1.contains("after a complete"));
        assert!(e("SEL").1.contains("not a search identifier"), "identifiers are case-sensitive");
    }
}
