//! JSON Web Tokens (`eyJ….eyJ….sig`) and JWTs that were base64-encoded once more (`ZXlK…`).

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec::token("jwt", "JSON Web Token", &["eyj"], r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    RuleSpec {
        entropy: Some(3.5),
        ..RuleSpec::token("jwt-base64", "base64-encoded JSON Web Token", &["zxlk"], r"\bZXlK[A-Za-z0-9+/]{40,}={0,2}")
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn jwts() {
        check("jwt", &[(&format!("Authorization: Bearer {JWT}"), JWT), (&format!("{{\"id_token\":\"{JWT}\"}}"), JWT)], &["eyJhbGciOiJIUzI1NiJ9", "xeyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.x"]);
        let b = "ZXlKcmRIa2lPaUpGUXlKOS5leUpwYzNNaU9pSnFiMlVpTEEwS0lDSmxlSEFpT2pFek1EQTRNVGt6T0RBc0RRb2dJbWgwZEhBNkx5OWxlR0Z0Y0d4bExtTnZiUzlwYzE5eWIyOTBJanAwY25WbGZRLmRCamZ0SmVaNENWUC1tQjkySzI3dWhiVUpVMXAxcl93VzFnRldGT0VqWGs=";
        check("jwt-base64", &[(b, b)], &["ZXlK"]);
    }
}
