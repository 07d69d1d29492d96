//! One test per rule of the default mapping: a record it must tag, and the nearest record it
//! must not. Every record runs in JSON and msgpack (see common::run).

mod common;

use common::*;
use logward_comply::{Comply, DEFAULT_MAPPING};
use serde_json::{json, Value};

/// Every default rule id, each with a test below. `every_default_rule_is_tested` fails when the
/// mapping gains a rule this list (and so this file) does not cover.
const TESTED: &[&str] = &[
    "k8s_audit_event", "k8s_secret_read", "k8s_secret_change", "k8s_configmap_change", "k8s_rbac_change",
    "k8s_serviceaccount_change", "k8s_certificate_request", "k8s_authn_failure", "k8s_authz_denied", "k8s_anonymous_request", "k8s_anonymous_resource_access",
    "k8s_interactive_access",
    "k8s_system_object_change", "k8s_system_namespace_change", "k8s_node_log_access", "k8s_host_log_mount", "k8s_log_pipeline_change",
    "docker_daemon_event", "docker_exec", "docker_container_lifecycle", "docker_log_pipeline_stop", "docker_daemon_reload",
    "label_pci_dss", "label_sox", "label_hipaa", "label_gdpr", "label_audit_required",
    "auth_failure", "auth_success", "sudo_command", "account_change",
    "auditd_record", "auditd_authentication", "auditd_login_failure", "auditd_access_denied", "auditd_account_change",
    "auditd_admin_action", "auditd_audit_log_access", "auditd_audit_daemon", "auditd_audit_config",
    "auditd_kernel_modules", "auditd_time_change", "auditd_config_change",
    "mysql_log", "mysql_data_access", "mysql_login", "mysql_login_failure", "mysql_privilege_change", "mysql_schema_change", "mysql_audit_log_change",
    "http_access", "http_access_denied",
];

#[test]
fn every_default_rule_is_tested() {
    let mapping: Value = serde_json::from_str(DEFAULT_MAPPING).unwrap();
    let mut ids: Vec<&str> = mapping["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut tested = TESTED.to_vec();
    tested.sort_unstable();
    assert_eq!(ids, tested);
}

#[test]
fn the_readme_lists_every_default_rule() {
    let readme = include_str!("../README.md");
    for id in TESTED.iter().chain(["personal_data"].iter()) {
        assert!(readme.contains(&format!("| `{id}` |")), "README.md's default mapping table lacks {id}");
    }
}

fn fires(p: &mut Comply, id: &str, record: &str) {
    let out = run(p, record);
    assert!(rules_of(&out).iter().any(|r| r == id), "rule {id} should fire on\n{record}\ngot {out:?}");
}

fn silent(p: &mut Comply, id: &str, record: &str) {
    let out = run(p, record);
    assert!(!rules_of(&out).iter().any(|r| r == id), "rule {id} should not fire on\n{record}\ngot {out:?}");
}

/// RFC 7386 merge patch (null removes). Test-only, on small trusted values.
fn merge(base: &mut Value, p: &Value) {
    match (base, p) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else {
                    merge(b.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// A Kubernetes audit event that only `k8s_audit_event` tags, changed by `p`.
fn k8s(p: Value) -> String {
    let mut e = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": "4f5c1b2a-0000-4000-8000-000000000001",
        "stage": "ResponseComplete", "requestURI": "/api/v1/namespaces/shop/pods/web-1", "verb": "get",
        "user": {"username": "alice@example.com", "groups": ["dev", "system:authenticated"]},
        "sourceIPs": ["10.0.0.7"], "userAgent": "kubectl/v1.29.0",
        "objectRef": {"resource": "pods", "namespace": "shop", "name": "web-1", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 200},
        "requestReceivedTimestamp": "2023-11-14T22:13:20.123456Z", "stageTimestamp": "2023-11-14T22:13:20.130000Z",
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
    });
    merge(&mut e, &p);
    e.to_string()
}

fn docker(p: Value) -> String {
    let mut e = json!({
        "status": "start", "id": "8f1d2c3b4a59", "from": "nginx:1.25", "Type": "container", "Action": "start",
        "Actor": {"ID": "8f1d2c3b4a59", "Attributes": {"image": "nginx:1.25", "name": "web-1"}},
        "scope": "local", "time": 1700000000, "timeNano": 1700000000123456789u64
    });
    merge(&mut e, &p);
    e.to_string()
}

fn auditd(text: &str) -> String {
    line(text)
}

// ---------------------------------------------------------------- Kubernetes audit events

#[test]
fn k8s_audit_event() {
    let mut p = plugin(None);
    let out = run(&mut p, &k8s(json!({})));
    assert_eq!(rules_of(&out), vec!["k8s_audit_event"]);
    // Audit webhooks put apiVersion on the enclosing EventList only.
    fires(&mut p, "k8s_audit_event", &k8s(json!({"apiVersion": null})));
    // A core Kubernetes Event (from an event exporter) is not an audit event.
    silent(&mut p, "k8s_audit_event", &json!({"kind": "Event", "apiVersion": "v1", "reason": "Killing", "involvedObject": {"kind": "Pod"}}).to_string());
    silent(&mut p, "k8s_audit_event", &k8s(json!({"kind": "EventList"})));
}

#[test]
fn k8s_secret_read() {
    let mut p = plugin(None);
    for verb in ["get", "list", "watch"] {
        fires(&mut p, "k8s_secret_read", &k8s(json!({"verb": verb, "objectRef": {"resource": "secrets", "name": "db-password"}})));
    }
    silent(&mut p, "k8s_secret_read", &k8s(json!({"verb": "delete", "objectRef": {"resource": "secrets"}})));
    silent(&mut p, "k8s_secret_read", &k8s(json!({"verb": "get", "objectRef": {"resource": "configmaps"}})));
}

#[test]
fn k8s_secret_change() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_secret_change", &k8s(json!({"verb": "patch", "objectRef": {"resource": "secrets"}})));
    silent(&mut p, "k8s_secret_change", &k8s(json!({"verb": "get", "objectRef": {"resource": "secrets"}})));
}

#[test]
fn k8s_configmap_change() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_configmap_change", &k8s(json!({"verb": "update", "objectRef": {"resource": "configmaps"}})));
    silent(&mut p, "k8s_configmap_change", &k8s(json!({"verb": "get", "objectRef": {"resource": "configmaps"}})));
}

