//! US Social Security numbers written `AAA-GG-SSSS`, outside never-issued ranges.

use crate::rule::{class, Boundary, Group, RuleSpec};
use crate::validate::valid_ssn;

pub const RULE: RuleSpec = RuleSpec {
    group: Group::Pii,
    classes: class::DIGITS,
    validator: Some(valid_ssn),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    ..RuleSpec::token("us-ssn", "US Social Security number", &[], r"\b[0-9]{3}-[0-9]{2}-[0-9]{4}\b")
};

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn ssns() {
        check("us-ssn", &[("ssn=536-22-1234;", "536-22-1234")], &["ssn=000-22-1234", "ssn=666-22-1234", "date 2024-05-01", "123-45-6789", "1536-22-1234"]);
    }
}
