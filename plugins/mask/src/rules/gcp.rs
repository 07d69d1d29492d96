//! Google Cloud: API keys (`AIza` + 35), OAuth access/refresh tokens and client secrets.
//! Service-account JSON is covered by the private-key rule and the `private_key` key name.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("gcp-api-key", "Google API key", &["aiza"], r"\bAIza[0-9A-Za-z_-]{35}")
    },
    RuleSpec::token("gcp-oauth-access-token", "Google OAuth 2.0 access token", &["ya29."], r"\bya29\.[0-9A-Za-z_-]{30,}"),
    RuleSpec::token("gcp-oauth-refresh-token", "Google OAuth 2.0 refresh token", &["1//0"], r"\b1//0[0-9A-Za-z_-]{40,}"),
    RuleSpec::token("gcp-oauth-client-secret", "Google OAuth client secret", &["gocspx-"], r"\bGOCSPX-[0-9A-Za-z_-]{28}\b"),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn api_keys() {
        check("gcp-api-key", &[("key=AIzaA88npXSL4CmuK7GlUy5EuINv-lUUNRgIyED&q=1", "AIzaA88npXSL4CmuK7GlUy5EuINv-lUUNRgIyED")], &[
            "apiKey: \"AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
            "AIzaTesb6Tscfcni8vIpWZqNCXFDFslJtVSvFDqabcd123",
            "GWw4hjABFzZCGiRpmlDyDdo87Jn9BN9THUA47muVRNunLxsa82tMAdvmrhOqNkRKiYMEAFbTJAIzaTesb6Tscfcni8vIpWZqNCXFDFslJtVSvFDq",
        ]);
    }

    #[test]
    fn oauth() {
        check("gcp-oauth-access-token", &[("Bearer ya29.a0AfH6SMBx3kZr8Tq1Lw2Vn7Yp5Jc0Ds9Gh4Ke6Mf", "ya29.a0AfH6SMBx3kZr8Tq1Lw2Vn7Yp5Jc0Ds9Gh4Ke6Mf")], &["ya29.short"]);
        check("gcp-oauth-refresh-token", &[("refresh 1//0gKq3Zx9Lm2Np7Rs4Tu1Vw8Yz5Ab6Cd0Ef3Gh2Ij9Kl", "1//0gKq3Zx9Lm2Np7Rs4Tu1Vw8Yz5Ab6Cd0Ef3Gh2Ij9Kl")], &["1//0abc"]);
        check("gcp-oauth-client-secret", &[("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", "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")], &["GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx"]);
    }
}
