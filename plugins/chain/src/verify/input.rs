//! Finding the record in one line of Fluent Bit output:
//! - `out_file` default format: `TAG: [SEC.NSEC, {record}]`;
//! - `out_stdout` (msgpack format): `[N] TAG: [[SEC.NSEC, {metadata}], {record}]`;
//! - `json_lines` (out_file, out_stdout) and plain JSON lines: `{record}` (output-added fields
//!   such as `date` are told apart later, with the chain field's `keys`).

use logward_sdk::{Format, Node, Shape};

#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The record's JSON object text.
    Record(&'a [u8]),
    /// Nothing but whitespace.
    Blank,
    /// Not a line `logward verify` reads; the reason.
    Unreadable(&'static str),
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s
        && first.is_ascii_whitespace()
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && last.is_ascii_whitespace()
    {
        s = rest;
    }
    s
}

pub fn locate(line: &[u8]) -> Line<'_> {
    let line = trim(line);
    match line.first() {
        None => Line::Blank,
        Some(b'{') => Line::Record(line),
        Some(_) => tagged(line),
    }
}

/// `TAG: [ ..., {record}]`: the record is the array's last element.
fn tagged(line: &[u8]) -> Line<'_> {
    let Some(colon) = find_tag_end(line) else {
        return Line::Unreadable("neither a JSON object nor `TAG: [time, {record}]`");
    };
    let Some(array) = line.get(colon + 2..) else {
        return Line::Unreadable("truncated line");
    };
    if let Some(record) = out_file_record(array) {
        return Line::Record(record);
    }
    let last = Node::root(array, Format::Json)
        .ok()
        .and_then(|root| root.elements().ok().flatten())
        .and_then(|elements| elements.filter_map(Result::ok).last());
    match last {
        Some(node) if node.shape().ok() == Some(Shape::Object) => match node.raw() {
            Ok(raw) => Line::Record(raw),
            Err(_) => Line::Unreadable("malformed record"),
        },
        _ => Line::Unreadable("`TAG: [...]` without a record object at the end"),
    }
}

/// Where the first `: [` is (what `memmem::find` gives, without building a searcher per line:
/// tags rarely hold a colon).
fn find_tag_end(line: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = line.get(from..).and_then(|rest| memchr::memchr(b':', rest)) {
        let colon = from + at;
        if line.get(colon + 1..colon + 3) == Some(b" [") {
            return Some(colon);
        }
        from = colon + 1;
    }
    None
}

/// Fast path for out_file's `[SEC.NSEC, {record}]`: the record is everything between the first
/// `{` after the time and the closing `]` (the tokenizer checks it is exactly one object).
fn out_file_record(array: &[u8]) -> Option<&[u8]> {
    let inner = array.strip_prefix(b"[")?.strip_suffix(b"]")?;
    let time_end = inner.iter().position(|&b| !(b.is_ascii_digit() || b == b'.'))?;
    let rest = trim(inner.get(time_end..)?.strip_prefix(b",")?);
    (rest.first() == Some(&b'{') && rest.last() == Some(&b'}')).then_some(rest)
}

/// Replaces the bare words `nan`, `-nan`, `inf`, `-inf` that Fluent Bit writes for non-finite
/// floats (invalid JSON) by `null`, outside strings, so the chain field of such a record can
/// still be read. Returns `None` when there is nothing to replace.
pub fn neutralize_non_finite(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    let mut changed = false;
    let mut in_string = false;
    while let Some(&b) = text.get(i) {
        if in_string {
            out.push(b);
            match b {
                b'\\' => {
                    if let Some(&n) = text.get(i + 1) {
                        out.push(n);
                    }
                    i += 2;
                    continue;
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        }
        let rest = text.get(i..).unwrap_or_default();
        let word = [&b"-nan"[..], b"nan", b"-inf", b"inf"].into_iter().find(|w| rest.starts_with(w));
        if let Some(w) = word {
            out.extend_from_slice(b"null");
            i += w.len();
            changed = true;
            continue;
        }
        out.push(b);
        i += 1;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_output_format() {
        assert_eq!(locate(b"  {\"a\":1}\r\n"), Line::Record(b"{\"a\":1}"));
        assert_eq!(locate(b"app.log: [1700000000.123456789, {\"a\":\"x: [y]\"}]"), Line::Record(b"{\"a\":\"x: [y]\"}"));
        assert_eq!(locate(b"[0] app.log: [[1700000000.123456789, {}], {\"a\":1}]"), Line::Record(b"{\"a\":1}"));
        assert_eq!(locate(b"   "), Line::Blank);
        assert!(matches!(locate(b"hello"), Line::Unreadable(_)));
        assert!(matches!(locate(b"t: [1, 2]"), Line::Unreadable(_)));
        assert!(matches!(locate(b"t: [1, {\"a\":"), Line::Unreadable(_)));
    }

    #[test]
    fn non_finite_words_outside_strings_become_null() {
        assert_eq!(neutralize_non_finite(b"{\"a\":nan,\"b\":\"inf\",\"c\":[-inf]}").unwrap(), b"{\"a\":null,\"b\":\"inf\",\"c\":[null]}");
        assert_eq!(neutralize_non_finite(b"{\"a\":\"nan\\\"inf\"}"), None);
    }
}
