//! Source hosting: GitHub (classic `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` and fine-grained
//! `github_pat_`), GitLab (every documented `gl…-` prefix, runner registration tokens, session
//! cookies), Sourcegraph.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("github-token", "GitHub personal/OAuth/user/server/refresh token", &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], r"\bgh[pousr]_[A-Za-z0-9]{36}\b")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("github-fine-grained-pat", "GitHub fine-grained personal access token", &["github_pat_"], r"\bgithub_pat_[A-Za-z0-9_]{82}\b")
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token(
            "gitlab-token",
            "GitLab token (personal, project, pipeline trigger, runner, CI job, deploy, feed, incoming mail, agent, OAuth, SCIM…)",
            &["glpat-", "glptt-", "glrt-", "glcbt-", "gldt-", "glffct-", "glft-", "glimt-", "glagent-", "gloas-", "glsoat-", "gltst-", "glwt-"],
            r"\b(?:glpat|glptt|glrt|glcbt|gldt|glffct|glft|glimt|glagent|gloas|glsoat|gltst|glwt)-[A-Za-z0-9_.-]{20,300}",
        )
    },
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("gitlab-runner-registration-token", "GitLab runner registration token (GR1348941…)", &["gr1348941"], r"\bGR1348941[A-Za-z0-9_-]{20}\b")
    },
    RuleSpec::token("gitlab-session-cookie", "GitLab session cookie", &["_gitlab_session="], r"_gitlab_session=[0-9a-z]{32}"),
    RuleSpec::token("sonarqube-token", "SonarQube user, project or global analysis token", &["squ_", "sqp_", "sqa_"], r"\bsq[upa]_[A-Za-z0-9]{40}\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("sourcegraph-token", "Sourcegraph access token", &["sgp_"], r"\bsgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}\b")
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn github() {
        check("github-token", &[
            ("githubToken=\"ghp_sfmtpo0sm9jl6ua71oc31vob73t8oppvzbfe\"", "ghp_sfmtpo0sm9jl6ua71oc31vob73t8oppvzbfe"),
            ("https://x:ghs_sxmm2510kfg0zrjk8heqah44v236y6atv1m8@github.com", "ghs_sxmm2510kfg0zrjk8heqah44v236y6atv1m8"),
        ], &["ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghp_sfmtpo0sm9jl6ua71oc31vob73t8oppvzbfe1", "xghp_sfmtpo0sm9jl6ua71oc31vob73t8oppvzbfe"]);
        check("github-fine-grained-pat", &[(
            "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",
            "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",
        )], &["github_pat_xxxxxxxxxxxxxxxxxxxxxx_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]);
    }

    #[test]
    fn gitlab() {
        check("gitlab-token", &[
            ("gitlab_TOKEN := \"glpat-mtbjzt9jwyuhmfxfl2l7\"", "glpat-mtbjzt9jwyuhmfxfl2l7"),
            ("token glrt-t3_8iz4c6gouydfpnfp7c6fba7e3gs.97n8q352z", "glrt-t3_8iz4c6gouydfpnfp7c6fba7e3gs.97n8q352z"),
        ], &["glpat-XXXXXXXXXXX-XXXXXXXX", "glptt-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "glpat-short"]);
        check("gitlab-runner-registration-token", &[("GR13489414swcxq9rfwmiqbe235yh", "GR13489414swcxq9rfwmiqbe235yh")], &["GR134894112312312312312312312", "GR1348941XXXXXXXXXXXXXXXXXXXX"]);
        check("gitlab-session-cookie", &[("Cookie: _gitlab_session=j79iyw9xmulz405x8utfvcuj4yyca6ig", "_gitlab_session=j79iyw9xmulz405x8utfvcuj4yyca6ig")], &["_gitlab_session=abc"]);
    }

    #[test]
    fn sonarqube() {
        check("sonarqube-token", &[("SONAR_TOKEN=squ_3f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c", "squ_3f1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c")], &["squ_short"]);
    }

    #[test]
    fn sourcegraph() {
        check("sourcegraph-token", &[("sgp_AaD80dc6E02eCAE1_d3cba16CC0F18fA14A2EFB61CbDFceEBf9fAD16b", "sgp_AaD80dc6E02eCAE1_d3cba16CC0F18fA14A2EFB61CbDFceEBf9fAD16b")], &[
            "sgp_local_d45b6G86aBb0F2Cee943902dbaDBCFCFDD1dA089",
            "sgp_652d9a2e48FC7E!FcDbEA1BC2E2A6CE23cFe7F7D",
        ]);
    }
}
