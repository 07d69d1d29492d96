//! International bank account numbers: registered country length and mod-97 check.

use std::ops::Range;

use regex::bytes::Captures;

use super::best_groups;
use crate::rule::{class, Boundary, Extract, Group, RuleSpec};
use crate::validate::valid_iban;

fn iban(text: &str, caps: &Captures<'_>, out: &mut Vec<Range<usize>>) {
    if let Some(m) = caps.get(0) {
        let trimmed = text.get(m.range()).unwrap_or_default().trim_end().len();
        out.extend(best_groups(text, m.start()..m.start() + trimmed, b" ", valid_iban));
    }
}

pub const RULE: RuleSpec = RuleSpec {
    group: Group::Pii,
    classes: class::IBAN,
    extract: Extract::Custom(iban),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    ..RuleSpec::token("iban", "IBAN bank account number (mod-97)", &[], r"\b[A-Z]{2}[0-9]{2}[A-Z0-9 ]{8,36}\b")
};

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn ibans() {
        check("iban", &[
            ("pay to DE89370400440532013000 now", "DE89370400440532013000"),
            ("IBAN: GB82 WEST 1234 5698 7654 32 EUR 10", "GB82 WEST 1234 5698 7654 32"),
        ], &["DE89370400440532013001", "HTTP2 UTF8 ISO8601", "AB12CDEF34567890"]);
    }
}
