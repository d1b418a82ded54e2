#!/usr/bin/env bash
# The main job: build a Memento estimators cube from the demo experiment bundled with the cube builder,
# then describe it. The cube goes to ./demo-cube (replaced if it exists).
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm turbo run build --output-logs=errors-only
node apps/cube-builder/dist/cli.js demo --cube-uri demo-cube
node apps/cube-builder/dist/cli.js info --cube-uri demo-cube
