#!/usr/bin/env bash
# Installs everything from scratch: pnpm, node modules (native addons built against the local Node headers),
# and a Python venv with the real TileDB stack that the interop tests compare against.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "12.4.2" ]; then
  npm i -g pnpm@12.4.2
fi
# node-gyp must use the Node headers installed with Node; downloading them is not possible here.
if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
pnpm install --frozen-lockfile

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --disable-pip-version-check -q -r tools/python/requirements.txt

# memento-de: its report test opens the HTML in a real headless browser, Debian's chromium (driven by playwright-core).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
pnpm turbo run build

# Redis (Debian's redis-server) for the queue-mode tests of cube-builder, which start it themselves on loopback.
if ! command -v redis-server >/dev/null 2>&1; then
  apt-get update && apt-get install -y redis-server
fi
