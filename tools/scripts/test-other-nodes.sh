#!/usr/bin/env bash
# Runs the tests of every package but cube-builder, and one demo build, on each official Node that setup.sh
# installed under .tools/node<major>/ (22 and 24), after test-all.sh has run everything on the machine's Node.
# Each package's report goes to test-results.node<major>.json beside its test-results.json. The file given as
# $1 gets one line per expected report ("report <path>") and per check ("check demo-node22 pass"), which
# sum-test-results.mjs counts (a report that is missing counts as a failure). cube-builder's own tests (process
# trees, races, distributed builds: most of the suite's time) run on the machine's Node only; on the others its
# CLI is covered by the demo build, which must validate and equal the machine Node's demo cube (read back by
# Python tiledb).
set -uo pipefail
cd "$(dirname "$0")/../.."
checks_file="$1"
: >"$checks_file"
export PYTHON="${PYTHON:-$PWD/.venv/bin/python}"
vitest="$PWD/node_modules/vitest/vitest.mjs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

node apps/cube-builder/dist/cli.js demo --cube-uri "$work/demo-cube" >"$work/demo.log" 2>&1 || cat "$work/demo.log"

for major in ${NODE_MAJORS:-22 24}; do
  bin="$PWD/.tools/node$major/node_modules/.bin"
  if [ ! -x "$bin/node" ]; then
    echo "Node $major is not installed at $bin/node: run \`npm run setup\`"
    echo "check node$major-installed fail" >>"$checks_file"
    continue
  fi
  # First on PATH, so that whatever the tests start by name (node, tsx) runs on this version too.
  echo "== tests on Node $("$bin/node" --version)"
  for pkg in packages/*/ tools/*/ apps/*/; do
    pkg="${pkg%/}"
    [ "$pkg" = apps/cube-builder ] && continue
    grep -q '"test":' "$pkg/package.json" 2>/dev/null || continue
    report="$pkg/test-results.node$major.json"
    rm -f "$report"
    echo "report $report" >>"$checks_file"
    (cd "$pkg" && PATH="$bin:$PATH" TEST_REPORT="test-results.node$major.json" node "$vitest" run)
  done
  cube="$work/demo-cube-node$major"
  if PATH="$bin:$PATH" node apps/cube-builder/dist/cli.js demo --cube-uri "$cube" &&
    PATH="$bin:$PATH" node apps/cube-builder/dist/cli.js validate --cube-uri "$cube" &&
    "$PYTHON" apps/cube-builder/test/python/dump_cube.py "$cube" --compare "$work/demo-cube"; then
    echo "check demo-node$major pass" >>"$checks_file"
  else
    echo "check demo-node$major fail" >>"$checks_file"
  fi
done
