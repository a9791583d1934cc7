#!/usr/bin/env bash
# Runs test binaries N times while two CPU-burning processes compete for the cores: a
# test that passes alone and fails beside a build is a failing test.
#
#   scripts/stress-tests.sh N [TEST_TARGET...]
#
# With no target, every test binary of the workspace runs (the integration tests and the
# libraries' unit tests). A target is a test file's name (`executor_timers`,
# `group_reaction_order`, `seed_examples`, ...). Prints one line per run and a summary;
# exits non-zero if any run failed, with the failing run's output kept in target/stress/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
shift || true
targets=("$@")

echo "== building the test binaries"
mapfile -t lines < <(cargo test --workspace --no-run --message-format=json 2>/dev/null \
  | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"].get("test"):
        kind = m["target"]["kind"][0]
        print(m["target"]["name"], kind, m["executable"], m["manifest_path"])
')

selected=()
for l in "${lines[@]}"; do
  read -r name kind exe manifest <<<"$l"
  if [ ${#targets[@]} -eq 0 ]; then
    selected+=("$name|$exe|$(dirname "$manifest")")
  else
    for t in "${targets[@]}"; do
      [ "$t" = "$name" ] && selected+=("$name|$exe|$(dirname "$manifest")")
    done
  fi
done
if [ ${#selected[@]} -eq 0 ]; then
  echo "no test binary matches: ${targets[*]}" >&2
  exit 2
fi

burners=()
cleanup() { for p in "${burners[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
for _ in 1 2; do
  (while :; do :; done) &
  burners+=($!)
done
echo "== two CPU burners running (pids ${burners[*]}); $runs runs of ${#selected[@]} binaries"

# A proc-macro crate's unit tests link the toolchain's libstd dynamically: cargo puts the
# target's library directory on the library path when it runs them, and so does this script.
export LD_LIBRARY_PATH="$(rustc --print target-libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

mkdir -p target/stress
failed=0
for run in $(seq 1 "$runs"); do
  for s in "${selected[@]}"; do
    IFS='|' read -r name exe dir <<<"$s"
    log="target/stress/$name.run$run.log"
    start=$EPOCHREALTIME
    # Integration tests run from their package's directory, as cargo runs them.
    if (cd "$dir" && "$exe" -q >"$OLDPWD/$log" 2>&1); then
      rm -f "$log"
      status=ok
    else
      status=FAILED
      failed=$((failed + 1))
    fi
    printf '%-40s run %3d  %-6s %6.1f s\n' "$name" "$run" "$status" \
      "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')"
  done
done
echo "== $failed failed run(s) of $((runs * ${#selected[@]}))"
[ "$failed" -eq 0 ] || { echo "logs of the failed runs: target/stress/"; exit 1; }
