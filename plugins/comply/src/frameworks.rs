//! The frameworks table: which frameworks tags may name, their retention, and their flat
//! (Wazuh-style) spelling. A tag is `<framework id>:<control id>`, e.g. `pci_dss_v4.0:10.2.1.2`.

use std::collections::BTreeMap;

use crate::config::FrameworkSettings;

pub struct Frameworks {
    ids: Vec<String>,
    settings: Vec<FrameworkSettings>,
}

/// What a tag in a rule resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum TagTarget {
    /// Index of an enabled framework.
    Framework(usize),
    /// The framework is switched off: the tag is left out.
    Disabled,
}

impl Frameworks {
    pub fn new(table: BTreeMap<String, FrameworkSettings>) -> Self {
        let (ids, settings) = table.into_iter().unzip();
        Frameworks { ids, settings }
    }

    pub fn id(&self, index: usize) -> &str {
        self.ids.get(index).map_or("", String::as_str)
    }

    pub fn get(&self, index: usize) -> Option<&FrameworkSettings> {
        self.settings.get(index)
    }

    /// Checks a tag's spelling and finds its framework.
    pub fn resolve(&self, tag: &str) -> Result<TagTarget, String> {
        let Some((framework, control)) = tag.split_once(':') else {
            return Err(format!("tag `{tag}` must be `framework:control`, e.g. `pci_dss_v4.0:10.2.1.2`"));
        };
        if control.is_empty() || !control.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("tag `{tag}`: the control id must be non-empty printable ASCII without spaces"));
        }
        let Some(index) = self.ids.iter().position(|id| id == framework) else {
            return Err(format!(
                "tag `{tag}`: unknown framework `{framework}`; declare it under `frameworks` or use one of: {}",
                self.ids.join(", ")
            ));
        };
        Ok(if self.settings[index].enabled { TagTarget::Framework(index) } else { TagTarget::Disabled })
    }

    /// `pci_dss_v4.0:10.2.1.2` → `pci_dss_10.2.1.2`; `nist_800_53_r5:AC-6(9)` → `nist_800_53_AC.6.9`
    /// (Wazuh's spelling: parentheses and dashes become dots).
    pub fn flat_tag(&self, index: usize, tag: &str) -> String {
        let control = tag.split_once(':').map_or(tag, |(_, c)| c);
        let prefix = self.settings.get(index).map_or("", |s| s.flat_prefix.as_str());
        let mut out = String::with_capacity(prefix.len() + control.len() + 1);
        out.push_str(prefix);
        out.push('_');
        for c in control.chars() {
            match c {
                '(' | '-' => {
                    if !out.ends_with('.') {
                        out.push('.');
                    }
                }
                ')' => {}
                _ => out.push(c),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Frameworks {
        let mut t = BTreeMap::new();
        let fw = |prefix: &str, enabled| FrameworkSettings {
            retention_days: 0,
            online_days: 0,
            enabled,
            flat_prefix: prefix.into(),
        };
        t.insert("pci_dss_v4.0".to_string(), fw("pci_dss", true));
        t.insert("nist_800_53_r5".to_string(), fw("nist_800_53", true));
        t.insert("hipaa".to_string(), fw("hipaa", true));
        t.insert("cn_csl".to_string(), fw("cn_csl", false));
        Frameworks::new(t)
    }

    #[test]
    fn resolves_and_rejects_tags() {
        let f = table();
        assert!(matches!(f.resolve("pci_dss_v4.0:10.2.1.2"), Ok(TagTarget::Framework(_))));
        assert_eq!(f.resolve("cn_csl:art21"), Ok(TagTarget::Disabled));
        assert!(f.resolve("pci_dss_4.0:10.2").unwrap_err().contains("unknown framework `pci_dss_4.0`"));
        assert!(f.resolve("pci_dss_v4.0").is_err());
        assert!(f.resolve("pci_dss_v4.0:").is_err());
        assert!(f.resolve("pci_dss_v4.0:10 2").is_err());
    }

    #[test]
    fn flat_tags_use_wazuh_spelling() {
        let f = table();
        let idx = |tag: &str| match f.resolve(tag) {
            Ok(TagTarget::Framework(i)) => i,
            other => panic!("{other:?}"),
        };
        assert_eq!(f.flat_tag(idx("pci_dss_v4.0:10.2.1.2"), "pci_dss_v4.0:10.2.1.2"), "pci_dss_10.2.1.2");
        assert_eq!(f.flat_tag(idx("nist_800_53_r5:AC-6(9)"), "nist_800_53_r5:AC-6(9)"), "nist_800_53_AC.6.9");
        assert_eq!(f.flat_tag(idx("hipaa:164.312(b)"), "hipaa:164.312(b)"), "hipaa_164.312.b");
    }
}
