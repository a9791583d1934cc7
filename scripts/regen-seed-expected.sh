#!/usr/bin/env bash
# The seed recipes' expected outputs come from CPython itself: this script runs each
# program of tests/seeds/python/ with CPython 3.13 (PYENV_VERSION=3.13.0 python3) and
# writes what it printed to tests/seeds/expected/<name>.txt, with `*` replacing the parts
# that vary between runs (the `# wildcard: <regex>` comments of each program, applied by
# scripts/seed-wildcard.py, the one place that knows the rules). tests/seed_examples.rs
# then checks each weft example against that file.
#
#   scripts/regen-seed-expected.sh                      # every program
#   scripts/regen-seed-expected.sh seed002_shield       # only the named ones
#   scripts/regen-seed-expected.sh --check [name...]    # run each program RUNS times
#                                                       # (default 5) and match each run
#                                                       # against its expected file;
#                                                       # LOAD=1 adds two CPU burners
#
# Files in tests/seeds/python/ whose name starts with `_` are stand-ins the programs
# import (a local HTTP server and aiohttp/httpx/requests clients; pytest), not programs.
# The `<name>.weft.txt` files are not CPython's output and are never touched here: they
# record, for the few recipes where weft prints something else on purpose, what weft
# prints, with the reason on their first line (see docs/seeds.md).
#
# A program that exits non-zero or runs longer than $TIMEOUT seconds is reported (and,
# when regenerating, its expected file is still written with what it printed).
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
wildcard="$root/scripts/seed-wildcard.py"
expected="$root/tests/seeds/expected"
cd "$root/tests/seeds/python" || exit 1
export PYENV_VERSION="${PYENV_VERSION:-3.13.0}"
export PYTHONDONTWRITEBYTECODE=1
TIMEOUT="${TIMEOUT:-20}"
PY="${PY:-python3}"

check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi

if [ "$#" -gt 0 ]; then
  progs=()
  for n in "$@"; do progs+=("${n%.py}.py"); done
else
  progs=(seed*.py)
fi

if [ "$check" -eq 0 ]; then
  status=0
  for f in "${progs[@]}"; do
    name="${f%.py}"
    out="$(mktemp)"
    timeout "$TIMEOUT" "$PY" "$f" >"$out" 2>/dev/null
    rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "WARNING: $f exited with status $rc" >&2
      status=1
    fi
    "$PY" "$wildcard" apply "$f" <"$out" >"$expected/$name.txt"
    rm -f "$out"
    echo "regenerated tests/seeds/expected/$name.txt"
  done
  exit $status
fi

RUNS="${RUNS:-5}"
burners=()
if [ "${LOAD:-0}" = 1 ]; then
  yes >/dev/null & burners+=($!)
  yes >/dev/null & burners+=($!)
  trap 'kill "${burners[@]}" 2>/dev/null' EXIT
fi
fail=0
for f in "${progs[@]}"; do
  name="${f%.py}"
  ok=0
  for ((i = 1; i <= RUNS; i++)); do
    out="$(mktemp)"
    timeout "$TIMEOUT" "$PY" "$f" >"$out" 2>/dev/null
    rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "FAIL $name run $i: exit status $rc"
      fail=$((fail + 1))
    elif "$PY" "$wildcard" match "$f" "$expected/$name.txt" <"$out"; then
      ok=$((ok + 1))
    else
      echo "FAIL $name run $i: output differs (diff above)"
      fail=$((fail + 1))
    fi
    rm -f "$out"
  done
  echo "$name: $ok/$RUNS ok"
done
echo "failures: $fail"
[ "$fail" -eq 0 ]
