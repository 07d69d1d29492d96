#!/usr/bin/env bash
# make bench: records/s (native wasmtime), fuel per record (≈ wasm instructions, the number
# that predicts Fluent Bit's CPU under its WAMR interpreter), memory and the modelled WAMR
# stack, for each module alone and for the four-filter pipeline, over the bundled examples.
# `BENCH_JSON=1` prints machine-readable results; `PROFILE=N` adds each module's top-N
# functions by fuel.
set -euo pipefail
cd "$(dirname "$0")/.."
LOGWARD=${LOGWARD:-target/release/logward}
W=target/wasm32-wasip1/release
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

mkdir -p "$SCRATCH/config" "$SCRATCH/state"
cp fluent-bit-conf/logward/*.json "$SCRATCH/config/"
reset_state() {
    rm -rf "$SCRATCH/state"; mkdir -p "$SCRATCH/state"
    cp examples/keys/demo-chain.key "$SCRATCH/state/chain.key"
    echo "{\"key_file\": \"$SCRATCH/state/chain.key\", \"state_dir\": \"$SCRATCH/state\"}" > "$SCRATCH/config/chain.json"
}
cat examples/containers/*.log examples/app-labels/*.log > "$SCRATCH/containers.log"
extra=()
[ -n "${BENCH_JSON:-}" ] && extra+=(--json)
[ -n "${PROFILE:-}" ] && extra+=(--profile "$PROFILE")

for input in examples/k8s-audit/audit.log "$SCRATCH/containers.log"; do
    name=$(basename "$input")
    for m in passthrough mask comply alert chain logward; do
        reset_state
        echo "== $m.wasm over $name"
        "$LOGWARD" bench --plugin "$W/$m.wasm" --input "$input" --repeat "${REPEAT:-3}" \
            --accessible-paths "$SCRATCH/config,$SCRATCH/state" "${extra[@]}"
    done
    reset_state
    echo "== mask → comply → alert → chain (four filters) over $name"
    "$LOGWARD" bench --plugin "$W/mask.wasm" --plugin "$W/comply.wasm" --plugin "$W/alert.wasm" \
        --plugin "$W/chain.wasm" --input "$input" --repeat "${REPEAT:-3}" \
        --accessible-paths "$SCRATCH/config,$SCRATCH/state" "${extra[@]}"
done
