//! HashiCorp: Vault service/batch tokens (`hvs.`/`hvb.`) and Terraform Cloud API tokens.
//! Legacy `s.` Vault tokens carry no distinctive prefix; the assignment rule covers them.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("vault-token", "HashiCorp Vault service or batch token", &["hvs.", "hvb."], r"\bhv[sb]\.[A-Za-z0-9_-]{24,}")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("terraform-cloud-token", "Terraform Cloud / Enterprise API token", &["atlasv1"], r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}\b")
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn all() {
        check("vault-token", &[("VAULT_TOKEN=hvs.CAESIJ2mDq8ZTh3bCq1EaQ7Vh8Xw9nR4pKfL6sYtU5oB0iGjHh4KHGh2cy5aT2Rx", "hvs.CAESIJ2mDq8ZTh3bCq1EaQ7Vh8Xw9nR4pKfL6sYtU5oB0iGjHh4KHGh2cy5aT2Rx")], &[
            "hvs.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "chvs.abc",
        ]);
        let tf = "756d56dfe8d0d0.atlasv1.78gofulu5saitywiwynpfhvob8_xfdy4plmqa6cvqkv2kjk4y675la1rll3y";
        check("terraform-cloud-token", &[(tf, tf)], &["token = \"xxxxxxxxxxxxxx.atlasv1.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""]);
    }
}
