//! Payment providers: Stripe secret/restricted keys and webhook secrets, Square, Shopify,
//! Flutterwave, Duffel, EasyPost, Plaid, Shippo.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("stripe-secret-key", "Stripe secret or restricted key (sk_/rk_ live, test)", &["sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"], r"\b[rs]k_(?:live|test|prod)_[A-Za-z0-9]{10,247}\b")
    },
    RuleSpec::token("stripe-webhook-secret", "Stripe webhook signing secret", &["whsec_"], r"\bwhsec_[A-Za-z0-9]{32,}\b"),
    RuleSpec::token("square-token", "Square access token or OAuth secret", &["sq0atp-", "sq0csp-"], r"\bsq0(?:atp|csp)-[A-Za-z0-9_-]{22,43}\b"),
    RuleSpec::token("shopify-token", "Shopify access token or shared secret", &["shpat_", "shpca_", "shppa_", "shpss_"], r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
    RuleSpec::token("flutterwave-key", "Flutterwave secret/public/encryption key", &["flwseck", "flwpubk"], r"\bFLW(?:SECK|PUBK)(?:_TEST)?-[a-hA-H0-9]{12,32}(?:-X)?\b"),
    RuleSpec::token("duffel-token", "Duffel API token", &["duffel_test_", "duffel_live_"], r"\bduffel_(?:test|live)_[A-Za-z0-9_=-]{43}"),
    RuleSpec::token("easypost-key", "EasyPost production/test API key", &["ezak", "eztk"], r"\bEZ[AT]K[A-Za-z0-9]{54}\b"),
    RuleSpec::token(
        "plaid-access-token",
        "Plaid access token",
        &["access-sandbox-", "access-development-", "access-production-"],
        r"\baccess-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    ),
    RuleSpec::token("shippo-token", "Shippo API token", &["shippo_live_", "shippo_test_"], r"\bshippo_(?:live|test)_[a-fA-F0-9]{40}\b"),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn stripe() {
        check("stripe-secret-key", &[("string stripeToken = \"sk_test_vn7u5uve6er2ot15yaumir2jipffgy\";", "sk_test_vn7u5uve6er2ot15yaumir2jipffgy")], &[
            "nonMatchingToken := \"task_test_czvc32esfbqkpuh4m301tvzp5or547\"",
            "pk_live_51H8x2mLq9Zr4Tv7Nw1Yk3Bc6Df0Gh5Jk8",
        ]);
        check("stripe-webhook-secret", &[("whsec_q8m3Lx9Vp2Rt7Nw4Yk1Bc6Df0Gh5Jk8Lm", "whsec_q8m3Lx9Vp2Rt7Nw4Yk1Bc6Df0Gh5Jk8Lm")], &["whsec_short"]);
    }

    #[test]
    fn others() {
        check("square-token", &[("squareToken = sq0atp-I_vNqZq3F2WPLZE2hqtp9r", "sq0atp-I_vNqZq3F2WPLZE2hqtp9r")], &["sq0atp-short"]);
        check("shopify-token", &[("shopifyToken = \"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\"", "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")], &["shpat_xyz"]);
        check("flutterwave-key", &[("FLWSECK_TEST-d243edf466a14486aac61064b2608650-X", "FLWSECK_TEST-d243edf466a14486aac61064b2608650-X")], &["FLWSECK_TEST-zz"]);
        check("easypost-key", &[("EZAKToken=EZAKkKLd68h2u9Bk2vW9gH0Y4nsIsKtEbgdaecI08v5puiWddkZYU9FLkl", "EZAKkKLd68h2u9Bk2vW9gH0Y4nsIsKtEbgdaecI08v5puiWddkZYU9FLkl")], &[
            "...6wqX6fNUXA/rYqRvfQ+EZAKGqQRiRyqAFRQshGPWOIAwNWGORfKHSBnVNFtVmWYoW6PH23lkqbbDWep95C/3VmWq/edti6...",
        ]);
        check("plaid-access-token", &[("access-production-e8a0604f-022a-3174-c121-4aa581f56fca", "access-production-e8a0604f-022a-3174-c121-4aa581f56fca")], &["access-production-x"]);
        check("duffel-token", &[("duffelToken=duffel_test_a=_ihxk9o9g0ne=2q9_jz4p8072y686xo3z3i-qx5n3", "duffel_test_a=_ihxk9o9g0ne=2q9_jz4p8072y686xo3z3i-qx5n3")], &["duffel_test_x"]);
        check("shippo-token", &[("shippo_live_4f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c", "shippo_live_4f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c")], &["shippo_live_"]);
    }
}
