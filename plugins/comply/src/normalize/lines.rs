//! auditd records and nginx access lines, from their parsed views.

use super::{http_result, Audit};
use crate::sources::{Source, View};
use crate::time;

/// The audit object of a parsed line; `None` for sources without a normalizer (MySQL, syslog).
/// `container_id` comes from the record's metadata (Fluent Bit's docker/kubernetes fields).
pub fn from_view(view: &View<'_>, container_id: Option<String>) -> Option<Audit> {
    match view.source {
        Source::Auditd => Some(auditd(view, container_id)),
        Source::Nginx => Some(nginx(view, container_id)),
        Source::Mysql | Source::Syslog => None,
    }
}

fn present<'v>(view: &'v View<'_>, name: &str) -> Option<&'v str> {
    view.get(name).filter(|v| !v.is_empty() && !matches!(*v, "?" | "(none)" | "(unknown)" | "unset"))
}

fn auditd(v: &View<'_>, container_id: Option<String>) -> Audit {
    let timestamp = v.get("timestamp");
    // auid 4294967295 (-1): no login session, so the actor is whoever the record names next.
    let auid = present(v, "auid").filter(|a| !matches!(*a, "4294967295" | "-1"));
    let user_id = present(v, "AUID").or(auid).or_else(|| present(v, "acct")).or_else(|| present(v, "UID")).or_else(|| present(v, "uid"));
    let result = match (v.get("success"), v.get("res")) {
        (Some("yes"), _) | (None, Some("success" | "1")) => Some("success"),
        (Some("no"), _) | (None, Some("failed" | "0")) => Some("failure"),
        _ => None,
    };
    Audit {
        timestamp: timestamp.and_then(time::from_epoch_text),
        event_id: timestamp.zip(v.get("serial")).map(|(t, s)| format!("{t}:{s}")),
        user_id: user_id.map(str::to_string),
        user_ip: present(v, "addr").map(str::to_string),
        container_id,
        event_type: v.get("type").map(|t| format!("auditd.{t}")),
        action: present(v, "op").or_else(|| present(v, "SYSCALL")).or_else(|| present(v, "syscall")).map(str::to_string),
        resource: present(v, "name").or_else(|| present(v, "cmd")).or_else(|| present(v, "exe")).map(str::to_string),
        result,
        risk_level: None,
    }
}

fn nginx(v: &View<'_>, container_id: Option<String>) -> Audit {
    Audit {
        timestamp: v.get("time_local").and_then(time::from_nginx),
        event_id: None,
        user_id: v.get("remote_user").map(str::to_string),
        user_ip: v.get("remote_addr").map(str::to_string),
        container_id,
        event_type: Some("nginx.access".to_string()),
        action: v.get("request_method").map(str::to_string),
        resource: v.get("request_uri").map(|u| u.split_once('?').map_or(u, |(p, _)| p).to_string()),
        result: v.get("status").and_then(http_result),
        risk_level: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{auditd, nginx};

    #[test]
    fn auditd_syscall() {
        let v = auditd::parse(r#"type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=257 success=yes auid=1000 uid=0 comm="cat" exe="/usr/bin/cat" key="identity""#).unwrap();
        let a = from_view(&v, None).unwrap();
        assert_eq!(a.timestamp.as_deref(), Some("2023-11-14T22:13:20.123Z"));
        assert_eq!(a.event_id.as_deref(), Some("1700000000.123:456"));
        assert_eq!(a.user_id.as_deref(), Some("1000"));
        assert_eq!(a.user_ip, None);
        assert_eq!(a.event_type.as_deref(), Some("auditd.SYSCALL"));
        assert_eq!(a.action.as_deref(), Some("257"));
        assert_eq!(a.resource.as_deref(), Some("/usr/bin/cat"));
        assert_eq!(a.result, Some("success"));
    }

    #[test]
    fn auditd_failed_login_without_session() {
        let v = auditd::parse("type=USER_LOGIN msg=audit(1700000000.456:789): pid=811 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.7 terminal=sshd res=failed'").unwrap();
        let a = from_view(&v, Some("abc".into())).unwrap();
        assert_eq!(a.user_id.as_deref(), Some("root"));
        assert_eq!(a.user_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(a.action.as_deref(), Some("login"));
        assert_eq!(a.result, Some("failure"));
        assert_eq!(a.container_id.as_deref(), Some("abc"));
    }

    #[test]
    fn auditd_sudo_command_is_the_resource() {
        let v = auditd::parse("type=USER_CMD msg=audit(1700000120.301:330): pid=2350 uid=1000 auid=1000 ses=7 msg='cwd=\"/home/alice\" cmd=636174202F7661722F6C6F672F61756469742F61756469742E6C6F67 exe=\"/usr/bin/sudo\" terminal=pts/0 res=success'").unwrap();
        let a = from_view(&v, None).unwrap();
        assert_eq!(a.resource.as_deref(), Some("cat /var/log/audit/audit.log"));
        assert_eq!(a.user_id.as_deref(), Some("1000"));
    }

    #[test]
    fn nginx_line() {
        let v = nginx::parse(r#"203.0.113.9 - alice [14/Nov/2023:22:13:20 +0000] "GET /admin/users?page=2 HTTP/1.1" 403 153 "-" "curl/8.4.0""#).unwrap();
        let a = from_view(&v, None).unwrap();
        assert_eq!(a.timestamp.as_deref(), Some("2023-11-14T22:13:20+00:00"));
        assert_eq!(a.user_id.as_deref(), Some("alice"));
        assert_eq!(a.user_ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(a.action.as_deref(), Some("GET"));
        assert_eq!(a.resource.as_deref(), Some("/admin/users"));
        assert_eq!(a.result, Some("failure"));
        assert_eq!(a.event_id, None);
    }
}
