#!/usr/bin/env bash
# Every public item of weft's crates has a runnable example in its docs: lists the public
# items rustdoc finds without one (rustdoc's `missing_doc_code_examples` lint, which needs
# a nightly toolchain) and fails if there are any.
#
#   scripts/doc-examples.sh            # every crate
#   scripts/doc-examples.sh weft-net   # ... or the crates named
#
# Without a nightly toolchain it says so and exits 0: the examples themselves run in
# `cargo test --workspace` (doc tests) on stable; this only checks that none is missing.
set -uo pipefail
cd "$(dirname "$0")/.."

crates=("$@")
if [ ${#crates[@]} -eq 0 ]; then
  crates=(weft weft-executor weft-primitives weft-structured weft-macros)
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "doc-examples: no nightly toolchain (rustup toolchain install nightly): not checked"
  exit 0
fi

# Its own target directory: the flags differ from a normal build's, and sharing would
# rebuild the main one's documentation each time.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/doc-examples"
missing=0
for crate in "${crates[@]}"; do
  out=$(cargo +nightly rustdoc -q -p "$crate" --all-features -- \
    -Z unstable-options -Zcrate-attr='feature(rustdoc_missing_doc_code_examples)' \
    -W rustdoc::missing_doc_code_examples 2>&1)
  status=$?
  if [ $status -ne 0 ]; then
    if grep -q 'unknown feature\|unknown lint\|invalid option' <<<"$out"; then
      echo "doc-examples: this nightly does not know the lint: not checked"
      exit 0
    fi
    echo "$out"
    echo "doc-examples: rustdoc failed on $crate"
    exit 1
  fi
  found=$(grep -A1 'missing code example' <<<"$out" | grep -- '-->' | sed -E 's/^ *--> //')
  if [ -n "$found" ]; then
    n=$(wc -l <<<"$found")
    echo "$crate: $n public items without an example:"
    sed 's/^/  /' <<<"$found"
    missing=$((missing + n))
  fi
done
if [ $missing -ne 0 ]; then
  echo "doc-examples: $missing public items without an example"
  exit 1
fi
echo "doc-examples: every public item has an example"
