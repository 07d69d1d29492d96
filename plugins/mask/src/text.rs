//! Substring search for the short strings rules look at (key names, candidate secrets, action
//! templates). `str::find`/`contains`/`replace` with a `&str` pattern build a two-way searcher
//! first, ~700 wasm instructions per call before a byte is compared; these scan directly.

/// Where `needle` first occurs in `hay`.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    find_bytes(hay.as_bytes(), needle.as_bytes())
}

/// [`find`] over bytes.
pub fn find_bytes(h: &[u8], n: &[u8]) -> Option<usize> {
    let Some(&first) = n.first() else { return Some(0) };
    if h.len() < n.len() {
        return None;
    }
    h.windows(n.len()).position(|w| w[0] == first && w == n)
}

/// Whether `needle` occurs in `hay`.
pub fn has(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// Appends `template` with every `from` replaced by `to`.
pub fn push_replaced(template: &str, from: &str, to: &str, out: &mut String) {
    let mut rest = template;
    while let Some(at) = find(rest, from).filter(|_| !from.is_empty()) {
        out.push_str(&rest[..at]);
        out.push_str(to);
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std() {
        for (h, n) in [("", ""), ("a", ""), ("", "a"), ("abc", "c"), ("aab", "ab"), ("密码x", "码"), ("{rule}", "{rule}"), ("ab", "abc")] {
            assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
        }
        for (t, to) in [("[REDACTED:{rule}]", "jwt"), ("{rule}-{rule}", "x"), ("none", "x"), ("", "x"), ("{rule", "x")] {
            let mut out = String::from(">");
            push_replaced(t, "{rule}", to, &mut out);
            assert_eq!(out, format!(">{}", t.replace("{rule}", to)));
        }
    }
}
