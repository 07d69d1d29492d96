//! Microsoft Azure: storage account keys, Service Bus/Event Hub shared access keys, SAS
//! signatures, and Entra ID (Azure AD) client secrets (`xxx8Q~…`).

use crate::rule::{Boundary, Extract, RuleSpec};

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        ..RuleSpec::token("azure-storage-account-key", "Azure storage account key in a connection string", &["accountkey"], r"(?i)AccountKey\s*=\s*([A-Za-z0-9+/]{86}==)")
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        ..RuleSpec::token("azure-shared-access-key", "Azure Service Bus / Event Hubs shared access key", &["sharedaccesskey"], r"(?i)SharedAccessKey\s*=\s*([A-Za-z0-9+/=]{43,45})")
    },
    RuleSpec {
        extract: Extract::Group(1),
        boundary: Boundary::Regex,
        entropy: Some(3.5),
        ..RuleSpec::token("azure-sas-signature", "Azure shared access signature (sig= in a SAS URL or token)", &["sig="], r"[?&; \t]sig=([A-Za-z0-9%+/=]{40,})")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("azure-ad-client-secret", "Microsoft Entra ID (Azure AD) client secret", &["q~"], r"[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}")
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn storage_and_service_bus() {
        let key = "dGhpc2lzYWZha2VrZXlmb3J0ZXN0aW5nb25seWRvbm90dXNlaXRhbnl3aGVyZWVsc2VwbGVhc2UxMjM0NTY3ODkw==";
        let key = &key[key.len() - 88..];
        check("azure-storage-account-key", &[(&format!("DefaultEndpointsProtocol=https;AccountName=x;AccountKey={key};EndpointSuffix=core.windows.net"), key)], &["AccountKey=short=="]);
        check("azure-shared-access-key", &[("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=q7Jx2m9Pz4Lr8Vt1Nb6Hc3Ws5Ek0Yd2Fg7Ua9Ri4Xz=", "q7Jx2m9Pz4Lr8Vt1Nb6Hc3Ws5Ek0Yd2Fg7Ua9Ri4Xz=")], &["SharedAccessKeyName=Root"]);
    }

    #[test]
    fn sas_signatures() {
        check("azure-sas-signature", &[(
            "GET https://x.blob.core.windows.net/c/b?sv=2022-11-02&se=2024&sr=b&sp=r&sig=Zq8m3Lx9Vp2Rt7Nw4Yk1Bc6Df0Gh5Jk8Lm2Np9Qr3St%3D",
            "Zq8m3Lx9Vp2Rt7Nw4Yk1Bc6Df0Gh5Jk8Lm2Np9Qr3St%3D",
        )], &["?sig=short", "design=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]);
    }

    #[test]
    fn entra_client_secrets() {
        check("azure-ad-client-secret", &[("client_secret=bP88Q~rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR\n", "bP88Q~rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR")], &[
            "client_secret=bP88Q~xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "'url': 'http://www.2doc.nl/speel~VARA_101375237~mh17-het-verdriet-van-nederland~.html',",
        ]);
    }
}
