#!/usr/bin/env bash
# AddressSanitizer over the executor's and the primitives' tests (unit and integration;
# not the doctests), with the standard library rebuilt instrumented (`-Zbuild-std`).
# Bounded: each crate's run has a time limit. Skips (exit 0, with a message) when no
# nightly toolchain with the standard library's source can be had.
#
# LeakSanitizer (part of ASan on Linux) is on: a leak fails the run like an invalid access.
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "asan: skipped (only set up for $target)"
  exit 0
fi
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "asan: skipped (no nightly toolchain on this machine)"
  exit 0
fi
if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
  if ! rustup component add --toolchain nightly rust-src >/dev/null 2>&1; then
    echo "asan: skipped (the nightly toolchain has no rust-src and it could not be added)"
    exit 0
  fi
fi

export RUSTFLAGS="-Zsanitizer=address"
export RUSTDOCFLAGS="-Zsanitizer=address"
export CARGO_TARGET_DIR=target/asan
# A panic's backtrace is slow to symbolise under ASan (tests that panic on purpose would
# run into their own time limits).
export RUST_BACKTRACE=0
# Symbolised reports; a leak or an invalid access exits non-zero.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}"

run() {
  local what=$1
  shift
  echo "== asan: $what"
  timeout "${WEFT_ASAN_TIMEOUT:-900}" cargo +nightly test -Zbuild-std --target "$target" "$@"
}

# The child process that limits its address space to 1 GiB cannot run under ASan, whose
# shadow memory alone reserves terabytes of it.
# `a_million_pending_timers_fire_quickly` bounds its wall-clock time, which ASan's
# instrumentation alone exceeds.
run "executor" -p weft-executor --lib --tests -- --skip thread_exhaustion_at_build \
  --skip a_million_pending_timers_fire_quickly
run "primitives" -p weft-primitives --lib --tests
