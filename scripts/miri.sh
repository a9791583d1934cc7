#!/usr/bin/env bash
# Miri over the executor's harness tests and the unit tests of the lock-free code, bounded
# so that CI stays short. Skips (exit 0, with a message) when no nightly toolchain with
# Miri can be had on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "miri: skipped (no nightly toolchain on this machine)"
  exit 0
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  if ! rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1; then
    echo "miri: skipped (the nightly toolchain has no Miri and it could not be added)"
    exit 0
  fi
fi

export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
export CARGO_TARGET_DIR=target/miri
cargo +nightly miri setup >/dev/null 2>&1 || true
echo "== miri: executor harness"
cargo +nightly miri test -p weft-executor --test miri_harness
