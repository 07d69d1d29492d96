#!/usr/bin/env bash
# make demo: the k8s-audit pipeline (fluent-bit-conf/k8s-audit/fluent-bit.conf — mask, comply,
# alert, chain) over the bundled Kubernetes audit events, run by the logward harness exactly as
# Fluent Bit 5.1.1 would run it. Then: what it did, `logward verify` passing, one record
# tampered with, and `logward verify` pinpointing it.
set -euo pipefail
cd "$(dirname "$0")/.."
LOGWARD=${LOGWARD:-target/release/logward}
DEMO=${DEMO_DIR:-target/demo}
rm -rf "$DEMO"
mkdir -p "$DEMO/config" "$DEMO/state" "$DEMO/out"

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The shipped plugin configs, with chain's key and state in the demo directory. The demo key
# is public (examples/keys/README.md): real deployments make their own with `logward keygen`.
cp fluent-bit-conf/logward/*.json "$DEMO/config/"
cp examples/keys/demo-chain.key "$DEMO/state/chain.key"
cat > "$DEMO/config/chain.json" <<EOF
{"key_file": "$PWD/$DEMO/state/chain.key", "state_dir": "$PWD/$DEMO/state",
 "checkpoint": {"records": 100, "seconds": 60}}
EOF

bold "Replaying examples/k8s-audit/audit.log through fluent-bit-conf/k8s-audit/fluent-bit.conf"
LOGWARD_WASM_DIR=$PWD/target/wasm32-wasip1/release \
LOGWARD_CONFIG_DIR=$PWD/$DEMO/config LOGWARD_STATE_DIR=$PWD/$DEMO/state \
    "$LOGWARD" replay -c fluent-bit-conf/k8s-audit/fluent-bit.conf --chdir fluent-bit-conf/k8s-audit \
    --tag kube-audit --quiet-guests -i examples/k8s-audit/audit.log -o "$DEMO/out/kube-audit.log"
OUT=$DEMO/out/kube-audit.log

bold "What logward did (logward report $OUT)"
"$LOGWARD" report "$OUT"

bold "A credential in an audit event's request body, before and after"
line=$(grep -n -m1 '"data":{' examples/k8s-audit/audit.log | cut -d: -f1 || true)
if [ -n "$line" ]; then
    show() { sed -n "${line}p" "$1" | grep -o "$2" | head -1 | cut -c1-160; }
    echo "in : $(show examples/k8s-audit/audit.log '"data":{[^}]*}')"
    echo "out: $(show "$OUT" '"data":{[^}]*}')"
    echo "     $(show "$OUT" '"alert_level":"[a-z]*"')  $(show "$OUT" '"risk_level":"[a-z]*"')  $(show "$OUT" '"mask":{[^}]*}')"
fi

bold "logward verify: the stored log is intact"
"$LOGWARD" verify --key examples/keys/demo-chain.key --checkpoints "$DEMO/state/chain.checkpoints" "$OUT" \
    && echo "(exit status 0: intact)"

bold "Someone edits one stored record (line 500: who did it) and deletes another (line 700)"
cp "$OUT" "$DEMO/out/tampered.log"
sed -i '500s/"username":"[^"]*"/"username":"innocent-bystander"/; 700d' "$DEMO/out/tampered.log"
diff <(sed -n 500p "$OUT" | grep -o '"username":"[^"]*"' | head -1) \
     <(sed -n 500p "$DEMO/out/tampered.log" | grep -o '"username":"[^"]*"' | head -1) || true

bold "logward verify pinpoints both"
status=0
"$LOGWARD" verify --key examples/keys/demo-chain.key --checkpoints "$DEMO/state/chain.checkpoints" \
    "$DEMO/out/tampered.log" || status=$?
echo "(exit status $status: 1 = tampered)"
[ "$status" = 1 ]

bold "Done. Files: $DEMO/out (records), $DEMO/state (chain state and checkpoints)"