#[test]
fn k8s_rbac_change() {
    let mut p = plugin(None);
    let rbac = |verb: &str, resource: &str| {
        k8s(json!({"verb": verb, "objectRef": {"apiGroup": "rbac.authorization.k8s.io", "resource": resource, "name": "ops-admin"}}))
    };
    fires(&mut p, "k8s_rbac_change", &rbac("create", "clusterrolebindings"));
    fires(&mut p, "k8s_rbac_change", &rbac("delete", "roles"));
    silent(&mut p, "k8s_rbac_change", &rbac("get", "clusterrolebindings"));
    let out = run(&mut p, &rbac("patch", "rolebindings"));
    for tag in ["pci_dss_v4.0:10.2.1.2", "pci_dss_v4.0:10.2.1.5"] {
        assert!(tags_of(&out).contains(&tag.to_string()), "{out:?}");
    }
}

#[test]
fn k8s_serviceaccount_change() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_serviceaccount_change", &k8s(json!({"verb": "create", "objectRef": {"resource": "serviceaccounts", "name": "ci"}})));
    fires(&mut p, "k8s_serviceaccount_change", &k8s(json!({"verb": "delete", "objectRef": {"resource": "serviceaccounts", "name": "ci"}})));
    // Token requests (kubelet refreshing projected tokens) are not identity changes.
    silent(&mut p, "k8s_serviceaccount_change", &k8s(json!({"verb": "create", "objectRef": {"resource": "serviceaccounts", "subresource": "token"}})));
}

#[test]
fn k8s_certificate_request() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_certificate_request", &k8s(json!({"verb": "create", "objectRef": {"resource": "certificatesigningrequests", "name": "csr-x"}})));
    fires(&mut p, "k8s_certificate_request", &k8s(json!({"verb": "update", "objectRef": {"resource": "certificatesigningrequests", "subresource": "approval"}})));
    silent(&mut p, "k8s_certificate_request", &k8s(json!({"verb": "list", "objectRef": {"resource": "certificatesigningrequests"}})));
}

#[test]
fn k8s_authn_failure() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_authn_failure", &k8s(json!({"responseStatus": {"code": 401}})));
    silent(&mut p, "k8s_authn_failure", &k8s(json!({"responseStatus": {"code": 403}})));
}

#[test]
fn k8s_authz_denied() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_authz_denied", &k8s(json!({"responseStatus": {"code": 403}})));
    fires(&mut p, "k8s_authz_denied", &k8s(json!({"stage": "RequestReceived", "responseStatus": null, "annotations": {"authorization.k8s.io/decision": "forbid"}})));
    silent(&mut p, "k8s_authz_denied", &k8s(json!({"responseStatus": {"code": 404}})));
    let out = run(&mut p, &k8s(json!({"responseStatus": {"code": 403}})));
    assert!(tags_of(&out).contains(&"pci_dss_v4.0:10.2.1.4".to_string()));
}

