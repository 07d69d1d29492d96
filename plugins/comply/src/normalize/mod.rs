//! The `audit` object: one schema for Kubernetes audit events, Docker daemon events, auditd
//! records and nginx access lines, so one dashboard query covers them all.
//!
//! `timestamp, event_id, user_id, user_ip, container_id, event_type, action, resource, result,
//! risk_level`. A field the source does not carry is left out, never guessed. Timestamps are
//! RFC 3339; `result` is `success` or `failure`; `event_type` names the source and its own
//! event type (`kubernetes.audit`, `docker.container`, `auditd.USER_LOGIN`, `nginx.access`).

mod docker;
mod k8s;
mod lines;

use serde_json::{Map, Value};

pub use docker::DockerFields;
pub use k8s::K8sFields;
pub use lines::from_view;

use logward_sdk::{json, msgpack, Fields, Format, Node, Shape};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Audit {
    pub timestamp: Option<String>,
    pub event_id: Option<String>,
    pub user_id: Option<String>,
    pub user_ip: Option<String>,
    pub container_id: Option<String>,
    pub event_type: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub result: Option<&'static str>,
    pub risk_level: Option<&'static str>,
}

impl Audit {
    /// The fields present, in the schema's order.
    fn entries(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("timestamp", self.timestamp.as_deref()),
            ("event_id", self.event_id.as_deref()),
            ("user_id", self.user_id.as_deref()),
            ("user_ip", self.user_ip.as_deref()),
            ("container_id", self.container_id.as_deref()),
            ("event_type", self.event_type.as_deref()),
            ("action", self.action.as_deref()),
            ("resource", self.resource.as_deref()),
            ("result", self.result),
            ("risk_level", self.risk_level),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
    }

    /// As a value, for `Record::set` (nested output fields).
    pub fn to_value(&self) -> Value {
        Value::Object(self.entries().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect::<Map<_, _>>())
    }

    /// Encoded in `format`, fields in the schema's order, for `Record::append_encoded`.
    pub fn encode(&self, format: Format, out: &mut Vec<u8>) {
        match format {
            Format::Json => {
                out.push(b'{');
                for (i, (k, v)) in self.entries().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json::write_str(out, k);
                    out.push(b':');
                    json::write_str(out, v);
                }
                out.push(b'}');
            }
            Format::Msgpack => {
                msgpack::write_map_header(out, self.entries().count() as u32);
                for (k, v) in self.entries() {
                    msgpack::write_str(out, k);
                    msgpack::write_str(out, v);
                }
            }
        }
    }
}

/// `success` below 400, `failure` from 400 (HTTP and Kubernetes status codes).
pub(crate) fn http_result(code: &str) -> Option<&'static str> {
    let n: u16 = code.trim().parse().ok()?;
    match n {
        100..=399 => Some("success"),
        400..=599 => Some("failure"),
        _ => None,
    }
}

/// The first scalar at a field (the first element if it is an array), as text; empty strings
/// count as absent.
pub(crate) fn first_text(fields: &Fields<'_>, id: usize) -> Option<String> {
    let mut node: Node<'_> = fields.first(id)?;
    for _ in 0..4 {
        match node.shape().ok()? {
            Shape::Array => node = node.elements().ok()??.next()?.ok()?,
            Shape::Object => return None,
            Shape::Scalar => {
                let s = node.scalar().ok()??;
                let text = s.text().into_owned();
                return (!text.is_empty() && !matches!(s, logward_sdk::Scalar::Null)).then_some(text);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_fields_are_left_out() {
        let a = Audit { event_type: Some("nginx.access".into()), result: Some("failure"), ..Audit::default() };
        assert_eq!(a.to_value(), serde_json::json!({"event_type": "nginx.access", "result": "failure"}));
    }

    #[test]
    fn encodings_agree_and_keep_the_schema_order() {
        let a = Audit { timestamp: Some("t".into()), user_id: Some("u\"1".into()), result: Some("success"), ..Audit::default() };
        let mut js = Vec::new();
        a.encode(Format::Json, &mut js);
        assert_eq!(String::from_utf8(js).unwrap(), r#"{"timestamp":"t","user_id":"u\"1","result":"success"}"#);
        let mut mp = Vec::new();
        a.encode(Format::Msgpack, &mut mp);
        let back: Value = serde_json::from_str(&logward_sdk::convert::msgpack_to_json(&mp).unwrap()).unwrap();
        assert_eq!(back, a.to_value());
    }

    #[test]
    fn http_results() {
        assert_eq!(http_result("200"), Some("success"));
        assert_eq!(http_result("302"), Some("success"));
        assert_eq!(http_result("403"), Some("failure"));
        assert_eq!(http_result("x"), None);
        assert_eq!(http_result("0"), None);
    }
}
