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

# S3 tests and benchmarks: moto's standalone S3 server (PyPI) in the venv, and Toxiproxy (built from its Go
# module) to put latency, resets and stalls between the client and the server. Both run on loopback only.
.venv/bin/pip install --disable-pip-version-check -q "moto[server]==5.2.5"
if [ ! -x .tools/bin/toxiproxy-server ]; then
  if ! command -v go >/dev/null 2>&1; then apt-get update -q && apt-get install -y -q golang-go; fi
  mkdir -p .tools/bin
  GOBIN="$PWD/.tools/bin" go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0
  mv .tools/bin/server .tools/bin/toxiproxy-server
fi

# Official Node 22 and 24 binaries (npm's node-linux-<arch> packages) under .tools/node<major>/, beside the
# machine's Node, not over it: test-all.sh runs the packages' tests and a demo build on each (test-other-nodes.sh).
case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) echo "no official Node package for $(uname -m)" >&2; exit 1 ;;
esac
for major in 22 24; do
  if [ ! -x ".tools/node$major/node_modules/.bin/node" ]; then
    npm install --prefix ".tools/node$major" --no-audit --no-fund --loglevel=error "node-linux-$node_arch@$major"
  fi
done
