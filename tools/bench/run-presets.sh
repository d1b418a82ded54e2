#!/usr/bin/env bash
# Runs the cube benchmark on every preset experiment found under PRESETS_DIR (default /work/data/presets, each
# with its .done marker) plus the bundled demo experiment, then the subset-read benchmark on `multi`; prints
# each section (nothing is appended to BENCHMARKS.md: paste what you keep).
#   bash tools/bench/run-presets.sh WORK_DIR [PRESETS_DIR] [preset ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: run-presets.sh WORK_DIR [PRESETS_DIR] [preset ...]}
presets_dir=${2:-/work/data/presets}
shift $(( $# > 1 ? 2 : 1 ))
names=("$@")
if [ ${#names[@]} -eq 0 ]; then names=(demo small small-py4 multi large); fi
tsx="$here/node_modules/.bin/tsx"
for name in "${names[@]}"; do
  if [ "$name" = demo ]; then exp="$here/../../apps/cube-builder/demo/experiment"
  else
    exp="$presets_dir/$name"
    if [ ! -e "$exp/.done" ]; then echo "run-presets: $exp has no .done marker; skipped" >&2; continue; fi
  fi
  "$tsx" "$here/src/cube-bench.ts" --experiment "$exp" --work "$work/$name" --label "$name" --no-append
  if [ "$name" = multi ]; then "$tsx" "$here/src/subset-read.ts" --experiment "$exp" --work "$work/$name"; fi
done
