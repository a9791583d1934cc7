#!/usr/bin/env bash
# Miri over the executor's harness tests, the unit tests of the executor and of the
# primitives, and a selection of integration tests, bounded so that CI stays short.
# Skips (exit 0, with a message) when no nightly toolchain with Miri can be had.
#
# What Miri cannot run is filtered out by name: real sockets (Miri has no socket
# syscalls), child processes, and long timing loops. `WEFT_MODEL_CASES` keeps the model
# tests to a few sequences each.
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
# A panic's backtrace is costly under Miri and says nothing the test does not.
export RUST_BACKTRACE=0
export CARGO_TARGET_DIR=target/miri
cargo +nightly miri setup >/dev/null 2>&1 || true

# One run, bounded in time: a hang or a very slow case fails instead of stalling CI.
run() {
  local what=$1
  shift
  echo "== miri: $what"
  timeout "${WEFT_MIRI_TIMEOUT:-900}" cargo +nightly miri test "$@"
}

run "executor harness" -p weft-executor --test miri_harness
# Unit tests, a selection: the task state word, the cancel word, the ring, the timing
# wheel and the blocking pool's join and shutdown. Left out: the tests that are big on
# purpose (a million timers, a thousand jobs, the long steal race, the wheel's random
# model, two thousand timers fired in steps, a thousand timers slept through window by
# window) or bound their wall-clock time (a big jump of the wheel, the pool's keep-alive
# and wake-up limits), which Miri's slowness alone would fail, and the address lookup
# (it needs DNS).
run "executor unit tests" -p weft-executor --lib -- \
  task:: cancel:: ring::tests::fifo ring::tests::steal_takes time::wheel \
  blocking::tests::returns_the_closure blocking::tests::dropping_the_join \
  blocking::tests::shutdown blocking::tests::is_finished blocking::tests::errors_display \
  --skip a_million --skip random_operations_match \
  --skip a_big_jump_fires_everything_due_without_walking_ticks --skip sleeping_until_next_expiration \
  --skip sleeping_until_next_wake
run "primitives unit tests" -p weft-primitives --lib
WEFT_MODEL_CASES=3 run "primitives model tests" -p weft-primitives --test model
run "primitives misuse tests" -p weft-primitives --test misuse -- \
  --skip lock_shared_between_two_runtimes --skip semaphore_release_from_a_plain_thread \
  --skip primitives_work_without_a_weft_runtime
run "executor misuse tests (no sockets, no child processes)" -p weft-executor --test misuse -- \
  worker_threads thread_name_fn blocking_keep_alive uncancel cancel_abort awaiting_a_task_twice \
  seconds_that_are_not_durations a_task_panicking_with_a_non_string_payload
