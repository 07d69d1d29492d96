//! Hosting and developer platforms: Heroku, Fly.io, DigitalOcean, PlanetScale, Databricks,
//! OpenShift, Cloudflare origin CA keys, Pulumi, Doppler, Infracost, Harness, Octopus Deploy,
//! Scalingo, Prefect.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec::token("heroku-api-key", "Heroku platform API key (HRKU-…)", &["hrku-"], r"\bHRKU-AA[0-9A-Za-z_-]{58}\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("flyio-token", "Fly.io access or macaroon token", &["fo1_", "fm1a_", "fm1r_", "fm2_"], r"\b(?:fo1_[A-Za-z0-9_-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3})")
    },
    RuleSpec::token("digitalocean-token", "DigitalOcean personal, OAuth or refresh token", &["dop_v1_", "doo_v1_", "dor_v1_"], r"\bdo[opr]_v1_[a-f0-9]{64}\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("planetscale-token", "PlanetScale password, API or OAuth token", &["pscale_"], r"\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9=._-]{32,64}")
    },
    RuleSpec::token("databricks-token", "Databricks personal access token", &["dapi"], r"\bdapi[a-f0-9]{32}(?:-[0-9])?\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("openshift-token", "OpenShift user/service token (sha256~…)", &["sha256~"], r"\bsha256~[A-Za-z0-9_-]{43}\b")
    },
    RuleSpec::token("cloudflare-origin-ca-key", "Cloudflare origin CA key", &["v1.0-"], r"\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b"),
    RuleSpec::token("pulumi-token", "Pulumi access token", &["pul-"], r"\bpul-[a-f0-9]{40}\b"),
    RuleSpec::token("doppler-token", "Doppler personal/service/CLI/SCIM/audit token", &["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."], r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("infracost-token", "Infracost API token", &["ico-"], r"\bico-[A-Za-z0-9]{32}\b")
    },
    RuleSpec::token("harness-token", "Harness personal or service account token", &["pat.", "sat."], r"\b(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("octopus-deploy-key", "Octopus Deploy API key", &["api-"], r"\bAPI-[A-Z0-9]{26}\b")
    },
    RuleSpec::token("scalingo-token", "Scalingo API token", &["tk-us-"], r"\btk-us-[A-Za-z0-9_-]{48}\b"),
    RuleSpec::token("prefect-token", "Prefect API key", &["pnu_"], r"\bpnu_[A-Za-z0-9]{36}\b"),
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn all() {
        check("heroku-api-key", &[("HRKU-AA_sCGc4nwkyDJo2aE7_6rTc3gN9DZlbLu8msY_OU03OCOFKfpLmAMbJnuza", "HRKU-AA_sCGc4nwkyDJo2aE7_6rTc3gN9DZlbLu8msY_OU03OCOFKfpLmAMbJnuza")], &["HRKU-AA"]);
        check("flyio-token", &[("fly_token: 'fo1_hMuZXhN0ywdcgdUAerd1UPb_KJX1NfaTpJCP2gDXtd4'", "fo1_hMuZXhN0ywdcgdUAerd1UPb_KJX1NfaTpJCP2gDXtd4")], &[
            "api_key = \"fo1_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
            "<input name=\"authenticity_token\" value=\"7SWa-Fo1_hsC6oovfBsJFLGPUl2EhkSWPbJhWANwgaJWBDl1vxd9VNqXTNAefsJqzIRYaZEfYZLffa31rw8zJA\" />",
        ]);
        let d = "dop_v1_844a23b0a3beaed7bd83257dd98ea85057e4b85c7cb9852552d67638e708d4be";
        check("digitalocean-token", &[(d, d)], &["dop_v1_xyz"]);
        check("databricks-token", &[("databricksToken := \"dapic83740e42d7e364605957848c8c5bf2e\"", "dapic83740e42d7e364605957848c8c5bf2e")], &["DATABRICKS_TOKEN=dapi123456789012345678a9bc01234defg5"]);
        check("openshift-token", &[("oc login --token=sha256~PlHL14I-wRd5N3r5IO9oXup-n49HrVNC2Toy2-7NRmA", "sha256~PlHL14I-wRd5N3r5IO9oXup-n49HrVNC2Toy2-7NRmA")], &["--token=sha256~XXXXXXXXXX_PUT_YOUR_TOKEN_HERE_XXXXXXXXXXXX"]);
        check("pulumi-token", &[("pul-48e4c5e829d6620c7866962f8bc244d5168dba73", "pul-48e4c5e829d6620c7866962f8bc244d5168dba73")], &["<img src=\"./assets/vipul-f0eb1acf0da84c06a50c5b2c59932001997786b176dec02bd16128ee9ea83628.png\">"]);
        check("infracost-token", &[("icoToken=ico-QMfK37VQyRpObMXZizRTP9sQjkqU7VJr", "ico-QMfK37VQyRpObMXZizRTP9sQjkqU7VJr")], &[
            "http://assets.r7.com/assets/media_box_tv_tres_colunas/video_box.ico-7a388b69018576d24b59331fd60aab0c.png",
            "ico-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        ]);
        check("octopus-deploy-key", &[("set apikey=\"API-ZNRMR7SL6L3ATMOIK7GKJDKLPY\"", "API-ZNRMR7SL6L3ATMOIK7GKJDKLPY")], &[
            "msgstr \"GSSAPI-VIRHEKAPSELOINTIMERKKIJONO.\"",
            "https://fog-ringer-f42.notion.site/API-BD80F56CDC1441E6BF6011AB6D852875",
        ]);
        check("harness-token", &[("pat.b3gdltrgreobo8lzgickn8.dhf6oi3hd6rremv1lamqa69z.c9iu68r23ew6ir7br7xe", "pat.b3gdltrgreobo8lzgickn8.dhf6oi3hd6rremv1lamqa69z.c9iu68r23ew6ir7br7xe")], &["compat.mode"]);
    }
}
