//! Docker daemon events as `docker events --format '{{json .}}'` writes them:
//! `{"status":"start","id":"...","from":"nginx:1.25","Type":"container","Action":"start",
//! "Actor":{"ID":"...","Attributes":{"image":"nginx:1.25","name":"web-1",...}},"scope":"local",
//! "time":1700000000,"timeNano":1700000000123456789}`.

use logward_match::Compiler;
use logward_sdk::Fields;

use super::{first_text, Audit};
use crate::time;

#[derive(Debug)]
pub struct DockerFields {
    kind: usize,
    action: usize,
    actor_id: usize,
    actor_name: usize,
    time: usize,
    time_nano: usize,
}

impl DockerFields {
    pub fn register(c: &mut Compiler) -> Result<Self, String> {
        Ok(DockerFields {
            kind: c.field("Type")?,
            action: c.field("Action")?,
            actor_id: c.field("Actor.ID")?,
            actor_name: c.field("Actor.Attributes.name")?,
            time: c.field("time")?,
            time_nano: c.field("timeNano")?,
        })
    }

    /// `Type`, `Action` and `Actor.ID` all present.
    pub fn is_event(&self, f: &Fields<'_>) -> bool {
        [self.kind, self.action, self.actor_id].iter().all(|&id| f.first(id).is_some())
    }

    pub fn audit(&self, f: &Fields<'_>) -> Audit {
        let t = |id| first_text(f, id);
        let kind = t(self.kind);
        let nanos = t(self.time_nano).and_then(|n| n.parse::<i64>().ok()).and_then(time::from_epoch_nanos);
        let secs = || t(self.time).filter(|s| s.bytes().all(|b| b.is_ascii_digit())).and_then(|s| time::from_epoch_text(&s));
        // `exec_create: sh -c id` and `health_status: healthy` carry an argument after the colon.
        let action = t(self.action).map(|a| a.split_once(':').map_or(a.clone(), |(verb, _)| verb.to_string()));
        let actor_id = t(self.actor_id);
        Audit {
            timestamp: nanos.or_else(secs),
            container_id: if kind.as_deref() == Some("container") { actor_id.clone() } else { None },
            event_type: kind.map(|k| format!("docker.{k}")),
            action,
            resource: t(self.actor_name).or(actor_id),
            ..Audit::default()
        }
    }
}
