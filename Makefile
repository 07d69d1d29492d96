# logward — build, test, demo and benchmark.
#
#   make build   wasm plugins (target/wasm32-wasip1/release/*.wasm) and the logward CLI
#   make test    everything CI runs
#   make demo    the k8s-audit pipeline over examples/, then verify, tamper, verify again
#   make bench   fuel per record and records/s for every plugin over examples/
#   make golden  regenerate golden outputs after an intended change (review the diff!)

CARGO   ?= cargo
WASM    := wasm32-wasip1
WASMDIR := target/$(WASM)/release
LOGWARD := target/release/logward
# The modules users deploy, plus the SDK's reference plugin (benchmark baseline).
MODULES := mask comply alert chain logward passthrough

.PHONY: all build wasm-target plugins cli probes test test-rust test-configs fuel-report fuzz-smoke \
        demo bench golden lint fmt clean

all: build

build: plugins cli

wasm-target:
	@rustup target list --installed 2>/dev/null | grep -qx $(WASM) || rustup target add $(WASM)

plugins: wasm-target
	$(CARGO) build --release --target $(WASM) $(addprefix -p ,$(addsuffix -wasm,$(MODULES)))

cli:
	$(CARGO) build --release -p logward-harness

# --- probes (owner: host harness) -------------------------------------------------------------
# Raw-ABI probe modules for the harness contract tests (tests/probes, outside the workspace).
# Three builds of the same crate, all landing in target/probes/wasm32-wasip1/release/:
#   logward_probes.wasm          exports malloc/free (rustflags from .cargo/config.toml)
#   logward_probes_nomalloc.wasm no malloc/free export: RUSTFLAGS set explicitly, which makes
#                                cargo ignore the config's --export flags (WAMR app-heap tests)
#   logward_probes_initfail.wasm its _initialize prints and traps (start-up failure tests)
PROBES_MANIFEST := tests/probes/Cargo.toml
PROBES_OUT := target/probes/wasm32-wasip1/release

probes: wasm-target
	env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS $(CARGO) build --manifest-path $(PROBES_MANIFEST) \
		--target $(WASM) --release --target-dir target/probes
	env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-Cdebuginfo=0" $(CARGO) build --manifest-path $(PROBES_MANIFEST) \
		--target $(WASM) --release --target-dir target/probes-nomalloc
	env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS $(CARGO) build --manifest-path $(PROBES_MANIFEST) \
		--target $(WASM) --release --target-dir target/probes-initfail --features init-fail
	cp target/probes-nomalloc/$(WASM)/release/logward_probes.wasm $(PROBES_OUT)/logward_probes_nomalloc.wasm
	cp target/probes-initfail/$(WASM)/release/logward_probes.wasm $(PROBES_OUT)/logward_probes_initfail.wasm

# --- tests ------------------------------------------------------------------------------------
test: build probes test-rust test-configs fuel-report fuzz-smoke

# Unit, property and integration tests (the integration tests run the real .wasm modules
# through the harness library; tests that read ../shared/eval say so when it is absent).
test-rust:
	$(CARGO) test --release --workspace

# Every shipped Fluent Bit config, replayed over the examples it is for, against golden output.
test-configs: cli plugins
	scripts/check-configs.sh

# Deterministic fuel per record for the bundled examples, so regressions show in CI logs.
fuel-report: cli plugins
	scripts/fuel-report.sh

# A short fuzz run of every module through the real wasm (the long runs are in the notes).
fuzz-smoke: cli plugins
	scripts/fuzz-smoke.sh

# --- demo, bench ------------------------------------------------------------------------------
demo: build
	scripts/demo.sh

bench: build
	scripts/bench.sh

golden: build probes
	UPDATE_GOLDEN=1 $(CARGO) test --release --workspace
	UPDATE_GOLDEN=1 scripts/check-configs.sh

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
