#!/usr/bin/env bash
# Fuel (≈ wasm instructions, deterministic) per record for every module over the bundled
# examples. CI prints it so that a cost regression is visible in the log; it asserts nothing.
# Under Fluent Bit's WAMR interpreter, 1,000 fuel ≈ 2.7 µs of CPU on a 2-core machine like
# CI's (measured; see README "Performance").
set -euo pipefail
cd "$(dirname "$0")/.."
LOGWARD=${LOGWARD:-target/release/logward}
W=target/wasm32-wasip1/release
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

mkdir -p "$SCRATCH/config" "$SCRATCH/state"
cp fluent-bit-conf/logward/*.json "$SCRATCH/config/"
cp examples/keys/demo-chain.key "$SCRATCH/state/chain.key"
echo "{\"key_file\": \"$SCRATCH/state/chain.key\", \"state_dir\": \"$SCRATCH/state\"}" > "$SCRATCH/config/chain.json"

cat examples/containers/*.log examples/app-labels/*.log > "$SCRATCH/containers.log"
declare -A INPUTS=(
    [k8s-audit]=examples/k8s-audit/audit.log
    [containers]=$SCRATCH/containers.log
    [host-audit]=examples/auditd/audit.log
)

mean_fuel() { # module input
    "$LOGWARD" bench --plugin "$1" --input "$2" --no-baseline --no-stack-model \
        --accessible-paths "$SCRATCH/config,$SCRATCH/state" 2>/dev/null | awk '$1 ~ /^wasm\.0/ {print $4; exit}'
}

printf "%-14s" "fuel/record"
for i in k8s-audit containers host-audit; do printf "%14s" "$i"; done
echo
for m in passthrough mask comply alert chain logward; do
    printf "%-14s" "$m"
    for i in k8s-audit containers host-audit; do
        rm -f "$SCRATCH"/state/chain.state "$SCRATCH"/state/chain.checkpoints*
        printf "%14s" "$(mean_fuel "$W/$m.wasm" "${INPUTS[$i]}")"
    done
    echo
done
