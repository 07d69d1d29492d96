#!/usr/bin/env bash
# A short fuzz run of every deployable module through the real wasm, seeded from the bundled
# examples: generated and mutated records, raw bytes to every export, both ABIs and formats.
# Any trap or unasked-for drop fails. FUZZ_ITERATIONS sets the length (long runs: see notes).
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
cat examples/*/*.log > "$SCRATCH/corpus.log"

for m in mask comply alert chain logward; do
    for format in json msgpack; do
        "$LOGWARD" fuzz --plugin "$W/$m.wasm" --format "$format" \
            --accessible-paths "$SCRATCH/config,$SCRATCH/state" \
            --iterations "${FUZZ_ITERATIONS:-20000}" --seed "${FUZZ_SEED:-7}" --corpus "$SCRATCH/corpus.log"
    done
done
