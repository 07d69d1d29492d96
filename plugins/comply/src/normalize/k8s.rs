//! Kubernetes audit events (`audit.k8s.io/v1`, also the older `v1beta1`).

use logward_match::Compiler;
use logward_sdk::Fields;

use super::{first_text, http_result, Audit};

/// Field ids (in the rules' field set) of what the normalizer reads.
#[derive(Debug)]
pub struct K8sFields {
    kind: usize,
    audit_id: usize,
    received: usize,
    stage_timestamp: usize,
    timestamp: usize,
    username: usize,
    source_ips: usize,
    verb: usize,
    request_uri: usize,
    code: usize,
}

impl K8sFields {
    pub fn register(c: &mut Compiler) -> Result<Self, String> {
        Ok(K8sFields {
            kind: c.field("kind")?,
            audit_id: c.field("auditID")?,
            received: c.field("requestReceivedTimestamp")?,
            stage_timestamp: c.field("stageTimestamp")?,
            timestamp: c.field("timestamp")?,
            username: c.field("user.username")?,
            source_ips: c.field("sourceIPs")?,
            verb: c.field("verb")?,
            request_uri: c.field("requestURI")?,
            code: c.field("responseStatus.code")?,
        })
    }

    /// `kind: Event` with an `auditID`. (Not `apiVersion`: audit webhooks put it on the
    /// enclosing `EventList` only, so many real events lack it; core `Event` objects never
    /// have an `auditID`.)
    pub fn is_event(&self, f: &Fields<'_>) -> bool {
        let kind = f.first(self.kind).and_then(|n| n.str().ok().flatten());
        kind.is_some_and(|s| s.eq_str("Event")) && f.first(self.audit_id).is_some()
    }

    pub fn audit(&self, f: &Fields<'_>) -> Audit {
        let t = |id| first_text(f, id);
        Audit {
            timestamp: t(self.received).or_else(|| t(self.stage_timestamp)).or_else(|| t(self.timestamp)),
            event_id: t(self.audit_id),
            user_id: t(self.username),
            user_ip: t(self.source_ips),
            container_id: None,
            event_type: Some("kubernetes.audit".to_string()),
            action: t(self.verb),
            // The request path without its query (which may carry tokens or exec commands).
            resource: t(self.request_uri).map(|u| u.split_once('?').map_or(u.clone(), |(p, _)| p.to_string())),
            result: t(self.code).as_deref().and_then(http_result),
            risk_level: None,
        }
    }
}
