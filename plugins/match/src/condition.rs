//! Compiled conditions and their evaluation against the fields found in one record.

use std::borrow::Cow;
use std::cell::OnceCell;

use logward_sdk::{Fields, Node, Num, Record, Scalar, Shape, Token};
use regex::Regex;

use crate::ops::cidr::Cidr;
use crate::ops::glob::Glob;
use crate::ops::text::{fold, Needle};

/// A condition compiled once (see [`crate::Compiler`]), evaluated per record.
#[derive(Debug, Clone)]
pub struct Condition {
    pub(crate) expr: Expr,
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Not(Box<Expr>),
    Test(Test),
    /// Free text: some string value of the record contains one of these (case-insensitive).
    Keywords(Vec<Needle>),
    Const(bool),
}

/// How a test combines several matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
}

#[derive(Debug, Clone)]
pub(crate) struct Test {
    /// Field id in the compiler's [`logward_sdk::FieldSet`].
    pub field: usize,
    pub matcher: Matcher,
    /// Over the listed values: any one matches (default) or every one does (Sigma `|all`).
    pub values: Quantifier,
    /// Over the values found in the record (arrays, repeated paths): any (default) or all.
    pub elements: Quantifier,
    /// Objects found at the field contribute their keys and every scalar under them.
    pub deep: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Literal {
    Text(Needle),
    Glob(Glob),
    Num(f64),
    Bool(bool),
    /// Matches null, and also an absent field (see [`Matcher::Equals`]).
    Null,
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Exists(bool),
    Equals(Vec<Literal>),
    Contains(Vec<Needle>),
    StartsWith(Vec<Needle>),
    EndsWith(Vec<Needle>),
    Regex(Vec<Regex>),
    Cidr(Vec<Cidr>),
    Compare(Cmp, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// One leaf value found in the record, read once per test.
struct Leaf<'a> {
    text: Cow<'a, str>,
    kind: LeafKind,
    /// The number it spells, parsed on first use (most tests never ask).
    num: OnceCell<Option<f64>>,
    /// The case-folded text, made on first use and shared by every case-insensitive value of a
    /// test (`None`: folding changes nothing).
    folded: OnceCell<Option<String>>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum LeafKind {
    Null,
    Bool(bool),
    Num,
    Str,
}

impl<'a> Leaf<'a> {
    fn new(text: Cow<'a, str>, kind: LeafKind, num: Option<Option<f64>>) -> Leaf<'a> {
        let cell = OnceCell::new();
        if let Some(n) = num {
            let _ = cell.set(n);
        }
        Leaf { text, kind, num: cell, folded: OnceCell::new() }
    }

    fn from_scalar(s: Scalar<'a>) -> Leaf<'a> {
        match s {
            Scalar::Null => Leaf::new(Cow::Borrowed("null"), LeafKind::Null, Some(None)),
            Scalar::Bool(b) => Leaf::new(Cow::Borrowed(if b { "true" } else { "false" }), LeafKind::Bool(b), Some(None)),
            Scalar::Num(n) => Leaf::new(Cow::Owned(n.to_text().into_owned()), LeafKind::Num, Some(n.as_f64())),
            Scalar::Str(s) => Leaf::new(s.text(), LeafKind::Str, None),
        }
    }

    fn num(&self) -> Option<f64> {
        *self.num.get_or_init(|| parse_number(&self.text))
    }

    /// The text as `needle` wants to see it: folded when it ignores case.
    fn text_for(&self, needle: &Needle) -> &str {
        if !needle.ignore_case() {
            return &self.text;
        }
        self.folded
            .get_or_init(|| match fold(&self.text) {
                Cow::Owned(s) => Some(s),
                Cow::Borrowed(_) => None,
            })
            .as_deref()
            .unwrap_or(&self.text)
    }
}

fn parse_number(t: &str) -> Option<f64> {
    let t = t.trim();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    Num::Text(t.as_bytes()).as_f64().filter(|f| f.is_finite())
}

/// Calls `f` on each scalar leaf under the nodes found for a field — arrays flattened, objects
/// contributing nothing (or, with `deep`, their keys and everything under them) — until `f`
/// returns false. Returns false if stopped early. Scalars, the common case, need no work stack.
fn visit_leaves<'a>(nodes: &[Node<'a>], deep: bool, mut f: impl FnMut(&Leaf<'a>) -> bool) -> bool {
    let mut stack: Vec<Node<'a>> = Vec::new();
    for &node in nodes {
        stack.push(node);
        while let Some(n) = stack.pop() {
            match n.shape() {
                Ok(Shape::Scalar) => {
                    if let Ok(Some(s)) = n.scalar() {
                        if !f(&Leaf::from_scalar(s)) {
                            return false;
                        }
                    }
                }
                Ok(Shape::Array) => {
                    if let Ok(Some(items)) = n.elements() {
                        let at = stack.len();
                        stack.extend(items.map_while(Result::ok));
                        stack[at..].reverse();
                    }
                }
                Ok(Shape::Object) if deep => {
                    let mut keys_ok = true;
                    let at = stack.len();
                    let _ = n.for_each_member(|key, value| {
                        keys_ok = f(&Leaf::from_scalar(Scalar::Str(key)));
                        stack.push(value);
                        keys_ok
                    });
                    if !keys_ok {
                        return false;
                    }
                    stack[at..].reverse();
                }
                _ => {}
            }
        }
    }
    true
}

impl Literal {
    fn matches(&self, leaf: &Leaf<'_>) -> bool {
        match self {
            Literal::Null => leaf.kind == LeafKind::Null,
            Literal::Bool(b) => match leaf.kind {
                LeafKind::Bool(v) => v == *b,
                LeafKind::Str => leaf.text.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
                _ => false,
            },
            Literal::Num(f) => leaf.num() == Some(*f),
            Literal::Text(n) => {
                n.equals_prepared(leaf.text_for(n))
                    || (leaf.kind == LeafKind::Num && leaf.num().is_some() && parse_number(n.as_str()) == leaf.num())
            }
            Literal::Glob(g) => leaf.kind != LeafKind::Null && g.matches(&leaf.text),
        }
    }
}

impl Matcher {
    /// Does one leaf match value number `i` of this matcher?
    fn value_count(&self) -> usize {
        match self {
            Matcher::Exists(_) | Matcher::Compare(..) => 1,
            Matcher::Equals(v) => v.len(),
            Matcher::Contains(v) | Matcher::StartsWith(v) | Matcher::EndsWith(v) => v.len(),
            Matcher::Regex(v) => v.len(),
            Matcher::Cidr(v) => v.len(),
        }
    }

    fn leaf_matches(&self, i: usize, leaf: &Leaf<'_>) -> bool {
        let text_leaf = leaf.kind != LeafKind::Null;
        match self {
            Matcher::Exists(_) => true,
            Matcher::Equals(v) => v.get(i).is_some_and(|l| l.matches(leaf)),
            Matcher::Contains(v) => text_leaf && v.get(i).is_some_and(|n| n.contained_in_prepared(leaf.text_for(n))),
            Matcher::StartsWith(v) => text_leaf && v.get(i).is_some_and(|n| leaf.text_for(n).starts_with(n.as_str())),
            Matcher::EndsWith(v) => text_leaf && v.get(i).is_some_and(|n| leaf.text_for(n).ends_with(n.as_str())),
            Matcher::Regex(v) => text_leaf && v.get(i).is_some_and(|r| r.is_match(&leaf.text)),
            Matcher::Cidr(v) => leaf.kind == LeafKind::Str && v.get(i).is_some_and(|c| c.contains_text(&leaf.text)),
            Matcher::Compare(cmp, bound) => leaf.num().is_some_and(|x| match cmp {
                Cmp::Gt => x > *bound,
                Cmp::Gte => x >= *bound,
                Cmp::Lt => x < *bound,
                Cmp::Lte => x <= *bound,
            }),
        }
    }
}

impl Test {
    fn eval(&self, fields: &Fields<'_>) -> bool {
        let nodes = fields.get(self.field);
        if let Matcher::Exists(want) = self.matcher {
            return nodes.is_empty() != want;
        }
        if nodes.is_empty() {
            // An absent field equals only `null`.
            return matches!(&self.matcher, Matcher::Equals(v) if v.iter().any(|l| matches!(l, Literal::Null)));
        }
        let n = self.matcher.value_count();
        let leaf_ok = |leaf: &Leaf<'_>| match self.values {
            Quantifier::Any => (0..n).any(|i| self.matcher.leaf_matches(i, leaf)),
            Quantifier::All => (0..n).all(|i| self.matcher.leaf_matches(i, leaf)),
        };
        match (self.elements, self.values) {
            (Quantifier::Any, Quantifier::Any) => !visit_leaves(nodes, self.deep, |leaf| !leaf_ok(leaf)),
            (Quantifier::All, _) => {
                let mut seen = false;
                let all = visit_leaves(nodes, self.deep, |leaf| {
                    seen = true;
                    leaf_ok(leaf)
                });
                seen && all
            }
            // `|all` over an array field: every listed value is matched by some element.
            (Quantifier::Any, Quantifier::All) => {
                let mut matched = vec![false; n];
                visit_leaves(nodes, self.deep, |leaf| {
                    for (i, m) in matched.iter_mut().enumerate() {
                        *m = *m || self.matcher.leaf_matches(i, leaf);
                    }
                    !matched.iter().all(|m| *m)
                });
                n > 0 && matched.iter().all(|m| *m)
            }
        }
    }
}

fn keywords_match(needles: &[Needle], record: &Record<'_>) -> bool {
    for t in record.tokens() {
        let Ok(t) = t else { return false };
        if let Token::Scalar(Scalar::Str(s)) = t.token {
            let text = s.text();
            if needles.iter().any(|n| n.contained_in(&text)) {
                return true;
            }
        }
    }
    false
}

impl Expr {
    fn eval(&self, fields: &Fields<'_>, record: &Record<'_>) -> bool {
        match self {
            Expr::All(items) => items.iter().all(|e| e.eval(fields, record)),
            Expr::Any(items) => items.iter().any(|e| e.eval(fields, record)),
            Expr::Not(e) => !e.eval(fields, record),
            Expr::Test(t) => t.eval(fields),
            Expr::Keywords(n) => keywords_match(n, record),
            Expr::Const(b) => *b,
        }
    }
}

impl Condition {
    /// Evaluates against the values `lookup` found (from the compiler's field set) in `record`.
    /// A malformed record simply fails to match.
    pub fn eval(&self, fields: &Fields<'_>, record: &Record<'_>) -> bool {
        self.expr.eval(fields, record)
    }

    /// A condition that is always true or always false.
    pub fn constant(value: bool) -> Condition {
        Condition { expr: Expr::Const(value) }
    }

    /// Every part holds (true when there are none). With [`Condition::any`] and
    /// [`Condition::negate`], a caller can assemble a condition tree from compiled parts without
    /// recursing (the evaluation depth is the tree's depth).
    pub fn all(parts: Vec<Condition>) -> Condition {
        Condition { expr: Expr::All(parts.into_iter().map(|c| c.expr).collect()) }
    }

    /// Some part holds (false when there are none).
    pub fn any(parts: Vec<Condition>) -> Condition {
        Condition { expr: Expr::Any(parts.into_iter().map(|c| c.expr).collect()) }
    }

    /// The part does not hold.
    pub fn negate(part: Condition) -> Condition {
        Condition { expr: Expr::Not(Box::new(part.expr)) }
    }

    /// Field ids of which at least one must be present (found by the lookup) for this condition
    /// to be true; `None` when it can be true with every field absent (`not`, `exists: false`,
    /// `equals: null`, `keywords`, `true`). A caller can skip [`Condition::eval`] when none of
    /// them was found: the usual case, since most rules name fields most records lack.
    pub fn required_fields(&self) -> Option<Vec<usize>> {
        self.expr.required_fields()
    }
}

impl Expr {
    fn required_fields(&self) -> Option<Vec<usize>> {
        match self {
            Expr::Const(false) => Some(Vec::new()),
            Expr::Const(true) | Expr::Not(_) | Expr::Keywords(_) => None,
            Expr::Test(t) => match &t.matcher {
                Matcher::Exists(false) => None,
                Matcher::Equals(v) if v.iter().any(|l| matches!(l, Literal::Null)) => None,
                _ => Some(vec![t.field]),
            },
            // Every item must hold: any item's requirement is one; take the narrowest.
            Expr::All(items) => items.iter().filter_map(Expr::required_fields).min_by_key(Vec::len),
            // Some item must hold: one of their requirements, unless an item has none.
            Expr::Any(items) => {
                let mut ids = Vec::new();
                for item in items {
                    ids.extend(item.required_fields()?);
                }
                ids.sort_unstable();
                ids.dedup();
                Some(ids)
            }
        }
    }
}
