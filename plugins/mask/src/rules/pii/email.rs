//! E-mail addresses. A `user:password@host` inside a URL is the url-userinfo rule's business,
//! not an address.

use std::ops::Range;

use regex::bytes::Captures;

use crate::rule::{Boundary, Extract, Group, RuleSpec};
use crate::validate::valid_email;

fn email(text: &str, caps: &Captures<'_>, out: &mut Vec<Range<usize>>) {
    let Some(m) = caps.get(0) else {
        return;
    };
    // The token this address sits in (back to the previous whitespace or quote).
    let before = text.get(..m.start()).unwrap_or_default();
    // Past the separator's own length: whitespace such as U+00A0 is more than one byte.
    let token_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || c == '"' || c == '\'')
        .map_or(0, |(i, c)| i + c.len_utf8());
    let token = &before[token_start..];
    // `scheme://user:password@host`: between `://` and the address there is no path or query.
    if let Some(p) = crate::text::find(token, "://")
        && !token[p + 3..].contains(['/', '?', '=', '&']) {
            return;
        }
    // `%40` is `@` URL-encoded (query strings in access logs).
    if text.get(m.range()).is_some_and(|a| valid_email(&a.replace("%40", "@"))) {
        out.push(m.range());
    }
}

pub const RULE: RuleSpec = RuleSpec {
    group: Group::Pii,
    extract: Extract::Custom(email),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    ..RuleSpec::token(
        "email",
        "E-mail address",
        &["@", "%40"],
        // Flat on purpose: each nesting level costs ~700 bytes of WAMR stack at compile time;
        // label rules (no leading/trailing `-`) are checked by the validator.
        r"\b[A-Za-z0-9._%+-]{1,64}(?:@|%40)[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+\b",
    )
};

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn emails() {
        check("email", &[
            ("user zhang.wei@corp-mail.cn logged in", "zhang.wei@corp-mail.cn"),
            ("{\"to\":\"li_na+news@mail.shop.com\"}", "li_na+news@mail.shop.com"),
            ("GET /login?email=zhang.wei%40corp-mail.cn&next=/", "zhang.wei%40corp-mail.cn"),
            // Found by `logward fuzz` (seed 2026, msgpack): a multi-byte space right before the
            // address used to split a character and panic.
            ("name:\u{a0}zhang.wei@corp-mail.cn", "zhang.wei@corp-mail.cn"),
            ("邮箱\u{3000}li_na@mail.shop.com", "li_na@mail.shop.com"),
        ], &[
            "git clone git@github.com:org/repo.git",
            "postgres://app:pw@db.internal.net/x",
            "image nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
            "java.lang.Object@1a2b3c",
            "\"strict-uri-encode@npm:^2.0.0\"",
        ]);
    }
}
