# --- probes (owner: host harness) -------------------------------------------------------------
# Raw-ABI probe modules for the harness contract tests (tests/probes, outside the workspace).
# Three builds of the same crate, all landing in target/probes/wasm32-wasip1/release/:
#   logward_probes.wasm          exports malloc/free (rustflags from .cargo/config.toml)
#   logward_probes_nomalloc.wasm no malloc/free export: RUSTFLAGS set explicitly, which makes
#                                cargo ignore the config's --export flags (WAMR app-heap tests)
#   logward_probes_initfail.wasm its _initialize prints and traps (start-up failure tests)
PROBES_MANIFEST := tests/probes/Cargo.toml
PROBES_OUT := target/probes/wasm32-wasip1/release

.PHONY: probes
probes:
	env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS cargo build --manifest-path $(PROBES_MANIFEST) \
		--target wasm32-wasip1 --release --target-dir target/probes
	env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-Cdebuginfo=0" cargo build --manifest-path $(PROBES_MANIFEST) \
		--target wasm32-wasip1 --release --target-dir target/probes-nomalloc
	env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS cargo build --manifest-path $(PROBES_MANIFEST) \
		--target wasm32-wasip1 --release --target-dir target/probes-initfail --features init-fail
	cp target/probes-nomalloc/wasm32-wasip1/release/logward_probes.wasm $(PROBES_OUT)/logward_probes_nomalloc.wasm
	cp target/probes-initfail/wasm32-wasip1/release/logward_probes.wasm $(PROBES_OUT)/logward_probes_initfail.wasm
