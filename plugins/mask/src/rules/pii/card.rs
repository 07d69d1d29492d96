//! Payment card numbers: 13-19 digits, optionally grouped with spaces or dashes, with a valid
//! Luhn check digit and a real scheme prefix/length. Masked partially by default
//! (`************1111`), as PCI DSS allows showing the last four digits.

use std::ops::Range;

use regex::bytes::Captures;

use super::best_groups;
use crate::rule::{class, Boundary, DefaultPartial, Extract, Group, RuleSpec};
use crate::validate::valid_card;

fn card(text: &str, caps: &Captures<'_>, out: &mut Vec<Range<usize>>) {
    if let Some(m) = caps.get(0) {
        out.extend(best_groups(text, m.range(), b" -", valid_card));
    }
}

pub const RULE: RuleSpec = RuleSpec {
    group: Group::Pii,
    classes: class::DIGITS,
    extract: Extract::Custom(card),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    default_partial: Some(DefaultPartial { keep_first: 0, keep_last: 4 }),
    ..RuleSpec::token("payment-card", "Payment card number (Luhn-valid, known scheme)", &[], r"\b(?:[0-9][ -]?){12,18}[0-9]\b")
};

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn cards() {
        check("payment-card", &[
            ("paid with 4111 1111 1111 1111 today", "4111 1111 1111 1111"),
            ("card=5555-5555-5555-4444&x", "5555-5555-5555-4444"),
            ("amex 378282246310005.", "378282246310005"),
            ("qty 3 4111 1111 1111 1111 ok", "4111 1111 1111 1111"),
            ("{\"pan\":4012888888881881}", "4012888888881881"),
        ], &[
            "card 4111 1111 1111 1112",         // Luhn fails
            "ts=1700000000123",                 // epoch millis
            "order 2024051512345678",           // Luhn may pass, no scheme
            "id 12345678901234567890123",
            "sha a41111111111111111b",
            "uuid 550e8400-e29b-41d4-a716-446655440000",
            "git 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        ]);
    }
}
