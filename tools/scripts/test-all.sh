#!/usr/bin/env bash
# Runs every test of every package (unit, property, crash and Python interop tests), then every package's tests
# but cube-builder's and a demo build on Node 22 and 24 (test-other-nodes.sh), and ends with
# one line "N passed, N failed, N skipped". Exits non-zero when any test fails, a package's run produced no report,
# or an interop suite (a test file named *interop*.test.ts or *parity*.test.ts) skipped a test or did not run:
# see sum-test-results.mjs.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PYTHON="${PYTHON:-$PWD/.venv/bin/python}"

find packages apps tools -name test-results.json -not -path '*/node_modules/*' -delete
pnpm turbo run build --output-logs=errors-only || { echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
pnpm turbo run test --continue --concurrency=1
status=$?
# The packages' tests and a demo build on official Node 22 and 24 too (installed by setup.sh under .tools/).
other_nodes="$(mktemp)"
bash tools/scripts/test-other-nodes.sh "$other_nodes"
# Static checks count as one test each in the summary.
checks=""
if pnpm turbo run typecheck --output-logs=errors-only; then checks="$checks typecheck:pass"; else checks="$checks typecheck:fail"; fi
if pnpm lint; then checks="$checks lint:pass"; else checks="$checks lint:fail"; fi
CHECKS="$checks" OTHER_NODE_RESULTS="$other_nodes" node tools/scripts/sum-test-results.mjs
summary=$?
rm -f "$other_nodes"
if [ $status -ne 0 ] || [ $summary -ne 0 ]; then exit 1; fi
