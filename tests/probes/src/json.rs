//! Just enough JSON for the probes: escaping for output, and finding a field in the input
//! text without a parser.

/// Appends `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &[u8]) {
    out.push('"');
    for &b in s {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\u{b:04x}")),
        }
    }
    out.push('"');
}

/// The raw text after `"key":` (up to the next `,` or `}`), for simple scalar fields.
pub fn field<'a>(text: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let needle = format!("\"{key}\":");
    let at = text
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())?
        + needle.len();
    let rest = &text[at..];
    let end = rest
        .iter()
        .position(|&b| b == b',' || b == b'}')
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// A string field's content (no unescaping: probes use plain ASCII values).
pub fn string_field<'a>(text: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let raw = field(text, key)?;
    let raw = raw.strip_prefix(b"\"")?;
    let end = raw.iter().position(|&b| b == b'"')?;
    Some(&raw[..end])
}

/// A non-negative integer field.
pub fn u32_field(text: &[u8], key: &str) -> Option<u32> {
    core::str::from_utf8(field(text, key)?)
        .ok()?
        .trim()
        .parse()
        .ok()
}
