//! The example audit log (examples/k8s-audit/audit.log) with the example alert.json: each
//! scenario of its README raises what it should, the benign look-alikes raise nothing, and the
//! totals per rule stay what they are (a change here is a change in behaviour: review it).

mod common;

use std::collections::BTreeMap;

use common::{alert_ids, event_time, plugin, run_at};
use serde_json::Value;

fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/k8s-audit").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Fired {
    time: String,
    user: String,
    verb: String,
    ids: Vec<String>,
}

fn replay() -> Vec<Fired> {
    let log = example("audit.log");
    let mut p = plugin(Some(&example("alert.json")));
    log.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            Fired {
                time: v["requestReceivedTimestamp"].as_str().unwrap_or("")[11..19].to_string(),
                user: v["user"]["username"].as_str().unwrap_or("").to_string(),
                verb: v["verb"].as_str().unwrap_or("").to_string(),
                ids: alert_ids(&run_at(&mut p, line, event_time(line))),
            }
        })
        .collect()
}

fn fired_at<'a>(all: &'a [Fired], time: &str) -> Vec<&'a str> {
    all.iter().filter(|f| f.time == time).flat_map(|f| f.ids.iter().map(String::as_str)).collect()
}

#[test]
fn scenarios_of_the_example() {
    let all = replay();
    let has = |time: &str, id: &str| {
        let got = fired_at(&all, time);
        assert!(got.contains(&id), "{time}: expected {id}, got {got:?}");
    };
    has("01:58:19", "lw-k8s-auth-failure-burst"); // the fifth 401
    has("02:01:12", "lw-k8s-anonymous-allowed");
    for t in ["02:07:10", "02:07:50", "02:08:30", "02:09:10"] {
        has(t, "lw-k8s-secret-read-by-human");
        has(t, "lw-k8s-sensitive-operation-off-hours");
        has(t, "lw-k8s-known-bad-ip");
    }
    has("02:08:30", "lw-k8s-many-distinct-secrets"); // the third distinct secret
    has("02:09:13", "lw-k8s-forbidden-burst"); // the fifth 403
    has("02:12:05", "lw-k8s-exec-credential-files"); // cat /etc/passwd
    has("02:12:36", "lw-k8s-exec-credential-files"); // cat /etc/shadow
    has("02:13:07", "lw-k8s-exec-download-and-run");
    has("02:13:38", "lw-k8s-exec-reverse-shell"); // nc -e
    has("02:14:09", "lw-k8s-exec-reverse-shell"); // /dev/tcp
    has("02:15:30", "lw-k8s-cluster-admin-binding");
    has("02:16:02", "lw-k8s-wildcard-role");
    for id in [
        "lw-k8s-privileged-pod", "lw-k8s-sensitive-hostpath", "lw-k8s-hostnetwork-pod", "lw-k8s-hostpid-pod",
        "lw-k8s-hostipc-pod", "lw-k8s-container-as-root", "lw-k8s-pod-created-from-pod-ip", "lw-falco-pod-in-kube-namespace",
    ] {
        has("02:18:44", id);
    }
    has("02:20:03", "lw-k8s-sensitive-hostpath"); // /var/lib/kubelet, /proc
    has("02:22:41", "lw-k8s-ephemeral-container");
    has("02:23:30", "lw-k8s-pod-exec"); // attach
    has("02:25:02", "lw-k8s-port-forward");
    has("02:28:26", "lw-k8s-bulk-deletion"); // the tenth deletion
    has("02:29:44", "lw-k8s-production-namespace-deleted");
    has("09:21:40", "lw-k8s-secret-read-by-human");
    has("09:24:05", "lw-k8s-secret-read-by-service-account");
    has("09:31:12", "lw-k8s-node-taint-by-human");
    has("14:05:09", "lw-falco-configmap-credentials");
    has("14:06:40", "lw-falco-nodeport-service");
    has("14:10:20", "lw-k8s-pod-exec");
    // Business hours: alice's read at 09:21 is not an off-hours operation.
    assert!(!fired_at(&all, "09:21:40").contains(&"lw-k8s-sensitive-operation-off-hours"));
}

#[test]
fn benign_look_alikes_raise_nothing() {
    let all = replay();
    for f in &all {
        let benign = f.user.starts_with("system:node:")
            || f.user == "system:kube-controller-manager"
            || f.user == "system:kube-scheduler"
            || f.user == "system:serviceaccount:kube-system:node-controller"
            || f.user == "system:serviceaccount:kube-system:replicaset-controller"
            || f.user == "system:serviceaccount:monitoring:prometheus"
            || f.user == "system:serviceaccount:kube-system:coredns"
            || (f.user == "system:anonymous" && f.verb == "get")
            || (f.user == "system:serviceaccount:ci:deployer" && f.verb != "list" && f.verb != "watch");
        assert!(!benign || f.ids.is_empty(), "{} {} {}: {:?}", f.time, f.user, f.verb, f.ids);
    }
}

#[test]
fn totals_per_rule() {
    // The example's `min_level: low` leaves out Falco's informational activity records.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in replay() {
        for id in f.ids {
            *counts.entry(id).or_default() += 1;
        }
    }
    let expected: BTreeMap<String, usize> = [
        ("lw-falco-configmap-credentials", 1),
        ("lw-falco-nodeport-service", 1),
        ("lw-falco-pod-in-kube-namespace", 2),
        ("lw-k8s-anonymous-allowed", 2),
        ("lw-k8s-auth-failure-burst", 1),
        ("lw-k8s-bulk-deletion", 1),
        ("lw-k8s-cluster-admin-binding", 1),
        ("lw-k8s-container-as-root", 2),
        ("lw-k8s-ephemeral-container", 1),
        ("lw-k8s-exec-credential-files", 3),
        ("lw-k8s-exec-download-and-run", 1),
        ("lw-k8s-exec-reverse-shell", 2),
        ("lw-k8s-forbidden-burst", 1),
        ("lw-k8s-hostipc-pod", 1),
        ("lw-k8s-hostnetwork-pod", 2),
        ("lw-k8s-hostpid-pod", 1),
        ("lw-k8s-known-bad-ip", 35),
        ("lw-k8s-many-distinct-secrets", 1),
        ("lw-k8s-node-taint-by-human", 1),
        ("lw-k8s-pod-created-from-pod-ip", 3),
        ("lw-k8s-pod-exec", 8),
        ("lw-k8s-port-forward", 1),
        ("lw-k8s-privileged-pod", 1),
        ("lw-k8s-production-namespace-deleted", 1),
        ("lw-k8s-secret-read-by-human", 5),
        ("lw-k8s-secret-read-by-service-account", 2),
        ("lw-k8s-sensitive-hostpath", 2),
        ("lw-k8s-sensitive-operation-off-hours", 16),
        ("lw-k8s-wildcard-role", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(counts, expected);
}

#[test]
fn index_covers_every_rule() {
    let p = plugin(Some(&example("alert.json")));
    let idx = p.engine().index();
    assert_eq!(idx.fields()[0], "objectRef.resource");
    assert!(idx.unanchored().is_empty(), "rules checked in full on every record: {:?}", idx.unanchored());
}
