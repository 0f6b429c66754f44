#!/usr/bin/env bash
# Ground-truth tier: real kbuild against Debian's 6.1, 6.12 and 7.3 headers, compared with kmodcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh kernels clangd   # clangd: the IntelliSense tests drive it over LSP
npx mocha --timeout 120000 'out/test/kbuild/**/*.test.js'
