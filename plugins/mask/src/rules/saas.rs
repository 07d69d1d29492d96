//! Other SaaS credentials with documented formats: Linear, Notion, ReadMe, Typeform, Postman,
//! Airtable, Adobe, Mapbox, Frame.io, Defined Networking, age, 1Password, Authress, SettleMint,
//! Facebook, Twitter/X, Sidekiq.

use crate::rule::{Boundary, RuleSpec};

fn has_letter(s: &str) -> bool {
    s.bytes().skip(4).any(|b| b.is_ascii_alphabetic())
}

pub const RULES: &[RuleSpec] = &[
    RuleSpec::token("linear-api-key", "Linear API key", &["lin_api_"], r"\blin_api_[A-Za-z0-9]{40}\b"),
    RuleSpec {
        validator: Some(has_letter),
        ..RuleSpec::token("notion-token", "Notion integration token", &["ntn_"], r"\bntn_[0-9]{11}[A-Za-z0-9]{35}\b")
    },
    RuleSpec::token("readme-api-key", "ReadMe API key", &["rdme_"], r"\brdme_[a-z0-9]{70}\b"),
    RuleSpec::token("typeform-token", "Typeform personal access token", &["tfp_"], r"\btfp_[A-Za-z0-9_.=-]{59}"),
    RuleSpec::token("postman-api-key", "Postman API key", &["pmak-"], r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b"),
    RuleSpec::token("airtable-token", "Airtable personal access token (pat….)", &["airtable"], r"\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b"),
    RuleSpec::token("adobe-client-secret", "Adobe client secret", &["p8e-"], r"\bp8e-[A-Za-z0-9]{32}\b"),
    RuleSpec::token("mapbox-token", "Mapbox public/secret token", &["k.eyj1ijoi"], r"\b[ps]k\.eyJ1Ijoi[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}"),
    RuleSpec::token("frameio-token", "Frame.io API token", &["fio-u-"], r"\bfio-u-[A-Za-z0-9_=-]{64}\b"),
    RuleSpec::token("defined-networking-token", "Defined Networking API token", &["dnkey-"], r"\bdnkey-[a-z0-9=_-]{26}-[a-z0-9=_-]{52}"),
    // The prefix and the bech32 alphabet are specific enough; test keys repeat one letter.
    RuleSpec {
        reject_placeholders: false,
        ..RuleSpec::token("age-secret-key", "age encryption secret key", &["age-secret-key-1"], r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b")
    },
    RuleSpec::token("intra42-client-secret", "42 Intra API client secret", &["s-s4t2"], r"\bs-s4t2(?:ud|af)-[a-f0-9]{64}\b"),
    RuleSpec {
        extract: crate::rule::Extract::Group(1),
        boundary: Boundary::Regex,
        ..RuleSpec::token("sumologic-access-id", "Sumo Logic access id next to its name", &["sumo"], r#"(?i)sumo[A-Za-z0-9_.-]{0,12}access_?id\\?["']?[ \t]*(?::?=|:)[ \t]*\\?["']?(su[A-Za-z0-9]{12})\b"#)
    },
    RuleSpec::token(
        "onepassword-secret-key",
        "1Password account secret key",
        &["a3-"],
        r"\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b",
    ),
    RuleSpec::token("onepassword-service-token", "1Password service account token", &["ops_eyj"], r"\bops_eyJ[A-Za-z0-9+/]{250,}={0,3}"),
    RuleSpec::token(
        "authress-key",
        "Authress service client access key",
        &[".acc_", ".acc-"],
        r"\b(?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_-][a-z0-9-]{10,32}\.[a-z0-9+/_=-]{30,120}",
    ),
    RuleSpec::token("settlemint-token", "SettleMint application/personal/service token", &["sm_aat_", "sm_pat_", "sm_sat_"], r"\bsm_(?:aat|pat|sat)_[a-z0-9]{16}\b"),
    // App ids are 15-16 digits starting with 1, like epoch timestamps: gated by the separator.
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("facebook-app-token", "Facebook app access token (app id|secret)", &["|", "%7c"], r"\b[0-9]{15,16}(?:\||%7[Cc])[A-Za-z0-9_-]{27,40}\b")
    },
    RuleSpec::token("facebook-page-token", "Facebook page/user access token (EAA…)", &["eaam", "eaac"], r"\bEAA[MC][A-Za-z0-9]{80,}\b"),
    // 22 leading `A`s are the format, not a placeholder: entropy does the filtering instead.
    RuleSpec {
        reject_placeholders: false,
        entropy: Some(3.5),
        ..RuleSpec::token("twitter-bearer-token", "Twitter/X app bearer token", &["aaaaaaaaaaaaaaaaaaaaaa"], r"\bA{22}[A-Za-z0-9%]{80,}")
    },
    RuleSpec {
        boundary: Boundary::Regex,
        ..RuleSpec::token("sidekiq-credentials", "Sidekiq Pro/Enterprise gem credentials", &["contribsys"], r"\b[a-f0-9]{8}:[a-f0-9]{8}\b")
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn all() {
        check("linear-api-key", &[("linear_TOKEN = \"lin_api_yk7y0omsed4e2pwy700ofqetkjk0z5ckruouf1zj\"", "lin_api_yk7y0omsed4e2pwy700ofqetkjk0z5ckruouf1zj")], &["lin_api_short"]);
        check("notion-token", &[("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", "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")], &[
            "ntn_12345678901", "ntn_123456789012345678901234567890123456789012345678901234567890", "ntn_12345678901abc",
        ]);
        check("postman-api-key", &[("PMAK-0337ebd86f738037ef99edb0-c517b7300d1c25d7b51766853251a7bf46", "PMAK-0337ebd86f738037ef99edb0-c517b7300d1c25d7b51766853251a7bf46")], &["PMAK-x"]);
        check("age-secret-key", &[("AGE-SECRET-KEY-1QLUWF5EK0XQRZ7EV6N3ZNLDF2JWMQ0PQ6HRUU8Q6RGD6YJWRZZQSQKH8A4", "AGE-SECRET-KEY-1QLUWF5EK0XQRZ7EV6N3ZNLDF2JWMQ0PQ6HRUU8Q6RGD6YJWRZZQSQKH8A4")], &["AGE-SECRET-KEY-1"]);
        check("onepassword-secret-key", &[("1passwordToken=\"A3-SVH4JD-4YN04XM3MLH-R9F4Y-W61OL-0OHVQ\"", "A3-SVH4JD-4YN04XM3MLH-R9F4Y-W61OL-0OHVQ")], &["A3-XXXXXX-XXXXXXXXXXX-XXXXX-XXXXX-XXXXX"]);
        check("facebook-app-token", &[("facebook 1308742762612587|rhoK1cbv0DOU_RTX_87O4MkX7AI", "1308742762612587|rhoK1cbv0DOU_RTX_87O4MkX7AI")], &["1308742762612587|short"]);
        check("twitter-bearer-token", &[(
            "AAAAAAAAAAAAAAAAAAAAAAsxMyCmvfD9S9pp5rTJggfa3qAeAiZFzyQK4Q6gUJoTi0dljXevWrju261HSXUUv9lVvFP8OW68jXOgLC",
            "AAAAAAAAAAAAAAAAAAAAAAsxMyCmvfD9S9pp5rTJggfa3qAeAiZFzyQK4Q6gUJoTi0dljXevWrju261HSXUUv9lVvFP8OW68jXOgLC",
        )], &["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]);
        check("sidekiq-credentials", &[("BUNDLE_ENTERPRISE__CONTRIBSYS__COM=3a3f8e0d:5d644f96", "3a3f8e0d:5d644f96")], &["3a3f8e0d:5d644f96 without context"]);
    }
}
