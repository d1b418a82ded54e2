#!/usr/bin/env bash
# The main job on the bundled demo experiment. Until the cube builder lands, this builds every package.
set -euo pipefail
cd "$(dirname "$0")/../.."
pnpm turbo run build
