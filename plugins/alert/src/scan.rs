//! A fast, read-only JSON walker for the index's few anchor fields.
//!
//! Most records match no rule, so their whole cost is this scan. It walks the top-level
//! members in order, enters only members on an anchor path (a small trie), jumps over string
//! bodies eight bytes at a time, stops as soon as every anchor's top-level key was seen, and
//! records value positions in a caller-owned buffer (no allocation per record). It is not a
//! validator: on anything it does not handle (broken JSON, a dotted key that may stand for an
//! anchor path) it gives up with [`Malformed`] and the caller falls back to the SDK's reader,
//! so a record is never missed because of this walker.

/// A scalar found at an anchor field: its bytes are `src[start..end]` (string: the body
/// between the quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub field: usize,
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `escaped`: the body has backslash escapes.
    Str { escaped: bool },
    Num,
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

type R<T> = Result<T, Malformed>;

#[derive(Debug, Default)]
struct TrieNode {
    children: Vec<(String, usize)>,
    /// The anchor field ending here.
    field: Option<usize>,
    /// Bit `b` of `firsts[b / 64]` set: some child key starts with ASCII byte `b` (a key
    /// starting elsewhere is rejected without comparing).
    firsts: [u64; 2],
    /// Some child key is empty or starts with a non-ASCII byte.
    other_first: bool,
}

/// The anchor paths as a trie, built once.
#[derive(Debug)]
pub struct Plan {
    nodes: Vec<TrieNode>,
}

impl Plan {
    /// `paths[f]`: the key segments of anchor field `f`.
    pub fn new(paths: &[Vec<String>]) -> Plan {
        let mut nodes = vec![TrieNode::default()];
        for (f, segments) in paths.iter().enumerate() {
            let mut at = 0;
            for seg in segments {
                at = match nodes[at].children.iter().find(|(k, _)| k == seg) {
                    Some(&(_, n)) => n,
                    None => {
                        nodes.push(TrieNode::default());
                        let n = nodes.len() - 1;
                        nodes[at].children.push((seg.clone(), n));
                        n
                    }
                };
            }
            nodes[at].field = Some(f);
        }
        for n in &mut nodes {
            for (k, _) in &n.children {
                match k.as_bytes().first() {
                    Some(&b) if b < 128 => n.firsts[usize::from(b / 64)] |= 1 << (b % 64),
                    _ => n.other_first = true,
                }
            }
        }
        Plan { nodes }
    }

    fn child(&self, node: usize, key: &[u8], escaped: bool) -> R<Option<usize>> {
        let Some(n) = self.nodes.get(node) else { return Ok(None) };
        if let Some(&b) = key.first() {
            let known = n.firsts.get(usize::from(b / 64)).is_some_and(|m| m & (1 << (b % 64)) != 0);
            if b < 128 && b != b'\\' && !known && !n.other_first {
                return Ok(None);
            }
        }
        if escaped {
            let text = logward_sdk::json::unescape(key);
            return self.child(node, text.as_bytes(), false);
        }
        for (k, child) in &n.children {
            let k = k.as_bytes();
            // Length and first byte first: most keys differ there, without a memcmp call.
            if key.len() == k.len() {
                if key.first() == k.first() && key == k {
                    return Ok(Some(*child));
                }
            } else if key.get(k.len()) == Some(&b'.') && key.starts_with(k) {
                // `"a.b": …` may stand for the path a → b: leave such records to the SDK's reader.
                return Err(Malformed);
            }
        }
        Ok(None)
    }

    /// Appends the anchor values of the JSON record `src` to `out` (cleared first).
    /// `work` is scratch space reused across records.
    pub fn scan(&self, src: &[u8], out: &mut Vec<Found>, work: &mut Vec<(usize, usize)>) -> R<()> {
        out.clear();
        let root_keys = self.nodes.first().map_or(0, |n| n.children.len());
        if root_keys == 0 {
            return Ok(());
        }
        let mut seen: u64 = 0;
        let mut remaining = root_keys.min(64);
        let mut j = ws(src, ws(src, 0) + 1);
        if src.get(ws(src, 0)) != Some(&b'{') {
            return Err(Malformed);
        }
        if src.get(j) == Some(&b'}') {
            return Ok(());
        }
        loop {
            let (key, escaped, v) = member(src, j)?;
            let end = match self.child(0, key, escaped)? {
                Some(child) => {
                    work.clear();
                    let end = self.visit(src, v, child, out, work)?;
                    while let Some((p, n)) = work.pop() {
                        self.visit(src, p, n, out, work)?;
                    }
                    let roots = self.nodes.first().map_or(&[][..], |n| n.children.as_slice());
                    let bit = roots.iter().position(|(_, c)| *c == child).unwrap_or(0).min(63);
                    if seen & (1 << bit) == 0 {
                        seen |= 1 << bit;
                        remaining -= 1;
                        if remaining == 0 {
                            return Ok(());
                        }
                    }
                    end
                }
                None => skip_value(src, v)?,
            };
            j = ws(src, end);
            match src.get(j) {
                Some(b',') => j = ws(src, j + 1),
                Some(b'}') => return Ok(()),
                _ => return Err(Malformed),
            }
        }
    }

