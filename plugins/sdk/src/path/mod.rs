//! Field paths and single-pass lookup of many fields at once.
//!
//! Syntax: `a.b.c`, brackets for keys that contain dots or for array indexes —
//! `kubernetes.labels["app.kubernetes.io/name"]`, `items[0].name` — and Fluent Bit's record
//! accessor spelling `$kubernetes['labels']['app']`. Arrays are transparent: `spec.containers.image`
//! reaches the `image` of every container. A member whose key itself contains dots also matches
//! the path's parts (`kubernetes.labels.compliance.sox` finds the label key `compliance.sox`).

use std::fmt;

use crate::error::Result;
use crate::node::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A parsed field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    text: String,
    segments: Vec<Segment>,
}

impl FieldPath {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        let s = text.strip_prefix('$').unwrap_or(text);
        let b = s.as_bytes();
        let mut i = 0;
        let mut key = String::new();
        let flush = |key: &mut String, segments: &mut Vec<Segment>| {
            if !key.is_empty() {
                segments.push(Segment::Key(std::mem::take(key)));
            }
        };
        while i < b.len() {
            match b[i] {
                b'.' => {
                    if key.is_empty() && segments.is_empty() {
                        return Err(format!("field path `{text}` has an empty part"));
                    }
                    flush(&mut key, &mut segments);
                    i += 1;
                    if i == b.len() || b[i] == b'.' {
                        return Err(format!("field path `{text}` has an empty part"));
                    }
                }
                b'[' => {
                    flush(&mut key, &mut segments);
                    let close = s[i..].find(']').map(|p| i + p).ok_or_else(|| {
                        format!("field path `{text}`: `[` without a closing `]`")
                    })?;
                    let inner = s[i + 1..close].trim();
                    let quoted = inner.len() >= 2
                        && ((inner.starts_with('"') && inner.ends_with('"'))
                            || (inner.starts_with('\'') && inner.ends_with('\'')));
                    if quoted {
                        segments.push(Segment::Key(inner[1..inner.len() - 1].to_string()));
                    } else if let Ok(n) = inner.parse::<usize>() {
                        segments.push(Segment::Index(n));
                    } else {
                        return Err(format!(
                            "field path `{text}`: `[{inner}]` must be a number or a quoted key"
                        ));
                    }
                    i = close + 1;
                }
                _ => {
                    let next = s[i..].find(['.', '[']).map_or(s.len(), |p| i + p);
                    key.push_str(&s[i..next]);
                    i = next;
                }
            }
        }
        flush(&mut key, &mut segments);
        if segments.is_empty() {
            return Err("empty field path".to_string());
        }
        Ok(FieldPath { text: text.to_string(), segments })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// All values at this path, in document order.
    pub fn find_all<'a>(&self, root: Node<'a>) -> Result<Vec<Node<'a>>> {
        let set = FieldSet::new(std::slice::from_ref(self));
        Ok(set.lookup(root)?.take(0))
    }

    /// The first value at this path.
    pub fn find<'a>(&self, root: Node<'a>) -> Result<Option<Node<'a>>> {
        Ok(self.find_all(root)?.into_iter().next())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

mod walk;

#[derive(Default, Debug)]
struct TrieNode {
    keys: Vec<(String, usize)>,
    indexes: Vec<(usize, usize)>,
    /// Ids of the paths that end here.
    ends: Vec<usize>,
    /// Some key child has key children of its own: only then can a dotted member key
    /// (`compliance.sox`) stand for several path segments.
    deep: bool,
    /// Bit `b & 63` set for the first byte `b` of every key (all bits for an empty key): most
    /// members of a record are not wanted, and one test rejects them before any key is
    /// compared. A dotted member key starts with its first segment, so it is covered too.
    first_bytes: u64,
}

/// Many paths compiled into a trie, looked up in one pass over the record: only objects on the
/// way to a wanted field are entered; everything else is skipped.
#[derive(Debug)]
pub struct FieldSet {
    paths: Vec<FieldPath>,
    trie: Vec<TrieNode>,
    /// Stop reading the record once every top-level key of the set was seen (first occurrences
    /// only): the big members most records end with are then never read.
    first_only: bool,
}

/// The values found for each path of a [`FieldSet`], by path id.
#[derive(Debug)]
pub struct Fields<'a> {
    found: Vec<Vec<Node<'a>>>,
}

