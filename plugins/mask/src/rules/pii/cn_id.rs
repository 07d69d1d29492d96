//! Chinese resident identity numbers (身份证号): 18 characters with a valid GB 11643 check
//! character, province code and birth date.

use crate::rule::{class, Boundary, Group, RuleSpec};
use crate::validate::valid_cn_id;

pub const RULE: RuleSpec = RuleSpec {
    group: Group::Pii,
    classes: class::DIGITS,
    validator: Some(valid_cn_id),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    ..RuleSpec::token("cn-resident-id", "Chinese resident identity number (GB 11643)", &[], r"\b[0-9]{17}[0-9Xx]\b")
};

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn ids() {
        check("cn-resident-id", &[
            ("身份证号：11010519491231002X，已验证", "11010519491231002X"),
            ("id_card=110101199003074573", "110101199003074573"),
        ], &[
            "id_card=110101199003074579",  // wrong check digit
            "id_card=110101199013074570",  // month 13
            "trace=333079742122465768",
            "x1101011990030745781",
        ]);
    }
}