#[test]
fn k8s_anonymous_request() {
    let mut p = plugin(None);
    let probe = json!({"user": {"username": "system:anonymous", "groups": ["system:unauthenticated"]}, "requestURI": "/readyz", "objectRef": null});
    fires(&mut p, "k8s_anonymous_request", &k8s(probe.clone()));
    silent(&mut p, "k8s_anonymous_request", &k8s(json!({"user": {"username": "system:serviceaccount:shop:default"}})));
    // A health probe is permitted without identification: low risk, no PCI tag.
    let out = run(&mut p, &k8s(probe));
    assert_eq!(out.as_ref().unwrap()["compliance"]["risk_level"], "low");
    assert!(!tags_of(&out).contains(&"pci_dss_v4.0:8.2.1".to_string()));
}

#[test]
fn k8s_anonymous_resource_access() {
    let mut p = plugin(None);
    let anon = json!({"username": "system:anonymous", "groups": ["system:unauthenticated"]});
    fires(&mut p, "k8s_anonymous_resource_access", &k8s(json!({"user": anon, "verb": "list", "objectRef": {"resource": "configmaps"}})));
    silent(&mut p, "k8s_anonymous_resource_access", &k8s(json!({"user": anon, "verb": "list", "objectRef": {"resource": "secrets"}, "responseStatus": {"code": 403}})));
    silent(&mut p, "k8s_anonymous_resource_access", &k8s(json!({"user": anon, "requestURI": "/version", "objectRef": null})));
}

#[test]
fn k8s_interactive_access() {
    let mut p = plugin(None);
    for sub in ["exec", "attach", "portforward"] {
        fires(&mut p, "k8s_interactive_access", &k8s(json!({"verb": "create", "objectRef": {"subresource": sub}})));
    }
    fires(&mut p, "k8s_interactive_access", &k8s(json!({"verb": "patch", "objectRef": {"subresource": "ephemeralcontainers"}})));
    silent(&mut p, "k8s_interactive_access", &k8s(json!({"verb": "get", "objectRef": {"subresource": "log"}})));
}

#[test]
fn k8s_system_object_change() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_system_object_change", &k8s(json!({"verb": "delete", "objectRef": {"resource": "namespaces", "name": "payments", "namespace": null}})));
    fires(&mut p, "k8s_system_object_change", &k8s(json!({"verb": "create", "objectRef": {"resource": "validatingwebhookconfigurations", "namespace": null}})));
    silent(&mut p, "k8s_system_object_change", &k8s(json!({"verb": "update", "objectRef": {"resource": "nodes", "name": "n1"}})));
    silent(&mut p, "k8s_system_object_change", &k8s(json!({"verb": "delete", "objectRef": {"resource": "namespaces", "subresource": "finalize"}})));
}

#[test]
fn k8s_system_namespace_change() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_system_namespace_change", &k8s(json!({"verb": "create", "objectRef": {"resource": "daemonsets", "namespace": "kube-system"}})));
    silent(&mut p, "k8s_system_namespace_change", &k8s(json!({"verb": "create", "objectRef": {"resource": "events", "namespace": "kube-system"}})));
    silent(&mut p, "k8s_system_namespace_change", &k8s(json!({"verb": "create", "objectRef": {"resource": "pods", "namespace": "shop"}})));
}

#[test]
fn k8s_node_log_access() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_node_log_access", &k8s(json!({"requestURI": "/api/v1/nodes/node-1/proxy/logs/kube-apiserver/audit.log",
        "objectRef": {"resource": "nodes", "subresource": "proxy", "name": "node-1", "namespace": null}})));
    silent(&mut p, "k8s_node_log_access", &k8s(json!({"requestURI": "/api/v1/nodes/node-1/proxy/stats/summary",
        "objectRef": {"resource": "nodes", "subresource": "proxy"}})));
}