impl<'a> Fields<'a> {
    pub fn get(&self, id: usize) -> &[Node<'a>] {
        self.found.get(id).map_or(&[], Vec::as_slice)
    }
    pub fn first(&self, id: usize) -> Option<Node<'a>> {
        self.get(id).first().copied()
    }
    /// Adds the values that a lookup with the same [`FieldSet`] found in another document
    /// (e.g. a view a plugin built of a free-text line), so one rule evaluation sees both.
    pub fn merge(&mut self, other: Fields<'a>) {
        for (mine, theirs) in self.found.iter_mut().zip(other.found) {
            mine.extend(theirs);
        }
    }
    fn take(mut self, id: usize) -> Vec<Node<'a>> {
        self.found.get_mut(id).map(std::mem::take).unwrap_or_default()
    }
}

/// See [`TrieNode::first_bytes`].
#[inline(always)]
fn first_byte_bit(b: u8) -> u64 {
    1 << (b & 63)
}

impl FieldSet {
    pub fn new(paths: &[FieldPath]) -> Self {
        let mut trie = vec![TrieNode::default()];
        for (id, path) in paths.iter().enumerate() {
            let mut at = 0;
            for seg in &path.segments {
                let existing = match seg {
                    Segment::Key(k) => trie[at].keys.iter().find(|(s, _)| s == k).map(|&(_, n)| n),
                    Segment::Index(i) => trie[at].indexes.iter().find(|(s, _)| s == i).map(|&(_, n)| n),
                };
                at = match existing {
                    Some(n) => n,
                    None => {
                        let n = trie.len();
                        trie.push(TrieNode::default());
                        match seg {
                            Segment::Key(k) => trie[at].keys.push((k.clone(), n)),
                            Segment::Index(i) => trie[at].indexes.push((*i, n)),
                        }
                        n
                    }
                };
            }
            trie[at].ends.push(id);
        }
        for i in 0..trie.len() {
            let deep = trie[i].keys.iter().any(|&(_, n)| !trie[n].keys.is_empty());
            trie[i].deep = deep;
            trie[i].first_bytes = trie[i].keys.iter().fold(0, |m, (k, _)| m | k.as_bytes().first().map_or(u64::MAX, |&b| first_byte_bit(b)));
        }
        FieldSet { paths: paths.to_vec(), trie, first_only: false }
    }

    /// The same set, reading each top-level key's first occurrence only and stopping as soon
    /// as all of them were seen. For rule engines on records whose bulk (request and response
    /// bodies) comes after the fields the rules look at. A key repeated at the top level (rare;
    /// Fluent Bit keeps duplicates) is then only seen the first time.
    pub fn first_occurrences(mut self) -> Self {
        self.first_only = true;
        self
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    pub fn paths(&self) -> &[FieldPath] {
        &self.paths
    }

    /// Finds every path's values in one walk from `root`.
    pub fn lookup<'a>(&self, root: Node<'a>) -> Result<Fields<'a>> {
        let mut found: Vec<Vec<Node<'a>>> = vec![Vec::new(); self.paths.len()];
        self.walk(root, 0, &mut found)?;
        Ok(Fields { found })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn p(s: &str) -> FieldPath {
        FieldPath::parse(s).unwrap()
    }

    #[test]
    fn parses_all_spellings() {
        assert_eq!(p("a.b").segments(), &[Segment::Key("a".into()), Segment::Key("b".into())]);
        assert_eq!(
            p("$kubernetes['labels']['app.io/name']").segments(),
            &[
                Segment::Key("kubernetes".into()),
                Segment::Key("labels".into()),
                Segment::Key("app.io/name".into())
            ]
        );
        assert_eq!(
            p("items[0].name").segments(),
            &[Segment::Key("items".into()), Segment::Index(0), Segment::Key("name".into())]
        );
        assert!(FieldPath::parse("a..b").is_err());
        assert!(FieldPath::parse("").is_err());
        assert!(FieldPath::parse("a[x]").is_err());
        assert!(FieldPath::parse("a[1").is_err());
    }

