//! Chinese mobile numbers: 11 digits on an assigned 1xx prefix, optionally `+86`/`86` and
//! grouped `138 1234 5678` or `138-1234-5678`.

use crate::rule::{class, Boundary, Group, RuleSpec};
use crate::validate::valid_cn_mobile;

pub const RULE: RuleSpec = RuleSpec {
    group: Group::Pii,
    classes: class::DIGITS,
    validator: Some(valid_cn_mobile),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    ..RuleSpec::token("cn-mobile", "Chinese mobile phone number", &[], r"(?:\+?\b86[ -]?|\b)1[3-9][0-9](?:[ -]?[0-9]{4}){2}\b")
};

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn mobiles() {
        check("cn-mobile", &[
            ("手机 13812345678 联系", "13812345678"),
            ("tel:+86 138 1234 5678", "+86 138 1234 5678"),
            ("phone=8613912345678", "8613912345678"),
            ("call 199-1234-5678", "199-1234-5678"),
        ], &["ts 1700000000000", "n=12812345678", "id 138123456789", "v13812345678"]);
    }
}
