//! Field name mappings by log source, as a Sigma processing pipeline would apply them: Sigma
//! rules name fields generically, and the backend maps them to where the log keeps them.
//!
//! Kubernetes audit (`product: kubernetes`, `service: audit`): SigmaHQ's rules use a few names
//! that are not paths in an audit event. Dotted names (`objectRef.resource`) are paths already.

/// Paths a field name stands for, for a rule's log source (`None`: the name is the path).
pub fn map(product: Option<&str>, service: Option<&str>, field: &str) -> Option<&'static [&'static str]> {
    if product != Some("kubernetes") || service != Some("audit") {
        return None;
    }
    KUBERNETES_AUDIT.iter().find(|(name, _)| *name == field).map(|(_, paths)| *paths)
}

/// Sigma field → audit event paths (several paths: any of them).
pub const KUBERNETES_AUDIT: &[(&str, &[&str])] = &[
    ("apiGroup", &["objectRef.apiGroup"]),
    ("hostPath", &["requestObject.spec.volumes.hostPath.path", "requestObject.spec.template.spec.volumes.hostPath.path"]),
    (
        "capabilities",
        &[
            "requestObject.spec.containers.securityContext.capabilities.add",
            "requestObject.spec.initContainers.securityContext.capabilities.add",
            "requestObject.spec.ephemeralContainers.securityContext.capabilities.add",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_for_kubernetes_audit() {
        assert_eq!(map(Some("kubernetes"), Some("audit"), "apiGroup"), Some(&["objectRef.apiGroup"][..]));
        assert_eq!(map(Some("kubernetes"), Some("audit"), "verb"), None);
        assert_eq!(map(Some("windows"), None, "apiGroup"), None);
    }
}
