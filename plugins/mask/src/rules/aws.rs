//! Amazon Web Services: access key ids (`AKIA`/`ASIA`… + 16 base32 characters), secret access
//! keys and session tokens next to their names, Bedrock API keys.

use crate::rule::{Boundary, Extract, RuleSpec};

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token(
            "aws-access-key-id",
            "AWS access key id (long-term AKIA, temporary ASIA, and the other key prefixes)",
            &["akia", "asia", "abia", "acca"],
            r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        )
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        entropy: Some(3.5),
        ..RuleSpec::token(
            "aws-secret-access-key",
            "AWS secret access key (40 base64 characters after its name)",
            &["secret_access_key", "secretaccesskey", "secret-access-key", "aws_secret"],
            r#"(?i)(?:secret_?access_?key|secret-access-key|aws_secret(?:_key)?)["'`]?\s*(?:[:=]|=>|,)\s*["'`]?([A-Za-z0-9/+=]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        )
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        ..RuleSpec::token(
            "aws-session-token",
            "AWS session token (after aws_session_token or X-Amz-Security-Token)",
            &["session_token", "sessiontoken", "x-amz-security-token"],
            r#"(?i)(?:aws_?session_?token|x-amz-security-token)["'`]?\s*(?:[:=]|=>|,)\s*["'`]?([A-Za-z0-9/+=%]{100,})"#,
        )
    },
    RuleSpec::token(
        "aws-bedrock-api-key",
        "Amazon Bedrock API key (long-term ABSK…, short-term bedrock-api-key-…)",
        &["absk", "bedrock-api-key-"],
        r"\bABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{100,}={0,2}|\bbedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&-]*",
    ),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn access_key_ids() {
        check("aws-access-key-id", &[
            ("AWS_TOKEN = \"AKIALALEMEL33243OLIB\"", "AKIALALEMEL33243OLIB"),
            ("creds ASIAY34FZKBOKMUTVV7A expire", "ASIAY34FZKBOKMUTVV7A"),
        ], &[
            "key = AKIAXXXXXXXXXXXXXXXX",
            "aws_access_key: AKIAIOSFODNN7EXAMPLE",
            "TODAYINASIAASACKOFRICEFELLOVER",
            "AKIALALEMEL33243OLIB1", // 17 characters: not a key id
            "Asia/Shanghai",
        ]);
    }

    #[test]
    fn secret_access_keys() {
        check("aws-secret-access-key", &[
            ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8m3Lx9Vp", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8m3Lx9Vp"),
            ("\"SecretAccessKey\": \"q7Jx2m9Pz4Lr8Vt1Nb6Hc3Ws5Ek0Yd2Fg7Ua9Ri4\"", "q7Jx2m9Pz4Lr8Vt1Nb6Hc3Ws5Ek0Yd2Fg7Ua9Ri4"),
        ], &[
            "aws_secret_access_key = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "aws_secret_access_key = q7Jx2m9Pz4Lr8Vt1Nb6Hc3Ws5Ek0Yd2Fg7Ua9Ri4X", // 41
        ]);
    }

    #[test]
    fn bedrock_keys() {
        let long = "ABSKQmVkcm9ja0FQSUtleS1jji4f1c9dun5birs36i2qc4m9cqkgc0u4lb7cqh42ey1wa2lglcskzc92cw9eqfc6dxdlnntli3t3f02rqo3cvc9l60y9idwybgfcv2hll7d=";
        check("aws-bedrock-api-key", &[(long, long)], &["ABSKQmVkcm9ja0FQSUtleS1EXAMPLE", "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29x"]);
    }
}
