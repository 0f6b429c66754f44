#!/usr/bin/env bash
# Ground-truth tier: real kbuild against Debian's kernel headers, compared with kmodcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh kbuild
npx mocha --timeout 120000 'out/test/kbuild/**/*.test.js'
