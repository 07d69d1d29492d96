//! Observability SaaS: Grafana (cloud, service account, legacy API keys), New Relic, Sentry,
//! Dynatrace.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token(
            "grafana-token",
            "Grafana Cloud token (glc_), service account token (glsa_) or legacy API key (eyJrIjoi…)",
            &["glc_", "glsa_", "eyjrijoi"],
            r"\b(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,400}={0,2})",
        )
    },
    RuleSpec::token("new-relic-key", "New Relic user (NRAK), browser (NRJS) or insert (NRII) key", &["nrak-", "nrjs-", "nrii-"], r"\bNR(?:AK-[A-Z0-9]{27}|JS-[a-f0-9]{19}|II-[A-Za-z0-9_-]{32})\b"),
    RuleSpec {
        entropy: Some(3.0),
        // An organization token is `sntrys_`, its base64 JSON payload (`{"iat":…`), `_` and a
        // 32-byte secret in unpadded base64 (exactly 43 characters, `+` and `/` included; the
        // token boundary refuses a 44th).
        ..RuleSpec::token("sentry-token", "Sentry organization (sntrys_) or user (sntryu_) token", &["sntrys_", "sntryu_"], r"\b(?:sntrys_eyJpYXQiO[A-Za-z0-9+/]{10,1000}={0,2}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64}\b)")
    },
    RuleSpec::token("dynatrace-token", "Dynatrace API token", &["dt0c01."], r"\bdt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}\b"),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn all() {
        check("grafana-token", &[
            ("\"glsa_vkwskudd499u358aeroeo6nz879b9n8k_8c9fe056\"", "glsa_vkwskudd499u358aeroeo6nz879b9n8k_8c9fe056"),
            ("glc_at36jnfu0ui3k6b8cd9876ykzhly9rye", "glc_at36jnfu0ui3k6b8cd9876ykzhly9rye"),
        ], &["API_KEY=\"glc_111111111111111111111111111111111111111111=\"", "static void GLC_CreateLightmapTextureArray(void);"]);
        check("new-relic-key", &[("NRAK-RHZ47W01VUVMJIB4RAOYCP7BUZD", "NRAK-RHZ47W01VUVMJIB4RAOYCP7BUZD"), ("NRJS-0f549b6555ec79b9158", "NRJS-0f549b6555ec79b9158")], &["NRAK-short"]);
        // Payload: base64 of {"iat":1700000000.5,"url":"https://sentry.example","region_url":"https://us.sentry.example","org":"acme"}.
        let payload = "eyJpYXQiOjE3MDAwMDAwMDAuNSwidXJsIjoiaHR0cHM6Ly9zZW50cnkuZXhhbXBsZSIsInJlZ2lvbl91cmwiOiJodHRwczovL3VzLnNlbnRyeS5leGFtcGxlIiwib3JnIjoiYWNtZSJ9";
        let org = format!("sntrys_{payload}_q8/Lm3Rv+0Zt7Xw2Kp9Nd4Hs6Bf1Jc5Ga8Ye3Ui0Tk2");
        let (short, long) = (format!("sntrys_{payload}_q8/Lm3Rv+0Zt7Xw2Kp9Nd4Hs6Bf1Jc5Ga8Ye3Ui0Tk"), format!("sntrys_{payload}_q8/Lm3Rv+0Zt7Xw2Kp9Nd4Hs6Bf1Jc5Ga8Ye3Ui0Tk2Q"));
        check("sentry-token", &[
            ("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", "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"),
            (&format!("<token>{org}</token>"), &org),
            (&format!("SENTRY_AUTH_TOKEN={org}"), &org),
        ], &[
            "sntryu_b80f9bbb1dd5ed1f2a33f805d3b7ae1137b5421c5c00b0d1a6d561cc605af4f",
            "sntryu_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            // a secret of 42 or 44 characters is not a Sentry secret
            &short,
            &long,
        ]);
        let dt = "dt0c01.yqjldff88c0pmmdw1pzrr1ce.5jf0pqojomwqbcqll6nawyhilg3irwuue5463uvtigazu11dpz2vvv8wn29nc835";
        check("dynatrace-token", &[(dt, dt)], &["dt0c01.short"]);
    }
}
