#!/usr/bin/env bash
# Kbuild client tier: the build/load/log helpers of the extension and the modpost output mapper,
# tested against real kbuild builds of the fixture modules, the real kernel log and real
# insmod/rmmod (never loading anything). Needs the kbuild packages (kernel headers, make, gcc, kmod).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh kbuild
npx tsc -b
npx mocha --timeout 120000 \
  'out/client/src/kbuild/**/*.test.js' \
  'out/server/src/modpost/**/*.test.js'
