#!/usr/bin/env bash
# Replays every shipped Fluent Bit config (fluent-bit-conf/*) over the examples it is written
# for, with the logward harness, and compares the output with tests/golden/configs/.
# Other filter types in the configs (kubernetes, rewrite_tag) are reported, not emulated.
#
#   scripts/check-configs.sh                 compare (CI)
#   UPDATE_GOLDEN=1 scripts/check-configs.sh regenerate after an intended change
#
# The production plugin configs (fluent-bit-conf/logward/) are used as shipped, except
# chain.json, whose key and state directory point into a scratch directory with the public
# demo key (examples/keys/) so the chained output is reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."

LOGWARD=${LOGWARD:-target/release/logward}
GOLDEN=tests/golden/configs
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
failed=0

# Fresh config and state directories for one replay run.
prepare() {
    rm -rf "$SCRATCH/config" "$SCRATCH/state"
    mkdir -p "$SCRATCH/config" "$SCRATCH/state" "$SCRATCH/out"
    cp fluent-bit-conf/logward/*.json "$SCRATCH/config/"
    cp examples/keys/demo-chain.key "$SCRATCH/state/chain.key"
    cat > "$SCRATCH/config/chain.json" <<EOF
{"key_file": "$SCRATCH/state/chain.key", "state_dir": "$SCRATCH/state",
 "stream_field": "kubernetes.namespace_name"}
EOF
}

# replay CONFIG TAG INPUT... : appends the records to $SCRATCH/out/current
replay() {
    local config=$1 tag=$2
    shift 2
    LOGWARD_WASM_DIR=$PWD/target/wasm32-wasip1/release \
    LOGWARD_CONFIG_DIR=$SCRATCH/config LOGWARD_STATE_DIR=$SCRATCH/state \
        "$LOGWARD" replay -c "$config" --chdir "$(dirname "$config")" --tag "$tag" \
        --fail-on-drop --quiet-guests -i <(cat "$@") >> "$SCRATCH/out/current"
}

# check NAME : compares (or stores) $SCRATCH/out/current as golden NAME
check() {
    local name=$1 golden=$GOLDEN/$1.out
    if [[ $name == */fluent-bit.yaml ]]; then
        # One golden per pipeline: the YAML form is compared with the classic form below.
        :
    elif [ "${UPDATE_GOLDEN:-}" = 1 ]; then
        mkdir -p "$(dirname "$golden")"
        cp "$SCRATCH/out/current" "$golden"
        echo "updated $golden ($(wc -l < "$golden") records)"
    elif ! diff -q "$golden" "$SCRATCH/out/current" > /dev/null 2>&1; then
        echo "FAIL $name: output differs from $golden (UPDATE_GOLDEN=1 to accept):"
        diff "$golden" "$SCRATCH/out/current" | head -20 || true
        failed=1
    else
        echo "ok   $name ($(wc -l < "$golden") records)"
    fi
    cp "$SCRATCH/out/current" "$SCRATCH/out/$(echo "$name" | tr / _)"
    : > "$SCRATCH/out/current"
}

K8S_CONTAINER_TAG=kube.var.log.containers.payments-6f8d9c7b5-q7x2m_shop_payments-b7e2c91d4f3a.log
for form in fluent-bit.conf fluent-bit.yaml; do
    prepare
    replay fluent-bit-conf/k8s-audit/$form kube-audit examples/k8s-audit/audit.log
    check "k8s-audit/$form"

    prepare
    replay fluent-bit-conf/k8s-daemonset/$form $K8S_CONTAINER_TAG \
        examples/app-labels/kubernetes.log examples/containers/*.log
    check "k8s-daemonset/$form"

    prepare
    replay fluent-bit-conf/docker-host/$form docker.containers examples/containers/*.docker.log examples/app-labels/docker.log
    replay fluent-bit-conf/docker-host/$form docker.events examples/docker-events/events.log
    check "docker-host/$form"

    prepare
    replay fluent-bit-conf/syslog-auditd/$form host.auditd examples/auditd/audit.log
    replay fluent-bit-conf/syslog-auditd/$form host.auth examples/auth/auth.log
    check "syslog-auditd/$form"
done

# The bundle runs the same four stages in one filter: its output must be identical.
prepare
replay fluent-bit-conf/k8s-daemonset/fluent-bit-bundle.conf $K8S_CONTAINER_TAG \
    examples/app-labels/kubernetes.log examples/containers/*.log
if ! cmp -s "$SCRATCH/out/current" "$SCRATCH/out/k8s-daemonset_fluent-bit.conf"; then
    echo "FAIL k8s-daemonset/fluent-bit-bundle.conf: logward.wasm output differs from the four separate filters:"
    diff "$SCRATCH/out/k8s-daemonset_fluent-bit.conf" "$SCRATCH/out/current" | head -20 || true
    failed=1
else
    echo "ok   k8s-daemonset/fluent-bit-bundle.conf (identical to the four-filter pipeline)"
fi

# The classic and YAML forms of each pipeline must behave the same.
for p in k8s-audit k8s-daemonset docker-host syslog-auditd; do
    if ! cmp -s "$SCRATCH/out/${p}_fluent-bit.conf" "$SCRATCH/out/${p}_fluent-bit.yaml"; then
        echo "FAIL $p: fluent-bit.conf and fluent-bit.yaml give different output"
        failed=1
    else
        echo "ok   $p/fluent-bit.yaml (identical to fluent-bit.conf)"
    fi
done

exit $failed
