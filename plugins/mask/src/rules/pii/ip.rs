//! IP addresses (group `network`, off by default: most logs need them).

use crate::rule::{class, Boundary, Group, RuleSpec};
use crate::validate::{valid_ipv4, valid_ipv6};

pub const IPV4: RuleSpec = RuleSpec {
    group: Group::Network,
    classes: class::IPV4,
    validator: Some(valid_ipv4),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    enabled: false,
    ..RuleSpec::token("ipv4", "IPv4 address", &[], r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b")
};

pub const IPV6: RuleSpec = RuleSpec {
    group: Group::Network,
    classes: class::IPV6,
    validator: Some(valid_ipv6),
    boundary: Boundary::Regex,
    reject_placeholders: false,
    enabled: false,
    ..RuleSpec::token("ipv6", "IPv6 address", &[], r"(?i)[0-9a-f:]{2,39}")
};

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn ips() {
        check("ipv4", &[("from 10.0.12.7:443", "10.0.12.7")], &["v1.2.3", "999.1.1.1"]);
        check("ipv6", &[("from 2001:db8::8a2e:370:7334 ok", "2001:db8::8a2e:370:7334"), ("lo ::1", "::1")], &["at 10:00:00"]);
    }
}
