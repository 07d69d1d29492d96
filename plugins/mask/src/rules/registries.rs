//! Package registries: npm, PyPI, Docker Hub, RubyGems, Clojars, NuGet, JFrog Artifactory.

use crate::rule::RuleSpec;

pub const RULES: &[RuleSpec] = &[
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("npm-token", "npm access token", &["npm_"], r"\bnpm_[A-Za-z0-9]{36}\b")
    },
    RuleSpec::token("pypi-token", "PyPI / TestPyPI upload token (pypi-AgE…)", &["pypi-age"], r"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("docker-hub-token", "Docker Hub personal/organization access token", &["dckr_pat_", "dckr_oat_"], r"\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}")
    },
    RuleSpec::token("rubygems-token", "RubyGems API key", &["rubygems_"], r"\brubygems_[a-f0-9]{48}\b"),
    RuleSpec::token("clojars-token", "Clojars deploy token", &["clojars_"], r"(?i)\bCLOJARS_[a-z0-9]{60}\b"),
    RuleSpec::token("nuget-api-key", "NuGet.org API key (oy2…)", &["oy2"], r"\boy2[a-z0-9]{43}\b"),
    RuleSpec {
        entropy: Some(3.0),
        ..RuleSpec::token("artifactory-token", "JFrog Artifactory API key (AKCp…) or reference token (cmVmd…)", &["akcp", "cmvmd"], r"\b(?:AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})\b")
    },
];

#[cfg(test)]
mod tests {
    use crate::rules::testing::check;

    #[test]
    fn all() {
        check("npm-token", &[("//registry.npmjs.org/:_authToken=npm_qbsje2l7t3dsqzrasfd4mnzhxa1h1wdrw7i7", "npm_qbsje2l7t3dsqzrasfd4mnzhxa1h1wdrw7i7")], &["npm_install_done", "npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]);
        let pypi = "pypi-AgEIcHlwaS5vcmc67f6570563f267a44bf9ef4adc38d3ce14113da74670feb00ed0708c50cd5e00";
        check("pypi-token", &[(pypi, pypi)], &["pypi-AgEI"]);
        check("docker-hub-token", &[("dckr_pat_2b3e36beeb386dfdaacb9b46004ccb7c", "dckr_pat_2b3e36beeb386dfdaacb9b46004ccb7c")], &["dckr_pat_x"]);
        check("clojars-token", &[("CLOJARS_rvzbfpkuqzy7esirb9qoar6uolgvoaqs6ybx0gelm3uydnuxhd6oqwfvcg5y", "CLOJARS_rvzbfpkuqzy7esirb9qoar6uolgvoaqs6ybx0gelm3uydnuxhd6oqwfvcg5y")], &["CLOJARS_x"]);
        check("artifactory-token", &[(
            "artifactoryApiKey := \"AKCpkd93o01tbfgszgekds6bi1i3nx4bn7axwvj25x48r2wcr0regbiqsmc6pnj4tq3whfy25\"",
            "AKCpkd93o01tbfgszgekds6bi1i3nx4bn7axwvj25x48r2wcr0regbiqsmc6pnj4tq3whfy25",
        )], &[
            "lowEntropy := AKCpXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
            "wrongStart := \"AkCp797rqviyrys9hw0qycsqhmrdjt90913bm4ss52gh1o4lvhvy3dbvo5z0p0jmzusoskaw1\"",
            "partOfAlongUnrelatedBlob gYnkgcmVmdfhl4awtac4yjg95jflye1zp80sxuxno4gmkf5hyhug6yky3d0aspjp8edlsVyZSB2",
        ]);
    }
}