    fn texts(path: &str, json: &str) -> Vec<String> {
        let root = Node::root(json.as_bytes(), Format::Json).unwrap();
        p(path)
            .find_all(root)
            .unwrap()
            .iter()
            .map(|n| String::from_utf8(n.raw().unwrap().to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn finds_nested_array_and_dotted_keys() {
        let rec = r#"{"spec":{"containers":[{"image":"a"},{"image":"b","x":1}]},
            "kubernetes":{"labels":{"compliance.sox":"true"}}, "n": [[1,2],[3]]}"#;
        assert_eq!(texts("spec.containers.image", rec), vec!["\"a\"", "\"b\""]);
        assert_eq!(texts("spec.containers[1].image", rec), vec!["\"b\""]);
        assert_eq!(texts("kubernetes.labels.compliance.sox", rec), vec!["\"true\""]);
        assert_eq!(texts("kubernetes.labels[\"compliance.sox\"]", rec), vec!["\"true\""]);
        assert_eq!(texts("spec.missing", rec), Vec::<String>::new());
        assert_eq!(texts("n", rec), vec!["[[1,2],[3]]"]);
    }

    #[test]
    fn merged_fields_hold_values_from_both_documents() {
        let paths: Vec<FieldPath> = ["a", "b.c", "d"].iter().map(|s| p(s)).collect();
        let set = FieldSet::new(&paths);
        let first = br#"{"a":1,"d":"x"}"#;
        let second = br#"{"b":{"c":2},"d":"y"}"#;
        let mut f = set.lookup(Node::root(first, Format::Json).unwrap()).unwrap();
        f.merge(set.lookup(Node::root(second, Format::Json).unwrap()).unwrap());
        let raw = |id| f.get(id).iter().map(|n| String::from_utf8(n.raw().unwrap().to_vec()).unwrap()).collect::<Vec<_>>();
        assert_eq!(raw(0), vec!["1"]);
        assert_eq!(raw(1), vec!["2"]);
        assert_eq!(raw(2), vec!["\"x\"", "\"y\""]);
    }

    #[test]
    fn index_path_into_nested_arrays() {
        assert_eq!(texts("log[0]", r#"{"log":[[null,null],null]}"#), vec!["[null,null]"]);
        assert_eq!(texts("log[1]", r#"{"log":[[null,null],null]}"#), vec!["null"]);
    }

    #[test]
    fn first_occurrences_stop_reading_once_all_keys_were_seen() {
        let paths: Vec<FieldPath> = ["verb", "user.username"].iter().map(|s| p(s)).collect();
        let set = FieldSet::new(&paths).first_occurrences();
        // Everything after the last wanted key is garbage: an early stop never reads it.
        let rec = br#"{"verb":"get","user":{"username":"bob"},"requestObject":{"x":"#;
        let f = set.lookup(Node::root(rec, Format::Json).unwrap()).unwrap();
        assert_eq!(f.first(0).unwrap().raw().unwrap(), br#""get""#);
        assert_eq!(f.first(1).unwrap().raw().unwrap(), br#""bob""#);
        // Without the option the whole record is read (and this one is malformed).
        assert!(FieldSet::new(&paths).lookup(Node::root(rec, Format::Json).unwrap()).is_err());
        // A missing key means reading to the end.
        let rec = br#"{"verb":"get","a":1}"#;
        let f = set.lookup(Node::root(rec, Format::Json).unwrap()).unwrap();
        assert!(f.first(1).is_none());
    }

    #[test]
    fn field_set_finds_many_in_one_pass() {
        let rec = r#"{"verb":"get","objectRef":{"resource":"secrets","name":"db"},"user":{"username":"bob","groups":["a","b"]}}"#;
        let paths: Vec<FieldPath> =
            ["verb", "objectRef.resource", "user.groups", "user.username", "absent.x"].iter().map(|s| p(s)).collect();
        let set = FieldSet::new(&paths);
        let root = Node::root(rec.as_bytes(), Format::Json).unwrap();
        let f = set.lookup(root).unwrap();
        let s = |id| f.first(id).map(|n| String::from_utf8(n.raw().unwrap().to_vec()).unwrap());
        assert_eq!(s(0).as_deref(), Some("\"get\""));
        assert_eq!(s(1).as_deref(), Some("\"secrets\""));
        assert_eq!(s(2).as_deref(), Some("[\"a\",\"b\"]"));
        assert_eq!(s(3).as_deref(), Some("\"bob\""));
        assert_eq!(s(4), None);
    }

    #[test]
    fn keys_rejected_by_first_byte_are_only_the_unwanted_ones() {
        // 'a' (0x61) and '!' (0x21) share a bit; "" and "é…" and a dotted member key must
        // still be found; "zeta" shares no first byte with any wanted key.
        let rec = r#"{"zeta":0,"!x":1,"a":2,"":3,"éclair":4,"k.v":5,"k":{"v":6},"\u0061b":7}"#;
        let paths: Vec<FieldPath> = ["a", "!x", "[\"\"]", "éclair", "k.v", "ab", "zz"].iter().map(|s| p(s)).collect();
        let set = FieldSet::new(&paths);
        let root = Node::root(rec.as_bytes(), Format::Json).unwrap();
        let f = set.lookup(root).unwrap();
        let all = |id| f.get(id).iter().map(|n| String::from_utf8(n.raw().unwrap().to_vec()).unwrap()).collect::<Vec<_>>();
        assert_eq!(all(0), ["2"]);
        assert_eq!(all(1), ["1"]);
        assert_eq!(all(2), ["3"]);
        assert_eq!(all(3), ["4"]);
        assert_eq!(all(4), ["5", "6"]);
        assert_eq!(all(5), ["7"]);
        assert!(all(6).is_empty());
    }
}
