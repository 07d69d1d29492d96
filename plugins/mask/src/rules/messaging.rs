//! E-mail and SMS providers: Twilio, SendGrid, Mailgun, Mailchimp, Brevo (Sendinblue).

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    // `SK…`/`AC…` are too short a prefix to gate on alone: the rule runs where "twilio" appears.
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("twilio-key", "Twilio API key SID (SK…) or account SID (AC…)", &["twilio"], r"\b(?:SK|AC)[0-9a-fA-F]{32}\b")
    },
    RuleSpec::token("sendgrid-api-key", "SendGrid API key", &["sg."], r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
    RuleSpec::token("mailgun-key", "Mailgun private API key or public validation key", &["key-", "pubkey-"], r"\b(?:pub)?key-[a-f0-9]{32}\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("mailchimp-api-key", "Mailchimp API key (hex-usN)", &["-us"], r"\b[a-f0-9]{32}-us[0-9]{1,2}\b")
    },
    RuleSpec::token("brevo-api-key", "Brevo (Sendinblue) API key", &["xkeysib-"], r"\bxkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}\b"),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn all() {
        check("twilio-key", &[("twilio_TOKEN ?= \"SK47898fca527bef0fb33a56099a2b7392\"", "SK47898fca527bef0fb33a56099a2b7392")], &["SK47898fca527bef0fb33a56099a2b7392 without the name", "twilio SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]);
        check("sendgrid-api-key", &[(
            "SENDGRID=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",
            "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",
        )], &["msg.length", "SG.short.short"]);
        check("mailgun-key", &[("mailgun_token: pubkey-a2236d2fa079c5d3efe6affd695867b8", "pubkey-a2236d2fa079c5d3efe6affd695867b8"), ("key-9c2a406c5dea7879e5285adc5daa84fa", "key-9c2a406c5dea7879e5285adc5daa84fa")], &["api-key-id"]);
        check("mailchimp-api-key", &[("mailchimpToken=ae513bdd841868b816fcb93bd8118026-us20", "ae513bdd841868b816fcb93bd8118026-us20")], &["en-us", "us-east-1"]);
        check("brevo-api-key", &[(
            "xkeysib-1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988-AbCdEfGh12345678",
            "xkeysib-1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988-AbCdEfGh12345678",
        )], &["xkeysib-"]);
    }
}