    /// Handles the value at `at` for trie node `node`: a scalar ending an anchor path is
    /// recorded, members and elements on a path are queued in `work`. Returns the position
    /// after the value, so it is read only once.
    fn visit(&self, src: &[u8], at: usize, node: usize, out: &mut Vec<Found>, work: &mut Vec<(usize, usize)>) -> R<usize> {
        let Some(t) = self.nodes.get(node) else { return skip_value(src, at) };
        match src.get(at) {
            Some(b'{') if !t.children.is_empty() => {
                let mut j = ws(src, at + 1);
                if src.get(j) == Some(&b'}') {
                    return Ok(j + 1);
                }
                loop {
                    let (key, escaped, v) = member(src, j)?;
                    let end = match self.child(node, key, escaped)? {
                        // A scalar at the end of a path is recorded right away.
                        Some(c) if !matches!(src.get(v), Some(b'{' | b'[')) && self.nodes.get(c).is_some_and(|n| n.children.is_empty()) => {
                            self.visit(src, v, c, out, work)?
                        }
                        Some(c) => {
                            work.push((v, c));
                            skip_value(src, v)?
                        }
                        None => skip_value(src, v)?,
                    };
                    j = ws(src, end);
                    match src.get(j) {
                        Some(b',') => j = ws(src, j + 1),
                        Some(b'}') => return Ok(j + 1),
                        _ => return Err(Malformed),
                    }
                }
            }
            Some(b'[') => {
                let mut j = ws(src, at + 1);
                if src.get(j) == Some(&b']') {
                    return Ok(j + 1);
                }
                loop {
                    work.push((j, node));
                    j = ws(src, skip_value(src, j)?);
                    match src.get(j) {
                        Some(b',') => j = ws(src, j + 1),
                        Some(b']') => return Ok(j + 1),
                        _ => return Err(Malformed),
                    }
                }
            }
            Some(b'{') => skip_value(src, at),
            Some(_) => match t.field {
                Some(field) => {
                    let found = scalar(src, at, field)?;
                    out.push(found);
                    Ok(if matches!(found.kind, Kind::Str { .. }) { found.end + 1 } else { found.end })
                }
                None => skip_value(src, at),
            },
            None => Err(Malformed),
        }
    }
}

fn ws(src: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = src.get(i) {
        i += 1;
    }
    i
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `w` equal to `b`. Bits above the first match may be false
/// positives (borrows), the lowest set bit never is — which is all a forward search needs.
#[inline]
fn byte_mask(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * u64::from(b));
    x.wrapping_sub(LO) & !x & HI
}

/// `i` is at an opening quote: the position of the closing quote, and whether escapes occur.
/// Eight bytes at a time: the first quote or backslash of a word is found from its bit mask.
fn string_end(src: &[u8], i: usize) -> R<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match src.get(j..).and_then(<[u8]>::first_chunk::<8>) {
            Some(chunk) => {
                let w = u64::from_le_bytes(*chunk);
                let m = byte_mask(w, b'"') | byte_mask(w, b'\\');
                if m == 0 {
                    j += 8;
                    continue;
                }
                j += (m.trailing_zeros() / 8) as usize;
            }
            None => loop {
                match src.get(j) {
                    Some(b'"' | b'\\') => break,
                    Some(_) => j += 1,
                    None => return Err(Malformed),
                }
            },
        }
        if src.get(j) == Some(&b'"') {
            return Ok((j, escaped));
        }
        escaped = true;
        j += 2;
    }
}

/// `j` is at a member's key: (key body, escaped, value position).
fn member(src: &[u8], j: usize) -> R<(&[u8], bool, usize)> {
    if src.get(j) != Some(&b'"') {
        return Err(Malformed);
    }
    let (key_end, escaped) = string_end(src, j)?;
    let key = src.get(j + 1..key_end).ok_or(Malformed)?;
    let colon = ws(src, key_end + 1);
    if src.get(colon) != Some(&b':') {
        return Err(Malformed);
    }
    Ok((key, escaped, ws(src, colon + 1)))
}

/// Position just after the value starting at `i`.
fn skip_value(src: &[u8], i: usize) -> R<usize> {
    match src.get(i) {
        Some(b'"') => Ok(string_end(src, i)?.0 + 1),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&b) = src.get(j) {
                match b {
                    b'"' => {
                        j = string_end(src, j)?.0 + 1;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1).ok_or(Malformed)?;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err(Malformed)
        }
        Some(_) => {
            let mut j = i;
            while let Some(&b) = src.get(j) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    break;
                }
                j += 1;
            }
            if j == i { Err(Malformed) } else { Ok(j) }
        }
        None => Err(Malformed),
    }
}

