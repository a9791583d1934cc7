#!/usr/bin/env bash
# System calls per operation of the server side of `net/echo` (per round trip) and
# `net/accept_rate` (per accepted connection), for weft and for tokio.
#
# Each side's server runs alone (`compare --syscalls SIDE WORKLOAD ROUNDS`), with its
# client already started as another process, so that `strace -c -f -p` counts the
# server's threads only. strace slows every system call down; the counts, not the times,
# are what this measures.
#
# Usage: benches/compare/syscalls.sh [ROUNDS]   (needs strace; run from the repository root)
set -euo pipefail
rounds=${1:-5}
cargo bench --bench compare --no-run >/dev/null 2>&1
bin=$(ls -t target/release/deps/compare-* | grep -v '\.d$' | head -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for workload in ${WORKLOADS:-echo accept_rate}; do
    for side in weft tokio; do
        mkfifo "$tmp/go"
        "$bin" --syscalls "$side" "$workload" "$rounds" <"$tmp/go" >"$tmp/out" 2>"$tmp/err" &
        bench=$!
        exec 3>"$tmp/go"
        until grep -q '^ready' "$tmp/err" 2>/dev/null; do sleep 0.1; done
        strace -c -f -p "$bench" -o "$tmp/strace" &
        tracer=$!
        sleep 1 # strace attaches to every thread
        echo go >&3
        wait "$bench"
        exec 3>&-
        wait "$tracer" || true
        ops=$(awk '/^operations/ {print $2}' "$tmp/out")
        # Columns: % time, seconds, usecs/call, calls, [errors,] syscall.
        calls=$(awk '$NF == "total" {print $4}' "$tmp/strace")
        per=$(awk -v c="$calls" -v o="$ops" 'BEGIN {printf "%.2f", c / o}')
        echo "syscalls net/$workload $side calls=$calls operations=$ops per_operation=$per"
        grep -E '^ *[0-9]' "$tmp/strace" | grep -v total | sort -k4 -n -r | head -8 | sed "s/^/    $side: /"
        rm -f "$tmp/go"
    done
done