#[test]
fn k8s_host_log_mount() {
    let mut p = plugin(None);
    let pod = |path: &str| k8s(json!({"verb": "create", "requestObject": {"spec": {"volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "h", "hostPath": {"path": path}}]}}}));
    fires(&mut p, "k8s_host_log_mount", &pod("/var/log/audit"));
    // The host's root (or /var) contains /var/log/audit.
    fires(&mut p, "k8s_host_log_mount", &pod("/"));
    silent(&mut p, "k8s_host_log_mount", &pod("/data"));
    silent(&mut p, "k8s_host_log_mount", &pod("/var/lib/kubelet"));
}

#[test]
fn k8s_log_pipeline_change() {
    let mut p = plugin(None);
    fires(&mut p, "k8s_log_pipeline_change", &k8s(json!({"verb": "delete", "objectRef": {"resource": "daemonsets", "name": "fluent-bit", "namespace": "logging", "apiGroup": "apps"}})));
    fires(&mut p, "k8s_log_pipeline_change", &k8s(json!({"verb": "patch", "objectRef": {"resource": "configmaps", "name": "fluent-bit-config"}})));
    silent(&mut p, "k8s_log_pipeline_change", &k8s(json!({"verb": "update", "objectRef": {"resource": "daemonsets", "name": "fluent-bit", "subresource": "status"}})));
    silent(&mut p, "k8s_log_pipeline_change", &k8s(json!({"verb": "delete", "objectRef": {"resource": "deployments", "name": "web"}})));
}

// ---------------------------------------------------------------- Docker daemon events

#[test]
fn docker_daemon_event() {
    let mut p = plugin(None);
    assert_eq!(rules_of(&run(&mut p, &docker(json!({})))), vec!["docker_daemon_event"]);
    silent(&mut p, "docker_daemon_event", &docker(json!({"Actor": null})));
}

#[test]
fn docker_exec() {
    let mut p = plugin(None);
    fires(&mut p, "docker_exec", &docker(json!({"Action": "exec_create: sh -c id", "status": "exec_create: sh -c id"})));
    fires(&mut p, "docker_exec", &docker(json!({"Action": "exec_start: sh -c id"})));
    silent(&mut p, "docker_exec", &docker(json!({"Action": "exec_create: sh", "Type": "plugin"})));
}

#[test]
fn docker_container_lifecycle() {
    let mut p = plugin(None);
    fires(&mut p, "docker_container_lifecycle", &docker(json!({"Action": "destroy"})));
    silent(&mut p, "docker_container_lifecycle", &docker(json!({"Action": "destroy", "Type": "image"})));
}

#[test]
fn docker_log_pipeline_stop() {
    let mut p = plugin(None);
    fires(&mut p, "docker_log_pipeline_stop", &docker(json!({"Action": "kill", "Actor": {"Attributes": {"name": "fluent-bit", "signal": "15"}}})));
    silent(&mut p, "docker_log_pipeline_stop", &docker(json!({"Action": "kill", "Actor": {"Attributes": {"name": "web-1"}}})));
    silent(&mut p, "docker_log_pipeline_stop", &docker(json!({"Action": "start", "Actor": {"Attributes": {"name": "fluent-bit"}}})));
}

#[test]
fn docker_daemon_reload() {
    let mut p = plugin(None);
    fires(&mut p, "docker_daemon_reload", &docker(json!({"Type": "daemon", "Action": "reload", "Actor": {"ID": "a1b2:c3d4", "Attributes": {"name": "docker-host-1"}}})));
    silent(&mut p, "docker_daemon_reload", &docker(json!({"Type": "container", "Action": "reload"})));
}

// ---------------------------------------------------------------- container labels

fn app_log(labels: Value) -> String {
    json!({"log": "GET /health 200", "stream": "stdout", "time": "2023-11-14T22:13:20.5Z",
           "kubernetes": {"pod_name": "pay-7d9", "namespace_name": "payments", "labels": labels, "docker_id": "3f2a"}}).to_string()
}

#[test]
fn label_pci_dss() {
    let mut p = plugin(None);
    fires(&mut p, "label_pci_dss", &app_log(json!({"app": "pay", "compliance.pci_dss": "true"})));
    // Docker json-file `attrs` (log-opt labels=...), and the fluentd driver's top-level labels.
    fires(&mut p, "label_pci_dss", &json!({"log": "x", "attrs": {"compliance.pci_dss": "true"}}).to_string());
    fires(&mut p, "label_pci_dss", &json!({"log": "x", "compliance.pci_dss": "TRUE"}).to_string());
    silent(&mut p, "label_pci_dss", &app_log(json!({"compliance.pci_dss": "false"})));
    let out = run(&mut p, &app_log(json!({"compliance.pci_dss": "true"})));
    let c = &out.unwrap()["compliance"];
    assert_eq!(c["retention_days"], 365);
    assert_eq!(c["retention_online_days"], 90);
    assert_eq!(c["frameworks"], json!(["pci_dss_v4.0"]));
}

#[test]
fn label_sox() {
    let mut p = plugin(None);
    fires(&mut p, "label_sox", &app_log(json!({"compliance.sox": "true"})));
    silent(&mut p, "label_sox", &app_log(json!({"compliance.soc2": "true"})));
    let out = run(&mut p, &app_log(json!({"compliance.sox": "true", "compliance.pci_dss": "true"})));
    // The longest retention wins; PCI's online requirement is still reported.
    assert_eq!(out.as_ref().unwrap()["compliance"]["retention_days"], 2555);
    assert_eq!(out.as_ref().unwrap()["compliance"]["retention_online_days"], 90);
}

#[test]
fn label_hipaa() {
    let mut p = plugin(None);
    fires(&mut p, "label_hipaa", &app_log(json!({"compliance.hipaa": "true"})));
    silent(&mut p, "label_hipaa", &app_log(json!({"compliance.hipaa": "no"})));
}

#[test]
fn label_gdpr() {
    let mut p = plugin(None);
    fires(&mut p, "label_gdpr", &app_log(json!({"compliance.gdpr": "true"})));
    silent(&mut p, "label_gdpr", &app_log(json!({"gdpr": "true"})));
}

#[test]
fn label_audit_required() {
    let mut p = plugin(None);
    fires(&mut p, "label_audit_required", &app_log(json!({"audit.required": "true"})));
    fires(&mut p, "label_audit_required", &docker(json!({"Actor": {"Attributes": {"audit.required": "true"}}})));
    silent(&mut p, "label_audit_required", &app_log(json!({"audit": "true"})));
}

// ---------------------------------------------------------------- authentication logs

#[test]
fn auth_failure() {
    let mut p = plugin(None);
    fires(&mut p, "auth_failure", &line("Nov 14 22:13:20 web-1 sshd[811]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2"));
    fires(&mut p, "auth_failure", &line("2023-11-14T22:13:21.000+00:00 web-1 su[900]: pam_unix(su:auth): authentication failure; logname=bob uid=1001 euid=0 tty=pts/1 ruser=bob rhost=  user=root"));
    // Records a syslog parser or the systemd input already split.
    fires(&mut p, "auth_failure", &json!({"ident": "sshd", "pid": "811", "host": "web-1", "message": "Failed publickey for root from 203.0.113.7 port 4 ssh2"}).to_string());
    fires(&mut p, "auth_failure", &json!({"SYSLOG_IDENTIFIER": "sudo", "MESSAGE": "pam_unix(sudo:auth): authentication failure; logname=bob", "_PID": "12"}).to_string());
    silent(&mut p, "auth_failure", &line("Nov 14 22:13:20 web-1 sshd[811]: Accepted publickey for deploy from 10.0.0.8 port 50522 ssh2"));
    // Not a syslog line: an application's own message is not an authentication log.
    silent(&mut p, "auth_failure", &line("Failed password reset email to user 42"));
}

#[test]
fn auth_success() {
    let mut p = plugin(None);
    fires(&mut p, "auth_success", &line("Nov 14 22:13:20 web-1 sshd[811]: Accepted publickey for deploy from 10.0.0.8 port 50522 ssh2: ED25519 SHA256:x"));
    fires(&mut p, "auth_success", &line("Nov 14 22:13:20 web-1 login[77]: pam_unix(login:session): session opened for user root(uid=0) by LOGIN(uid=0)"));
    silent(&mut p, "auth_success", &line("Nov 14 22:17:01 web-1 CRON[4242]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"));
}

#[test]
fn sudo_command() {
    let mut p = plugin(None);
    fires(&mut p, "sudo_command", &line("Nov 14 22:13:20 web-1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow"));
    silent(&mut p, "sudo_command", &line("Nov 14 22:13:20 web-1 sudo: pam_unix(sudo:session): session closed for user root"));
}

#[test]
fn account_change() {
    let mut p = plugin(None);
    fires(&mut p, "account_change", &line("Nov 14 22:13:20 web-1 useradd[1201]: new user: name=svc-backup, UID=998, GID=998, home=/home/svc-backup, shell=/bin/sh"));
    fires(&mut p, "account_change", &line("Nov 14 22:13:20 web-1 passwd[1301]: pam_unix(passwd:chauthtok): password changed for alice"));
    silent(&mut p, "account_change", &line("Nov 14 22:13:20 web-1 systemd[1]: Started Session 4 of user alice."));
}

// ---------------------------------------------------------------- auditd

const SYSCALL: &str = r#"type=SYSCALL msg=audit(1700000000.123:456): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c items=1 ppid=1000 pid=1001 auid=1000 uid=1000 gid=1000 euid=1000 tty=pts0 ses=3 comm="vim" exe="/usr/bin/vim" subj=unconfined key="etc_watch""#;

#[test]
fn auditd_record() {
    let mut p = plugin(None);
    assert_eq!(rules_of(&run(&mut p, &auditd(SYSCALL))), vec!["auditd_record"]);
    silent(&mut p, "auditd_record", &line("type=SYSCALL but no event id"));
}

#[test]
fn auditd_authentication() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_authentication", &auditd("type=USER_START msg=audit(1700000001.000:500): pid=811 uid=0 auid=1000 ses=3 msg='op=PAM:session_open acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=10.0.0.8 addr=10.0.0.8 terminal=ssh res=success'"));
    silent(&mut p, "auditd_authentication", &auditd(SYSCALL));
}

#[test]
fn auditd_login_failure() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_login_failure", &auditd("type=USER_LOGIN msg=audit(1700000002.000:501): pid=811 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.7 terminal=sshd res=failed'"));
    fires(&mut p, "auditd_login_failure", &auditd("type=ANOM_LOGIN_FAILURES msg=audit(1700000002.100:502): pid=811 uid=0 auid=4294967295 msg='acct=\"root\" exe=\"/usr/sbin/sshd\" res=success'"));
    silent(&mut p, "auditd_login_failure", &auditd("type=USER_LOGIN msg=audit(1700000002.000:503): pid=811 uid=0 auid=1000 msg='op=login acct=\"alice\" exe=\"/usr/sbin/sshd\" addr=10.0.0.8 res=success'"));
}

#[test]
fn auditd_access_denied() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_access_denied", &auditd(r#"type=SYSCALL msg=audit(1700000003.000:510): arch=c000003e syscall=257 success=no exit=-13 auid=1001 uid=1001 euid=1001 comm="cat" exe="/usr/bin/cat" key="access""#));
    fires(&mut p, "auditd_access_denied", &auditd(r#"type=SYSCALL msg=audit(1700000003.000:511): arch=c000003e syscall=257 success=no exit=-13 auid=1001 uid=1001 comm="cat" exe="/usr/bin/cat" key=(null)"#));
    silent(&mut p, "auditd_access_denied", &auditd(r#"type=SYSCALL msg=audit(1700000003.000:512): arch=c000003e syscall=257 success=no exit=-2 auid=1001 uid=1001 comm="cat" exe="/usr/bin/cat" key=(null)"#));
}

#[test]
fn auditd_account_change() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_account_change", &auditd("type=ADD_USER msg=audit(1700000004.000:520): pid=1201 uid=0 auid=1000 ses=3 msg='op=adding user id=998 exe=\"/usr/sbin/useradd\" hostname=web-1 addr=? terminal=pts/0 res=success'"));
    fires(&mut p, "auditd_account_change", &auditd(r#"type=SYSCALL msg=audit(1700000004.100:521): arch=c000003e syscall=82 success=yes exit=0 auid=1000 uid=0 euid=0 comm="useradd" exe="/usr/sbin/useradd" key="identity""#));
    silent(&mut p, "auditd_account_change", &auditd(SYSCALL));
    // In a CONFIG_CHANGE record the key names the audit rule being changed, not an event.
    silent(&mut p, "auditd_account_change", &auditd("type=CONFIG_CHANGE msg=audit(1700000000.102:12): auid=4294967295 ses=4294967295 op=add_rule key=\"identity\" list=4 res=1"));
}

#[test]
fn auditd_admin_action() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_admin_action", &auditd("type=USER_CMD msg=audit(1700000005.000:530): pid=1400 uid=1000 auid=1000 ses=3 msg='cwd=\"/home/alice\" cmd=636174202F6574632F736861646F77 exe=\"/usr/bin/sudo\" terminal=pts/0 res=success'"));
    fires(&mut p, "auditd_admin_action", &auditd(r#"type=SYSCALL msg=audit(1700000005.100:531): arch=c000003e syscall=59 success=yes exit=0 auid=1000 uid=0 euid=0 comm="systemctl" exe="/usr/bin/systemctl" key=(null)"#));
    fires(&mut p, "auditd_admin_action", &auditd(r#"type=SYSCALL msg=audit(1700000005.200:532): arch=c000003e syscall=59 success=yes exit=0 auid=1000 uid=1000 euid=0 comm="passwd" exe="/usr/bin/passwd" key="privileged-passwd""#));
    // root without a login session (a daemon), or unset auid: not a person's action.
    silent(&mut p, "auditd_admin_action", &auditd(r#"type=SYSCALL msg=audit(1700000005.300:533): arch=c000003e syscall=59 success=yes exit=0 auid=4294967295 uid=0 euid=0 comm="logrotate" exe="/usr/sbin/logrotate" key=(null)"#));
    silent(&mut p, "auditd_admin_action", &auditd(SYSCALL));
}

#[test]
fn auditd_audit_log_access() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_audit_log_access", &auditd(r#"type=SYSCALL msg=audit(1700000006.000:540): arch=c000003e syscall=257 success=yes exit=3 auid=1000 uid=0 euid=0 comm="less" exe="/usr/bin/less" key="audit-logs""#));
    fires(&mut p, "auditd_audit_log_access", &auditd(r#"type=PATH msg=audit(1700000006.000:540): item=0 name="/var/log/audit/audit.log" inode=1311 dev=fd:00 mode=0100600 ouid=0 ogid=0 nametype=NORMAL"#));
    silent(&mut p, "auditd_audit_log_access", &auditd(r#"type=PATH msg=audit(1700000006.000:541): item=0 name="/var/log/syslog" inode=1312 nametype=NORMAL"#));
    // Removing the rule that watches the audit log is an audit configuration change, not access.
    let removal = auditd("type=CONFIG_CHANGE msg=audit(1700000420.001:380): auid=1000 ses=7 op=remove_rule key=\"audit-logs\" list=4 res=1");
    silent(&mut p, "auditd_audit_log_access", &removal);
    fires(&mut p, "auditd_audit_config", &removal);
}

#[test]
fn auditd_audit_daemon() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_audit_daemon", &auditd("type=DAEMON_END msg=audit(1700000007.000:550): op=terminate auid=1000 pid=1 subj=unconfined res=success"));
    fires(&mut p, "auditd_audit_daemon", &auditd("type=DAEMON_START msg=audit(1700000007.500:7): op=start ver=3.1.2 format=enriched kernel=6.1.0 auid=4294967295 pid=612 uid=0 ses=4294967295 res=success"));
    silent(&mut p, "auditd_audit_daemon", &auditd(SYSCALL));
}

#[test]
fn auditd_audit_config() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_audit_config", &auditd("type=CONFIG_CHANGE msg=audit(1700000008.000:560): auid=1000 ses=3 op=remove_rule key=\"identity\" list=4 res=1"));
    fires(&mut p, "auditd_audit_config", &auditd(r#"type=SYSCALL msg=audit(1700000008.100:561): arch=c000003e syscall=257 success=yes exit=3 auid=1000 uid=0 euid=0 comm="vi" exe="/usr/bin/vi" key="auditconfig""#));
    silent(&mut p, "auditd_audit_config", &auditd(SYSCALL));
}

#[test]
fn auditd_kernel_modules() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_kernel_modules", &auditd(r#"type=SYSCALL msg=audit(1700000009.000:570): arch=c000003e syscall=313 success=yes exit=0 auid=1000 uid=0 euid=0 comm="modprobe" exe="/usr/bin/kmod" key="modules""#));
    fires(&mut p, "auditd_kernel_modules", &auditd("type=KERN_MODULE msg=audit(1700000009.000:570): name=\"nf_tables\""));
    silent(&mut p, "auditd_kernel_modules", &auditd(SYSCALL));
}

#[test]
fn auditd_time_change() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_time_change", &auditd(r#"type=SYSCALL msg=audit(1700000010.000:580): arch=c000003e syscall=227 success=yes exit=0 auid=1000 uid=0 euid=0 comm="date" exe="/usr/bin/date" key="time-change""#));
    silent(&mut p, "auditd_time_change", &auditd(SYSCALL));
}

#[test]
fn auditd_config_change() {
    let mut p = plugin(None);
    fires(&mut p, "auditd_config_change", &auditd(r#"type=SYSCALL msg=audit(1700000011.000:590): arch=c000003e syscall=257 success=yes exit=3 auid=1000 uid=0 euid=0 comm="vi" exe="/usr/bin/vi" key="system-locale""#));
    silent(&mut p, "auditd_config_change", &auditd(SYSCALL));
}

// ---------------------------------------------------------------- MySQL

#[test]
fn mysql_log() {
    let mut p = plugin(None);
    fires(&mut p, "mysql_log", &line("2023-11-14T22:13:25.000001Z\t   12 Quit\t"));
    silent(&mut p, "mysql_log", &line("SELECT 1"));
}

#[test]
fn mysql_data_access() {
    let mut p = plugin(None);
    fires(&mut p, "mysql_data_access", &line("2023-11-14T22:13:20.124000Z\t   12 Query\tSELECT pan_token FROM cards WHERE id = 7"));
    fires(&mut p, "mysql_data_access", &line("# User@Host: app[app] @ web-1 [10.0.0.5]  Id:    12"));
    silent(&mut p, "mysql_data_access", &line("2023-11-14T22:13:25.000001Z\t   12 Quit\t"));
    // A slow-log header line that names neither the user nor the statement.
    silent(&mut p, "mysql_data_access", &line("# Query_time: 2.4  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 1843302"));
}

#[test]
fn mysql_login() {
    let mut p = plugin(None);
    fires(&mut p, "mysql_login", &line("2023-11-14T22:13:20.123456Z\t   12 Connect\tapp@10.0.0.5 on shop using TCP/IP"));
    silent(&mut p, "mysql_login", &line("2023-11-14T22:13:20.124000Z\t   12 Query\tSELECT 1"));
}

#[test]
fn mysql_login_failure() {
    let mut p = plugin(None);
    fires(&mut p, "mysql_login_failure", &line("2023-11-14T22:13:26.5Z\t   13 Connect\tAccess denied for user 'bob'@'10.0.0.9' (using password: YES)"));
    silent(&mut p, "mysql_login_failure", &line("2023-11-14T22:13:20.123456Z\t   12 Connect\tapp@10.0.0.5 on shop using TCP/IP"));
}

#[test]
fn mysql_privilege_change() {
    let mut p = plugin(None);
    fires(&mut p, "mysql_privilege_change", &line("2023-11-14T22:14:00.000000Z\t   14 Query\tGRANT SELECT ON shop.cards TO 'report'@'%'"));
    fires(&mut p, "mysql_privilege_change", &line("2023-11-14T22:14:01.000000Z\t   14 Query\t  alter user 'app'@'%' IDENTIFIED BY 'x'"));
    silent(&mut p, "mysql_privilege_change", &line("2023-11-14T22:14:02.000000Z\t   14 Query\tSELECT grant_id FROM grants"));
}

#[test]
fn mysql_audit_log_change() {
    let mut p = plugin(None);
    fires(&mut p, "mysql_audit_log_change", &line("2023-11-14T22:14:50.000000Z\t   14 Query\tSET GLOBAL general_log = 'OFF'"));
    fires(&mut p, "mysql_audit_log_change", &line("2023-11-14T22:14:50.000000Z\t   14 Query\tset sql_log_off = 1"));
    silent(&mut p, "mysql_audit_log_change", &line("2023-11-14T22:14:50.000000Z\t   14 Query\tSET NAMES utf8mb4"));
}

#[test]
fn mysql_schema_change() {
    let mut p = plugin(None);
    fires(&mut p, "mysql_schema_change", &line("2023-11-14T22:15:00.000000Z\t   14 Query\tDROP TABLE cards_backup"));
    fires(&mut p, "mysql_schema_change", &line("# Time: 2023-11-14T22:15:01.000000Z\n# User@Host: dba[dba] @ localhost []  Id:    15\n# Query_time: 3.1  Lock_time: 0.0 Rows_sent: 0  Rows_examined: 0\nSET timestamp=1700000101;\nALTER TABLE cards ADD COLUMN note TEXT;"));
    silent(&mut p, "mysql_schema_change", &line("2023-11-14T22:15:02.000000Z\t   14 Query\tSELECT * FROM dropped_tables"));
}

// ---------------------------------------------------------------- nginx

const NGINX_OK: &str = r#"203.0.113.9 - - [14/Nov/2023:22:13:20 +0000] "GET /products?page=2 HTTP/1.1" 200 5120 "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64)""#;

#[test]
fn http_access() {
    let mut p = plugin(None);
    assert_eq!(rules_of(&run(&mut p, &line(NGINX_OK))), vec!["http_access"]);
    silent(&mut p, "http_access", &line("203.0.113.9 connected"));
}

#[test]
fn http_access_denied() {
    let mut p = plugin(None);
    fires(&mut p, "http_access_denied", &line(r#"203.0.113.9 - alice [14/Nov/2023:22:13:21 +0000] "GET /admin HTTP/1.1" 403 153 "-" "curl/8.4.0""#));
    silent(&mut p, "http_access_denied", &line(NGINX_OK));
}

// ---------------------------------------------------------------- personal data (mask summary)

#[test]
fn personal_data() {
    let mut p = plugin(None);
    let rec = |summary: Value| json!({"log": "user [EMAIL] signed up", "logward": {"mask": summary}}).to_string();
    fires(&mut p, "personal_data", &rec(json!({"email": 1})));
    fires(&mut p, "personal_data", &rec(json!({"cn_id_card": 2, "aws_access_key": 1})));
    silent(&mut p, "personal_data", &rec(json!({"aws_access_key": 1})));
    silent(&mut p, "personal_data", &rec(json!({"email": 0})));
    let out = run(&mut p, &rec(json!({"email": 1})));
    assert_eq!(tags_of(&out), vec!["cn_pipl:art51", "gdpr:art30", "gdpr:art32", "iso_27001_2022:A.5.34", "mlps_2.0:8.1.4.11"]);
}

#[test]
fn untagged_records_are_untouched() {
    let mut p = plugin(None);
    for rec in [
        json!({"log": "INFO server started on :8080", "stream": "stdout"}).to_string(),
        app_log(json!({"app": "web"})),
        json!({"level": "info", "msg": "cache warm", "kind": "Event"}).to_string(),
        line("2023-11-14 12:00:00 INFO tick"),
    ] {
        assert_eq!(run(&mut p, &rec), None, "{rec}");
    }
}
