#!/usr/bin/env bash
# "Test module in VM" tier: real kbuild, Debian's kernel image (fetched with apt-get download into
# ~/.cache/kmod-tools/vm, never installed), real qemu (KVM if it boots, else TCG). About 2 minutes
# under TCG. Expects `npm run build` (or `npx tsc -b`) to have run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh kbuild vm
[ -f out/tools/src/kmod-vmtest.js ] || { echo "out/tools/src/kmod-vmtest.js missing: run 'npx tsc -b' first" >&2; exit 1; }
npx mocha --timeout 180000 'out/tools/src/vm/**/*.test.js' 'out/shared/src/oops/**/*.test.js'
