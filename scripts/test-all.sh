#!/usr/bin/env bash
# Every test tier, in order. Each tier installs what it needs (Debian packages through
# scripts/setup-system.sh, code-server into .tools/) or fails naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
tier() { printf '\n=== %s (%ss elapsed) ===\n' "$1" $((SECONDS - started)); }

tier "install + build"
npm ci --no-audit --no-fund >/dev/null
npm run build

tier "package (.vsix)"
bash scripts/test-package.sh

tier "lint"
npm run lint

tier "unit, LSP over stdio, client (task command lines, kernel dir, matchers on real kbuild logs)"
bash scripts/setup-system.sh kbuild
npm run test:unit

tier "adversarial (fuzz)"
bash scripts/test-fuzz.sh

tier "hostile workspaces (untrusted input: devices, FIFOs, bad URIs, refused requests, closed pipes)"
bash scripts/test-hostile.sh

tier "kbuild ground truth (real modpost)"
bash scripts/test-kbuild.sh

tier "real VS Code (code-server + chromium, offline)"
bash scripts/test-vscode.sh

tier "grammars (vscode-textmate)"
bash scripts/test-grammar.sh

tier "VM loop (real qemu)"
bash scripts/test-vm.sh

printf '\nall tiers passed in %ss\n' $((SECONDS - started))
