//! SigmaHQ's 16 Kubernetes audit rules (../shared/eval/k8s-audit-sigma), compiled unchanged,
//! fire on audit events that match them and not on near misses.

mod common;

use common::{alert_ids, eval_dir, event, plugin, run_at};
use logward_alert::compiler::{collect_files, compile, read_sources, Options};
use serde_json::{json, Value};

fn pod(spec: Value) -> Value {
    common::pod_create(spec)
}

/// (rule file, matching event, near miss).
fn cases() -> Vec<(&'static str, Value, Value)> {
    let rbac = json!({"apiGroup": "rbac.authorization.k8s.io"});
    vec![
        ("kubernetes_audit_change_admission_controller.yml",
         json!({"verb": "patch", "objectRef": {"apiGroup": "admissionregistration.k8s.io", "resource": "validatingwebhookconfigurations", "name": "policy"}}),
         json!({"verb": "get", "objectRef": {"apiGroup": "admissionregistration.k8s.io", "resource": "validatingwebhookconfigurations"}})),
        ("kubernetes_audit_cronjob_modification.yml",
         json!({"verb": "create", "objectRef": {"apiGroup": "batch", "resource": "cronjobs"}}),
         json!({"verb": "list", "objectRef": {"apiGroup": "batch", "resource": "cronjobs"}})),
        ("kubernetes_audit_deployment_deleted.yml",
         json!({"verb": "delete", "objectRef": {"apiGroup": "apps", "resource": "deployments", "name": "web"}}),
         json!({"verb": "delete", "objectRef": {"resource": "pods"}})),
        ("kubernetes_audit_events_deleted.yml",
         json!({"verb": "delete", "objectRef": {"resource": "events"}}),
         json!({"verb": "create", "objectRef": {"resource": "events"}})),
        ("kubernetes_audit_exec_into_container.yml",
         json!({"verb": "create", "objectRef": {"resource": "pods", "subresource": "exec", "name": "web-1"},
                "requestURI": "/api/v1/namespaces/default/pods/web-1/exec?command=sh&stdin=true"}),
         json!({"verb": "create", "objectRef": {"resource": "pods", "subresource": "log"}})),
        ("kubernetes_audit_hostpath_mount.yml",
         pod(json!({"containers": [{"name": "c", "image": "alpine"}], "volumes": [{"name": "h", "hostPath": {"path": "/var/log"}}]})),
         pod(json!({"containers": [{"name": "c", "image": "alpine"}], "volumes": [{"name": "e", "emptyDir": {}}]}))),
        ("kubernetes_audit_pod_in_system_namespace.yml",
         json!({"verb": "create", "objectRef": {"resource": "pods", "namespace": "kube-system"}}),
         json!({"verb": "create", "objectRef": {"resource": "pods", "namespace": "default"}})),
        // SigmaHQ's rule compares responseStatus.code (a number) with 'ALLOW', so no real audit
        // event matches it; this event matches it as written.
        ("kubernetes_audit_potential_enumeration_activity.yml",
         json!({"responseStatus": {"code": "ALLOW"}, "userAgent": "access_matrix/0.5"}),
         json!({"userAgent": "access_matrix/0.5"})),
        ("kubernetes_audit_privileged_pod_creation.yml",
         pod(json!({"containers": [{"name": "c", "image": "alpine", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]})),
         pod(json!({"containers": [{"name": "c", "image": "alpine", "securityContext": {"capabilities": {"drop": ["ALL"]}}}]}))),
        ("kubernetes_audit_rbac_permisions_listing.yml",
         json!({"verb": "create", "objectRef": {"apiGroup": "authorization.k8s.io", "resource": "selfsubjectrulesreviews"}}),
         json!({"verb": "create", "objectRef": {"apiGroup": "authorization.k8s.io", "resource": "selfsubjectaccessreviews"}})),
        ("kubernetes_audit_rolebinding_modification.yml",
         json!({"verb": "create", "objectRef": {"apiGroup": rbac["apiGroup"], "resource": "clusterrolebindings"}}),
         json!({"verb": "get", "objectRef": {"apiGroup": rbac["apiGroup"], "resource": "clusterrolebindings"}})),
        ("kubernetes_audit_secrets_enumeration.yml",
         json!({"verb": "list", "objectRef": {"resource": "secrets"}}),
         json!({"verb": "list", "objectRef": {"resource": "configmaps"}})),
        ("kubernetes_audit_secrets_modified_or_deleted.yml",
         json!({"verb": "delete", "objectRef": {"resource": "secrets", "name": "db"}}),
         json!({"verb": "get", "objectRef": {"resource": "secrets", "name": "db"}})),
        ("kubernetes_audit_serviceaccount_creation.yml",
         json!({"verb": "create", "objectRef": {"resource": "serviceaccounts"}}),
         json!({"verb": "delete", "objectRef": {"resource": "serviceaccounts"}})),
        ("kubernetes_audit_sidecar_injection.yml",
         json!({"verb": "patch", "objectRef": {"apiGroup": "apps", "resource": "deployments"}}),
         json!({"verb": "patch", "objectRef": {"apiGroup": "apps", "resource": "statefulsets"}})),
        ("kubernetes_audit_unauthorized_unauthenticated_actions.yml",
         json!({"responseStatus": {"code": 403, "status": "Failure", "reason": "Forbidden"}, "annotations": {"authorization.k8s.io/decision": "forbid"}}),
         json!({"responseStatus": {"code": 404}})),
    ]
}

#[test]
fn sigmahq_rules_compile_unchanged_and_fire() {
    let Some(dir) = eval_dir() else { return };
    let files = collect_files(&[dir.join("k8s-audit-sigma")]).unwrap();
    assert_eq!(files.len(), 16, "{files:?}");
    let sources = read_sources(&files).unwrap();
    let bundle = compile(&sources, &Options::default()).unwrap_or_else(|e| panic!("{}", e[0]));
    assert_eq!(bundle.rules.len(), 16);
    let by_file = |name: &str| {
        bundle.rules.iter().find(|r| r.source.as_deref().is_some_and(|s| s.contains(name))).map(|r| r.id.clone()).unwrap()
    };
    let mut config = serde_json::to_value(&bundle).unwrap();
    config["include_default"] = json!(false);
    let mut p = plugin(Some(&config.to_string()));
    let cases = cases();
    assert_eq!(cases.len(), 16);
    for (file, hit, miss) in cases {
        let id = by_file(file);
        let fired = alert_ids(&run_at(&mut p, &event(hit), 1_741_946_400));
        assert!(fired.contains(&id), "{file}: {id} did not fire ({fired:?})");
        let fired = alert_ids(&run_at(&mut p, &event(miss), 1_741_946_400));
        assert!(!fired.contains(&id), "{file}: {id} fired on the near miss");
        println!("{file}: fires on its event, not on the near miss");
    }
}

#[test]
fn without_field_mapping_two_rules_look_for_fields_audit_events_do_not_have() {
    let Some(dir) = eval_dir() else { return };
    let files = collect_files(&[dir.join("k8s-audit-sigma")]).unwrap();
    let bundle = compile(&read_sources(&files).unwrap(), &Options { map_fields: false }).unwrap();
    let text = serde_json::to_string(&bundle).unwrap();
    assert!(text.contains(r#""field":"hostPath""#) && text.contains(r#""field":"capabilities""#));
}