fn scalar(src: &[u8], i: usize, field: usize) -> R<Found> {
    let (start, end, kind) = match src.get(i) {
        Some(b'"') => {
            let (end, escaped) = string_end(src, i)?;
            (i + 1, end, Kind::Str { escaped })
        }
        Some(b't') => (i, i + 4, Kind::Bool(true)),
        Some(b'f') => (i, i + 5, Kind::Bool(false)),
        Some(b'n') => (i, i + 4, Kind::Null),
        Some(_) => (i, skip_value(src, i)?, Kind::Num),
        None => return Err(Malformed),
    };
    Ok(Found { field, start, end, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, paths: &[&str]) -> R<Vec<(usize, String, Kind)>> {
        let plan = Plan::new(&paths.iter().map(|p| p.split('.').map(String::from).collect()).collect::<Vec<_>>());
        let mut out = Vec::new();
        plan.scan(src.as_bytes(), &mut out, &mut Vec::new())?;
        let mut v: Vec<(usize, String, Kind)> =
            out.iter().map(|f| (f.field, src[f.start..f.end].to_string(), f.kind)).collect();
        v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok(v)
    }

    fn s(field: usize, text: &str) -> (usize, String, Kind) {
        (field, text.to_string(), Kind::Str { escaped: text.contains('\\') })
    }

    #[test]
    fn finds_nested_values_arrays_and_scalars() {
        let f = run(
            r#" { "kind" : "Event", "verb":"get", "objectRef":{"resource":"secrets","name":"a\"b"},
                "sourceIPs":["10.0.0.1", "10.0.0.2"], "code": 403, "b": true, "n": null } "#,
            &["verb", "objectRef.resource", "objectRef.name", "sourceIPs", "code", "b", "n"],
        )
        .unwrap();
        assert_eq!(
            f,
            vec![
                s(0, "get"),
                s(1, "secrets"),
                s(2, r#"a\"b"#),
                s(3, "10.0.0.1"),
                s(3, "10.0.0.2"),
                (4, "403".into(), Kind::Num),
                (5, "true".into(), Kind::Bool(true)),
                (6, "null".into(), Kind::Null),
            ]
        );
    }

    #[test]
    fn long_strings_and_escapes_are_skipped_correctly() {
        let long = "x".repeat(37);
        let src = format!(r#"{{"a":"{long}\\\"{long}","b":"{long}\u00e9{long}","verb":"get"}}"#);
        assert_eq!(run(&src, &["verb"]).unwrap(), vec![s(0, "get")]);
    }

    #[test]
    fn arrays_of_objects_are_transparent() {
        let f = run(r#"{"spec":{"containers":[{"image":"a"},{"image":["b",["c"]]},{"x":1}]}}"#, &["spec.containers.image"]).unwrap();
        assert_eq!(f, vec![s(0, "a"), s(0, "b"), s(0, "c")]);
    }

    #[test]
    fn stops_after_the_last_root_key() {
        // The tail is not JSON; it is never read.
        let f = run(r#"{"verb":"get","objectRef":{"resource":"pods"},"requestObject":{"#, &["verb", "objectRef.resource"]).unwrap();
        assert_eq!(f, vec![s(0, "get"), s(1, "pods")]);
    }

    #[test]
    fn escaped_keys_compare_decoded_and_dotted_keys_fall_back() {
        assert_eq!(run(r#"{"v\u0065rb":"get"}"#, &["verb"]).unwrap(), vec![s(0, "get")]);
        assert_eq!(run(r#"{"objectRef.resource":"pods"}"#, &["objectRef.resource"]), Err(Malformed));
        assert_eq!(run(r#"{"other.key":1,"verb":"x"}"#, &["verb"]).unwrap(), vec![s(0, "x")]);
    }

    #[test]
    fn malformed_input_is_reported_not_panicked() {
        for bad in [r#"{"verb""#, r#"{"verb":}"#, r#"{"a":[1,2"#, r#"{"a":"x\"#, r#"["#, "", r#"{"a":1 "b":2}"#, r#"{"a":{"b":]}}"#, "{\"a\":\"\\"] {
            assert!(run(bad, &["verb", "a.b"]).is_err(), "{bad}");
        }
    }

    #[test]
    fn string_end_at_every_offset() {
        for len in 0..40 {
            for esc_at in [None, Some(0), Some(3), Some(7), Some(8), Some(15)] {
                let mut body: Vec<u8> = (0..len).map(|k| b'a' + (k % 26) as u8).collect();
                let escaped = match esc_at {
                    Some(e) if e < len => {
                        body.splice(e..e, *b"\\\"");
                        true
                    }
                    _ => false,
                };
                let mut src = vec![b'"'];
                src.extend_from_slice(&body);
                src.extend_from_slice(b"\",\"x\"");
                assert_eq!(string_end(&src, 0), Ok((body.len() + 1, escaped)), "{}", String::from_utf8_lossy(&src));
                src.truncate(body.len() + 1);
                assert_eq!(string_end(&src, 0), Err(Malformed));
            }
        }
        // Bytes that set high bits (UTF-8) next to a quote.
        assert_eq!(string_end("\"\u{e9}\u{e9}\u{e9}\u{e9}\"".as_bytes(), 0), Ok((9, false)));
    }
}
