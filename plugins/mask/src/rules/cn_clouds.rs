//! Alibaba Cloud, Tencent Cloud and Yandex Cloud credentials with documented prefixes. Their
//! secret keys have no prefix and are caught by the assignment rule next to their names.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("alibaba-access-key-id", "Alibaba Cloud AccessKey ID (LTAI…)", &["ltai"], r"\bLTAI[A-Za-z0-9]{12,20}\b")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("tencent-secret-id", "Tencent Cloud SecretId (AKID…)", &["akid"], r"\bAKID[A-Za-z0-9]{32}\b")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("yandex-api-key", "Yandex Cloud API key (AQVN…)", &["aqvn"], r"\bAQVN[A-Za-z0-9_-]{35,38}\b")
    },
    // IAM tokens start with `t1.9euelZ` (a fixed header); `t1.` alone is too common a gate
    // (`t1.micro`).
    RuleSpec::token("yandex-iam-token", "Yandex Cloud IAM token (t1.9euelZ…)", &["t1.9eu"], r"\bt1\.9eu[A-Za-z0-9_-]+=*\.[A-Za-z0-9_-]{86}=*"),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn alibaba_and_tencent() {
        check("alibaba-access-key-id", &[("alibabaKey := \"LTAI0d48ddb0efdd5ee0a5bf\"", "LTAI0d48ddb0efdd5ee0a5bf")], &["LTAIXXXXXXXXXXXXXXXX", "ALTAI5tHk2Lm9Pq3Rs7Vw"]);
        check("tencent-secret-id", &[("SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA")], &["AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPh"]);
    }

    #[test]
    fn yandex() {
        check("yandex-api-key", &[("var yandexToken = \"AQVNFXxlZYNIm_i1P5cfmLkQrbpHi05ZkjgGQbV\"", "AQVNFXxlZYNIm_i1P5cfmLkQrbpHi05ZkjgGQbV")], &["AQVN"]);
        let t = "t1.9euelZqRk5KJnsrJnJSKl5eRz5OJmu3rnYqRkIySkJCQjI2Oi5SOlpmalg=.QQKL1ZGBIsBLyc1iUQ_CcQziiO9J8Fk2fTF0LoG4ND_oomgBtci-09ueWWyOZAMCEcR6qwAYwcQo8EAMolAPxz".to_string();
        check("yandex-iam-token", &[(&format!("iam {t} x"), &t)], &["t1.micro instance"]);
    }
}
