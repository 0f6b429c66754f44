#!/usr/bin/env bash
# Every test tier, in order. Each tier installs what it needs or fails naming the missing package.
set -euo pipefail
cd "$(dirname "$0")/.."

tier() { printf '\n=== %s ===\n' "$1"; }

tier "install + build"
npm ci --no-audit --no-fund >/dev/null
npm run build

tier "lint"
npm run lint

tier "unit + LSP (mocha)"
npm run test:unit

echo
echo "all tiers passed"
