//! Checks that turn a regex match into a finding only when the value really is what the rule
//! claims (check digits, registered ranges, entropy), so look-alikes pass untouched.

mod entropy;
mod gb11643;
mod iban;
mod luhn;
mod net;
mod placeholder;
mod ssn;

pub use entropy::shannon;
pub use gb11643::valid_cn_id;
pub use iban::valid_iban;
pub use luhn::valid_card;
pub use net::{valid_cn_mobile, valid_email, valid_ipv4, valid_ipv6};
pub use placeholder::is_placeholder;
pub use ssn::valid_ssn;

/// A validator: given the candidate secret, is it real?
pub type Validator = fn(&str) -> bool;

/// Validators custom rules can name in `mask.json` (`"validator": "luhn"`).
pub const NAMED: &[(&str, Validator)] = &[
    ("luhn", valid_card),
    ("gb11643", valid_cn_id),
    ("iban", valid_iban),
    ("us-ssn", valid_ssn),
    ("cn-mobile", valid_cn_mobile),
    ("email", valid_email),
    ("ipv4", valid_ipv4),
    ("ipv6", valid_ipv6),
];

pub fn named(name: &str) -> Option<Validator> {
    NAMED.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}
