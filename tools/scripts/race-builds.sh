#!/usr/bin/env bash
# Races for one cube, many times (the unit suite runs each once): two builds started 0-2 s apart, a --resume
# racing a build, an --overwrite racing a build. Each trial must leave exactly one winner (or a resume/overwrite
# that found the cube complete), the loser refused naming the lock's holder, and a cube equal to an
# uninterrupted build (dump_cube.py --compare, Python tiledb). Usage: race-builds.sh [TRIALS] (default 20).
set -euo pipefail
cd "$(dirname "$0")/../.."
TRIALS=${1:-20}
CLI=apps/cube-builder/dist/cli.js
EXP=apps/cube-builder/demo/experiment
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d /tmp/race-builds-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
build() { node "$CLI" build --experiment-uri "$EXP" --cube-uri "$1" --max-workers 1 "${@:2}"; }
build "$WORK/reference" >/dev/null 2>&1
fails=0
for kind in build resume overwrite; do
  refused=0; both=0
  for t in $(seq 1 "$TRIALS"); do
    cube="$WORK/$kind-$t"
    offset=$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.3f", rand() * 2 }')
    extra=(); [ "$kind" = resume ] && extra=(--resume); [ "$kind" = overwrite ] && extra=(--overwrite)
    build "$cube" >"$WORK/a.out" 2>"$WORK/a.err" & a=$!
    sleep "$offset"
    build "$cube" "${extra[@]}" >"$WORK/b.out" 2>"$WORK/b.err" & b=$!
    sa=0; wait $a || sa=$?; sb=0; wait $b || sb=$?
    ok=1
    if [ $sa -eq 0 ] && [ $sb -eq 0 ]; then
      [ "$kind" = build ] && ok=0 # two plain builds can never both succeed
      both=$((both + 1))
    elif [ $((sa + sb)) -eq 1 ]; then
      loser=$([ $sa -eq 0 ] && echo b || echo a)
      grep -Eq "is being written by .* pid [0-9]+|already exists: pass --resume" "$WORK/$loser.err" || ok=0
      refused=$((refused + 1))
    else ok=0; fi
    "$PY" apps/cube-builder/test/python/dump_cube.py "$cube" --compare "$WORK/reference" >/dev/null 2>&1 || ok=0
    [ -e "$cube.lock" ] && ok=0
    if [ $ok -eq 0 ]; then fails=$((fails + 1)); echo "FAIL $kind trial $t (offset $offset s, exits $sa/$sb)"; cat "$WORK/a.err" "$WORK/b.err" | tail -5; fi
    rm -rf "$cube"
  done
  echo "$kind racing a build: $TRIALS trials, loser refused in $refused, second run found the cube complete in $both, failures so far $fails"
done
[ $fails -eq 0 ] && echo "all $((3 * TRIALS)) trials: one writer, cube equal to an uninterrupted build" || { echo "$fails failed trials"; exit 1; }
