#!/usr/bin/env bash
# Integration tier: the mocha suite in test/vscode/suite runs in a real VS Code extension host.
# Uses KMOD_VSCODE_EXECUTABLE (a desktop VS Code) when set, else the offline launcher, which it installs
# first (code-server's VS Code + Debian chromium; scripts/setup-code-offline.sh, fast when installed).
# Expects `npm run build` to have run (out/ and dist/). The exit code is the test run's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${KMOD_VSCODE_EXECUTABLE:-}" ]; then
  bash scripts/setup-code-offline.sh
fi
bash scripts/setup-system.sh kbuild clangd vm  # real kbuild against Debian's headers; IntelliSense starts clangd; Debug Module in VM boots qemu and drives gdb

[ -f out/test/vscode/runTest.js ] || { echo "out/test/vscode/runTest.js missing: run 'npm run build' first" >&2; exit 1; }
exec node out/test/vscode/runTest.js
